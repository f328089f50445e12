"""End to end: the real build (vLLM on the tiny MPT model, real MusicCaps rows, real audio) as a user sees it."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import MUSICCAPS_CSV, REPO, smoke_config

from musicqa.build import run_build
from musicqa.config import to_toml
from musicqa.errors import InputError
from musicqa.store import OutputLock


def rows(out: Path, config: str, split: str, decode: bool = False) -> list[dict]:
    from datasets import Audio, load_dataset

    ds = load_dataset(str(out), config, split=split)
    if not decode:
        ds = ds.cast_column("audio", Audio(decode=False))
    return list(ds)


def real_rows(n: int) -> tuple[list[str], list[dict]]:
    """The header and first ``n`` rows of the real MusicCaps CSV."""
    with open(MUSICCAPS_CSV, newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), [next(reader) for _ in range(n)]


def write_csv(path: Path, fields: list[str], rows: list[dict], extra: str = "") -> Path:
    """A MusicCaps-shaped CSV of ``rows``; ``extra`` is appended verbatim (for malformed lines)."""
    with open(path, "w", newline="") as out:
        w = csv.DictWriter(out, fields)
        w.writeheader()
        w.writerows(rows)
        out.write(extra)
    return path


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def test_dataset_loads_and_audio_decodes_at_24k_with_torchcodec(built_dataset):
    pytest.importorskip("torchcodec", reason="torchcodec is not installed: the soundfile fallback test still runs")
    from datasets import load_dataset

    ds = load_dataset(str(built_dataset), "musiccaps", split="train")
    assert len(ds) > 0
    for row in ds:
        samples = row["audio"].get_all_samples()
        assert samples.sample_rate == 24000
        assert samples.data.shape[0] == 1  # mono
        assert abs(samples.data.shape[1] / 24000 - 10.0) < 0.1
        assert row["qa"] and row["source"] == "musiccaps" and row["clip_id"] == f"musiccaps/{row['ytid']}"


def test_audio_decode_false_plus_soundfile_is_the_fallback(built_dataset):
    import soundfile as sf

    for split in ("train", "test"):
        for row in rows(built_dataset, "musiccaps", split):
            data, sr = sf.read(io.BytesIO(row["audio"]["bytes"]))
            assert sr == 24000 and data.ndim == 1 and abs(len(data) / sr - 10.0) < 0.1
            assert row["audio"]["path"] == f"{row['ytid']}.flac"


def test_rows_keep_source_ids_and_metadata(built_dataset):
    with open(MUSICCAPS_CSV, newline="") as fh:
        source = {r["ytid"]: r for _, r in zip(range(6), csv.DictReader(fh))}
    got = rows(built_dataset, "musiccaps", "train") + rows(built_dataset, "musiccaps", "test")
    assert got
    for row in got:
        src = source[row["ytid"]]
        assert row["caption"] == row["context"] == src["caption"]
        assert row["start_s"] == float(src["start_s"]) and row["end_s"] == float(src["end_s"])
        assert row["is_audioset_eval"] == (src["is_audioset_eval"] == "True")
        assert row["split"] == ("test" if row["is_audioset_eval"] else "train")
        assert row["aspect_list"] and all(isinstance(a, str) for a in row["aspect_list"])
    mtt = rows(built_dataset, "magnatagatune", "train")
    assert mtt and all(r["mp3_path"].startswith(tuple("0123456789ab")) and len(r["tags"]) >= 5 for r in mtt)


def test_every_clip_has_its_fixed_and_open_pairs_or_a_recorded_reason(built_dataset):
    clips = jsonl(built_dataset / "work" / "clips.jsonl")
    kept: Counter = Counter()
    for config, splits in {"musiccaps": ("train", "test"), "magnatagatune": ("train", "validation", "test")}.items():
        for split in splits:
            if list((built_dataset / "data" / config).glob(f"{split}-*.parquet")):
                for row in rows(built_dataset, config, split):
                    for qa in row["qa"]:
                        kept[(row["clip_id"], qa["task"])] += 1
    dropped = Counter((r["clip_id"], r["task"]) for r in jsonl(built_dataset / "rejected.jsonl"))
    failed = {(r["clip_id"], r["task"]) for r in jsonl(built_dataset / "failed_generations.jsonl")}
    for clip in clips:
        fixed = (clip["clip_id"], "fixed")
        open_ = (clip["clip_id"], "open")
        assert fixed in failed or kept[fixed] + dropped[fixed] == 4, clip["clip_id"]
        assert open_ in failed or 1 <= kept[open_] + dropped[open_] <= 5, clip["clip_id"]
    summary = json.loads((built_dataset / "summary.json").read_text())
    assert summary["pairs_kept"] == sum(kept.values())
    assert sum(summary["drops"].values()) == sum(dropped.values())


def test_card_declares_configs_licenses_and_provenance(built_dataset):
    import yaml

    from musicqa.prompts import PromptSet

    text = (built_dataset / "README.md").read_text()
    header = yaml.safe_load(text.split("---")[1])
    assert [c["config_name"] for c in header["configs"]] == ["musiccaps", "magnatagatune"]
    assert header["license"] == ["cc-by-sa-4.0", "cc-by-nc-sa-3.0"]
    mc = header["dataset_info"][0]
    assert {s["name"] for s in mc["splits"]} == {s["split"] for s in header["configs"][0]["data_files"]}
    summary = json.loads((built_dataset / "summary.json").read_text())
    assert sum(s["num_examples"] for s in mc["splits"]) == sum(summary["clips"]["musiccaps"].values())
    ps = PromptSet(REPO / "prompts")
    for name in ("musiccaps_fixed.jinja", "musiccaps_open.jinja", "magnatagatune_open.jinja"):
        assert f"template `{name}` | sha256 `{ps.hash_of(name)}`" in text
    assert "vllm 0.28" in text and "tiny-mpt-chat" in text and "temperature 0.4, top_k 4" in text
    for reason, n in summary["drops"].items():
        assert f"`{reason}`" in text and f"| {n} |" in text
    stored = jsonl(built_dataset / "work" / "generations.jsonl")
    assert {r["template_hash"] for r in stored} == {ps.hash_of(n) for n in {r["template"] for r in stored}}


class NoEngine:
    name, version = "none", "0"

    def generate(self, requests):
        raise AssertionError(f"rerun regenerated {len(requests)} requests that were already done")


def test_rerun_skips_done_requests_and_rewrites_the_same_rows(built_dataset, tiny_models, smoke_dirs):
    before = {p.name: p.read_bytes() for p in (built_dataset / "data").rglob("*.parquet")}
    n_lines = len(jsonl(built_dataset / "work" / "generations.jsonl"))
    summary = run_build(smoke_config(tiny_models, smoke_dirs, built_dataset), engine=NoEngine())
    assert summary.generated_now == 0
    assert len(jsonl(built_dataset / "work" / "generations.jsonl")) == n_lines
    assert {p.name: p.read_bytes() for p in (built_dataset / "data").rglob("*.parquet")} == before


def build_cli(toml: Path) -> subprocess.Popen:
    """``python -m musicqa build --config toml`` in a child process, with its own vLLM engine."""
    return subprocess.Popen([sys.executable, "-m", "musicqa", "build", "--config", str(toml)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def test_kill_at_any_moment_then_rerun_gives_identical_rows(built_dataset, tiny_models, smoke_dirs, tmp_path):
    # vLLM on CPU is not batch-invariant: one call on all 60 requests and 30 calls of 2 give a different reply for
    # about 1 request in 60 (measured), and a prefix-cache hit reuses KV computed in another batch. So the killed
    # and resumed build is compared with an uninterrupted one of the same batch size, each run with a fresh engine
    # and no prefix cache: then the only difference between the two is the kill.
    tomls = {}
    for name in ("killed", "uninterrupted"):
        tomls[name] = tmp_path / f"{name}.toml"
        tomls[name].write_text(to_toml(smoke_config(tiny_models, smoke_dirs, tmp_path / name, engine__batch_size=2,
                                                    engine__prefix_caching=False)))
    out = tmp_path / "killed"
    store = out / "work" / "generations.jsonl"
    proc = build_cli(tomls["killed"])
    children = [proc, build_cli(tomls["uninterrupted"])]
    try:
        deadline = time.time() + 240
        while time.time() < deadline and (not store.exists() or store.read_text().count("\n") < 3):
            assert proc.poll() is None, "build ended before it could be killed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # no cleanup, no flush: as a power cut would
        proc.wait()
        assert 3 <= store.read_text().count("\n") < len(jsonl(built_dataset / "work" / "generations.jsonl"))
        children.append(build_cli(tomls["killed"]))  # the rerun
        assert [c.wait(timeout=900) for c in children[1:]] == [0, 0]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    keys = [r["key"] for r in jsonl(store) if r["status"] == "ok"]
    assert len(keys) == len(set(keys)), "a request was stored twice"
    assert sorted(keys) == sorted(r["key"] for r in jsonl(tmp_path / "uninterrupted" / "work" / "generations.jsonl")
                                  if r["status"] == "ok")
    for config, splits in {"musiccaps": ("train", "test"), "magnatagatune": ("train", "validation", "test")}.items():
        for split in splits:
            if list((tmp_path / "uninterrupted" / "data" / config).glob(f"{split}-*.parquet")):
                assert rows(out, config, split) == rows(tmp_path / "uninterrupted", config, split)


def test_all_filters_rebundle_from_the_store_without_an_engine(built_dataset, tiny_models, smoke_dirs, tmp_path):
    import shutil

    from musicqa.filters import FILTER_NAMES

    out = tmp_path / "refiltered"
    shutil.copytree(built_dataset, out)
    cfg = smoke_config(tiny_models, smoke_dirs, out, filters__enabled=list(FILTER_NAMES), filters__classifier=True)
    summary = run_build(cfg, engine=NoEngine())
    before = json.loads((built_dataset / "summary.json").read_text())
    assert summary.pairs_generated == before["pairs_generated"]
    assert summary.pairs_kept + sum(summary.drops.values()) == summary.pairs_generated
    assert summary.pairs_kept < before["pairs_kept"]
    assert any(r.startswith("degenerate_") for r in summary.drops)
    card = (out / "README.md").read_text()
    for reason in summary.drops:
        assert f"`{reason}`" in card
    assert Counter(r["reason"] for r in jsonl(out / "rejected.jsonl")) == summary.drops
    # a learned-layer drop carries its score into rejected.jsonl; a rule drop has none
    assert all(("score" in r) == r["reason"].endswith("_classifier") for r in jsonl(out / "rejected.jsonl"))


def test_a_second_build_on_the_same_folder_refuses(tiny_models, smoke_dirs, tmp_path):
    cfg = smoke_config(tiny_models, smoke_dirs, tmp_path / "locked")
    with OutputLock(cfg.out):
        with pytest.raises(InputError, match="another musicqa build is running"):
            run_build(cfg, engine=NoEngine())


def test_missing_column_stops_the_build_before_any_work(tiny_models, smoke_dirs, tmp_path):
    bad = tmp_path / "no-caption.csv"
    with open(MUSICCAPS_CSV, newline="") as fh, open(bad, "w", newline="") as out:
        reader = csv.DictReader(fh)
        fields = [f for f in reader.fieldnames if f != "caption"]
        w = csv.DictWriter(out, fields, extrasaction="ignore")
        w.writeheader()
        w.writerow(next(reader))
    cfg = smoke_config(tiny_models, smoke_dirs, tmp_path / "out", musiccaps__csv=str(bad))
    with pytest.raises(InputError, match="no-caption.csv.*caption"):
        run_build(cfg, engine=NoEngine())
    assert not (tmp_path / "out" / "work" / "generations.jsonl").exists()


def test_bad_rows_are_skipped_with_reasons_and_the_build_goes_on(tiny_models, smoke_dirs, vllm_engine, tmp_path):
    audio = tmp_path / "audio"
    audio.mkdir()
    fields, src = real_rows(6)
    good, jinja, missing, broken, long_, bad_num = src
    real = (smoke_dirs / "audio" / "musiccaps" / f"{good['ytid']}.mp3").read_bytes()
    for r in (good, jinja, long_, bad_num):
        (audio / f"{r['ytid']}.mp3").write_bytes(real)
    (audio / f"{broken['ytid']}.mp3").write_bytes(b"ID3 this is not audio at all" * 50)
    jinja = {**jinja, "caption": "A piano plays {{ 7*7 }} then {% if x %}drums{% endif %}."}
    long_ = {**long_, "caption": long_["caption"] * 10 + " x" * 1000}
    bad_num = {**bad_num, "start_s": "abc"}
    path = write_csv(tmp_path / "mc.csv", fields, [good, jinja, missing, broken, long_, bad_num],
                     extra="only,three,fields\n")
    cfg = smoke_config(tiny_models, smoke_dirs, tmp_path / "out", sources=["musiccaps"], musiccaps__csv=str(path),
                       musiccaps__audio_dir=str(audio))
    summary = run_build(cfg, engine=vllm_engine)
    assert summary.skipped["audio_missing"] == 1
    assert summary.skipped["audio_undecodable"] == 1
    assert summary.skipped["source_context_too_long"] == 1
    assert summary.skipped["source_bad_value"] == 1
    assert summary.skipped["source_malformed_row"] == 1
    contexts = {r["ytid"]: r["context"] for s in ("train", "test")
                if list((cfg.out / "data" / "musiccaps").glob(f"{s}-*.parquet"))
                for r in rows(cfg.out, "musiccaps", s)}
    clips = {r["source_id"]: r for r in jsonl(cfg.out / "work" / "clips.jsonl")}
    assert set(clips) == {good["ytid"], jinja["ytid"]}
    assert clips[jinja["ytid"]]["text"] == jinja["caption"]  # rendered literally, never evaluated
    assert set(contexts) <= set(clips)


def test_report_of_a_real_build_matches_its_summary(built_dataset):
    from musicqa.report import ReportConfig, write_report
    from musicqa.report.load import load

    page = write_report(built_dataset, ReportConfig(sample_size=4))
    assert page == built_dataset / "report" / "index.html" and page.stat().st_size > 0
    folder = load(built_dataset)
    summary = json.loads((built_dataset / "summary.json").read_text())
    by_split = Counter((c.source, c.split) for c in folder.clips)
    assert dict(by_split) == {(s, sp): n for s, splits in summary["clips"].items() for sp, n in splits.items()}
    assert sum(len(c.pairs) for c in folder.clips) == summary["pairs_kept"]
    assert len(folder.rejected) == sum(summary["drops"].values())
    assert len(list((built_dataset / "report" / "audio").glob("*.flac"))) == 4


def test_one_command_from_csv_to_dataset_with_download(tiny_models, smoke_dirs, vllm_engine, tmp_path):
    """`build --download`: yt-dlp fetches each row's section from a loopback "YouTube", then the build runs."""
    import shutil
    import threading

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is required (.ci/run installs it)")
    from test_download_musiccaps import _Server

    server = _Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        fields, picked = real_rows(2)
        path = write_csv(tmp_path / "mc.csv", fields, [{**r, "start_s": "20", "end_s": "30"} for r in picked])
        url = f"http://127.0.0.1:{server.server_address[1]}/{{ytid}}.mp3"
        cfg = smoke_config(tiny_models, smoke_dirs, tmp_path / "out", sources=["musiccaps"], download=True,
                           musiccaps__csv=str(path), musiccaps__audio_dir=str(tmp_path / "audio"),
                           musiccaps__fetch__url_template=url, musiccaps__fetch__jobs=2)
        summary = run_build(cfg, engine=vllm_engine)
    finally:
        server.stop.set()
        server.shutdown()
    assert {p.name for p in (tmp_path / "audio").glob("*.flac")} == {f"{r['ytid']}.flac" for r in picked}
    clips = jsonl(cfg.out / "work" / "clips.jsonl")
    assert {c["source_id"] for c in clips} == {r["ytid"] for r in picked}
    assert summary.requests == 4 and not summary.skipped.get("audio_missing")


