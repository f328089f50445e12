"""Parse + filter + bundle of the whole of MusicCaps from a recorded engine store, in seconds and pairs/s per stage.

No model runs. The bench lays out what a finished engine run leaves behind and then times
``musicqa.build.run_build`` on it, with an engine that fails the run if it is ever called:

- the real ``musiccaps-public.csv`` (5,521 rows; ``--scales 4`` repeats every row 4 times under new ids);
- real audio: 5,521 distinct 24 kHz FLAC clips made once from the 6 shared 10-second clips (see
  ``unique_flacs``), hard-linked as each clip's normalised file (``work/audio``) and recorded in
  ``work/audio.jsonl`` as done;
- ``work/generations.jsonl``: one stored reply per (clip, task) request with the exact keys ``make_requests``
  derives, so nothing is pending. Replies are valid JSON built from real text: the clip's own caption
  sentences and aspect list for the answers, real MPT-7B-chat questions from EvalMusicQA.json for the open
  pairs; 1% are truncated JSON with their retry trail (as a real run has), so the failure path runs too.

    python -m bench.pipeline                                        # 1x: 5,521 clips x 9 pairs, ~40 s
    python -m bench.pipeline --scales 1,4,16    # how time grows (~10 min, 26 GB at 16x)
    python -m bench.pipeline --scales 1,4,16 --no-audio             # the same, text only (~5 min)

Stages are timed by wrapping the pipeline's own functions and step and stage methods (``ReadStep.run``,
``AudioStep.records``, ``RenderStage.__call__``, ``GenerateStep.run``, ``stored_reply``, ``FilterStep.results``,
``select``, ``make_row``, ``bundle``); nothing in musicqa is changed. The filters are the
build's defaults (all five, learned layer on). Each stage's rate is also given per CPU-second (pairs per
core-second): parse and the filters run on workers under ``--executor ray``, so that rate times the workers' cores
is their throughput; the other stages stay on the driver (``driver`` column), whose share the README's estimate
is computed from.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import json
import logging
import os
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import (
    EVAL_MUSICQA,
    MUSICCAPS_CSV,
    OUT,
    SAMPLE_AUDIO,
    machine,
    machine_line,
    parse_scales,
    peak_rss_mb,
    read_musiccaps_rows,
    scaled_rows,
    table,
    warn_if_busy,
    write_json,
)

TARGET_S = 60.0
FAILED_EVERY = 97  # one request in 97 (~1%) gets a reply that never parses, like a real run's leftovers
STAGES = ("sources", "audio", "prompts", "store", "parse", "filters", "select", "rows", "bundle", "other")
WORKER_STAGES = ("parse", "filters")  # Executor.map_filter: Ray actors under --executor ray
STAGE_HELP = {
    "sources": "ReadStep: CSV -> Clip",
    "audio": "AudioStep.records: resume check of normalised audio",
    "prompts": "RenderStage: render + hash every request",
    "store": "GenerateStep: read generations.jsonl, nothing pending",
    "parse": "stored_reply: JSON replies -> QAPairs",
    "filters": "FilterStep.results minus parse: the quality filters and mcq checks per batch",
    "select": "select: duplicates across clips from digests, counts",
    "rows": "make_row: one dataset row per clip",
    "bundle": "bundle: read FLAC bytes, Parquet shards, card",
    "other": "the rest of run_build (summary, JSONL outputs, locks)",
}


class EngineMustNotRun:
    """Stands in for the engine: every key is done, so a call means the store was not recognised."""

    name = "none"
    version = "0"

    def generate(self, requests):
        raise AssertionError(f"the engine was called with {len(requests)} requests: the recorded store is incomplete")

    def close(self) -> None:
        pass


# --- synthetic but realistic inputs ----------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()] or [text.strip()]


_SOURCE_WORDS = re.compile(r"tag|caption|descri|keyword|label|metadata|\"", re.IGNORECASE)


def open_questions(path: Path = EVAL_MUSICQA) -> list[list[str]]:
    """Per EvalMusicQA clip, 5 questions MPT-7B-chat wrote beyond the 4 fixed ones (real generated text).

    Questions about "the tags" or a quoted tag word are left out: musicqa's prompts ask about the music, and
    the leak filter would drop them all.
    """
    from musicqa.prompts import PAPER_QUESTIONS

    fixed = {q.rstrip("?") for q in PAPER_QUESTIONS}
    by_clip: dict[str, list[str]] = {}
    for rec in json.loads(path.read_text(encoding="utf-8")):
        q = rec["conversation"][0]["value"]
        if q.rstrip("?") not in fixed and not _SOURCE_WORDS.search(q):
            by_clip.setdefault(rec["audio_name"], []).append(q)
    return [qs[:5] for qs in by_clip.values() if len(qs) >= 5]


# Copy k of a row (--scales k+1 and up) opens every answer with OPENERS[k]: the same caption would otherwise give
# the same answers, which the duplicate filter drops as template text, and later stages would see 1x the work.
OPENERS = ("", "Overall, ", "In short, ", "Listening closely, ", "To the ear, ", "From the first bar, ",
           "Throughout the clip, ", "At first listen, ", "On the whole, ", "Put simply, ", "In this piece, ",
           "As it plays, ", "Right away, ", "Clearly, ", "Above all, ", "Here, ")


def reply_text(clip, task: str, questions: list[str], copy: int = 0) -> str:
    """A well-formed reply for one request, from the clip's own caption and aspects (so it is grounded).

    Fixed: the first sentence, the whole caption, the aspects, the last sentence. Open: one caption sentence
    per question, then sentences made of two aspects each when the caption runs out.
    """
    sent = sentences(clip.text)
    labels = list(clip.labels) or ["a clear mix", "a steady rhythm"]
    opener = OPENERS[copy % len(OPENERS)] + (f"take {copy // len(OPENERS) + 1}: " if copy >= len(OPENERS) else "")

    def say(text: str) -> str:
        return opener + (text[:1].lower() + text[1:] if opener else text)

    if task == "fixed":
        answers = [sent[0], clip.text, f"In the audio, you can hear {', '.join(labels[:6])}.", sent[-1]]
        return json.dumps({"answers": [say(a) for a in answers]}, ensure_ascii=False)
    extra = [f"You can hear {labels[j % len(labels)]} and {labels[(j + 1) % len(labels)]} in this piece."
             for j in range(0, 10, 2)]
    answers = (sent[1:-1] + extra)[:len(questions)]  # the first and last sentences are fixed answers already
    pairs = [{"question": q, "answer": say(a)} for q, a in zip(questions, answers)]
    return json.dumps({"pairs": pairs}, ensure_ascii=False)


def unique_flacs(pool: list[Path], n: int, cache: Path) -> list[Path]:
    """``n`` distinct normalised 24 kHz FLAC clips, made once from the shared clips and cached in bench/out.

    Each is a shared clip normalised by musicqa.audio and circularly shifted by a different number of
    samples, so every clip's bytes differ, as real clips' do: identical values would let Parquet's
    dictionary encoding store one copy and flatter the bundle stage.
    """
    import numpy as np
    import soundfile as sf

    from musicqa import audio as audio_mod

    paths = [cache / f"{i:05d}.flac" for i in range(n)]
    missing = [i for i, p in enumerate(paths) if not p.exists()]
    if missing:
        print(f"making {len(missing):,} distinct FLAC clips in {cache} (once)", file=sys.stderr, flush=True)
        signals = [audio_mod.load(p) for p in pool]
        cache.mkdir(parents=True, exist_ok=True)
        for i in missing:
            y = np.roll(signals[i % len(signals)], 1 + 37 * i)
            tmp = paths[i].with_suffix(".tmp")
            sf.write(tmp, y, audio_mod.TARGET_SR, format="FLAC", subtype="PCM_16")
            os.replace(tmp, paths[i])
    return paths


def lay_out(work: Path, scale: int, with_audio: bool, max_retries: int, flac_cache: Path,
            limit: int | None = None) -> tuple[Any, dict[str, Any]]:
    """Write the scaled CSV, audio and recorded store under ``work``; returns the BuildConfig and what was made."""
    from musicqa.analysis import AnalysisConfig
    from musicqa.build_config import AudioConfig, BuildConfig
    from musicqa.engines.base import EngineConfig
    from musicqa.parse import parse
    from musicqa.pipeline import Build, BuildState
    from musicqa.pipeline.driver import ReadStep
    from musicqa.records import Generation
    from musicqa.sources.musiccaps import MusicCapsConfig
    from musicqa.store import JsonlStore, generation_record

    t0 = time.perf_counter()
    if work.exists():
        shutil.rmtree(work)
    src_dir, out = work / "audio-src", work / "dataset"
    src_dir.mkdir(parents=True)
    rows = scaled_rows(read_musiccaps_rows(MUSICCAPS_CSV, limit), scale)
    csv_path = work / "musiccaps.csv"

    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    pool = sorted(p for p in SAMPLE_AUDIO.glob("asc-*.mp3") if "long" not in p.name)
    n_base = len(rows) // scale
    flacs = unique_flacs(pool, n_base, flac_cache) if with_audio else []
    if with_audio:
        for i, r in enumerate(rows):
            (src_dir / f"{r['ytid']}.mp3").symlink_to(pool[i % len(pool)])

    cfg = BuildConfig(out=out, sources=["musiccaps"], report=False,
                      musiccaps=MusicCapsConfig(csv=csv_path, audio_dir=src_dir if with_audio else None),
                      audio=AudioConfig(text_only=not with_audio), engine=EngineConfig(max_retries=max_retries),
                      # the analysis stage has its own bench (bench.analysis); here it would change the prompts, so
                      # the recorded keys, and its store would see one fake sha256 for every clip
                      analysis=AnalysisConfig(enabled=False))
    build = Build(cfg)
    state = BuildState(build, time.perf_counter())
    ReadStep().run(state)
    clips = state.clips
    audio_store = JsonlStore(out / "work" / "audio.jsonl")
    audio_recs = []
    for i, clip in enumerate(clips):
        if clip.audio_path is None:
            audio_recs.append({"clip_id": clip.clip_id, "src": None, "status": "failed", "reason": "audio_missing",
                               "sample_rate": cfg.audio.sample_rate})
            continue
        target = out / "work" / "audio" / clip.source / f"{clip.source_id}.flac"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(flacs[i % n_base], target)  # copies of a row at scale > 1 share its file (other shards)
        audio_recs.append({"clip_id": clip.clip_id, "src": str(clip.audio_path), "status": "ok",
                           "sample_rate": cfg.audio.sample_rate, "duration_s": 10.0, "sha256": "bench"})
    audio_store.append(audio_recs)

    requests = build.render(clips)
    questions = open_questions()
    by_clip = {c.clip_id: c for c in clips}
    copy_of = {c.clip_id: i // max(1, len(clips) // scale) for i, c in enumerate(clips)}  # rows repeat per copy
    store = JsonlStore(out / "work" / "generations.jsonl")
    statuses: Counter = Counter()
    batch: list[dict] = []
    for n, req in enumerate(requests):
        clip = by_clip[req.clip_id]
        text = reply_text(clip, req.task, questions[(n // 2) % len(questions)], copy=copy_of[req.clip_id])
        failing = n % FAILED_EVERY == FAILED_EVERY - 1
        for attempt in range(max_retries + 1 if failing else 1):
            reply = text[:len(text) // 2] if failing else text  # cut mid-string: what max_tokens does
            gen = Generation(key=req.key, clip_id=req.clip_id, task=req.task, text=reply,
                             finish_reason="length" if failing else "stop", model=cfg.engine.model, attempt=attempt,
                             n_prompt_tokens=400, n_output_tokens=len(reply) // 4)
            status = parse(gen, req).status
            statuses[status] += 1
            batch.append(generation_record(gen, status=status, template=req.template, template_hash=req.template_hash,
                                           sampling=dataclasses.asdict(req.sampling), engine="vllm",
                                           engine_version="0.28.0", revision=cfg.engine.revision))
        if len(batch) >= 4096:
            store.append(batch)
            batch = []
    store.append(batch)
    made = {"clips": len(clips), "requests": len(requests), "records": sum(statuses.values()),
            "record_status": dict(statuses), "store_mb": round(store.path.stat().st_size / 2**20, 1),
            "setup_s": round(time.perf_counter() - t0, 1)}
    return cfg, made


# --- the timed run ---------------------------------------------------------------------------------

def timed_build(cfg) -> dict[str, Any]:
    """run_build with the engine locked out and each stage's time collected by wrapping its function."""
    import musicqa.build as build
    import musicqa.bundle as bundle_mod
    import musicqa.filters as filters_mod
    import musicqa.pipeline.driver as driver
    import musicqa.pipeline.executor as executor
    import musicqa.pipeline.pairs as pairs_mod
    from musicqa.pipeline.stages import RenderStage

    spent: Counter = Counter()
    cpu: Counter = Counter()
    per_filter: Counter = Counter()
    calls: Counter = Counter()
    originals = []

    def wrap(module, name: str, stage: str) -> None:
        fn = getattr(module, name)
        originals.append((module, name, fn))

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - t
                cpu[stage] += time.process_time() - c

        setattr(module, name, timed)

    make_filters = filters_mod.make_filters

    def timed_filters(names=filters_mod.FILTER_NAMES, **options):
        """The build's filters, each wrapped to add its time to per_filter (for the hot-spot table)."""
        def timed(f, name):
            def call(pair, clip):
                t = time.perf_counter()
                try:
                    return f(pair, clip)
                finally:
                    per_filter[name] += time.perf_counter() - t
                    calls[name] += 1
            if hasattr(f, "prepare"):  # the learned layer embeds a whole batch before the per-pair calls
                call.prepare = f.prepare  # type: ignore[attr-defined]
            if hasattr(f, "clip_hashes"):  # the duplicate filter: judged per clip, then across clips on the driver
                def hashes(pairs):
                    t = time.perf_counter()
                    try:
                        return f.clip_hashes(pairs)
                    finally:
                        per_filter[name] += time.perf_counter() - t
                        calls[name] += len(pairs)
                call.clip_hashes = hashes  # type: ignore[attr-defined]
            return call
        return [timed(f, n) for f, n in zip(make_filters(names, **options), names)]

    originals.append((filters_mod, "make_filters", make_filters))
    filters_mod.make_filters = timed_filters
    for module, name, stage in ((driver.ReadStep, "run", "sources"), (executor.AudioStep, "records", "audio"),
                                (RenderStage, "__call__", "prompts"), (executor.GenerateStep, "run", "store"),
                                (pairs_mod, "stored_reply", "parse"),
                                (executor.FilterStep, "results", "filter_pairs"), (executor, "select", "select"),
                                (bundle_mod, "make_row", "rows"), (bundle_mod, "bundle", "bundle")):
        wrap(module, name, stage)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        summary = build.run_build(cfg, engine=EngineMustNotRun())
        total, total_cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        for module, name, fn in originals:
            setattr(module, name, fn)
    seconds = {s: spent[s] for s in STAGES if s in spent}
    seconds["filters"] = spent["filter_pairs"] - spent["parse"]
    seconds["other"] = total - sum(seconds.values())
    cpu_s = {s: cpu[s] for s in STAGES if s in cpu}
    cpu_s["filters"] = cpu["filter_pairs"] - cpu["parse"]
    cpu_s["other"] = total_cpu - sum(cpu_s.values())
    shards = list((cfg.out / "data").rglob("*.parquet"))
    return {"seconds": {s: round(seconds[s], 3) for s in STAGES}, "total_s": round(total, 2),
            "cpu_seconds": {s: round(cpu_s[s], 3) for s in STAGES}, "total_cpu_s": round(total_cpu, 2),
            "pairs_generated": summary.pairs_generated, "pairs_kept": summary.pairs_kept,
            "drops": dict(summary.drops), "failed": dict(summary.failed), "generated_now": summary.generated_now,
            "clips_bundled": sum(sum(v.values()) for v in summary.clips.values()),
            "parquet_mb": round(sum(p.stat().st_size for p in shards) / 2**20, 1), "shards": len(shards),
            "filter_seconds": {n: round(per_filter[n], 3) for n in calls},  # first-call order = build order
            "filter_calls": dict(calls)}


