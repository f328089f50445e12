"""Recall per family and good pairs kept, by grouped cross-validation over the labelling batches.

    python bench/filters_quality.py [--data data/filters] [--rules-only] [--show-errors] [--c 1.0] [--budget 0.01]
                                    [--judge MODEL [--judge-engine vllm] [--judge-revision REV] ...]

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

``--judge MODEL`` also scores the optional LLM judge (``--filters.judge.*`` of build; musicqa/judge.py) on every
row, with the build's judge prompt and verdict schema and the row's context and facts: once alone, and once as
the build runs it, after the filters (a row is dropped by either). Its causes count for the family they stand
for: evasive as refusal, cites_source as leak, unanswered as degenerate, unsupported as grounding. It needs the
model and an engine that can run it (a GPU for a strong model); nothing here measured it.
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
from musicqa.judge import JUDGE_CITES_SOURCE, JUDGE_EVASIVE, JUDGE_UNANSWERED, JUDGE_UNSUPPORTED  # noqa: E402

DEFAULT_DATA = REPO / "data" / "filters"
JUDGE_FAMILY = {JUDGE_EVASIVE: "refusal", JUDGE_CITES_SOURCE: "leak", JUDGE_UNANSWERED: "degenerate",
                JUDGE_UNSUPPORTED: "grounding"}
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


def judge_predictions(rows: Sequence[dict], engine: object, model: str, chat_template: str, *,
                      max_tokens: int = 256, batch_size: int = 256) -> list[set[str]]:
    """The family the judge's verdict drops each row for (``set()``: kept, or a reply that is no verdict)."""
    from musicqa.analysis import audible
    from musicqa.judge import JudgePrompt, parse_verdict
    from musicqa.records import Clip, QAPair
    from musicqa.resources import resource

    prompt = JudgePrompt(resource(Path("prompts/judge")), chat_template, model=model, max_tokens=max_tokens,
                         max_reason_chars=200)
    requests = [prompt.request(QAPair(r["clip_id"], r["question"], r["answer"], "open"),
                               Clip(r["clip_id"], "labelled", r["clip_id"], "test", r["context"]),
                               audible(training.row_facts(r))) for r in rows]
    out: list[set[str]] = []
    for start in range(0, len(requests), batch_size):
        for gen in engine.generate(requests[start:start + batch_size]):  # replies in request order
            verdict = parse_verdict(gen.text, gen.finish_reason).verdict
            out.append(set() if verdict.keep else {JUDGE_FAMILY[verdict.reason]})
    return out


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of labelled *.jsonl batches")
    parser.add_argument("--rules-only", action="store_true", help="score the rules alone (no learned layer)")
    parser.add_argument("--show-errors", action="store_true", help="print every row the filters get wrong")
    parser.add_argument("--c", type=float, default=training.C, help="inverse L2 strength of the classifiers")
    parser.add_argument("--budget", type=float, default=training.BUDGET, help="threshold budget per family")
    parser.add_argument("--unseen", nargs="+", default=[], metavar="BATCH",
                        help="score these batches (or name prefixes, e.g. v11-) as shipped: rules + the package's "
                             "weights, with no cross-validation; for a first pass of batches the weights never saw")
    parser.add_argument("--judge", metavar="MODEL", help="also score the LLM judge with this model (hub id or folder)")
    parser.add_argument("--judge-engine", default="vllm", help="engine that runs --judge: vllm or transformers")
    parser.add_argument("--judge-revision", help="revision of --judge to pin")
    parser.add_argument("--judge-chat-template", type=Path, default=Path("prompts/chat/chatml.jinja"),
                        help="chat format template of --judge, a file")
    parser.add_argument("--judge-max-tokens", type=int, default=256, help="longest verdict in tokens")
    parser.add_argument("--judge-batch", type=int, default=256, help="rows per engine call")
    args = parser.parse_args(argv)
    rows = training.load_labelled(args.data)
    if args.unseen:
        return first_pass(rows, args.unseen, args.rules_only, args.show_errors)
    predicted = predictions(rows, args.rules_only, args.c, args.budget)
    result = evaluate(rows, predicted)
    mode = "rules only" if args.rules_only else "rules + learned layer, grouped CV over batches"
    print(f"{len(rows)} labelled pairs in {len({r['batch'] for r in rows})} batches ({mode})")
    print(table(result))
    print()
    print(per_batch(rows, predicted))
    if args.show_errors:
        show_errors(rows, predicted)
    report = {"mode": mode, "rows": len(rows), "c": args.c, "budget": args.budget, "overall": result}
    if args.judge:
        report["judge"] = score_judge(args, rows, predicted)
    write_json("filters_quality" + ("_rules" if args.rules_only else ""), report)
    return 0


def show_errors(rows: Sequence[dict], predicted: Sequence[set[str]]) -> None:
    for row, fired in zip(rows, predicted, strict=True):
        if set(row["label"]) != fired:
            print(f"- {row['id']}: label={sorted(row['label'])} fired={sorted(fired)}\n"
                  f"    Q: {row['question']}\n    A: {row['answer']}\n    C: {row.get('context', '')}")


def first_pass(rows: list[dict], names: Sequence[str], rules_only: bool, errors: bool) -> int:
    """Score the named batches as a build would (shipped rules and weights); print and write the table."""
    rows = [r for r in rows if any(r["batch"].startswith(n) for n in names)]
    if not rows:
        print(f"no batch starts with any of {list(names)}", file=sys.stderr)
        return 2
    predicted = training.rule_predictions(rows) if rules_only else training.shipped_predictions(rows)
    mode = "rules only" if rules_only else "rules + shipped weights"
    print(f"{len(rows)} labelled pairs in {len({r['batch'] for r in rows})} unseen batches ({mode})")
    result = evaluate(rows, predicted)
    print(table(result))
    print()
    print(per_batch(rows, predicted))
    if errors:
        show_errors(rows, predicted)
    write_json("filters_first_pass" + ("_rules" if rules_only else ""),
               {"mode": mode, "batches": sorted({r["batch"] for r in rows}), "overall": result})
    return 0


def score_judge(args: argparse.Namespace, rows: list[dict], predicted: list[set[str]]) -> dict:
    """Run --judge over every row; print and return its scores alone and after the filters."""
    from musicqa.engines import make_engine
    from musicqa.engines.base import EngineConfig
    from musicqa.pipeline.stages import model_key
    from musicqa.resources import resource

    cfg = EngineConfig(name=args.judge_engine, model=args.judge, revision=args.judge_revision)
    chat = resource(args.judge_chat_template).read_text(encoding="utf-8")
    engine = make_engine(cfg, chat)
    try:
        judged = judge_predictions(rows, engine, model_key(cfg.model, cfg.revision, cfg.structured_backend), chat,
                                   max_tokens=args.judge_max_tokens, batch_size=args.judge_batch)
    finally:
        engine.close()
    alone = evaluate(rows, judged)
    both = [p | j for p, j in zip(predicted, judged, strict=True)]
    after = evaluate(rows, both)
    print(f"\nLLM judge {args.judge} ({args.judge_engine}) alone")
    print(table(alone))
    print(f"\nfilters ({'rules only' if args.rules_only else 'rules + learned layer'}), then the judge")
    print(table(after))
    print()
    print(per_batch(rows, both))
    return {"model": args.judge, "engine": args.judge_engine, "revision": args.judge_revision, "alone": alone,
            "after_filters": after}


if __name__ == "__main__":
    sys.exit(main())
