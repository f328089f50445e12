"""``Executor``: runs a build's steps in order, the same under every executor except where its spread work runs.

``Executor.run`` is the one place a build's control flow lives: it makes the stages (``driver.Build``) and the
build's state (``driver.BuildState``), then runs the steps ``Executor.steps`` lists, each a stage's part on the
driver that reads the state, stores its outcome there and counts it into the summary:

    sources -> audio -> analysis -> prompts -> generate -> parse + filters -> (judge) -> bundle

The steps defined here are those whose work is worth spreading out; each hands its stage's work to one map a
subclass gives, and every map says only *where* that work runs:

- ``map_audio(build, clips)``: each clip's audio record, in chunks, in any order;
- ``map_analysis(build, jobs)``: each normalised clip's ``work/analysis.jsonl`` record, in chunks, in any order;
- ``map_generate(build, batches)``: the ``BatchResult`` of every engine call ``GenerateStage.run`` makes on each
  batch, batches in any order;
- ``map_filter(build, batches)``: the ``FilterResult`` of ``Build.filters`` on each batch of clips (parse, the QA
  filters, the mcq checks), batches in any order; the duplicate filter's memory across clips is replayed from
  hashes on the driver, in batch order (``pairs.select``);
- ``map_judge(build, batches)``: with ``--filters.judge.enabled``, each batch of judge requests with its
  ``work/judgements.jsonl`` records (one engine call of ``JudgeStage``), batches in any order.

Everything that decides what the dataset is lives in the steps and the stages: which stored records are reused
(``AudioStage.reusable``, ``analysis_key``, ``resume_state``), how requests are cut into engine batches
(``engine_batches``) and clips into filter batches (``filter_batches``), the appends to ``work/audio.jsonl``,
``work/analysis.jsonl``, ``work/generations.jsonl`` and ``work/judgements.jsonl`` (on the driver, flushed and
fsynced per chunk and per engine call, so a kill loses only what was in flight), and the counting; the filters and
the judge run before the maps' resources are freed (``close``), the bundle after. So a Ray build and a local build
of one config read and write the same stores and give the same dataset.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from musicqa.analysis import OK, facts_from_record
from musicqa.errors import InputError
from musicqa.pipeline.driver import Build, BuildState, BundleStep, DryRunStep, ReadStep, RenderStep, Step, write_jsonl
from musicqa.pipeline.generate import BatchResult, engine_batches, resume_state
from musicqa.pipeline.pairs import FilterBatch, FilterResult, filter_batches, mcq_per_clip, select
from musicqa.pipeline.summary import BuildSummary, stage_done
from musicqa.records import SCHEMA_VERSION, Clip, PromptRequest
from musicqa.store import JsonlStore, OutputLock, clip_to_record

if TYPE_CHECKING:
    from musicqa.build_config import BuildConfig
    from musicqa.engines.base import Engine

log = logging.getLogger(__name__)


class Executor:
    """Runs a build; subclasses say where ``map_audio``, ``map_analysis``, ``map_generate``, ``map_filter`` and
    ``map_judge`` work."""

    engine: Engine | None = None  # one engine shared between builds (tests); only the local executor takes one

    def run(self, cfg: BuildConfig) -> BuildSummary:
        """The whole build on one locked output folder: every step in order, the maps' resources freed before the
        steps that need none."""
        started = time.perf_counter()
        with OutputLock(cfg.out):  # makes the folder (an OSError there is one line)
            build = Build(cfg, engine=self.engine)
            build.start()
            state = BuildState(build, started)
            mapped, after = self.steps(build)
            try:
                for step in mapped:
                    step.run(state)
            finally:
                build.generate.close()  # the judge may have shared its engine
                self.close()
            for step in after:
                step.run(state)
            return state.summary

    def steps(self, build: Build) -> tuple[list[Step], list[Step]]:
        """The build's steps in order: those run while the maps' workers and engines may be up, then those run
        after ``close`` (the bundle needs neither)."""
        cfg = build.cfg
        steps: list[Step] = [ReadStep(), AudioStep(self)]
        if cfg.analysis.enabled:
            steps.append(AnalysisStep(self))
        steps.append(RenderStep())
        if cfg.dry_run:  # what the LLM would be told, without loading it
            return [*steps, DryRunStep()], []
        steps += [GenerateStep(self), FilterStep(self)]
        if build.judge is not None:  # the filters first, then the judge on what they kept
            steps.append(JudgeStep(self))
        return steps, [BundleStep()]

    def map_audio(self, build: Build, clips: Sequence[Clip]) -> Iterator[tuple[list[Clip], list[dict[str, Any]]]]:
        """(chunk of clips, their audio records in the same order), for every clip once."""
        raise NotImplementedError

    def map_analysis(self, build: Build, jobs: Sequence[dict[str, Any]]
                     ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """(chunk of analysis jobs, their ``analysis.jsonl`` records in the same order), for every job once."""
        raise NotImplementedError

    def map_generate(self, build: Build, batches: Sequence[Sequence[PromptRequest]]) -> Iterator[BatchResult]:
        """The result of every engine call on every batch, each batch's calls as ``build.generate.run`` makes them."""
        raise NotImplementedError

    def map_filter(self, build: Build, batches: Sequence[FilterBatch]) -> Iterator[FilterResult]:
        """``build.filters`` on every batch once, in any order."""
        raise NotImplementedError

    def map_judge(self, build: Build, batches: Sequence[Sequence[PromptRequest]]
                  ) -> Iterator[tuple[list[PromptRequest], list[dict[str, Any]]]]:
        """(batch, its ``judgements.jsonl`` records in the same order): one ``build.judge`` call per batch."""
        raise NotImplementedError

    def close(self) -> None:
        """Free what the maps started (after the per-pair stages and the judge, before bundling)."""


