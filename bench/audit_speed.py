"""How fast ``audit`` runs: 50,000 pairs through every filter, end to end (read, filter, write).

    python bench/audit_speed.py [--pairs 50000] [--keep-files]

Builds a JSON Lines input from the real EvalMusicQA.json text (questions and answers), giving each
clip a real MusicCaps caption as context so the grounding filter does its full work, then times
``musicqa.audit.audit`` on it in this one process. Target (issue 3): under 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from musicqa.audit import AuditConfig, audit  # noqa: E402

SAMPLE_DATA = REPO / "sample_data"


def make_input(path: Path, n_pairs: int) -> None:
    """``n_pairs`` JSONL records cycling over the seed's pairs, 9 per clip, each clip with a real caption."""
    seed = json.loads((SAMPLE_DATA / "EvalMusicQA.json").read_text(encoding="utf-8"))
    pairs = [(r["conversation"][0]["value"], r["conversation"][1]["value"]) for r in seed]
    with open(SAMPLE_DATA / "musiccaps-public.csv", encoding="utf-8") as fh:
        captions = [row["caption"] for row in csv.DictReader(fh)]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n_pairs):
            question, answer = pairs[i % len(pairs)]
            clip = i // 9
            out.write(json.dumps({"id": i, "clip_id": f"clip{clip}", "question": question, "answer": answer,
                                  "context": captions[clip % len(captions)]}) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--keep-files", action="store_true", help="leave the generated input and output")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="audit-speed-"))
    src = tmp / "pairs.jsonl"
    make_input(src, args.pairs)
    start, cpu = time.perf_counter(), time.process_time()
    result = audit(src, AuditConfig(out=tmp / "out.jsonl", progress=False))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"audited {result.counts.pairs:,} pairs in {seconds:.1f} s wall, {cpu:.1f} s CPU: "
          f"{result.counts.pairs / seconds:,.0f} pairs/s ({result.counts.kept:,} kept); target < 30 s for 50,000")
    if args.keep_files:
        print(f"files in {tmp}")
    else:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
