"""The local executor: every stage in this process, batch after batch, with the stores under ``OUT/work/``.

Audio records, measured facts, engine replies and judge replies are appended to ``audio.jsonl``,
``analysis.jsonl``, ``generations.jsonl`` and ``judgements.jsonl`` (flushed and fsynced per batch) before the next
batch starts, so killing the build at any moment loses at most the batch in flight; a rerun reads the stores back
and sends only what is missing. The dataset is re-derived from the stores on every run (``driver.BundleStep``), so
the same stores always give the same dataset.

Its sibling ``ray.RayExecutor`` runs the same five maps on a Ray cluster; the steps that call them are
``Executor``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from musicqa.pipeline.driver import Build
from musicqa.pipeline.executor import Executor
from musicqa.pipeline.generate import BatchResult
from musicqa.pipeline.pairs import FilterBatch, FilterResult
from musicqa.records import Clip, PromptRequest

if TYPE_CHECKING:
    from musicqa.engines.base import Engine

log = logging.getLogger(__name__)

AUDIO_BATCH = 64  # clips normalised between two appends to audio.jsonl


class LocalExecutor(Executor):
    """Runs a build in this process; ``engine`` lets tests share one loaded engine between builds."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine

    def map_audio(self, build: Build, clips: Sequence[Clip]) -> Iterator[tuple[list[Clip], list[dict[str, Any]]]]:
        for i in range(0, len(clips), AUDIO_BATCH):
            chunk = list(clips[i:i + AUDIO_BATCH])
            yield chunk, build.audio(chunk)

    def map_analysis(self, build: Build, jobs: Sequence[dict[str, Any]]
                     ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        size = build.cfg.analysis.batch_size
        for i in range(0, len(jobs), size):
            chunk = list(jobs[i:i + size])
            yield chunk, build.analysis(chunk)

    def map_generate(self, build: Build, batches: Sequence[Sequence[PromptRequest]]) -> Iterator[BatchResult]:
        for batch in batches:
            yield from build.generate.run(batch)

    def map_filter(self, build: Build, batches: Sequence[FilterBatch]) -> Iterator[FilterResult]:
        for batch in batches:  # one stage object: the embedder loads once, each batch starts afresh
            yield build.filters(batch)

    def map_judge(self, build: Build, batches: Sequence[Sequence[PromptRequest]]
                  ) -> Iterator[tuple[list[PromptRequest], list[dict[str, Any]]]]:
        for batch in batches:
            yield list(batch), build.judge(batch)
