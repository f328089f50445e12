"""Command-line entry points; each subcommand lives in its own module with ``register()``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def config_command(prog: str, doc: str, cls: type, run: Callable[[Any], int], argv: list[str] | None,
                   preset: Callable[[dict], dict] | None = None) -> int:
    """``python -m musicqa.<prog>``: flags from ``cls``, optional ``--config`` TOML, one-line errors (exit 2).

    Shared by the single-command modules (infer, evaluate) so they parse, log and report errors the same way.
    """
    from musicqa.cli.__main__ import one_line_errors
    from musicqa.config import add_flags, from_args

    ap = argparse.ArgumentParser(prog=f"python -m musicqa.{prog}", description=doc.splitlines()[0])
    ap.add_argument("--config", type=Path, default=None, help=f"TOML file with {cls.__name__} keys")
    ap.add_argument("-v", "--verbose", action="store_true", help="log DEBUG messages")
    add_flags(ap, cls)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    return one_line_errors(lambda: run(from_args(cls, args, args.config, preset=preset)))