def stage_pairs(stage: str, run: dict[str, Any]) -> int:
    """The number of pairs a stage handles: generated pairs up to the filters, kept pairs after."""
    return run["pairs_kept"] if stage in ("rows", "bundle") else run["pairs_generated"]


def rates(run: dict[str, Any]) -> dict[str, float]:
    """Per-core rates: parse + filters per CPU-second (what a Ray worker core does), and the driver's own wall time
    and pairs/s (every other stage: it stays on the driver under either executor)."""
    worker_cpu = sum(run["cpu_seconds"][s] for s in WORKER_STAGES)
    driver_s = sum(run["seconds"][s] for s in STAGES if s not in WORKER_STAGES)
    pairs = run["pairs_generated"]
    return {"workers_cpu_s": round(worker_cpu, 3), "workers_pairs_per_cpu_s": round(pairs / worker_cpu, 1),
            "parse_pairs_per_cpu_s": round(pairs / run["cpu_seconds"]["parse"], 1),
            "filters_pairs_per_cpu_s": round(pairs / run["cpu_seconds"]["filters"], 1),
            "driver_s": round(driver_s, 3), "driver_pairs_per_s": round(pairs / driver_s, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1", help="input multiples of the 5,521 MusicCaps rows, e.g. 1,4,16")
    ap.add_argument("--no-audio", action="store_true",
                    help="text-only clips (no FLAC bytes in the shards): parse/filter growth without writing "
                         "~0.3 GB of Parquet per 1,000 clips")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs per scale (the best is reported)")
    ap.add_argument("--max-retries", type=int, default=2, help="retries recorded for the 1%% failing replies")
    ap.add_argument("--work", type=Path, default=OUT / "pipeline",
                    help="scratch folder, recreated per scale (distinct FLAC clips are cached beside it)")
    ap.add_argument("--rows", type=int, default=None, help="use only the first N CSV rows (smoke tests)")
    ap.add_argument("--out-dir", type=Path, default=OUT, help="where the figures JSON goes")
    ap.add_argument("--json", default="pipeline", help="name of the figures file")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("musicqa.pipeline.driver").setLevel(logging.ERROR)  # the unpinned-revision warning is expected
    import datasets

    datasets.disable_progress_bars()
    scales = parse_scales(args.scales)
    info = machine()
    warn_if_busy(info["cores"])

    results = []
    for scale in scales:
        n_rows = (args.rows or 5521) * scale
        need = n_rows * 330_000  # mean normalised 10 s FLAC ~310 KB; the shards hold every clip's bytes
        free = shutil.disk_usage(args.work.parent if args.work.parent.exists() else OUT.parent).free
        if not args.no_audio and need > 0.8 * free:
            print(f"x{scale}: skipped: the shards need ~{need / 2**30:.0f} GB of disk and {free / 2**30:.0f} GB is "
                  "free (rerun with --no-audio)", file=sys.stderr)
            results.append({"scale": scale, "skipped": f"needs ~{need / 2**30:.0f} GB of disk for the shards"})
            continue
        cfg, made = lay_out(args.work / f"x{scale}", scale, not args.no_audio, args.max_retries,
                            args.work.parent / f"{args.work.name}-flac", args.rows)
        runs = [timed_build(cfg) for _ in range(args.repeats)]
        best = min(runs, key=lambda r: r["total_s"])
        if best["generated_now"]:
            raise AssertionError("the build generated replies; the recorded store was not complete")
        results.append({"scale": scale, "audio": not args.no_audio, **made, **best, "rates": rates(best),
                        "peak_rss_mb": round(peak_rss_mb()), "all_totals_s": [r["total_s"] for r in runs]})
        print(f"x{scale}: {made['clips']:,} clips, {best['pairs_generated']:,} pairs in {best['total_s']:.1f} s "
              f"({best['pairs_generated'] / best['total_s']:,.0f} pairs/s); kept {best['pairs_kept']:,}; "
              f"{best['parquet_mb']:,.0f} MB of Parquet", flush=True)
        shutil.rmtree(cfg.out / "data", ignore_errors=True)  # the shards are the big part; the store stays

    done = [r for r in results if "skipped" not in r]
    print()
    for r in done:
        print(f"stages at x{r['scale']} ({r['clips']:,} clips, {r['pairs_generated']:,} pairs generated, "
              f"{r['pairs_kept']:,} kept, audio {'FLAC' if r['audio'] else 'none'}):")
        rows = [(s, r["seconds"][s], r["cpu_seconds"][s],
                 stage_pairs(s, r) / r["seconds"][s] if r["seconds"][s] > 0 else 0.0,
                 stage_pairs(s, r) / r["cpu_seconds"][s] if r["cpu_seconds"][s] > 0 else 0.0,
                 f"{100 * r['seconds'][s] / r['total_s']:.0f}%", "workers" if s in WORKER_STAGES else "driver",
                 STAGE_HELP[s]) for s in STAGES]
        rows.append(("total", r["total_s"], r["total_cpu_s"], r["pairs_generated"] / r["total_s"],
                     r["pairs_generated"] / r["total_cpu_s"], "100%", "", "run_build, all stages"))
        print(table(["stage", "wall s", "cpu s", "pairs/s", "pairs/cpu-s", "share", "under ray", "what"], rows))
        print(f"per core: parse + filters {r['rates']['workers_pairs_per_cpu_s']:,.0f} pairs per CPU-second (Ray "
              f"workers); the driver's own work {r['rates']['driver_pairs_per_s']:,.0f} pairs/s "
              f"({r['rates']['driver_s']:.1f} s wall for {r['pairs_generated']:,} pairs)")
        print("filters (build order; each sees only the pairs the earlier ones kept):")
        print(table(["filter", "calls", "seconds", "µs/call"],
                    [(n, r["filter_calls"][n], t, 1e6 * t / max(1, r["filter_calls"][n]))
                     for n, t in r["filter_seconds"].items()]))
        print()
    if len(done) > 1:
        base = done[0]
        print("scaling (time relative to the smallest scale run):")
        print(table(["scale", "clips", "pairs", "parse s", "filters s", "bundle+rows s", "total s", "time ×",
                     "pairs/s", "peak RSS MB"],
                    [(f"{r['scale']}×", r["clips"], r["pairs_generated"], r["seconds"]["parse"],
                      r["seconds"]["filters"], r["seconds"]["bundle"] + r["seconds"]["rows"], r["total_s"],
                      f"{r['total_s'] / base['total_s']:.1f}×", r["pairs_generated"] / r["total_s"],
                      r["peak_rss_mb"]) for r in done]))
        print()
    path = write_json(args.json, {"machine": info, "command": "python -m bench.pipeline " + " ".join(
        sys.argv[1:] if argv is None else argv), "target_s": TARGET_S, "results": results}, args.out_dir)
    if done:
        r = done[0]
        verdict = "ok" if r["total_s"] < TARGET_S or r["scale"] != 1 or args.rows else "ABOVE TARGET"
        print(f"pipeline: {r['pairs_generated']:,} pairs ({r['clips']:,} clips x{r['scale']}) parsed, filtered and "
              f"bundled in {r['total_s']:.1f} s = {r['pairs_generated'] / r['total_s']:,.0f} pairs/s; "
              f"target < {TARGET_S:.0f} s at 1x: {verdict}  [{machine_line(info)}; figures in {path}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
