"""``python -m musicqa <command>``: dispatch to one module per subcommand.

Each module in COMMANDS exposes ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed namespace and returning an exit code. Heavy imports
(torch, vllm, datasets) happen inside those callables so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from musicqa.errors import AudioError, InputError

COMMANDS = ("build", "audit", "export", "download", "report")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m musicqa", description="Build, audit, export and inspect "
                                     "music question-answering datasets. Training: python -m musicqa.train.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log DEBUG messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    try:  # the build's flags come from the sources: a source breaking its contract is one line, even for --help
        for name in COMMANDS:
            importlib.import_module(f"musicqa.cli.{name}").register(sub)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    try:
        return int(args.func(args) or 0)
    except (InputError, AudioError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
