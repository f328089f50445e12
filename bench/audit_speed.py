"""How fast ``audit`` runs, end to end (read, filter, write), with and without the learned layer.

    python bench/audit_speed.py [--pairs 50000] [--input sample_data/EvalMusicQA.json] [--keep-files]

Without ``--input``, builds a JSON Lines input from the real EvalMusicQA.json text (questions and
answers), giving each clip a real MusicCaps caption as context so the grounding filter does its full
work. Times ``musicqa.audit.audit`` on it in this one process twice: the rules alone, then with the
learned layer (sentence embeddings + classifiers; the model load and int8 quantisation are included).
Prints wall and CPU time: on a shared machine the CPU time is the steadier figure. Targets: rules alone on
50,000 pairs under 30 s (issue 3); EvalMusicQA.json's 5,040 pairs with the learned layer under 60 s
(issue 13), both on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from musicqa.audit import AuditConfig, audit  # noqa: E402
from musicqa.filters import FiltersConfig  # noqa: E402

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
    parser.add_argument("--pairs", type=int, default=50_000, help="pairs to generate (without --input)")
    parser.add_argument("--input", type=Path, default=None, help="time this input instead (e.g. EvalMusicQA.json)")
    parser.add_argument("--keep-files", action="store_true", help="leave the generated input and output")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="audit-speed-"))
    src = args.input
    if src is None:
        src = tmp / "pairs.jsonl"
        make_input(src, args.pairs)
    seconds = {}
    for label, classifier in (("rules only", False), ("rules + learned layer", True)):
        cfg = AuditConfig(out=tmp / "out.jsonl", progress=False, filters=FiltersConfig(classifier=classifier))
        start, cpu = time.perf_counter(), time.process_time()
        result = audit(src, cfg)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        seconds[label] = wall
        print(f"{label}: audited {result.counts.pairs:,} pairs of {src.name} in {wall:.1f} s wall, {cpu:.1f} s CPU: "
              f"{result.counts.pairs / wall:,.0f} pairs/s ({result.counts.kept:,} kept)")
    import torch

    print(f"learned layer costs {seconds['rules + learned layer'] / seconds['rules only']:.1f}x the rules alone; "
          f"load average {os.getloadavg()[0]:.1f} on {len(os.sched_getaffinity(0))} cores, "
          f"torch threads {torch.get_num_threads()} (CPU time above wall time means both cores worked)")
    if args.keep_files:
        print(f"files in {tmp}")
    else:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
