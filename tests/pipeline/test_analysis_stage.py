"""The analysis stage in a build: facts in the prompts (--dry-run), the store, resume, the column, Ray == local.

The clips are synthetic songs of known tempo and key (tests/synth.py) in a custom JSONL table; no engine is
loaded (--dry-run) except a scripted test double that answers with the tempo it was told, or a wrong one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf
from conftest import override, read_jsonl
from synth import clicks, song

from musicqa.build import run_build
from musicqa.filters.measured import GROUNDING_MEASURED_CONTRADICTION

pytest.importorskip("essentia", reason="essentia is a dependency: pip install -e .")

CLIPS = {"slow-d-minor": (97, "D", "minor"), "brisk-g-major": (128, "G", "major")}



@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    """A custom JSONL table: two songs of known tempo and key, and one clip too short to measure."""
    root = tmp_path_factory.mktemp("songs")
    rows = []
    for name, (bpm, tonic, mode) in CLIPS.items():
        sf.write(root / f"{name}.wav", song(bpm, tonic, mode, seconds=10.0), 44100)
        rows.append({"id": name, "audio": f"{name}.wav", "text": "A piano and a click keep time."})
    sf.write(root / "short.wav", clicks(120, seconds=2.5), 44100)
    rows.append({"id": "short", "audio": "short.wav", "text": "A piano and a click keep time, briefly."})
    (root / "clips.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def config(table: Path, out: Path, **over):
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values = {"out": str(out), "sources": ["custom"], "report": False,
              "custom": {"path": str(table / "clips.jsonl"), "audio_dir": str(table)},
              "engine": {"model": "scripted", "revision": "0"},
              "filters": {"enabled": ["grounding"], "classifier": False}}
    override(values, over)
    return build(BuildConfig, values, "test")


class NoEngine:
    name, version = "none", "0"

    def generate(self, requests):
        raise AssertionError(f"--dry-run sent {len(requests)} requests to the engine")


def test_dry_run_shows_the_measured_facts_and_loads_no_engine(table, tmp_path):
    summary = run_build(config(table, tmp_path / "out", dry_run=True), engine=NoEngine())
    prompts = read_jsonl(tmp_path / "out" / "prompts.jsonl")
    assert len(prompts) == summary.requests == 6  # 3 clips x (fixed, open)
    assert set(prompts[0]) == {"clip_id", "task", "template", "key", "prompt"}
    by_clip = {(p["clip_id"], p["task"]): p["prompt"] for p in prompts}
    for name, (bpm, tonic, mode) in CLIPS.items():
        for task in ("fixed", "open"):
            text = by_clip[(f"custom/{name}", task)]
            assert f"about {bpm} BPM" in text and f"probably in {tonic} {mode}" in text, text[-600:]
            assert "LUFS" not in text  # loudness is told in words: no ear gives a LUFS number
    assert "noticed by ear" not in by_clip[("custom/short", "fixed")]  # unmeasured: nothing is said
    assert dict(summary.analysis) == {"ok": 2, "analysis_too_short": 1}
    clips = {c["clip_id"]: c for c in read_jsonl(tmp_path / "out" / "work" / "clips.jsonl")}
    assert clips["custom/slow-d-minor"]["facts"]["key"] == "D" and clips["custom/short"]["facts"] is None
    assert not (tmp_path / "out" / "work" / "generations.jsonl").exists()


def test_a_rerun_measures_nothing_twice_and_a_new_parameter_measures_again(table, tmp_path, monkeypatch):
    import musicqa.analysis as analysis

    run_build(config(table, tmp_path / "out", dry_run=True), engine=NoEngine())
    store = tmp_path / "out" / "work" / "analysis.jsonl"
    first = read_jsonl(store)
    assert len(first) == 3 and all(r["schema"] == 1 for r in first)

    def no_second_time(*_a, **_kw):
        raise AssertionError("a stored clip was measured again")

    monkeypatch.setattr(analysis, "analyse", no_second_time)
    again = run_build(config(table, tmp_path / "out", dry_run=True), engine=NoEngine())
    assert read_jsonl(store) == first and dict(again.analysis) == {"ok": 2, "analysis_too_short": 1}
    # the prompt thresholds are no measurement parameter: hiding the key re-renders, measures nothing
    run_build(config(table, tmp_path / "out", dry_run=True, analysis__min_key_strength=1.0), engine=NoEngine())
    assert "probably in" not in "".join(p["prompt"] for p in read_jsonl(tmp_path / "out" / "prompts.jsonl"))
    monkeypatch.undo()
    run_build(config(table, tmp_path / "out", dry_run=True, analysis__key_profile="edma"), engine=NoEngine())
    assert len(read_jsonl(store)) == 6  # a new key profile is a new measurement of every clip


def test_no_analysis_gives_the_prompts_no_facts(table, tmp_path):
    summary = run_build(config(table, tmp_path / "out", dry_run=True, analysis__enabled=False), engine=NoEngine())
    assert not summary.analysis and not (tmp_path / "out" / "work" / "analysis.jsonl").exists()
    assert "BPM" not in "".join(p["prompt"] for p in read_jsonl(tmp_path / "out" / "prompts.jsonl"))


class TempoEngine:
    """A test double: answers every fixed question with a tempo, the one in the prompt or 150 BPM for D minor; told
    none, it names no number (a BPM figure nobody measured is an invented specific, dropped by grounding)."""

    name, version = "tempo", "0"

    def generate(self, requests):
        import re

        from musicqa.records import Generation

        out = []
        for r in requests:
            told = re.search(r"about (\d+) BPM", r.messages[1][1])
            bpm = 150 if r.clip_id.endswith("d-minor") else (told.group(1) if told else None)
            tempo = f"about {bpm} BPM" if bpm else "a moderate tempo"
            answers = [f"A steady piano piece at {tempo}, take {i}." for i in range(4)]
            text = json.dumps({"answers": answers} if r.task == "fixed" else
                              {"pairs": [{"question": "What is the tempo?", "answer": answers[0]}]})
            out.append(Generation(r.key, r.clip_id, r.task, text, "stop", "tempo", r.attempt))
        return out


def test_the_dataset_has_an_analysis_column_and_contradicted_tempos_are_dropped(table, tmp_path):
    from datasets import load_dataset

    out = tmp_path / "out"
    summary = run_build(config(table, out), engine=TempoEngine())
    ds = load_dataset(str(out), "custom", split="train")
    rows = {r["clip_id"]: r for r in ds.remove_columns("audio")}
    assert rows["custom/brisk-g-major"]["analysis"]["tempo_bpm"] == pytest.approx(128, rel=0.04)
    assert (rows["custom/brisk-g-major"]["analysis"]["key"], rows["custom/brisk-g-major"]["analysis"]["mode"]) == (
        "G", "major")
    assert rows["custom/short"]["analysis"] is None  # unmeasured: a null struct, the clip kept
    assert "custom/slow-d-minor" not in rows  # every pair said 150 BPM for a clip at 97
    assert summary.drops[GROUNDING_MEASURED_CONTRADICTION] == 5
    assert {r["reason"] for r in read_jsonl(out / "rejected.jsonl")} == {GROUNDING_MEASURED_CONTRADICTION}
    card = (out / "README.md").read_text()
    assert "`analysis`" in card and "essentia" in card


@pytest.mark.slow
def test_the_ray_executor_measures_the_same_facts_as_the_local_one(table, tmp_path):
    """Ray Data CPU tasks measure the clips (two tasks of one clip each); the store, the prompts and the counts are
    the local executor's, and a local rerun on the Ray store measures nothing again."""
    pytest.importorskip("ray", reason="ray is not installed: bash scripts/install.sh test installs the [ray] extra")
    import ray

    local = run_build(config(table, tmp_path / "local", dry_run=True), engine=NoEngine())
    remote = run_build(config(table, tmp_path / "ray", dry_run=True, executor="ray", analysis__batch_size=1,
                              ray__audio_workers=1))
    assert not ray.is_initialized()

    def measured(out: Path) -> dict[str, dict]:
        return {r["key"]: {k: r[k] for k in ("status", "facts", "analyser", "params", "sha256")}
                for r in read_jsonl(out / "work" / "analysis.jsonl")}

    assert measured(tmp_path / "ray") == measured(tmp_path / "local") and len(measured(tmp_path / "local")) == 3
    assert read_jsonl(tmp_path / "ray" / "prompts.jsonl") == read_jsonl(tmp_path / "local" / "prompts.jsonl")
    assert remote.analysis == local.analysis
    lines = (tmp_path / "ray" / "work" / "analysis.jsonl").read_bytes()
    run_build(config(table, tmp_path / "ray", dry_run=True), engine=NoEngine())
    assert (tmp_path / "ray" / "work" / "analysis.jsonl").read_bytes() == lines


