"""The report's PNG plots, drawn with matplotlib's Agg canvas (no display, no pyplot global state).

Imported only by ``write_report``, so matplotlib loads only when a report is written.

Each function takes the loaded folder, writes one PNG into ``plot_dir`` and returns a Plot that the
page template lists. Every plot must also draw something sensible for an empty input (a folder
with no drops, a source without tags), because a small or very clean build is a normal case.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from musicqa.report.load import Folder, labels_columns, split_order
from musicqa.report.questions import GENRES, QUESTION_TYPES, genres_in, question_type

if TYPE_CHECKING:
    from matplotlib.axes import Axes

log = logging.getLogger(__name__)

# Colours by the source's place in the registry, so a source looks the same in every plot and every report.
_PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")
_TASK_COLOURS = {"fixed": "#4C72B0", "open": "#DD8452"}


@dataclass(frozen=True, slots=True)
class Plot:
    """One written plot: ``file`` is relative to the report folder."""

    file: str
    title: str
    caption: str


def draw_all(folder: Folder, plot_dir: Path, *, top_tags: int, dpi: int) -> list[Plot]:
    """Write every plot into ``plot_dir`` and return them in page order."""
    plot_dir.mkdir(parents=True, exist_ok=True)
    colours = _colours(sorted({c.source for c in folder.clips}))
    steps: list[tuple[str, Callable[[], tuple[Figure, str, str]]]] = [
        ("counts", lambda: _counts(folder, colours)),
        ("drops", lambda: _drops(folder)),
        ("answer_lengths", lambda: _answer_lengths(folder)),
        ("question_types", lambda: _question_types(folder, colours)),
        ("tags", lambda: _tags(folder, colours, top_tags)),
        ("genres", lambda: _genres(folder, colours)),
    ]
    plots = []
    for name, draw in steps:
        fig, title, caption = draw()
        fig.savefig(plot_dir / f"{name}.png", dpi=dpi, metadata={"Software": None})  # no version: stable bytes
        plots.append(Plot(f"{plot_dir.name}/{name}.png", title, caption))
    log.debug("drew %d plots in %s", len(plots), plot_dir)
    return plots


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _colours(sources: list[str]) -> dict[str, str]:
    from musicqa.sources import names

    known = names()
    order = [s for s in known if s in sources] + [s for s in sources if s not in known]
    rank = {s: known.index(s) if s in known else len(known) + order.index(s) for s in order}
    return {s: _PALETTE[rank[s] % len(_PALETTE)] for s in sources}


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def _counts(folder: Folder, colours: dict[str, str]) -> tuple[Figure, str, str]:
    clips: Counter[tuple[str, str]] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for c in folder.clips:
        clips[c.source, c.split] += 1
        pairs[c.source, c.split] += len(c.pairs)
    # Horizontal bars: "<source> / validation" labels stay readable however many splits there are.
    keys = sorted(clips, key=lambda k: (k[0], split_order(k[1])), reverse=True)
    fig, (left, right) = _figure(9, 0.35 * len(keys) + 1.4, ncols=2)
    labels = [f"{s} / {sp}" for s, sp in keys]
    for ax, counts, what in ((left, clips, "clips"), (right, pairs, "QA pairs")):
        bars = ax.barh(labels, [counts[k] for k in keys], color=[colours[k[0]] for k in keys])
        ax.bar_label(bars, fmt="{:,.0f}", fontsize=8, padding=2)
        ax.set_title(what, fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.margins(x=0.15)
    right.set_yticklabels([])  # the left panel's labels name both rows
    total_c, total_p = sum(clips.values()), sum(pairs.values())
    caption = f"{total_c:,} clips and {total_p:,} QA pairs ({total_p / max(total_c, 1):.1f} pairs per clip)."
    return fig, "Clips and QA pairs per source and split", caption


def _drops(folder: Folder) -> tuple[Figure, str, str]:
    reasons = Counter(r.reason for r in folder.rejected)
    # summary.json also counts clips the build skipped and generations that never parsed into pairs.
    lost: Counter[str] = Counter()
    for key in ("skipped", "failed"):
        section = folder.summary.get(key)
        if isinstance(section, dict):
            lost.update({f"{key}: {k}": int(v) for k, v in section.items() if int(v)})
    fig, (left, right) = _figure(9, max(2.6, 0.28 * max(len(reasons), len(lost), 1) + 1.2), ncols=2)
    for ax, counts, what, colour in ((left, reasons, "dropped QA pairs (rejected.jsonl)", "#C44E52"),
                                     (right, lost, "skipped clips, failed generations (summary.json)", "#8172B3")):
        ax.set_title(what, fontsize=10)
        if not counts:
            _empty(ax, "none")
            continue
        items = counts.most_common()[::-1]  # largest at the top of a horizontal bar chart
        bars = ax.barh([k for k, _ in items], [v for _, v in items], color=colour)
        ax.bar_label(bars, fmt="{:,.0f}", fontsize=8, padding=2)
        ax.tick_params(axis="y", labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.margins(x=0.2)
    kept = sum(len(c.pairs) for c in folder.clips)
    dropped = sum(reasons.values())
    skipped = sum(v for k, v in lost.items() if k.startswith("skipped: "))
    failed = sum(v for k, v in lost.items() if k.startswith("failed: "))
    caption = (f"{dropped:,} of {kept + dropped:,} parsed pairs dropped by the filters "
               f"({100 * dropped / max(kept + dropped, 1):.1f}%); {skipped:,} clips skipped; "
               f"{failed:,} generations failed to parse.")
    return fig, "Drop reasons", caption


def _answer_lengths(folder: Folder) -> tuple[Figure, str, str]:
    sources = sorted({c.source for c in folder.clips})
    fig, axes = _figure(4.5 * max(len(sources), 1), 3.2, ncols=max(len(sources), 1))
    words_all: list[int] = []
    for ax, source in zip(axes, sources or [""], strict=True):
        by_task: dict[str, list[int]] = {}
        for c in folder.clips:
            if c.source == source:
                for p in c.pairs:
                    by_task.setdefault(p.task or "unknown", []).append(len(p.answer.split()))
        ax.set_title(source or "no clips", fontsize=10)
        if not by_task:
            _empty(ax, "no QA pairs")
            continue
        # One degenerate 2,000-word answer must not squash the rest into one bar: cap at the 99th percentile
        # and count longer answers in the last bar. Half-integer edges give every bar the same number of lengths.
        ranked = sorted(w for v in by_task.values() for w in v)
        cap = ranked[int(0.99 * (len(ranked) - 1))]
        step = cap // 30 + 1
        bins = [x - 0.5 for x in range(0, cap + 2 * step, step)]
        for task, words in sorted(by_task.items()):
            words_all.extend(words)
            ax.hist([min(w, cap) for w in words], bins=bins, histtype="stepfilled", alpha=0.55,
                    label=f"{task} (n={len(words):,})", color=_TASK_COLOURS.get(task))
        ax.set_xlabel("words per answer")
        ax.set_ylabel("pairs")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    words_all.sort()
    median = words_all[len(words_all) // 2] if words_all else 0
    caption = (f"Median answer length {median} words; fixed and open questions overlaid per source. "
               "The longest 1% of answers are counted in the last bar.")
    return fig, "Answer length", caption


def _question_types(folder: Folder, colours: dict[str, str]) -> tuple[Figure, str, str]:
    counts: dict[str, Counter[str]] = {}
    for c in folder.clips:
        bucket = counts.setdefault(c.source, Counter())
        for p in c.pairs:
            bucket[question_type(p.question)] += 1
    fig, (ax,) = _figure(8, 3.2)
    if not any(counts.values()):
        _empty(ax, "no QA pairs")
    width = 0.8 / max(len(counts), 1)
    for i, (source, bucket) in enumerate(sorted(counts.items())):
        total = max(sum(bucket.values()), 1)
        xs = [j + i * width - 0.4 + width / 2 for j in range(len(QUESTION_TYPES))]
        ax.bar(xs, [100 * bucket[t] / total for t in QUESTION_TYPES], width, label=f"{source} (n={total:,})",
               color=colours[source])
    ax.set_xticks(range(len(QUESTION_TYPES)), QUESTION_TYPES)
    ax.set_ylabel("% of the source's questions")
    if counts:
        ax.legend(fontsize=8)
    caption = "Question types by keyword (first match in this order wins); 'other' is everything else."
    return fig, "Question types", caption


def _tags(folder: Folder, colours: dict[str, str], top: int) -> tuple[Figure, str, str]:
    per_source: dict[str, Counter[str]] = {}
    clips_per_source: Counter[str] = Counter()
    for c in folder.clips:
        clips_per_source[c.source] += 1
        per_source.setdefault(c.source, Counter()).update(set(c.labels))
    sources = sorted(per_source)
    fig, axes = _figure(4.8 * max(len(sources), 1), 0.22 * top + 1.4, ncols=max(len(sources), 1))
    notes = []
    for ax, source in zip(axes, sources or [""], strict=True):
        counts = per_source.get(source, Counter())
        ax.set_title(f"{source}: top {top} of {len(counts):,} labels" if source else "no clips", fontsize=10)
        if not counts:
            _empty(ax, "no tags")
            continue
        items = counts.most_common(top)[::-1]
        n = clips_per_source[source]
        ax.barh([k for k, _ in items], [100 * v / n for _, v in items], color=colours[source])
        ax.set_xlabel("% of clips")
        ax.tick_params(axis="y", labelsize=7)
        untagged = sum(1 for c in folder.clips if c.source == source and not c.labels)
        notes.append(f"{source}: {len(counts):,} distinct labels, {untagged:,} clips without any")
    columns = labels_columns()
    named = ", ".join(f"{s}: {columns[s]}" for s in sources if s in columns)
    caption = f"Share of clips carrying each label ({named or 'no labels column'}). " + "; ".join(notes)
    return fig, "Tag coverage", caption


def _genres(folder: Folder, colours: dict[str, str]) -> tuple[Figure, str, str]:
    per_source: dict[str, Counter[str]] = {}
    clips_per_source: Counter[str] = Counter()
    none: Counter[str] = Counter()
    for c in folder.clips:
        clips_per_source[c.source] += 1
        found = genres_in(c.context + " " + ", ".join(c.labels))
        per_source.setdefault(c.source, Counter()).update(found)
        none[c.source] += not found
    fig, (ax,) = _figure(10, 3.4)
    sources = sorted(per_source)
    width = 0.8 / max(len(sources), 1)
    for i, source in enumerate(sources):
        n = clips_per_source[source]
        xs = [j + i * width - 0.4 + width / 2 for j in range(len(GENRES))]
        ax.bar(xs, [100 * per_source[source][g] / n for g in GENRES], width, label=source, color=colours[source])
    ax.set_xticks(range(len(GENRES)), GENRES, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("% of clips")
    if sources:
        ax.legend(fontsize=8)
    else:
        _empty(ax, "no clips")
    caption = "Clips whose caption or tags name each genre. Clips naming none: " + ", ".join(
        f"{s} {100 * none[s] / clips_per_source[s]:.0f}%" for s in sources) + "."
    return fig, "Genre coverage", caption
