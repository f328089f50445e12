"""QA quality filters: one module per family, and the bookkeeping that runs them.

A filter is a callable ``(QAPair, Clip) -> Verdict``. Each reason is a constant starting with its
filter's name (``leak_source_reference``); :data:`REASONS` describes every one for the dataset card,
and renaming one is a breaking change. :func:`run_filters` does the running and
:class:`FilterCounts` the counting, so filters stay pure (only ``duplicate`` keeps per-run memory).

The degenerate, refusal and leak filters have two layers: their rules, then a classifier on sentence
embeddings (:mod:`musicqa.filters.learned`, reason ``<family>_classifier``). A filter that needs a
whole batch at once (the embeddings) has a ``prepare(items)`` method, which :func:`run_filters` calls
on each batch of pairs before judging them one by one.

    filters = make_filters()                      # fresh duplicate memory for this run
    counts = FilterCounts()
    for pair, clip, reasons in run_filters(items, filters, counts=counts):
        ...                                       # reasons == () means keep
    log.info("filters: %s", counts.summary())
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from musicqa.errors import InputError
from musicqa.filters import degenerate, duplicate, grounding, leak, measured, refusal
from musicqa.filters.config import FILTER_NAMES, OPTIONS, FiltersConfig
from musicqa.filters.evasion import answers_absence
from musicqa.records import Clip, QAPair, Verdict

Filter = Callable[[QAPair, Clip], Verdict]


REASONS: dict[str, str] = {
    **degenerate.REASONS, **refusal.REASONS, **leak.REASONS, **duplicate.REASONS, **grounding.REASONS,
    **measured.REASONS,
}

_RULES: dict[str, Callable[..., Filter]] = {"refusal": lambda: refusal.refusal, "leak": lambda: leak.leak,
                                           # the caption/tags check, then the check against measured facts
                                           "grounding": lambda: measured.WithMeasured(grounding.grounding)}
# "Male." to "Is the rapper male or female?": kept by the rules on purpose, so the classifier, fitted when such
# answers were labelled too short, does not judge it
_EXEMPT: dict[str, Callable[[QAPair], bool]] = {
    "degenerate": lambda pair: degenerate.short_closed_answer(pair.question, pair.answer),
    # "Vocals?" - "None.": a short, committed absence (round 10: the layer read it as a refusal)
    "refusal": lambda pair: (degenerate.short_closed_answer(pair.question, pair.answer)
                             and answers_absence(pair.answer, pair.question))}
_CLASSIFIER_REASONS = {"degenerate": degenerate.DEGENERATE_CLASSIFIER, "refusal": refusal.REFUSAL_CLASSIFIER,
                       "leak": leak.LEAK_CLASSIFIER}


def make_filters(names: Sequence[str] = FILTER_NAMES, *, embedder: Any = None, **options: Any) -> list[Filter]:
    """Fresh filter callables in the order given; the duplicate filter starts with empty memory.

    ``options`` are the fields of :class:`FiltersConfig` (listed in :data:`OPTIONS`); an unknown filter
    or option is an InputError naming it. One embedder is shared by the learned layer and the
    paraphrase test, so each text is embedded once; pass ``embedder`` to reuse one already loaded (a
    worker makes fresh filters per batch but loads the model once).
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise InputError(f"unknown filter option {unknown[0]!r} (known: {', '.join(OPTIONS)})")
    bad = [n for n in names if n not in FILTER_NAMES]
    if bad:
        raise InputError(f"unknown filter {bad[0]!r} (known: {', '.join(FILTER_NAMES)})")
    try:
        cfg = FiltersConfig(list(names), **{k: v for k, v in options.items() if k != "max_answer_chars"})
    except ValueError as err:
        raise InputError(str(err)) from err
    classifier = None
    if (cfg.classifier or cfg.paraphrase) and embedder is None:
        from musicqa.filters.embeddings import Embedder

        embedder = Embedder(batch_size=cfg.embedding_batch)
    if cfg.classifier:
        from musicqa.filters.learned import Classifier

        classifier = Classifier(embedder)
    out: list[Filter] = []
    for name in names:
        if name == "degenerate":
            f: Filter = degenerate.Degenerate(cfg.min_answer_words, cfg.language,
                                              int(options.get("max_answer_chars", 0)))
        elif name == "duplicate":
            similar = None
            if cfg.paraphrase:
                from musicqa.filters.embeddings import AnswerSimilarity

                similar = AnswerSimilarity(embedder)
            f = duplicate.Duplicate(cfg.duplicate_across_clips, similar)
        else:
            f = _RULES[name]()
        if classifier is not None and name in _CLASSIFIER_REASONS:
            from musicqa.filters.learned import WithClassifier

            f = WithClassifier(f, classifier, name, _CLASSIFIER_REASONS[name], exempt=_EXEMPT.get(name))
        out.append(f)
    return out


def filters_from_config(cfg: FiltersConfig, *, embedder: Any = None, **build_facts: Any) -> list[Filter]:
    """:func:`make_filters` for a ``--filters.*`` config section (``build_facts``: e.g. max_answer_chars)."""
    return make_filters(cfg.enabled, embedder=embedder, **cfg.options(), **build_facts)