def test_the_cli_dry_run_prints_the_count_and_the_path(table, tmp_path):
    import subprocess
    import sys

    from conftest import REPO

    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "musicqa", "build", "--sources", "custom", "--custom.path",
                          str(table / "clips.jsonl"), "--custom.audio-dir", str(table), "--out", str(out),
                          "--engine.model", "not-loaded", "--engine.revision", "0", "--dry-run",
                          "--analysis.min-key-strength", "0.99"],
                         capture_output=True, text=True, cwd=tmp_path, env={**__import__("os").environ,
                                                                            "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == f"dry run: 6 prompts rendered to {out / 'prompts.jsonl'} " \
                                                  "(no engine loaded)"
    prompts = "".join(p["prompt"] for p in read_jsonl(out / "prompts.jsonl"))
    assert "about 97 BPM" in prompts and "probably in" not in prompts  # the flag's threshold hid the keys


def test_every_analysis_flag_has_help():
    import argparse

    from musicqa.cli import build as cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    text = parser._subparsers._group_actions[0].choices["build"].format_help()
    for flag in ("--analysis.enabled", "--no-analysis.enabled", "--analysis.min-duration-s", "--analysis.min-bpm",
                 "--analysis.max-bpm", "--analysis.key-profile", "--analysis.min-tempo-confidence",
                 "--analysis.min-key-strength", "--analysis.batch-size", "--dry-run"):
        assert flag in text, flag