class AudioStep:
    """The clips with usable audio (clip_id -> FLAC, or None with ``--audio.text-only``), the others counted by
    reason; each clip's audio record reused from ``work/audio.jsonl`` while still valid, else made and appended."""

    name = "audio"

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def run(self, state: BuildState) -> None:
        state.audio_records = self.records(state.build, state.clips)
        state.clips, state.audio = self.keep(state.build, state.clips, state.audio_records, state.summary)

    def records(self, build: Build, clips: Sequence[Clip]) -> dict[str, dict[str, Any]]:
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
        if not todo:
            return records
        with tqdm(total=len(clips), initial=len(clips) - len(todo), desc="audio", unit="clip", disable=None) as bar:
            for chunk, new in self.executor.map_audio(build, todo):
                store.append(new)  # durable before the next chunk is taken
                records.update((c.clip_id, r) for c, r in zip(chunk, new, strict=True))
                bar.update(len(chunk))
        return records

    def keep(self, build: Build, clips: Sequence[Clip], records: Mapping[str, Mapping[str, Any]],
             summary: BuildSummary) -> tuple[list[Clip], dict[str, Path | None]]:
        """The clips that go on and their audio, written to ``work/clips.jsonl`` (what the build prompted with, for
        users and tests to inspect); ``records`` are the audio records by clip_id, whichever executor made them."""
        kept: list[Clip] = []
        audio: dict[str, Path | None] = {}
        reasons: Counter[str] = Counter()
        for clip in clips:
            path, reason = build.audio.outcome(clip, records[clip.clip_id])
            if reason:
                reasons[reason] += 1
                if not build.cfg.audio.text_only:
                    continue
            kept.append(clip)
            audio[clip.clip_id] = path
        summary.skipped.update(reasons)
        stage_done("audio", len(clips), len(kept), {} if build.cfg.audio.text_only else reasons, "clips")
        if not kept:
            counts = ", ".join(f"{r} {n}" for r, n in reasons.most_common())
            raise InputError(f"0 of {len(clips)} clips have usable audio ({counts}); check the sources' audio "
                             "folders, or keep them without audio with --audio.text-only")
        write_jsonl(build.out / "work" / "clips.jsonl",
                    [{"schema": SCHEMA_VERSION, **clip_to_record(c)} for c in kept])
        return kept, audio


