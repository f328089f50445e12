"""Precision and recall of the QA filters per family on a hand-labelled set.

    python bench/filters_quality.py [tests/fixtures/labelled_pairs.jsonl] [--show-errors]

Each line of the set has ``question``, ``answer``, ``context`` (caption or tags; "" for none),
``clip_id`` and ``label``: the filter families that should drop the pair (``[]`` = a good pair).
Pairs are run in file order through fresh filters with every reason collected, as ``audit`` does, so
the duplicate rows see the rows before them. Recall for a family is the share of pairs labelled with it
that earn one of its reasons; precision is the share of pairs earning one of its reasons that are
labelled with it; "good kept" is the share of unlabelled pairs that earn no reason at all.
Targets (issue 3): recall >= 0.95 for leak, refusal and degenerate, >= 0.70 for grounding, and
>= 0.95 of good pairs kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from musicqa.filters import FILTER_NAMES, make_filters, run_filters  # noqa: E402
from musicqa.records import Clip, QAPair  # noqa: E402

DEFAULT_SET = REPO / "tests" / "fixtures" / "labelled_pairs.jsonl"
TARGETS = {"leak": 0.95, "refusal": 0.95, "degenerate": 0.95, "grounding": 0.70, "good_kept": 0.95}


def load(path: Path) -> list[dict]:
    """The labelled rows, in file order."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predict(rows: list[dict]) -> list[set[str]]:
    """The families that fire on each row (fresh filters, every reason collected)."""
    items = [(QAPair(r["clip_id"], r["question"], r["answer"], "open"),
              Clip(r["clip_id"], "labelled", r["clip_id"], "test", r.get("context") or "")) for r in rows]
    return [{reason.split("_", 1)[0] for reason in reasons}
            for _, _, reasons in run_filters(items, make_filters(), collect_all=True)]


def evaluate(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per family: n (labelled), tp, fp, precision, recall; plus ``good_kept`` over unlabelled rows."""
    predicted = predict(rows)
    out: dict[str, dict[str, float]] = {}
    for family in FILTER_NAMES:
        labelled = [family in r["label"] for r in rows]
        fired = [family in p for p in predicted]
        tp = sum(a and b for a, b in zip(labelled, fired, strict=True))
        fp = sum(b and not a for a, b in zip(labelled, fired, strict=True))
        n = sum(labelled)
        out[family] = {"n": n, "tp": tp, "fp": fp, "precision": tp / (tp + fp) if tp + fp else 1.0,
                       "recall": tp / n if n else 1.0}
    good = [p for r, p in zip(rows, predicted, strict=True) if not r["label"]]
    out["good_kept"] = {"n": len(good), "kept": sum(not p for p in good),
                        "rate": sum(not p for p in good) / len(good) if good else 1.0}
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET, help="labelled JSONL set")
    parser.add_argument("--show-errors", action="store_true", help="print every row the filters get wrong")
    args = parser.parse_args()
    rows = load(args.path)
    print(f"{args.path.name}: {len(rows)} labelled pairs")
    print(table(evaluate(rows)))
    if args.show_errors:
        for row, fired in zip(rows, predict(rows), strict=True):
            if set(row["label"]) != fired:
                print(f"- {row['id']}: label={sorted(row['label'])} fired={sorted(fired)}\n"
                      f"    Q: {row['question']}\n    A: {row['answer']}\n    C: {row.get('context', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
