"""The local executor: every stage in this process, batch after batch, with the stores under ``OUT/work/``.

Audio records and engine replies are appended to ``audio.jsonl`` and ``generations.jsonl`` (flushed and
fsynced per batch) before the next batch starts, so killing the build at any moment loses at most the batch in
flight; a rerun reads the stores back and sends only what is missing. The dataset is re-derived from the
stores on every run (``driver.finish``), so the same stores always give the same dataset.

A Ray executor is a sibling of this module: the same ``Build`` stages, with ``audio_records`` and
``generate`` done by ``map_batches`` workers instead of these loops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from tqdm import tqdm

from musicqa.pipeline.driver import Build, finish, keep_with_audio, read_clips
from musicqa.pipeline.generate import pending, resume_state
from musicqa.pipeline.summary import BuildSummary
from musicqa.records import Clip, PromptRequest
from musicqa.store import JsonlStore, OutputLock

log = logging.getLogger(__name__)

AUDIO_BATCH = 64  # clips normalised between two appends to audio.jsonl


class LocalExecutor:
    """Runs a build in this process; ``engine`` lets tests share one loaded engine between builds."""

    def __init__(self, engine: Any = None) -> None:
        self.engine = engine

    def run(self, cfg: Any) -> BuildSummary:
        """The whole build on one locked output folder."""
        started = time.perf_counter()
        summary = BuildSummary()
        cfg.out.mkdir(parents=True, exist_ok=True)
        with OutputLock(cfg.out):
            build = Build(cfg, engine=self.engine)
            build.start()
            clips = read_clips(build, summary)
            clips, audio = keep_with_audio(build, clips, self.audio_records(build, clips), summary)
            requests = build.render(clips)
            summary.requests = len(requests)
            final = self.generate(build, requests, summary)
            return finish(build, clips, audio, requests, final, summary, started)

    def audio_records(self, build: Build, clips: Sequence[Clip]) -> dict[str, dict[str, Any]]:
        """clip_id -> its audio record: reused from ``audio.jsonl`` when still valid, else made and appended."""
        store = JsonlStore(build.out / "work" / "audio.jsonl")
        done = {rec["clip_id"]: rec for rec in store.read()}
        records: dict[str, dict[str, Any]] = {}
        todo: list[Clip] = []
        for clip in clips:
            prev = done.get(clip.clip_id)
            if build.audio.reusable(clip, prev):
                records[clip.clip_id] = prev
            else:
                todo.append(clip)
        with tqdm(total=len(clips), initial=len(clips) - len(todo), desc="audio", unit="clip", disable=None) as bar:
            for i in range(0, len(todo), AUDIO_BATCH):
                batch = todo[i:i + AUDIO_BATCH]
                new = build.audio(batch)
                store.append(new)  # durable before the next batch starts
                records.update((c.clip_id, r) for c, r in zip(batch, new, strict=True))
                bar.update(len(batch))
        return records

    def generate(self, build: Build, requests: Sequence[PromptRequest], summary: BuildSummary) -> dict[str, dict]:
        """Run the engine on every request not already done; returns key -> final stored record."""
        store = JsonlStore(build.out / "work" / "generations.jsonl")
        final, attempts = resume_state(store.read(), build.cfg.engine.max_retries)
        todo = pending(requests, final, attempts)
        log.info("engine: %d requests, %d already done, %d to generate", len(requests), len(requests) - len(todo),
                 len(todo))
        if not todo:
            return final
        size = build.cfg.engine.batch_size
        try:
            with tqdm(total=len(todo), desc="generate", unit="req", disable=None) as bar:
                while todo:
                    batch, todo = todo[:size], todo[size:]
                    result = build.generate(batch)
                    store.append(result.records)  # durable before the next batch starts
                    summary.generated_now += len(result.records)
                    final.update(result.done)
                    bar.update(len(result.done))
                    todo = result.retry + todo  # bounded: each request is retried at most max_retries times
        finally:
            build.generate.close()
        return final
