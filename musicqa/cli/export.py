"""``python -m musicqa export OUT --format mullama --out DIR``."""

from __future__ import annotations

import argparse
from pathlib import Path

FORMATS = ("mullama",)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a dataset folder in another project's format",
                       description="Export a musicqa dataset folder. mullama: the MU-LLaMA repo's JSON files "
                                   "(PretrainMusicQA.json = MusicCaps, FinetuneMusicQA.json = MTT train, "
                                   "EvalMusicQA.json = MTT test) plus audios/<source_id>.wav.")
    p.add_argument("dataset", type=Path, help="a folder written by `python -m musicqa build`")
    p.add_argument("--format", choices=FORMATS, default="mullama", help="output format (default: mullama)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from musicqa.export import export_mullama

    counts = export_mullama(args.dataset, args.out)
    for name, n in counts.items():
        print(f"{name}: {n} QA records")
    return 0
