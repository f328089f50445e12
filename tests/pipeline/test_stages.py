"""The stages as an executor other than this process needs them: picklable, per batch, counted by the runner."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

from conftest import MTT_FIXTURE, REPO, SAMPLE_DATA

from musicqa.parse import OK
from musicqa.pipeline import Build, BuildState
from musicqa.pipeline.driver import ReadStep
from musicqa.pipeline.generate import pending, resume_state
from musicqa.pipeline.stages import ReadStage, SourcePlan
from musicqa.records import Clip, Generation
from musicqa.sources import get


def config(out: Path, **over):
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values = {"out": str(out), "sources": ["musiccaps", "magnatagatune"], "prompts_dir": str(REPO / "prompts"),
              "musiccaps": {"csv": str(SAMPLE_DATA / "musiccaps-public.csv"), "limit": 3},
              "magnatagatune": {"annotations": str(MTT_FIXTURE / "annotations_final.csv"), "limit": 3},
              "engine": {"max_retries": 1}, **over}
    return build(BuildConfig, values, "test")


class Scripted:
    """A test double: fixed-task replies fail to parse on attempt 0, every other reply is good JSON."""

    name, version = "scripted", "0"

    def __init__(self) -> None:
        self.closed = False

    def generate(self, requests):
        out = []
        for r in requests:
            if r.task == "fixed" and r.attempt == 0:
                text = "1. Describe the audio: a piano"
            elif r.task == "fixed":
                text = json.dumps({"answers": [f"A calm piano piece, part {i}." for i in range(len(r.questions))]})
            else:
                text = json.dumps({"pairs": [{"question": "What is the tempo?", "answer": "Slow and even."}]})
            out.append(Generation(r.key, r.clip_id, r.task, text, "stop", "scripted", r.attempt))
        return out

    def close(self) -> None:
        self.closed = True


def clips_of(build: Build) -> list[Clip]:
    return [item for _, item in build.read() if isinstance(item, Clip)]


def test_every_stage_pickles_and_a_copy_gives_the_same_output(tmp_path):
    build = Build(config(tmp_path / "out"), engine=Scripted())
    clips = clips_of(build)
    requests = build.render(clips)
    copies = {name: pickle.loads(pickle.dumps(getattr(build, name)))
              for name in ("read", "audio", "render", "generate", "filters")}
    assert [item for _, item in copies["read"]()] == [item for _, item in build.read()]
    assert copies["render"](clips) == requests and copies["render"]._prompts is not None
    assert [copies["audio"].target(c) for c in clips] == [build.audio.target(c) for c in clips]
    assert copies["generate"]._engine is None  # an engine never travels: each worker loads its own
    assert copies["generate"].cfg == build.generate.cfg
    assert copies["filters"].names == build.filters.names


def test_generate_stage_returns_one_batch_of_records_and_its_retries(tmp_path):
    engine = Scripted()
    build = Build(config(tmp_path / "out"), engine=engine)
    requests = build.render(clips_of(build)[:2])
    first = build.generate(requests)
    assert [r["key"] for r in first.records] == [r.key for r in requests]
    assert set(first.done) == {r.key for r in requests if r.task == "open"}
    assert {r.key for r in first.retry} == {r.key for r in requests if r.task == "fixed"}
    assert all(r.attempt == 1 for r in first.retry)
    second = build.generate(first.retry)  # attempt 1 parses
    assert not second.retry and all(rec["status"] == OK for rec in second.done.values())
    build.generate.close()
    assert not engine.closed  # an engine passed in belongs to the caller


def test_resume_state_and_pending_pick_up_where_the_store_stopped(tmp_path):
    build = Build(config(tmp_path / "out", engine={"max_retries": 1}), engine=Scripted())
    requests = build.render(clips_of(build)[:2])
    first = build.generate(requests)
    final, attempts = resume_state(first.records, max_retries=1)
    assert set(final) == set(first.done)
    todo = pending(requests, final, attempts)
    assert [(r.key, r.attempt) for r in todo] == [(r.key, r.attempt) for r in first.retry]
    failed_again = [{**rec, "attempt": 1, "status": "parse_invalid_json"} for rec in first.records
                    if rec["key"] not in first.done]
    final, _ = resume_state([*first.records, *failed_again], max_retries=1)
    assert set(final) == {r.key for r in requests}  # out of retries: final, as a failure
    ok_twice = [*first.records, *first.records]
    final, _ = resume_state(ok_twice, max_retries=1)
    assert all(final[k] == first.done[k] for k in first.done)  # a key's first ok record counts


def test_a_clip_id_read_twice_is_a_counted_duplicate(tmp_path):
    cfg = config(tmp_path / "out", sources=["musiccaps"])
    plan = SourcePlan(get("musiccaps"), cfg.musiccaps)
    items = [item for _, item in ReadStage([plan, plan], 2000)()]
    clips = [i for i in items if isinstance(i, Clip)]
    dups = [i for i in items if not isinstance(i, Clip)]
    assert len(clips) == 3 and [d.reason for d in dups] == ["source_duplicate_id"] * 3
    assert dups[0].message == f"musiccaps: duplicate clip id {clips[0].clip_id} skipped"


def test_the_runner_counts_skips_warnings_and_routine_skips_apart(tmp_path, caplog):
    info = tmp_path / "clip_info_final.csv"
    lines = (MTT_FIXTURE / "clip_info_final.csv").read_text().splitlines()
    info.write_text("\n".join([lines[0], lines[1], '"x11"' + lines[2][lines[2].index("\t"):], *lines[3:]]) + "\n")
    cfg = config(tmp_path / "out", sources=["magnatagatune"],
                 magnatagatune={"annotations": str(MTT_FIXTURE / "annotations_final.csv"), "clip_info": str(info)})
    state = BuildState(Build(cfg), 0.0)
    with caplog.at_level(logging.INFO, logger="musicqa.pipeline.driver"):
        ReadStep().run(state)
    clips, summary = state.clips, state.summary
    assert summary.warnings == {"source_bad_clip_info": 1}  # the clip is kept, without title/artist
    assert summary.skipped["source_too_few_tags"] > 0 and "source_bad_clip_info" not in summary.skipped
    assert summary.clips_read == {"magnatagatune": len(clips)}
    bad_info = [r for r in caplog.records if r.getMessage().startswith("clip_info_final.csv:3")]
    assert len(bad_info) == 1 and bad_info[0].levelname == "WARNING"
    too_few = [r for r in caplog.records if "min_tags is" in r.getMessage()]
    assert too_few and all(r.levelname == "INFO" for r in too_few)


def test_audio_records_are_reused_only_for_the_same_file_and_rate(tmp_path):
    from musicqa.pipeline.stages import AudioStage

    src = SAMPLE_DATA / "audio" / "asc-frontiers-30s.mp3"
    clip = Clip("musiccaps/abcdefghijk", "musiccaps", "abcdefghijk", "train", "piano", audio_path=src,
                start_s=30.0, end_s=40.0)
    stage = AudioStage(tmp_path, 24000, 1.0, {"musiccaps": get("musiccaps")})
    (rec,) = stage([clip])
    assert rec["status"] == OK and stage.target(clip).is_file() and stage.outcome(clip, rec) == (stage.target(clip), "")
    assert stage.reusable(clip, rec)
    assert not stage.reusable(clip, {**rec, "sample_rate": 16000})
    other = Clip(**{**{f: getattr(clip, f) for f in clip.__slots__}, "audio_path": src.with_name("x.mp3")})
    assert not stage.reusable(other, rec)
    stage.target(clip).unlink()
    assert not stage.reusable(clip, rec)  # its FLAC is gone: normalise again
    (missing,) = stage([other])
    assert stage.outcome(other, missing) == (None, "audio_missing")


def test_control_characters_in_source_text_are_a_counted_bad_row_reason(tmp_path, caplog):
    import csv

    from musicqa.sources import CONTROL_CHARS

    with open(SAMPLE_DATA / "musiccaps-public.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [next(reader) for _ in range(4)]
    rows[0]["caption"] = "A calm piano\x00 piece."  # a raw NUL byte in the CSV
    rows[1]["caption"] = "Drums\x1b[31m and bass."  # an escape sequence
    rows[2]["caption"] = "Two lines,\ttabbed\nand wrapped."  # near miss: tab and newline are text
    path = tmp_path / "captions.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    build = Build(config(tmp_path / "out", sources=["musiccaps"], musiccaps={"csv": str(path)}), engine=Scripted())
    state = BuildState(build, 0.0)
    with caplog.at_level(logging.WARNING):
        ReadStep().run(state)
    clips, summary = state.clips, state.summary
    assert [c.source_id for c in clips] == [rows[2]["ytid"], rows[3]["ytid"]]
    assert summary.skipped[CONTROL_CHARS] == 2
    assert f"musiccaps: clip musiccaps/{rows[0]['ytid']}: field 'text' has control character U+0000 at position 12, " \
        "expected printable text" in caplog.text
    assert "U+001B at position 5" in caplog.text


def test_the_executor_runs_one_step_per_stage_in_pipeline_order_and_bundles_after_freeing_the_workers(tmp_path):
    from musicqa.pipeline.executor import Executor

    def names(**over) -> list[list[str]]:
        return [[s.name for s in part] for part in Executor().steps(Build(config(tmp_path / "out", **over)))]

    assert names() == [["sources", "audio", "analysis", "prompts", "generate", "filters"], ["bundle"]]
    assert names(dry_run=True) == [["sources", "audio", "analysis", "prompts", "dry run"], []]  # no engine loaded
    assert names(analysis={"enabled": False}, filters={"judge": {"enabled": True}}) == [
        ["sources", "audio", "prompts", "generate", "filters", "judge"], ["bundle"]]
