"""The learned layer: one logistic regression per family on sentence embeddings, after that family's rules.

Phrase lists trail new phrasings ("I'm told it was recorded in a church", "whether it is live is
anybody's guess"); a classifier on all-MiniLM-L6-v2 embeddings of the question and the answer
generalises to wordings no rule names. The rules run first (precise, explainable); the classifier
only sees pairs its family's rules kept, and drops one with ``<family>_classifier`` and its score.

The weights (``classifier.npz``, 17 kB) ship in the package; ``scripts/train_filter_classifier.py``
retrains them from ``data/filters/*.jsonl`` (see :mod:`musicqa.filters.training`). Inference is a dot
product in numpy, so scikit-learn is needed only to train.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from musicqa.filters.embeddings import Embedder
from musicqa.records import KEEP, Clip, QAPair, Verdict

WEIGHTS = "classifier.npz"  # inside the musicqa.filters package
FAMILIES: tuple[str, ...] = ("degenerate", "refusal", "leak")
FEATURES_VERSION = 2  # bump when features() or the embedder changes: old weights then refuse to load
# 2: int8 embeddings of the first 128 tokens (embeddings.EMBEDDER)

_WORD = re.compile(r"[^\W_]+")
_TERMINAL = re.compile(r"[.!?…)\]\"'”’]\s*$")


def _text_features(question: str, answer: str) -> list[float]:
    """Three cheap numbers the embeddings blur: length, a closing stop, and how much the answer adds."""
    a_words = [w.lower() for w in _WORD.findall(answer)]
    q_words = {w.lower() for w in _WORD.findall(question)}
    new = sum(w not in q_words for w in a_words) / max(len(a_words), 1)
    return [float(np.log1p(len(a_words)) / 5), float(bool(_TERMINAL.search(answer))), float(new)]


def features(questions: np.ndarray, answers: np.ndarray, contexts: np.ndarray,
             extra: Sequence[Sequence[float]]) -> np.ndarray:
    """One row per pair: answer, question, their product, cosines (question/answer, answer/context), and
    whether there is a context, plus :func:`_text_features`. The product and the question/answer cosine
    carry "the answer only rephrases the question"; the context terms let a caption-backed answer
    differ from a context-free one."""
    has_context = (np.abs(contexts).sum(1) > 0).astype(np.float32)
    cos_qa = (questions * answers).sum(1)
    cos_ac = (answers * contexts).sum(1)
    return np.hstack([answers, questions, answers * questions, cos_qa[:, None], cos_ac[:, None],
                      has_context[:, None], np.asarray(extra, dtype=np.float32).reshape(len(answers), -1)]
                     ).astype(np.float32)


def pair_features(embedder: Embedder, items: Sequence[tuple[str, str, str]]) -> np.ndarray:
    """Features of (question, answer, context) triples, embedding every distinct text once."""
    if not items:
        return np.zeros((0, 0), dtype=np.float32)
    questions, answers, contexts = (list(x) for x in zip(*items, strict=True))
    vectors = embedder.embed(questions + answers + contexts)
    n = len(items)
    return features(vectors[:n], vectors[n:2 * n], vectors[2 * n:],
                    [_text_features(q, a) for q, a, _ in items])


@dataclass(frozen=True)
class Weights:
    """A trained layer: per family a coefficient vector, an intercept and the score threshold to drop at."""

    coef: dict[str, np.ndarray]
    intercept: dict[str, float]
    threshold: dict[str, float]
    meta: dict

    def scores(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Probability of each family for every row of ``x`` (logistic function of the linear score)."""
        return {f: 1.0 / (1.0 + np.exp(-(x @ self.coef[f] + self.intercept[f]))) for f in self.coef}

    def save(self, path: Path) -> None:
        """Write the weights as an uncompressed .npz (small, diffable by retraining)."""
        arrays = {f"coef_{f}": self.coef[f].astype(np.float32) for f in self.coef}
        arrays |= {f"intercept_{f}": np.float64(self.intercept[f]) for f in self.coef}
        arrays |= {f"threshold_{f}": np.float64(self.threshold[f]) for f in self.coef}
        arrays["meta"] = np.array(json.dumps(self.meta, sort_keys=True))
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path: Path | None = None) -> Weights:
        """The shipped weights, or those at ``path``."""
        source = path if path is not None else resources.files("musicqa.filters").joinpath(WEIGHTS)
        with source.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("features_version") != FEATURES_VERSION:
                raise ValueError(f"{WEIGHTS}: features version {meta.get('features_version')}, this code computes "
                                 f"{FEATURES_VERSION}: retrain with scripts/train_filter_classifier.py")
            families = [k.removeprefix("coef_") for k in data.files if k.startswith("coef_")]
            return cls({f: data[f"coef_{f}"].astype(np.float32) for f in families},
                       {f: float(data[f"intercept_{f}"]) for f in families},
                       {f: float(data[f"threshold_{f}"]) for f in families}, meta)


