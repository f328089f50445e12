"""Per-pair work after generation: stored replies -> pairs and items -> their verdicts, a batch of clips at a time.

    clips + final records (driver) -> filter_batches -> FilterStage (per batch, anywhere) -> select (driver)

``FilterStage`` parses every stored reply of a batch of clips (``ParseStage``) and judges what parsed: the QA
filters (rules and the learned layer, whose sentence embedder a worker loads once) and the mcq item checks.
Everything it decides depends on its batch alone, so an executor may run the batches anywhere, in any order
(``Executor.map_filter``).

The one filter that needs every clip at once, the duplicate filter's memory of answers given for other clips,
is split: a batch returns each pair's digests and within-clip relations (``Duplicate.clip_hashes``), and
``select`` replays the filter from those on the driver, clip after clip in the build's order
(``duplicate.AcrossClips``). The filters after ``duplicate`` (grounding) are judged on the worker for every pair
the filters before it kept, so the driver never needs a text to finish a verdict.

Batches are cut on the driver (``filter_batches``, ``--clips-per-filter-batch`` clips each) and each starts with
fresh filters and an empty embedding cache: the learned layer's int8 embedder gives a text a slightly different
vector beside other texts, so a batch is judged the same on every worker and under every executor.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from musicqa.parse import OK
from musicqa.pipeline.generate import stored_reply
from musicqa.pipeline.summary import BuildSummary, stage_done
from musicqa.records import Clip, MCQItem, PromptRequest, QAPair, Verdict

if TYPE_CHECKING:
    from musicqa.build_config import BuildConfig
    from musicqa.filters.config import FiltersConfig
    from musicqa.filters.duplicate import PairHashes

log = logging.getLogger(__name__)

MCQ = "mcq"


@dataclass(frozen=True)
class FilterBatch:
    """Clips with their stored replies: each clip's requests (prompt text left out) with their final records."""

    index: int
    clips: tuple[tuple[Clip, tuple[tuple[PromptRequest, dict[str, Any]], ...]], ...]


@dataclass(frozen=True, slots=True)
class FilteredPair:
    """A parsed pair and what the filters said, the duplicate filter's part as hashes still to be replayed."""

    pair: QAPair
    before: tuple[Verdict, ...]  # the drop by a filter listed before ``duplicate`` (all of them when it is off)
    hashes: PairHashes | None = None  # when the pair reached the duplicate filter (the filters import lazily)
    after: tuple[Verdict, ...] = ()  # the drop by a filter listed after ``duplicate``, were it kept by it


@dataclass(frozen=True)
class FilteredClip:
    """One clip's outcome: replies that did not parse, its judged pairs and its checked mcq items."""

    clip_id: str
    failed: tuple[dict[str, Any], ...]
    pairs: tuple[FilteredPair, ...]
    items: tuple[tuple[MCQItem, tuple[Verdict, ...]], ...]


@dataclass(frozen=True)
class FilterResult:
    """A batch's judged clips in batch order, and where and how fast it was judged."""

    index: int
    clips: tuple[FilteredClip, ...]
    node: str
    pid: int
    seconds: float

    def record(self) -> dict[str, Any]:
        """The line ``work/filters.jsonl`` keeps for this batch (where the per-pair work ran)."""
        return {"batch": self.index, "clips": len(self.clips), "pairs": sum(len(c.pairs) for c in self.clips),
                "items": sum(len(c.items) for c in self.clips), "node": self.node, "pid": self.pid,
                "seconds": round(self.seconds, 3)}