class AnalysisStep:
    """The clips with their measured facts (``--analysis.*``): reused from ``analysis.jsonl`` when its key (the
    FLAC's sha256 + analyser version + parameters) is there, else measured and appended. A clip that could not
    be measured keeps ``facts=None``; every outcome is counted in ``summary.analysis``."""

    name = "analysis"

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def run(self, state: BuildState) -> None:
        build, clips, audio, summary = state.build, state.clips, state.audio, state.summary
        stage = build.analysis
        store = JsonlStore(build.out / "work" / "analysis.jsonl")
        done = {rec["key"]: rec for rec in store.read()}
        keys: dict[str, str] = {}
        todo: dict[str, dict[str, Any]] = {}  # one job per distinct audio: two clips of one FLAC measure once
        for clip in clips:
            if audio.get(clip.clip_id) is None:
                continue  # no audio (--audio.text-only): nothing to measure, already counted by the audio stage
            sha = state.audio_records[clip.clip_id]["sha256"]
            keys[clip.clip_id] = key = stage.key(sha)
            if key not in done and key not in todo:
                todo[key] = {"key": key, "sha256": sha, "clip_id": clip.clip_id, "path": str(audio[clip.clip_id])}
        if todo:
            with tqdm(total=len(keys), initial=len(keys) - len(todo), desc="analysis", unit="clip",
                      disable=None) as bar:
                for chunk, new in self.executor.map_analysis(build, list(todo.values())):
                    store.append(new)  # durable before the next chunk is taken
                    done.update((r["key"], r) for r in new)
                    bar.update(len(chunk))
        out: list[Clip] = []
        for clip in clips:
            rec = done.get(keys.get(clip.clip_id, ""))
            if rec is None:
                out.append(clip)
                continue
            summary.analysis[rec["status"]] += 1
            out.append(dataclasses.replace(clip, facts=facts_from_record(rec["facts"])) if rec["facts"] else clip)
        reasons = {r: n for r, n in summary.analysis.items() if r != OK}
        stage_done("analysis", len(keys), summary.analysis[OK], reasons, "clips")
        log.info("analysis: %d clips measured now, %d reused from %s", len(todo), len(keys) - len(todo), store.path)
        write_jsonl(build.out / "work" / "clips.jsonl",  # what the build prompted with: now with the facts
                    [{"schema": SCHEMA_VERSION, **clip_to_record(c)} for c in out])
        state.clips = out


class GenerateStep:
    """key -> final stored reply for every request: the engine runs on every request not already done."""

    name = "generate"

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def run(self, state: BuildState) -> None:
        build, requests = state.build, state.requests
        store = JsonlStore(build.out / "work" / "generations.jsonl")
        final, attempts = resume_state(store.read(), build.cfg.engine.max_retries)
        state.final = final
        batches = engine_batches(requests, final, attempts, build.cfg.engine.batch_size)
        todo = sum(len(b) for b in batches)
        log.info("engine: %d requests, %d already done, %d to generate in %d batches", len(requests),
                 len(requests) - todo, todo, len(batches))
        if not batches:
            return
        try:
            with tqdm(total=todo, desc="generate", unit="req", disable=None) as bar:
                for result in self.executor.map_generate(build, batches):
                    store.append(result.records)  # durable before the next result is taken
                    state.summary.generated_now += len(result.records)
                    final.update(result.done)
                    bar.update(len(result.done))
        finally:
            if build.judge is None or build.judge.share is None:  # else the judge closes it after its own stage
                build.generate.close()