@cache
def shipped_weights() -> Weights:
    """The package's weights, read once per process (they are immutable)."""
    return Weights.load()


class Classifier:
    """Family scores for pairs, computed a batch at a time.

    :meth:`prepare` embeds a whole batch of pairs in one go (run_filters calls it); a pair that was not
    prepared is scored on its own, so the filters stay callable one pair at a time.
    """

    def __init__(self, embedder: Embedder, weights: Weights | None = None) -> None:
        self.embedder = embedder
        self.weights = weights or shipped_weights()
        self._scores: dict[tuple[str, str, str], dict[str, float]] = {}

    def prepare(self, items: Sequence[tuple[QAPair, Clip]]) -> None:
        """Score every pair of the batch; scores of the previous batch are forgotten (bounded memory)."""
        keys = list(dict.fromkeys((p.question, p.answer, c.text) for p, c in items))
        if all(k in self._scores for k in keys):
            return  # the families share one classifier: the first of them to prepare a batch scores it
        self._scores = {}
        self._store(keys)

    def _store(self, keys: list[tuple[str, str, str]]) -> None:
        scores = self.weights.scores(pair_features(self.embedder, keys))
        for i, key in enumerate(keys):
            self._scores[key] = {f: float(s[i]) for f, s in scores.items()}

    def score(self, family: str, pair: QAPair, clip: Clip) -> float:
        """The probability that ``pair`` belongs to ``family``."""
        key = (pair.question, pair.answer, clip.text)
        if key not in self._scores:
            self._store([key])
        return self._scores[key][family]


class WithClassifier:
    """A family's rules, then its classifier on the pairs the rules kept.

    ``reason`` is the family's ``<family>_classifier`` constant; the verdict carries the score so
    ``rejected.jsonl`` and audit output can show how sure the layer was.
    """

    def __init__(self, rules: Callable[[QAPair, Clip], Verdict], classifier: Classifier, family: str,
                 reason: str, threshold: float | None = None,
                 exempt: Callable[[QAPair], bool] | None = None) -> None:
        self.rules = rules
        self.exempt = exempt  # pairs the rules keep on purpose, which the classifier does not judge
        self.classifier = classifier
        self.family = family
        self.reason = reason
        self.threshold = classifier.weights.threshold[family] if threshold is None else threshold

    def prepare(self, items: Sequence[tuple[QAPair, Clip]]) -> None:
        """Batch the embeddings of the coming pairs (see :meth:`Classifier.prepare`)."""
        self.classifier.prepare(items)

    def __call__(self, pair: QAPair, clip: Clip) -> Verdict:
        verdict = self.rules(pair, clip)
        if not verdict.keep or (self.exempt is not None and self.exempt(pair)):
            return verdict
        score = self.classifier.score(self.family, pair, clip)
        return Verdict(False, self.reason, round(score, 4)) if score >= self.threshold else KEEP