def filter_batches(clips: Sequence[Clip], requests: Sequence[PromptRequest], final: Mapping[str, Mapping[str, Any]],
                   size: int) -> list[FilterBatch]:
    """The build's clips, ``size`` at a time in clip order, each with its replies in request order.

    Cut from the clip list alone, so a rerun, a resumed build and every executor judge the same batches.
    """
    by_clip: dict[str, list[tuple[PromptRequest, dict[str, Any]]]] = defaultdict(list)
    for req in requests:
        rec = final.get(req.key)
        if rec is not None:  # the prompt's text is not needed to parse its reply: it stays on the driver
            by_clip[req.clip_id].append((dataclasses.replace(req, messages=()), dict(rec)))
    return [FilterBatch(i // size, tuple((c, tuple(by_clip[c.clip_id])) for c in clips[i:i + size]))
            for i in range(0, len(clips), size)]


@dataclass(frozen=True)
class ParsedClip:
    """One clip's stored replies parsed: the records of those that did not parse, and the pairs and items of those
    that did, in request order."""

    clip: Clip
    failed: tuple[dict[str, Any], ...]
    pairs: tuple[QAPair, ...]
    items: tuple[MCQItem, ...]


class ParseStage:
    """FilterBatch -> each clip's replies parsed (``parse.parse``), in batch order.

    Parsing is deterministic, so the stored replies are re-parsed on every build rather than stored parsed: the
    dataset follows the parser of the build that bundles it, and bundling needs no engine.
    """

    def __call__(self, batch: FilterBatch) -> list[ParsedClip]:
        out = []
        for clip, replies in batch.clips:
            failed: list[dict[str, Any]] = []
            pairs: list[QAPair] = []
            items: list[MCQItem] = []
            for req, rec in replies:
                reply = stored_reply(rec, req)
                if reply.status != OK:
                    failed.append({"clip_id": clip.clip_id, "task": req.task, "status": reply.status,
                                   "detail": reply.detail, "attempts": rec["attempt"] + 1, "text": rec["text"]})
                    continue
                pairs.extend(reply.pairs)
                items.extend(reply.items)
            out.append(ParsedClip(clip, tuple(failed), tuple(pairs), tuple(items)))
        return out


class FilterStage:
    """FilterBatch -> FilterResult: parse (``ParseStage``), the QA filters and the mcq checks, fresh for every batch.

    Made from ``--filters.*``, the schema's longest string (which tells a decoder cut-off) and ``--mcq.checks``.
    The sentence embedder is loaded once where the stage runs and never travels with it.
    """

    def __init__(self, cfg: FiltersConfig, max_answer_chars: int, mcq_checks: Sequence[str] = ()) -> None:
        self.cfg = cfg
        self.parse = ParseStage()
        self.max_answer_chars = max_answer_chars
        self.mcq_checks = tuple(mcq_checks)
        self.node: str | None = None  # where the batches are judged (a Ray node id); None: this machine's name
        self._embedder: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_embedder": None}  # each worker loads its own model

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.cfg.enabled)

    def load(self) -> None:
        """Load the sentence embedder now (a worker does so before its first batch), if any filter uses it."""
        if (self.cfg.classifier or self.cfg.paraphrase) and self._embedder is None:
            from musicqa.filters.embeddings import Embedder

            self._embedder = Embedder(batch_size=self.cfg.embedding_batch)
            self._embedder.embed(["warm up"])  # loads the model; a missing package stops here, before any batch

    def __call__(self, batch: FilterBatch) -> FilterResult:
        from musicqa.filters import filters_from_config, prepare, verdicts
        from musicqa.filters.mcq import make_checks

        started = time.perf_counter()
        self.load()
        if self._embedder is not None:
            self._embedder.forget()  # the batch is embedded as on any other worker
        filters = filters_from_config(self.cfg, embedder=self._embedder, max_answer_chars=self.max_answer_chars)
        # the filter whose memory spans clips (duplicate.Duplicate): judged per clip here, across clips in select()
        at = next((i for i, f in enumerate(filters) if hasattr(f, "clip_hashes")), len(filters))
        before, after = filters[:at], filters[at + 1:]
        duplicate: Any = filters[at] if at < len(filters) else None
        checks = make_checks(self.mcq_checks)

        parsed = self.parse(batch)
        prepare(filters, [(p, c.clip) for c in parsed for p in c.pairs])  # one embedding pass
        judged: list[FilteredClip] = []
        for c in parsed:
            clip, pairs = c.clip, c.pairs
            first = [verdicts(before, p, clip) for p in pairs]
            seen = [p for p, v in zip(pairs, first, strict=True) if not v]
            hashes = iter(duplicate.clip_hashes(seen)) if duplicate is not None else None
            out = []
            for p, v in zip(pairs, first, strict=True):
                if v or hashes is None:
                    out.append(FilteredPair(p, v))
                else:
                    out.append(FilteredPair(p, v, next(hashes), verdicts(after, p, clip)))
            judged.append(FilteredClip(clip.clip_id, c.failed, tuple(out),
                                     tuple((i, verdicts(checks, i, clip)) for i in c.items)))  # type: ignore[arg-type]
        return FilterResult(batch.index, tuple(judged), self.node or socket.gethostname(), os.getpid(),
                            time.perf_counter() - started)