class FilterStep:
    """The dataset's pairs and items: every stored reply parsed and filtered per batch of clips (``map_filter``),
    then the duplicate filter replayed across clips and every outcome counted (``pairs.select``)."""

    name = "filters"

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def run(self, state: BuildState) -> None:
        results = self.results(state.build, state.clips, state.requests, state.final)
        state.selected = select(results, state.final, state.summary, mcq_per_clip=mcq_per_clip(state.build.cfg))

    def results(self, build: Build, clips: Sequence[Clip], requests: Sequence[PromptRequest],
                final: Mapping[str, Mapping[str, Any]]) -> list[FilterResult]:
        """Every filter batch's result, in batch order; where each ran goes to ``work/filters.jsonl``.

        Nothing here is resumed: parse and the filters are re-run from the stores on every build, so the dataset
        follows the code and config of the build that bundles it.
        """
        batches = filter_batches(clips, requests, final, build.cfg.clips_per_filter_batch)
        results: dict[int, FilterResult] = {}
        with tqdm(total=len(clips), desc="filter", unit="clip", disable=None) as bar:
            for result in self.executor.map_filter(build, batches):
                if result.index in results:  # a batch Ray resubmitted after it had come back
                    log.warning("filter batch %d came back twice; the second copy is dropped", result.index)
                    continue
                results[result.index] = result
                bar.update(len(result.clips))
        ordered = [results[i] for i in range(len(batches))]
        write_jsonl(build.out / "work" / "filters.jsonl",
                    [{"schema": SCHEMA_VERSION, **r.record()} for r in ordered])
        nodes = Counter(r.node[:8] for r in ordered)
        log.info("filters: %d batches of up to %d clips filtered by %d processes; batches per node: %s",
                 len(ordered), build.cfg.clips_per_filter_batch, len({(r.node, r.pid) for r in ordered}),
                 ", ".join(f"{n} {k}" for n, k in sorted(nodes.items())) or "none")
        return ordered


class JudgeStep:
    """Every kept pair judged (its judgement from ``judgements.jsonl``, else made by ``map_judge`` and appended),
    the failing ones moved from the kept pairs to the rejected ones (``pipeline/judge.py``)."""

    name = "judge"

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def run(self, state: BuildState) -> None:
        from musicqa.pipeline.judge import STORE, apply_judgements, judge_items

        build, cfg, selected = state.build, state.build.cfg, state.selected
        stage = build.judge
        assert stage is not None and selected is not None, "the judge step runs after the filters, when enabled"
        store = JsonlStore(build.out / "work" / STORE)
        done: dict[str, dict[str, Any]] = {}
        for rec in store.read():
            done.setdefault(rec["key"], rec)  # a key's first reply is the one that counts
        items = judge_items(stage, state.clips, selected.kept,
                            (cfg.analysis.min_tempo_confidence, cfg.analysis.min_key_strength))
        pairs = {req.key: pair for pair, req in items}
        requests = list({req.key: req for _, req in items}.values())  # two equal pairs: judged once
        batches = engine_batches(requests, done, {}, cfg.filters.judge.batch_size or cfg.engine.batch_size)
        todo = sum(len(b) for b in batches)
        log.info("judge: %d pairs, %d distinct, %d already judged, %d to judge in %d batches", len(items),
                 len(requests), len(requests) - todo, todo, len(batches))
        try:
            if batches:
                with tqdm(total=todo, desc="judge", unit="pair", disable=None) as bar:
                    for batch, records in self.executor.map_judge(build, batches):
                        records = [{**r, "question": pairs[q.key].question, "answer": pairs[q.key].answer}
                                   for q, r in zip(batch, records, strict=True)]
                        store.append(records)  # durable before the next batch is taken
                        for r in records:
                            done.setdefault(r["key"], r)
                        bar.update(len(batch))
        finally:
            stage.close()
            build.generate.close()
        apply_judgements(items, done, selected.kept, selected.rejected, state.summary, todo, stage.prompt.model)
