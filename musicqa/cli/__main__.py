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
from collections.abc import Callable

from musicqa.errors import AudioError, InputError, os_error_line

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
    return one_line_errors(lambda: int(args.func(args) or 0))


def one_line_errors(run: Callable[[], int]) -> int:
    """``run()``'s exit code, or 2 after one ``error: ...`` line for bad input or a failed file operation.

    An OSError no stage named a path for still gets its own (``err.filename``); bugs keep their traceback.
    """
    try:
        return run()
    except (InputError, AudioError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {os_error_line(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