@dataclass
class Selected:
    """What the dataset is made of: kept pairs and items per clip, and the rejected and failed records in order."""

    kept: dict[str, list[QAPair]]
    items: dict[str, list[MCQItem]] | None  # None: the build has no mcq task
    rejected: list[dict[str, Any]]
    failed: list[dict[str, Any]]


def mcq_per_clip(cfg: BuildConfig) -> int | None:
    """``--mcq.per-clip`` when the build makes mcq items, else None (``select`` then leaves ``summary.mcq`` empty)."""
    return cfg.mcq.per_clip if MCQ in cfg.prompts.tasks else None


def select(results: Iterable[FilterResult], final: Mapping[str, Any], summary: BuildSummary, *,
           mcq_per_clip: int | None) -> Selected:
    """The judged batches, in batch order, made into the dataset's pairs and items, every outcome counted.

    Replays the duplicate filter across clips from the hashes (``AcrossClips``), so the outcome is the one a single
    process running every filter pair after pair gives. ``rejected`` holds the dropped QA pairs in clip order, then
    the dropped mcq items; ``mcq_per_clip`` is None when the build has no mcq task.
    """
    from musicqa.filters.duplicate import AcrossClips
    from musicqa.filters.mcq import correct_longest_share

    across = AcrossClips()
    kept: dict[str, list[QAPair]] = defaultdict(list)
    items: dict[str, list[MCQItem]] = defaultdict(list)
    rejected: list[dict[str, Any]] = []
    item_rejects: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    generated: list[MCQItem] = []
    item_drops: Counter[str] = Counter()
    for result in results:
        for clip in result.clips:
            failed.extend(clip.failed)
            summary.failed.update(f["status"] for f in clip.failed)
            reached = [p for p in clip.pairs if p.hashes is not None]
            dup = iter(across(clip.clip_id, [p.hashes for p in reached]))
            for judged in clip.pairs:
                summary.pairs_generated += 1
                drops = judged.before
                if judged.hashes is not None:
                    verdict = next(dup)
                    drops = judged.after if verdict.keep else (verdict,)
                pair = judged.pair
                if drops:
                    first = drops[0]
                    summary.drops[first.reason] += 1
                    rejected.append({"clip_id": pair.clip_id, "task": pair.task, "question": pair.question,
                                     "answer": pair.answer, "reason": first.reason, "reasons": [first.reason],
                                     **({"score": first.score} if first.score is not None else {})})
                else:
                    kept[pair.clip_id].append(pair)
                    summary.pairs_kept += 1
            for item, verdicts in clip.items:
                generated.append(item)
                if verdicts:
                    item_drops[verdicts[0].reason] += 1
                    item_rejects.append({"clip_id": item.clip_id, "task": MCQ, "question": item.question,
                                         "answer": item.correct_answer, "distractors": list(item.distractors),
                                         "reason": verdicts[0].reason, "reasons": [v.reason for v in verdicts]})
                else:
                    items[item.clip_id].append(item)
    stage_done("parse", len(final), len(final) - len(failed), summary.failed, "replies")
    stage_done("filters", summary.pairs_generated, summary.pairs_kept, summary.drops, "pairs")
    if mcq_per_clip is None:
        return Selected(kept, None, rejected, failed)
    summary.drops.update(item_drops)
    all_kept = [i for v in items.values() for i in v]
    summary.mcq = {"per_clip": mcq_per_clip, "items_generated": len(generated), "items_kept": len(all_kept),
                   "correct_longest_share_generated": _round(correct_longest_share(generated)),
                   "correct_longest_share_kept": _round(correct_longest_share(all_kept))}
    stage_done("mcq checks", len(generated), len(all_kept), item_drops, "items")
    return Selected(kept, items, rejected + item_rejects, failed)


def _round(share: float | None) -> float | None:
    return None if share is None else round(share, 4)
