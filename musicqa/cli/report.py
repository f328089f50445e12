"""``python -m musicqa report OUT``: write OUT/report/index.html for a built dataset folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from musicqa.config import add_flags, from_args
from musicqa.report import ReportConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` parser; its flags are generated from ReportConfig."""
    parser = subparsers.add_parser(
        "report", help="write an HTML report (plots, audio sample, QA pairs) for a dataset folder",
        description="Write OUT/report/index.html: counts, drop reasons, answer lengths, question types, tag and "
                    "genre coverage, and a sample of clips with audio players and their QA pairs. The page needs "
                    "no network; open it from disk or serve OUT/report.")
    parser.add_argument("out", type=Path, metavar="OUT", help="dataset folder written by `python -m musicqa build`")
    parser.add_argument("--config", type=Path, default=None, help="TOML file with ReportConfig keys")
    add_flags(parser, ReportConfig)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Resolve the config, write the report and print where it is."""
    from musicqa.report import write_report

    config = from_args(ReportConfig, args, args.config)
    index = write_report(args.out, config)
    print(f"report written to {index}")
    return 0
