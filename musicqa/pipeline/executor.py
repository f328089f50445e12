"""``Executor``: one build, the same under every executor except where its four spread stages run.

``run`` is the whole build on the driver: read the clips, normalise their audio, render the requests, generate,
parse and filter, then bundle (``driver.finish``). Of those, audio normalisation, its analysis, engine calls and
the per-pair stages are worth spreading out, so a subclass gives just those four maps:

- ``map_audio(build, clips)``: each clip's audio record, in chunks, in any order;
- ``map_analysis(build, jobs)``: each normalised clip's ``work/analysis.jsonl`` record, in chunks, in any order;
- ``map_generate(build, batches)``: the ``BatchResult`` of every engine call ``GenerateStage.run`` makes on each
  batch, batches in any order;
- ``map_filter(build, batches)``: the ``FilterResult`` of ``Build.filters`` on each batch of clips (parse, the QA
  filters, the mcq checks), batches in any order; the duplicate filter's memory across clips is replayed from
  hashes on the driver, in batch order (``pairs.select``);
- ``map_judge(build, batches)``: with ``--filters.judge.enabled``, each batch of judge requests with its
  ``work/judgements.jsonl`` records (one engine call of ``JudgeStage``), batches in any order.

Everything that decides what the dataset is lives here and in the stages: which stored records are reused
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
from typing import Any

from tqdm import tqdm

from musicqa.analysis import OK, facts_from_record
from musicqa.pipeline.driver import Build, finish, keep_with_audio, read_clips, write_dry_run, write_jsonl
from musicqa.pipeline.generate import BatchResult, engine_batches, resume_state
from musicqa.pipeline.pairs import FilterBatch, FilterResult, filter_batches, mcq_per_clip, select
from musicqa.pipeline.summary import BuildSummary, stage_done
from musicqa.records import SCHEMA_VERSION, Clip, PromptRequest, QAPair
from musicqa.store import JsonlStore, OutputLock, clip_to_record

log = logging.getLogger(__name__)


class Executor:
    """Runs a build; subclasses say where ``map_audio``, ``map_analysis``, ``map_generate`` and ``map_judge`` work."""

    engine: Any = None  # an engine the caller shares between builds (tests); only the local executor can use one

    def run(self, cfg: Any) -> BuildSummary:
        """The whole build on one locked output folder."""
        started = time.perf_counter()
        summary = BuildSummary()
        with OutputLock(cfg.out):  # makes the folder (an OSError there is one line)
            build = Build(cfg, engine=self.engine)
            build.start()
            clips = read_clips(build, summary)
            try:
                records = self.audio_records(build, clips)
                clips, audio = keep_with_audio(build, clips, records, summary)
                clips = self.with_facts(build, clips, audio, records, summary)
                requests = build.render(clips)
                summary.requests = len(requests)
                if cfg.dry_run:  # what the LLM would be told, without loading it
                    write_dry_run(build, requests, summary, started)
                    return summary
                final = self.generate(build, requests, summary)
                filtered = self.filter_pairs(build, clips, requests, final)
                selected = select(filtered, final, summary, mcq_per_clip=mcq_per_clip(build.cfg))
                if build.judge is not None:  # the filters first, then the judge on what they kept
                    self.judge(build, clips, selected.kept, selected.rejected, summary)
            finally:
                build.generate.close()  # the judge may have shared its engine
                self.close()
            return finish(build, clips, audio, selected, final, summary, started)

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
        if not todo:
            return records
        with tqdm(total=len(clips), initial=len(clips) - len(todo), desc="audio", unit="clip", disable=None) as bar:
            for chunk, new in self.map_audio(build, todo):
                store.append(new)  # durable before the next chunk is taken
                records.update((c.clip_id, r) for c, r in zip(chunk, new, strict=True))
                bar.update(len(chunk))
        return records

    def with_facts(self, build: Build, clips: Sequence[Clip], audio: Mapping[str, Path | None],
                   audio_records: Mapping[str, Mapping[str, Any]], summary: BuildSummary) -> list[Clip]:
        """``clips`` with their measured facts (``--analysis.*``): reused from ``analysis.jsonl`` when its key (the
        FLAC's sha256 + analyser version + parameters) is there, else measured and appended. A clip that could not
        be measured keeps ``facts=None``; every outcome is counted in ``summary.analysis``."""
        if not build.cfg.analysis.enabled:
            return list(clips)
        stage = build.analysis
        store = JsonlStore(build.out / "work" / "analysis.jsonl")
        done = {rec["key"]: rec for rec in store.read()}
        keys: dict[str, str] = {}
        todo: dict[str, dict[str, Any]] = {}  # one job per distinct audio: two clips of one FLAC measure once
        for clip in clips:
            if audio.get(clip.clip_id) is None:
                continue  # no audio (--audio.text-only): nothing to measure, already counted by the audio stage
            sha = audio_records[clip.clip_id]["sha256"]
            keys[clip.clip_id] = key = stage.key(sha)
            if key not in done and key not in todo:
                todo[key] = {"key": key, "sha256": sha, "clip_id": clip.clip_id, "path": str(audio[clip.clip_id])}
        if todo:
            with tqdm(total=len(keys), initial=len(keys) - len(todo), desc="analysis", unit="clip",
                      disable=None) as bar:
                for chunk, new in self.map_analysis(build, list(todo.values())):
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
        return out

    def generate(self, build: Build, requests: Sequence[PromptRequest], summary: BuildSummary) -> dict[str, dict]:
        """Run the engine on every request not already done; returns key -> final stored record."""
        store = JsonlStore(build.out / "work" / "generations.jsonl")
        final, attempts = resume_state(store.read(), build.cfg.engine.max_retries)
        batches = engine_batches(requests, final, attempts, build.cfg.engine.batch_size)
        todo = sum(len(b) for b in batches)
        log.info("engine: %d requests, %d already done, %d to generate in %d batches", len(requests),
                 len(requests) - todo, todo, len(batches))
        if not batches:
            return final
        try:
            with tqdm(total=todo, desc="generate", unit="req", disable=None) as bar:
                for result in self.map_generate(build, batches):
                    store.append(result.records)  # durable before the next result is taken
                    summary.generated_now += len(result.records)
                    final.update(result.done)
                    bar.update(len(result.done))
        finally:
            if build.judge is None or build.judge.share is None:  # else the judge closes it after its own stage
                build.generate.close()
        return final

    def filter_pairs(self, build: Build, clips: Sequence[Clip], requests: Sequence[PromptRequest],
                     final: Mapping[str, Mapping[str, Any]]) -> list[FilterResult]:
        """Every filter batch's result, in batch order; where each ran goes to ``work/filters.jsonl``.

        Nothing here is resumed: parse and the filters are re-run from the stores on every build, so the dataset
        follows the code and config of the build that bundles it.
        """
        batches = filter_batches(clips, requests, final, build.cfg.clips_per_filter_batch)
        results: dict[int, FilterResult] = {}
        with tqdm(total=len(clips), desc="filter", unit="clip", disable=None) as bar:
            for result in self.map_filter(build, batches):
                if result.index in results:  # a batch Ray resubmitted after it had come back
                    log.warning("filter batch %d came back twice; the second copy is dropped", result.index)
                    continue
                results[result.index] = result
                bar.update(len(result.clips))
        ordered = [results[i] for i in range(len(batches))]
        write_jsonl(build.out / "work" / "filters.jsonl",
                    [{"schema": SCHEMA_VERSION, **r.record()} for r in ordered])
        nodes = Counter(r.node[:8] for r in ordered)
        log.info("filters: %d batches of up to %d clips filtered by %d processes; batches per node: %s", len(ordered),
                 build.cfg.clips_per_filter_batch, len({(r.node, r.pid) for r in ordered}),
                 ", ".join(f"{n} {k}" for n, k in sorted(nodes.items())) or "none")
        return ordered

    def judge(self, build: Build, clips: Sequence[Clip], kept: dict[str, list[QAPair]], rejected: list[dict],
              summary: BuildSummary) -> None:
        """Judge every pair in ``kept`` whose judgement ``judgements.jsonl`` lacks, then drop the failing ones
        from ``kept`` into ``rejected`` (``pipeline/judge.py``)."""
        from musicqa.pipeline.judge import STORE, apply_judgements, judge_items

        stage = build.judge
        cfg = build.cfg
        store = JsonlStore(build.out / "work" / STORE)
        done: dict[str, dict[str, Any]] = {}
        for rec in store.read():
            done.setdefault(rec["key"], rec)  # a key's first reply is the one that counts
        items = judge_items(stage, clips, kept, (cfg.analysis.min_tempo_confidence, cfg.analysis.min_key_strength))
        pairs = {req.key: pair for pair, req in items}
        requests = list({req.key: req for _, req in items}.values())  # two equal pairs: judged once
        batches = engine_batches(requests, done, {}, cfg.filters.judge.batch_size or cfg.engine.batch_size)
        todo = sum(len(b) for b in batches)
        log.info("judge: %d pairs, %d distinct, %d already judged, %d to judge in %d batches", len(items),
                 len(requests), len(requests) - todo, todo, len(batches))
        try:
            if batches:
                with tqdm(total=todo, desc="judge", unit="pair", disable=None) as bar:
                    for batch, records in self.map_judge(build, batches):
                        records = [{**r, "question": pairs[q.key].question, "answer": pairs[q.key].answer}
                                   for q, r in zip(batch, records, strict=True)]
                        store.append(records)  # durable before the next batch is taken
                        for r in records:
                            done.setdefault(r["key"], r)
                        bar.update(len(batch))
        finally:
            stage.close()
            build.generate.close()
        apply_judgements(items, done, kept, rejected, summary, todo, stage.prompt.model)
