"""Train the learned layer, and score it honestly: grouped cross-validation over labelling batches.

The labelled pairs live in ``data/filters/<batch>.jsonl``; every row names its ``batch`` (who wrote
it, when, and how). A classifier scored on the batches it was fitted on looks perfect and says
nothing about the next writer's phrasings, so every figure here comes from models that never saw
the batch they score: leave one batch out, fit on the rest, score the one left out.

Thresholds come from the same out-of-fold scores: per family, the lowest threshold at which at most
``budget`` of the good pairs the rules keep would be dropped. Needs scikit-learn
(``pip install 'musicqa[train]'``); inference does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicqa.analysis import facts_from_record
from musicqa.errors import InputError
from musicqa.filters.degenerate import short_closed_answer
from musicqa.filters.embeddings import EMBEDDER, Embedder
from musicqa.filters.learned import FAMILIES, FEATURES_VERSION, Weights, pair_features
from musicqa.records import Facts

C = 1.0  # inverse L2 strength of the logistic regressions (fixed before any evaluation, not tuned)
BUDGET = 0.005  # per family: share of rule-kept good pairs the classifier may drop, on out-of-fold scores
_GRID = np.round(np.arange(0.30, 0.991, 0.01), 2)
_FIELDS = {"id": str, "batch": str, "clip_id": str, "context": str, "question": str, "answer": str, "label": list}


def load_labelled(folder: Path) -> list[dict]:
    """Every row of ``folder/*.jsonl`` in file-name order; a bad row is an InputError naming file, line, field."""
    rows: list[dict] = []
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise InputError(f"{folder}: no *.jsonl files of labelled pairs")
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path.name}:{number}: invalid JSON ({err.msg})") from err
            for name, kind in _FIELDS.items():
                if not isinstance(row.get(name), kind):
                    raise InputError(f"{path.name}:{number}: field {name!r} = {row.get(name)!r}, "
                                     f"expected a {kind.__name__}")
            if row.get("analysis") is not None and not isinstance(row["analysis"], dict):
                raise InputError(f"{path.name}:{number}: field 'analysis' = {row['analysis']!r}, expected an "
                                 "object of measured facts")
            rows.append(row)
    return rows


def row_facts(row: dict) -> Facts | None:
    """The row's measured ``analysis``, read as an audit line's is (a flat key such as "Eb" becomes "D#")."""
    return facts_from_record(row.get("analysis") or None, where=f"{row.get('id', '?')}: analysis")


def data_digest(rows: Sequence[dict]) -> str:
    """A hash of the training rows (text and labels), recorded in the weights' metadata."""
    h = hashlib.sha256()
    for r in rows:
        h.update(json.dumps([r["batch"], r["question"], r["answer"], r["context"], sorted(r["label"])]).encode())
    return h.hexdigest()[:16]


def row_features(rows: Sequence[dict], embedder: Embedder | None = None) -> np.ndarray:
    """The classifier's input for every row (embeds each distinct text once)."""
    return pair_features(embedder or Embedder(), [(r["question"], r["answer"], r["context"]) for r in rows])


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    # newton-cholesky reaches the exact optimum in a handful of steps, so a retrain reproduces the weights.
    # One BLAS thread: the matrices are small, and on a busy machine idle BLAS threads spin (10x the CPU time).
    model = LogisticRegression(C=c, class_weight="balanced", solver="newton-cholesky", max_iter=100, tol=1e-8)
    with threadpool_limits(1, user_api="blas"):
        model.fit(x.astype(np.float64), y)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def _labels(rows: Sequence[dict], family: str) -> np.ndarray:
    return np.array([family in r["label"] for r in rows], dtype=int)


def out_of_fold(x: np.ndarray, rows: Sequence[dict], c: float = C) -> dict[str, np.ndarray]:
    """Per family, each row's score from the model fitted without its batch."""
    batches = np.array([r["batch"] for r in rows])
    out = {f: np.zeros(len(rows)) for f in FAMILIES}
    for batch in dict.fromkeys(batches):
        test = batches == batch
        for family in FAMILIES:
            y = _labels(rows, family)
            if y[~test].min() == y[~test].max():
                continue  # one class only: nothing to learn, the row keeps score 0
            coef, b = _fit(x[~test], y[~test], c)
            out[family][test] = 1.0 / (1.0 + np.exp(-(x[test] @ coef + b)))
    return out


def choose_threshold(scores: np.ndarray, good_kept_by_rules: np.ndarray, budget: float = BUDGET) -> float:
    """The lowest grid threshold that drops at most ``budget`` of the good pairs the rules keep."""
    good = scores[good_kept_by_rules]
    for t in _GRID:
        if not len(good) or (good >= t).mean() <= budget:
            return float(t)
    return float(_GRID[-1])


def train(x: np.ndarray, rows: Sequence[dict], rule_kept: np.ndarray, c: float = C,
          budget: float = BUDGET) -> Weights:
    """Weights fitted on all ``rows``, thresholds from their out-of-fold scores.

    ``rule_kept[i]`` is True when the rules drop row ``i`` for no reason at all.
    """
    good = np.array([not r["label"] for r in rows]) & rule_kept
    oof = out_of_fold(x, rows, c)
    coef, intercept, threshold = {}, {}, {}
    for family in FAMILIES:
        coef[family], intercept[family] = _fit(x, _labels(rows, family), c)
        threshold[family] = choose_threshold(oof[family], good, budget)
    meta = {"features_version": FEATURES_VERSION, "model": EMBEDDER,
            "c": c, "budget": budget, "rows": len(rows), "batches": len({r["batch"] for r in rows}),
            "data_sha256_16": data_digest(rows)}
    return Weights(coef, intercept, threshold, meta)


def grouped_cv(x: np.ndarray, rows: Sequence[dict], rule_kept: np.ndarray, c: float = C,
               budget: float = BUDGET) -> dict[str, np.ndarray]:
    """Per family, whether the classifier drops each row when its batch was left out of training.

    Each batch's scores come from a model fitted without it; its threshold is chosen, as in
    :func:`train`, from the other batches' out-of-fold scores. (Those came from models that had seen the
    batch, a mild optimism in the threshold only; the fully nested version costs 20x the fits.)
    """
    batches = np.array([r["batch"] for r in rows])
    good = np.array([not r["label"] for r in rows]) & rule_kept
    oof = out_of_fold(x, rows, c)
    fired = {f: np.zeros(len(rows), dtype=bool) for f in FAMILIES}
    for batch in dict.fromkeys(batches):
        test = batches == batch
        for family in FAMILIES:
            threshold = choose_threshold(oof[family][~test], good[~test], budget)
            fired[family][test] = oof[family][test] >= threshold
    # as at inference: the degenerate classifier does not judge the short answers the rules accept on purpose
    fired["degenerate"] &= ~np.array([short_closed_answer(r["question"], r["answer"]) for r in rows])
    return fired


def _items(rows: Sequence[dict]) -> list:
    from musicqa.records import Clip, QAPair

    return [(QAPair(r["clip_id"], r["question"], r["answer"], "open"),
             Clip(r["clip_id"], "labelled", r["clip_id"], "test", r["context"], facts=row_facts(r))) for r in rows]


def _families(rows: Sequence[dict], options: dict) -> list[set[str]]:
    from musicqa.filters import make_filters, run_filters

    return [{reason.split("_", 1)[0] for reason in reasons}
            for _, _, reasons in run_filters(_items(rows), make_filters(**options), collect_all=True)]


def rule_predictions(rows: Sequence[dict], **options: object) -> list[set[str]]:
    """The families whose rules fire on each row: fresh filters, every reason collected, rows in order
    (so the duplicate filter sees the rows before each one), learned layer off."""
    return _families(rows, {**options, "classifier": False})


def shipped_predictions(rows: Sequence[dict]) -> list[set[str]]:
    """The families that drop each row with the defaults a build or ``audit`` runs: the rules and the
    shipped weights. For batches no weights were trained on, this is the honest first pass."""
    return _families(rows, {})
