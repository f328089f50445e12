"""``python -m musicqa audit INPUT --out OUT.jsonl [--clean CLEAN_OUT]``: filter verdicts for an existing QA set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from musicqa.config import add_flags, from_args

DESCRIPTION = """Run musicqa's QA filters over an existing music QA set and report, for every pair, the
reasons it would be dropped. INPUT is a MU-LLaMA JSON file (like EvalMusicQA.json), a JSON Lines file
with question/answer and optional context/clip_id/id, or a musicqa dataset folder. Pairs without a
context (the MU-LLaMA format) skip the grounding check. Bad records are reported with their line and
skipped; the exit code is then 1 (0 when every record was read, 2 when the input can't be read)."""


def register(subparsers: Any) -> None:
    """Add the ``audit`` subcommand."""
    from musicqa.audit import AuditConfig

    parser = subparsers.add_parser("audit", help="report filter verdicts for an existing QA set",
                                   description=DESCRIPTION)
    parser.add_argument("input", type=Path, metavar="INPUT", help="JSON, JSONL file or dataset folder")
    parser.add_argument("--config", type=Path, default=None, help="TOML file with audit options")
    add_flags(parser, AuditConfig)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Audit, print the per-reason table to stdout, and return the exit code."""
    from musicqa.audit import AuditConfig, audit

    cfg = from_args(AuditConfig, args, args.config)
    result = audit(args.input, cfg, on_error=lambda message: print(f"error: {message}", file=sys.stderr))
    counts = result.counts
    print(f"{args.input} ({result.input_format}): {counts.pairs} pairs, {counts.kept} kept, "
          f"{counts.dropped} with at least one drop reason")
    print(counts.table())
    print(f"verdicts: {cfg.out}")
    if cfg.clean is not None:
        print(f"clean ({result.input_format}, {result.clean_pairs} pairs): {cfg.clean}")
    if result.errors:
        print(f"{result.errors} bad record(s) skipped (see the errors above)", file=sys.stderr)
        return 1
    return 0