def test_mtt_path_escape_and_empty_tags_are_skipped_with_reasons(tiny_models, smoke_dirs, vllm_engine, tmp_path):
    from conftest import MTT_FIXTURE

    lines = (MTT_FIXTURE / "annotations_final.csv").read_text().splitlines()
    header, first = lines[0], lines[1].split("\t")
    escape = [f'"{9001}"', *first[1:-1], '"../../etc/passwd.mp3"']
    empty = [f'"{9002}"', *['"0"'] * (len(first) - 2), '"0/some-clip-0-29.mp3"']
    ann = tmp_path / "annotations_final.csv"
    ann.write_text("\n".join([header, lines[1], "\t".join(escape), "\t".join(empty)]) + "\n")
    cfg = smoke_config(tiny_models, smoke_dirs, tmp_path / "out", sources=["magnatagatune"],
                       magnatagatune__annotations=str(ann), prompts__tasks=["fixed"])
    summary = run_build(cfg, engine=vllm_engine)
    assert summary.skipped["source_path_escape"] == 1
    assert summary.skipped["source_empty_tags"] == 1
    assert [c["source_id"] for c in jsonl(cfg.out / "work" / "clips.jsonl")] == [first[0].strip('"')]


class ScriptedEngine:
    """A test double (not an engine): replies are scripted per attempt to exercise the retry bookkeeping."""

    name, version = "scripted", "0"

    def __init__(self, good_from_attempt: int | None):
        self.good_from_attempt = good_from_attempt
        self.calls: list[int] = []

    def generate(self, requests):
        from musicqa.records import Generation

        out = []
        for r in requests:
            self.calls.append(r.attempt)
            ok = self.good_from_attempt is not None and r.attempt >= self.good_from_attempt
            if r.task == "fixed":
                text = json.dumps({"answers": [f"A calm piano piece, take {i}." for i in range(4)]})
            else:
                text = json.dumps({"pairs": [{"question": "What is the tempo?", "answer": "It is slow and calm."}]})
            out.append(Generation(r.key, r.clip_id, r.task, text if ok else "1. Describe the audio: a piano",
                                  "stop", "scripted", r.attempt))
        return out


