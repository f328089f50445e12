"""Retrain the learned filter layer from the labelled pairs and write the weights the package ships.

    python scripts/train_filter_classifier.py [--data data/filters] [--out musicqa/filters/classifier.npz]

Embeds every labelled pair with all-MiniLM-L6-v2, fits one logistic regression per family
(degenerate, refusal, leak) on all batches, and sets each family's threshold from grouped
cross-validation over the batches (see musicqa/filters/training.py). Deterministic: a rerun on the
same data reproduces the shipped weights (tests/filters/test_learned.py checks it). Needs scikit-learn.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from musicqa.filters import training  # noqa: E402
from musicqa.filters.learned import WEIGHTS  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO / "data" / "filters", help="folder of labelled *.jsonl")
    parser.add_argument("--out", type=Path, default=REPO / "musicqa" / "filters" / WEIGHTS, help="weights file")
    parser.add_argument("--c", type=float, default=training.C, help="inverse L2 regularisation strength")
    parser.add_argument("--budget", type=float, default=training.BUDGET,
                        help="share of rule-kept good pairs each family's classifier may drop (out of fold)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = training.load_labelled(args.data)
    rule_kept = np.array([not fired for fired in training.rule_predictions(rows)])
    x = training.row_features(rows)
    weights = training.train(x, rows, rule_kept, c=args.c, budget=args.budget)
    weights.save(args.out)
    print(f"{len(rows)} pairs from {weights.meta['batches']} batches -> {args.out} "
          f"({args.out.stat().st_size / 1024:.0f} kB); thresholds: "
          + ", ".join(f"{f} {t:.2f}" for f, t in weights.threshold.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
