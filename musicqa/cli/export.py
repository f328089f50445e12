"""``python -m musicqa export OUT --format mullama|muchomusic --out DIR``."""

from __future__ import annotations

import argparse
from pathlib import Path

FORMATS = ("mullama", "muchomusic")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a dataset folder in another project's format",
                       description="Export a musicqa dataset folder. mullama: the MU-LLaMA repo's MusicQA/ folder: "
                                   "MusicQA/{Pretrain,Finetune,Eval}MusicQA.json (MusicCaps, MTT train, MTT test) "
                                   "and audios/<source_id>.wav, where the reference's loader reads them. "
                                   "muchomusic: the multiple-choice items (the 'mcq' column: build with "
                                   "--prompts.tasks ... mcq) as "
                                   "DIR/muchomusic.csv with the MuChoMusic benchmark's header, and DIR/audio/, for "
                                   "python -m musicqa.evaluate --benchmark muchomusic --questions "
                                   "DIR/muchomusic.csv --audio-dir DIR/audio.")
    p.add_argument("dataset", type=Path, help="a folder written by `python -m musicqa build`")
    p.add_argument("--format", choices=FORMATS, default="mullama", help="output format (default: mullama)")
    p.add_argument("--out", type=Path, required=True, help="output folder (mullama: put it at <MU-LLaMA repo>/MusicQA)")
    p.add_argument("--text-only", action="store_true",
                   help="write the JSON/CSV files only (a dataset without audio; nothing can be evaluated or "
                        "trained on it)")
    p.add_argument("--splits", nargs="*", default=[], metavar="SPLIT",
                   help="muchomusic: export only these splits' items (default: all), e.g. test for a held-out "
                        "benchmark")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from musicqa.errors import InputError
    from musicqa.export import export_muchomusic, export_mullama

    if args.format == "muchomusic":
        counts = export_muchomusic(args.dataset, args.out, tuple(args.splits), text_only=args.text_only)
        print(f"{args.out / 'muchomusic.csv'}: {counts['items']} questions on {counts['clips']} clips")
        return 0
    if args.splits:
        raise InputError("--splits applies to --format muchomusic only (mullama follows each source's mapping)")
    counts = export_mullama(args.dataset, args.out, text_only=args.text_only)
    for name, n in counts.items():
        print(f"{name}: {n} QA records")
    return 0
