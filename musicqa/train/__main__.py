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
            from musicqa.train.model import LLAMA2_7B, parameter_counts

            counts = parameter_counts(cfg.model)
            for name, n in counts.items():
                print(f"{name:45s} {n:>15,}")
            # The reference also marks the gates of its non-adapted layers trainable, though they never get a
            # gradient; its printed pretrain count is ours plus those.
            unused = (LLAMA2_7B["num_hidden_layers"] - cfg.model.adapter_layers) * LLAMA2_7B["num_attention_heads"]
            pre = counts["pretrain trainable (bridge+prefix+gates)"]
            print(f"note: the reference prints {pre + unused:,} pretrain trainables: {unused:,} more, the gates of "
                  "its first layers, which it marks trainable but never trains (musicqa drops them)")
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
