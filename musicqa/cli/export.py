"""``python -m musicqa export OUT --format mullama --out DIR``."""

from __future__ import annotations

import argparse
from pathlib import Path

FORMATS = ("mullama",)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a dataset folder in another project's format",
                       description="Export a musicqa dataset folder. mullama: the MU-LLaMA repo's MusicQA/ folder: "
                                   "MusicQA/{Pretrain,Finetune,Eval}MusicQA.json (MusicCaps, MTT train, MTT test) "
                                   "and audios/<source_id>.wav, where the reference's loader reads them.")
    p.add_argument("dataset", type=Path, help="a folder written by `python -m musicqa build`")
    p.add_argument("--format", choices=FORMATS, default="mullama", help="output format (default: mullama)")
    p.add_argument("--out", type=Path, required=True, help="output folder (put it at <MU-LLaMA repo>/MusicQA)")
    p.add_argument("--text-only", action="store_true",
                   help="write the JSON files only (a dataset without audio; the reference cannot train on it)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from musicqa.export import export_mullama

    counts = export_mullama(args.dataset, args.out, text_only=args.text_only)
    for name, n in counts.items():
        print(f"{name}: {n} QA records")
    return 0
