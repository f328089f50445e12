"""``python -m musicqa.train --config configs/train_pretrain.toml [--flags]``: train one MU-LLaMA phase.

``--param-counts`` prints the full-size parameter counts (MERT-v1-330M + LLaMA-2-7B, computed on
the meta device: nothing is downloaded or allocated) and exits. ``--preset mullama`` trains with
the reference MU-LLaMA recipe (musicqa/train/presets.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from musicqa.config import add_flags, from_args
from musicqa.errors import AudioError, InputError
from musicqa.train.config import TrainConfig


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m musicqa.train", description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=None, help="TOML file with TrainConfig keys")
    ap.add_argument("--param-counts", action="store_true", help="print full-size parameter counts and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="log DEBUG messages")
    add_flags(ap, TrainConfig)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    try:
        from musicqa.train.presets import train_values

        cfg = from_args(TrainConfig, args, args.config, preset=train_values)
        if args.param_counts:
            from musicqa.train.model import parameter_counts

            for name, n in parameter_counts(cfg.model).items():
                print(f"{name:45s} {n:>15,}")
            return 0
        if not cfg.data.dataset:
            raise InputError("--data.dataset is required (a musicqa dataset folder or hub id)")
        from musicqa.train.loop import run

        print(run(cfg))
        return 0
    except (InputError, AudioError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
