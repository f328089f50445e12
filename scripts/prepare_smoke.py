"""Prepare the offline smoke build: tiny models + real audio laid out as the sources expect.

    python scripts/prepare_smoke.py [--out .smoke] [--rows 12]

MusicCaps/MTT audio can't be fetched here, so the real clips in sample_data/audio are copied
under the names the sources look for: ``{ytid}.mp3`` for the first ROWS MusicCaps rows, and each
``mp3_path`` of the MTT fixture. configs/smoke.toml then runs the real pipeline on them.
"""

from __future__ import annotations

import argparse
import csv
import logging
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"
MTT_FIXTURE = REPO / "tests" / "fixtures" / "mtt" / "annotations_final.csv"
log = logging.getLogger("prepare_smoke")


def clips() -> list[Path]:
    found = sorted(p for p in (SAMPLE_DATA / "audio").glob("asc-*.mp3") if "long" not in p.name)
    if not found:
        raise SystemExit(f"no clips in {SAMPLE_DATA / 'audio'}")
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / ".smoke", help="folder for models and audio")
    ap.add_argument("--rows", type=int, default=12, help="MusicCaps rows that get audio")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_tiny_models.py"), str(args.out / "models")],
                   check=True)
    lay_out_audio(args.out, args.rows)
    return 0


def lay_out_audio(out: Path, rows: int) -> None:
    """Copy the sample_data clips to ``out/audio/musiccaps/{ytid}.mp3`` and ``out/audio/magnatagatune/<mp3_path>``."""
    pool = clips()
    mc = out / "audio" / "musiccaps"
    mc.mkdir(parents=True, exist_ok=True)
    with open(SAMPLE_DATA / "musiccaps-public.csv", newline="", encoding="utf-8") as fh:
        for i, row in zip(range(rows), csv.DictReader(fh)):
            shutil.copyfile(pool[i % len(pool)], mc / f"{row['ytid']}.mp3")
    mtt = out / "audio" / "magnatagatune"
    n = 0
    with open(MTT_FIXTURE, newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh, delimiter="\t")):  # tab-separated, fields quoted
            rel = Path(row["mp3_path"])
            if rel.is_absolute() or ".." in rel.parts:
                continue  # the fixture's deliberate path-escape row
            (mtt / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pool[i % len(pool)], mtt / rel)
            n += 1
    log.info("smoke audio: %d MusicCaps clips in %s, %d MTT clips in %s", rows, mc, n, mtt)


if __name__ == "__main__":
    raise SystemExit(main())