@pytest.mark.parametrize("good_from, stored_per_key, failed", [(1, 2, 0), (None, 3, 1)])
def test_unparseable_replies_are_retried_a_bounded_number_of_times(tiny_models, smoke_dirs, tmp_path, good_from,
                                                                   stored_per_key, failed):
    cfg = smoke_config(tiny_models, smoke_dirs, tmp_path / "out", sources=["musiccaps"], musiccaps__limit=2,
                       engine__max_retries=2)
    engine = ScriptedEngine(good_from)
    summary = run_build(cfg, engine=engine)
    stored = Counter(r["key"] for r in jsonl(cfg.out / "work" / "generations.jsonl"))
    assert set(stored.values()) == {stored_per_key}
    assert max(engine.calls) == stored_per_key - 1 <= cfg.engine.max_retries
    failures = jsonl(cfg.out / "failed_generations.jsonl")
    assert len(failures) == failed * summary.requests
    if failed:
        assert failures[0]["status"] == "parse_invalid_json" and failures[0]["text"].startswith("1. Describe")
        assert failures[0]["attempts"] == 3
    else:
        assert summary.pairs_kept > 0


def test_text_only_keeps_clips_without_usable_audio(tiny_models, smoke_dirs, vllm_engine, tmp_path):
    fields, picked = real_rows(2)
    path = write_csv(tmp_path / "mc.csv", fields, picked)
    audio = tmp_path / "audio"
    audio.mkdir()  # no audio files at all
    cfg = smoke_config(tiny_models, smoke_dirs, tmp_path / "out", sources=["musiccaps"], musiccaps__csv=str(path),
                       musiccaps__audio_dir=str(audio), audio__text_only=True, prompts__tasks=["fixed"])
    summary = run_build(cfg, engine=vllm_engine)
    assert summary.skipped["audio_missing"] == 2
    clips = jsonl(cfg.out / "work" / "clips.jsonl")
    assert {c["source_id"] for c in clips} == {r["ytid"] for r in picked}
    for split in ("train", "test"):
        if list((cfg.out / "data" / "musiccaps").glob(f"{split}-*.parquet")):
            assert all(r["audio"] is None for r in rows(cfg.out, "musiccaps", split))
