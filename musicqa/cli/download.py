"""``python -m musicqa download {musiccaps,magnatagatune}``: fetch the audio a build needs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from musicqa.config import add_flags


def register(sub: argparse._SubParsersAction) -> None:
    from musicqa.download.config import MTTDownloadConfig, MusicCapsDownloadConfig

    p = sub.add_parser("download", help="download MusicCaps or MagnaTagATune audio (resumable, with a manifest)",
                       description=__doc__)
    targets = p.add_subparsers(dest="target", required=True, metavar="DATASET")

    mc = targets.add_parser("musiccaps", help="each CSV row's start_s..end_s section from YouTube, as {ytid}.flac",
                            description=MusicCapsDownloadConfig.__doc__)
    mc.add_argument("--csv", type=Path, required=True, help="MusicCaps CSV (columns ytid, start_s, end_s, ...)")
    mc.add_argument("--out", type=Path, required=True, help="folder for {ytid}.flac and manifest.jsonl")
    mc.add_argument("--config", type=Path, default=None, help="TOML file of options (flags override it)")
    add_flags(mc, MusicCapsDownloadConfig)
    mc.set_defaults(func=run_musiccaps)

    mtt = targets.add_parser("magnatagatune", help="the MTT mp3 archive and annotations, or adopt an extracted tree",
                             description=MTTDownloadConfig.__doc__)
    mtt.add_argument("--out", type=Path, required=True,
                     help="folder for annotations_final.csv, clip_info_final.csv and mp3/ (the build's audio dir)")
    mtt.add_argument("--config", type=Path, default=None, help="TOML file of options (flags override it)")
    add_flags(mtt, MTTDownloadConfig)
    mtt.set_defaults(func=run_magnatagatune)


def run_musiccaps(args: argparse.Namespace) -> int:
    from musicqa.config import from_args
    from musicqa.download.config import MusicCapsDownloadConfig
    from musicqa.download.musiccaps import download_musiccaps

    cfg = from_args(MusicCapsDownloadConfig, args, args.config)
    summary = download_musiccaps(args.csv, args.out, cfg)
    print(json.dumps(summary.to_dict(), indent=2))
    return 0


def run_magnatagatune(args: argparse.Namespace) -> int:
    from musicqa.config import from_args
    from musicqa.download.config import MTTDownloadConfig
    from musicqa.download.mtt import download_magnatagatune

    cfg = from_args(MTTDownloadConfig, args, args.config)
    summary = download_magnatagatune(args.out, cfg)
    print(json.dumps(summary.to_dict(), indent=2))
    return 0
