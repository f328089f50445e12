"""Recall per family and good pairs kept, by grouped cross-validation over the labelling batches.

    python bench/filters_quality.py [--data data/filters] [--rules-only] [--show-errors] [--c 1.0] [--budget 0.01]

Each row of ``data/filters/*.jsonl`` has ``question``, ``answer``, ``context`` (caption or tags; "" for none),
``clip_id``, ``batch`` (who wrote it, when) and ``label``: the families that should drop the pair (``[]`` = a
good pair); an optional ``analysis`` object carries the clip's measured facts, which the grounding rules see
as ``Clip.facts`` (as they would after the analysis stage). The rules run over all rows in file order with
every reason collected, as ``audit`` does. The learned layer is scored by leaving one batch out at a time: the
batch is judged by a classifier fitted on the other batches only (see musicqa/filters/training.py), so the
figure is what a new writer's phrasings would meet, not the fit. Recall for a family is the share of pairs
labelled with it that earn one of its reasons; precision the share of pairs earning one of its reasons that
are labelled with it; "good kept" the share of unlabelled pairs that earn no reason. Targets (issues 13 and
24): recall >= 0.95 for leak, refusal and degenerate, >= 0.80 for grounding, and >= 0.95 of good pairs kept.
Writes bench/out/filters_quality.json.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import write_json  # noqa: E402
from musicqa.filters import FILTER_NAMES, training  # noqa: E402

DEFAULT_DATA = REPO / "data" / "filters"
TARGETS = {"leak": 0.95, "refusal": 0.95, "degenerate": 0.95, "grounding": 0.80, "good_kept": 0.95}


def predictions(rows: list[dict], rules_only: bool = False, c: float = training.C,
                budget: float = training.BUDGET) -> list[set[str]]:
    """The families that drop each row: the rules, plus the cross-validated learned layer."""
    fired = training.rule_predictions(rows)
    if rules_only:
        return fired
    rule_kept = np.array([not f for f in fired])
    learned = training.grouped_cv(training.row_features(rows), rows, rule_kept, c, budget)
    return [f | {fam for fam, hits in learned.items() if hits[i]} for i, f in enumerate(fired)]


def evaluate(rows: Sequence[dict], predicted: Sequence[set[str]]) -> dict[str, dict[str, float]]:
    """Per family: n (labelled), tp, fp, precision, recall; plus ``good_kept`` over unlabelled rows."""
    out: dict[str, dict[str, float]] = {}
    for family in FILTER_NAMES:
        labelled = [family in r["label"] for r in rows]
        fired = [family in p for p in predicted]
        tp = sum(a and b for a, b in zip(labelled, fired, strict=True))
        fp = sum(b and not a for a, b in zip(labelled, fired, strict=True))
        n = sum(labelled)
        out[family] = {"n": n, "tp": tp, "fp": fp, "precision": tp / (tp + fp) if tp + fp else 1.0,
                       "recall": tp / n if n else float("nan")}
    good = [p for r, p in zip(rows, predicted, strict=True) if not r["label"]]
    out["good_kept"] = {"n": len(good), "kept": sum(not p for p in good),
                        "rate": sum(not p for p in good) / len(good) if good else float("nan")}
    return out


def table(result: dict[str, dict[str, float]]) -> str:
    """The result as a fixed-width table with the targets."""
    lines = [f"{'family':<12} {'pairs':>5} {'precision':>9} {'recall':>7} {'target':>7}"]
    for family in FILTER_NAMES:
        r = result[family]
        target = f">={TARGETS[family]:.2f}" if family in TARGETS else "-"
        lines.append(f"{family:<12} {int(r['n']):>5} {r['precision']:>9.2f} {r['recall']:>7.2f} {target:>7}")
    g = result["good_kept"]
    lines.append(f"{'good kept':<12} {int(g['n']):>5} {'':>9} {g['rate']:>7.2f} {'>=0.95':>7}")
    return "\n".join(lines)


def per_batch(rows: Sequence[dict], predicted: Sequence[set[str]]) -> str:
    """Recall per family and good kept for each batch (blank where the batch has no such pair)."""
    families = ("leak", "refusal", "degenerate", "grounding")
    lines = [f"{'batch':<16} {'pairs':>5} " + " ".join(f"{f:>10}" for f in families) + f" {'good kept':>10}"]
    for batch in dict.fromkeys(r["batch"] for r in rows):
        idx = [i for i, r in enumerate(rows) if r["batch"] == batch]
        res = evaluate([rows[i] for i in idx], [predicted[i] for i in idx])
        cells = [f"{res[f]['recall']:>10.2f}" if res[f]["n"] else f"{'':>10}" for f in families]
        g = res["good_kept"]
        lines.append(f"{batch:<16} {len(idx):>5} " + " ".join(cells) + (f" {g['rate']:>10.2f}" if g["n"] else ""))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of labelled *.jsonl batches")
    parser.add_argument("--rules-only", action="store_true", help="score the rules alone (no learned layer)")
    parser.add_argument("--show-errors", action="store_true", help="print every row the filters get wrong")
    parser.add_argument("--c", type=float, default=training.C, help="inverse L2 strength of the classifiers")
    parser.add_argument("--budget", type=float, default=training.BUDGET, help="threshold budget per family")
    args = parser.parse_args()
    rows = training.load_labelled(args.data)
    predicted = predictions(rows, args.rules_only, args.c, args.budget)
    result = evaluate(rows, predicted)
    mode = "rules only" if args.rules_only else "rules + learned layer, grouped CV over batches"
    print(f"{len(rows)} labelled pairs in {len({r['batch'] for r in rows})} batches ({mode})")
    print(table(result))
    print()
    print(per_batch(rows, predicted))
    if args.show_errors:
        for row, fired in zip(rows, predicted, strict=True):
            if set(row["label"]) != fired:
                print(f"- {row['id']}: label={sorted(row['label'])} fired={sorted(fired)}\n"
                      f"    Q: {row['question']}\n    A: {row['answer']}\n    C: {row.get('context', '')}")
    write_json("filters_quality" + ("_rules" if args.rules_only else ""),
               {"mode": mode, "rows": len(rows), "c": args.c, "budget": args.budget, "overall": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