@dataclass
class FilterCounts:
    """Counts for summaries and the dataset card.

    ``pairs`` seen, ``kept`` (no reason), ``dropped`` (one or more reasons), and ``reasons``: how many
    pairs earned each reason. With ``collect_all`` a pair can earn several, so the reason counts may add
    up to more than ``dropped``; with the build's first-drop mode they add up exactly.
    """

    pairs: int = 0
    kept: int = 0
    dropped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, reasons: Sequence[str]) -> None:
        """Count one pair with its drop reasons (empty = kept)."""
        self.pairs += 1
        if reasons:
            self.dropped += 1
            self.reasons.update(reasons)
        else:
            self.kept += 1

    def merge(self, other: FilterCounts) -> None:
        """Add another run's counts (e.g. one per split) into this one."""
        self.pairs += other.pairs
        self.kept += other.kept
        self.dropped += other.dropped
        self.reasons.update(other.reasons)

    def by_family(self) -> dict[str, int]:
        """Pairs per filter family, e.g. {"leak": 12}; a pair counts once per family."""
        out: Counter[str] = Counter()
        for reason, n in self.reasons.items():
            out[reason.split("_", 1)[0]] += n
        return dict(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``{"pairs", "kept", "dropped", "reasons": {reason: n}}`` with reasons sorted by name."""
        return {"pairs": self.pairs, "kept": self.kept, "dropped": self.dropped,
                "reasons": dict(sorted(self.reasons.items()))}

    def summary(self) -> str:
        """One log line: pairs in, kept, and drops per reason (most frequent first)."""
        parts = ", ".join(f"{r}={n}" for r, n in self.reasons.most_common())
        return f"{self.pairs} pairs, {self.kept} kept, {self.dropped} dropped" + (f" ({parts})" if parts else "")

    def table(self) -> str:
        """A plain-text table of every documented reason with its count and share of pairs."""
        width = max(len(r) for r in REASONS)
        lines = [f"{'reason':<{width}}  {'pairs':>7}  {'share':>6}"]
        for reason in REASONS:
            n = self.reasons.get(reason, 0)
            share = n / self.pairs if self.pairs else 0.0
            lines.append(f"{reason:<{width}}  {n:>7}  {share:>6.1%}")
        for reason, n in sorted(self.reasons.items()):  # reasons from filters outside REASONS, if any
            if reason not in REASONS:
                lines.append(f"{reason:<{width}}  {n:>7}  {n / max(self.pairs, 1):>6.1%}")
        lines.append(f"{'kept':<{width}}  {self.kept:>7}  {self.kept / max(self.pairs, 1):>6.1%}")
        lines.append(f"{'total':<{width}}  {self.pairs:>7}")
        return "\n".join(lines)


def check(items: Iterable[tuple[QAPair, Clip]], filters: Sequence[Filter], *, collect_all: bool = False,
          counts: FilterCounts | None = None, batch_size: int = 1024
          ) -> Iterator[tuple[QAPair, Clip, tuple[Verdict, ...]]]:
    """Yield every pair with the verdicts that drop it (``()`` = keep), in input order.

    ``collect_all=False`` (build) stops at the first drop, so later filters, and the duplicate filter's
    memory, only see pairs that survived the earlier ones; ``True`` (audit) runs every filter on every
    pair. Pairs are read ``batch_size`` at a time and each filter with a ``prepare`` method sees the
    batch first (the learned layer embeds it in one call; 1,024 pairs sort by length into batches that
    pad 5%, 256 pairs into ones that pad 17%). Pass ``counts`` to have each pair counted.
    """
    iterator = iter(items)
    while batch := list(islice(iterator, batch_size)):
        prepare(filters, batch)
        for pair, clip in batch:
            drops = verdicts(filters, pair, clip, collect_all=collect_all)
            if counts is not None:
                counts.add([v.reason for v in drops])
            yield pair, clip, drops


def prepare(filters: Sequence[Any], batch: Sequence[tuple[Any, Clip]]) -> None:
    """Let every filter with a ``prepare`` method see ``batch`` first (the learned layer embeds it in one call);
    one call per filter object, even when the same filter is listed twice."""
    for prep in {id(f): f.prepare for f in filters if hasattr(f, "prepare")}.values():
        prep(batch)


def verdicts(filters: Sequence[Callable[[Any, Clip], Verdict]], pair: Any, clip: Clip, *,
             collect_all: bool = False) -> tuple[Verdict, ...]:
    """The verdicts that drop ``pair`` (``()`` = keep): the first only, or with ``collect_all`` every one."""
    drops: list[Verdict] = []
    for f in filters:
        verdict = f(pair, clip)
        if not verdict.keep:
            drops.append(verdict)
            if not collect_all:
                break
    return tuple(drops)


def run_filters(items: Iterable[tuple[QAPair, Clip]], filters: Sequence[Filter], *, collect_all: bool = False,
                counts: FilterCounts | None = None, batch_size: int = 1024
                ) -> Iterator[tuple[QAPair, Clip, tuple[str, ...]]]:
    """:func:`check` with the drop reasons only: ``(pair, clip, reasons)``, ``()`` = keep."""
    for pair, clip, drops in check(items, filters, collect_all=collect_all, counts=counts, batch_size=batch_size):
        yield pair, clip, tuple(v.reason for v in drops)


__all__ = ["FILTER_NAMES", "OPTIONS", "REASONS", "Filter", "FilterCounts", "FiltersConfig", "check",
           "filters_from_config", "make_filters", "prepare", "run_filters", "verdicts"]
