"""MTG-Jamendo, Song Describer and a user's own JSON lines, each with one bad row of every kind, built together.

The real pipeline (vLLM on the tiny MPT model, real audio from sample_data/audio laid out as each dataset ships it)
gives one dataset config per source that ``load_dataset(OUT, name)`` reads with its audio decoded; every bad row is
skipped with one log line naming file:line and field and counted in summary.json and the card; the MU-LLaMA export
puts each source where the seed's files had it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE_DATA, smoke_config

FIXTURES = REPO / "tests" / "fixtures"
CLIPS = sorted(p for p in (SAMPLE_DATA / "audio").glob("asc-*0s.mp3"))  # six real 10-second clips
FIVE_TAGS = "genre---rock\tgenre---pop\tinstrument---guitar\tinstrument---drums\tmood/theme---happy"


def lay_out(root: Path, names: list[str]) -> Path:
    for i, name in enumerate(names):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CLIPS[i % len(CLIPS)], root / name)
    return root


def mtg_inputs(tmp: Path) -> dict:
    """The fixture with a 4-field row, a '../' PATH and a duplicate of track 4400 first; no audio for 26403."""
    fixture = (FIXTURES / "mtg_jamendo" / "raw_30s_cleantags_50artists.tsv").read_bytes().split(b"\r\n")
    row_4400 = next(line for line in fixture if line.startswith(b"track_0004400"))
    bad = [b"track_0009900\tartist_000001\talbum_000001\t00/9900.mp3",
           f"track_0009901\tartist_000001\talbum_000001\t../00/9901.mp3\t100.0\t{FIVE_TAGS}".encode(), row_4400]
    (tmp / "mtg").mkdir()
    (tmp / "mtg" / "raw_30s_cleantags_50artists.tsv").write_bytes(b"\r\n".join([fixture[0], *bad, *fixture[1:]]))
    audio = lay_out(tmp / "mtg" / "audio", ["00/4400.mp3", "06/6606.low.mp3", "00/7400.mp3"])
    return {"annotations": str(tmp / "mtg" / "raw_30s_cleantags_50artists.tsv"), "audio_dir": str(audio),
            "folders": [f"{i:02d}" for i in range(10)], "excerpt_s": 5.0, "excerpt_offset_s": 2.0, "limit": 4}


def sdd_inputs(tmp: Path) -> dict:
    """The fixture with a duplicate caption_id, a '../' path and a 3-field row; no audio for 524738."""
    (tmp / "sdd").mkdir()
    csv_path = tmp / "sdd" / "song_describer.csv"
    csv_path.write_text((FIXTURES / "song_describer" / "song_describer.csv").read_text() + "\n".join([
        "311,1267124,Another caption,True,1,366613,151421,24/1267124.mp3,161.8",
        "900,999999,A caption,True,1,1,1,../99/999999.mp3,100.0",
        "901,999998,short row"]) + "\n")
    audio = lay_out(tmp / "sdd" / "audio", ["69/131569.2min.mp3", "78/786778.mp3"])
    return {"csv": str(csv_path), "audio_dir": str(audio), "limit": 3}


def custom_inputs(tmp: Path) -> dict:
    """The user's JSON lines with a '../' path, a missing field, a missing file and a duplicate id."""
    rows = [line for line in (FIXTURES / "custom" / "clips.jsonl").read_text().splitlines() if line]
    bad = [json.dumps({"id": "escape", "audio": "../audio/asc-frontiers-30s.mp3", "text": "x", "split": "train"}),
           json.dumps({"id": "nofield", "audio": "asc-frontiers-30s.mp3", "split": "train"}),
           json.dumps({"id": "gone", "audio": "missing.mp3", "text": "A song.", "split": "train"})]
    (tmp / "mine").mkdir()
    path = tmp / "mine" / "clips.jsonl"
    path.write_text("\n".join([*bad, rows[0], rows[0], rows[1]]) + "\n")
    return {"path": str(path), "audio_dir": str(SAMPLE_DATA / "audio"), "split_field": "split",
            "name": "my_music", "license": "cc-by-4.0", "limit": 3}


@pytest.fixture(scope="module")
def built(tiny_models, smoke_dirs, vllm_engine, tmp_path_factory):
    from musicqa.build import run_build

    tmp = tmp_path_factory.mktemp("three")
    cfg = smoke_config(tiny_models, smoke_dirs, tmp / "out", sources=["mtg_jamendo", "song_describer", "custom"],
                       mtg_jamendo=mtg_inputs(tmp), song_describer=sdd_inputs(tmp), custom=custom_inputs(tmp),
                       filters__enabled=["duplicate"])
    logger = logging.getLogger("musicqa")
    records: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda r: records.append(r.getMessage())
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        summary = run_build(cfg, engine=vllm_engine)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    return tmp, cfg.out, summary, records


def test_every_bad_row_is_skipped_with_one_line_and_counted(built) -> None:
    _, out, summary, log = built
    assert summary.clips_read == {"mtg_jamendo": 4, "song_describer": 3, "custom": 3}
    for reason, n in {"source_malformed_row": 3, "source_path_escape": 3, "source_duplicate_id": 3,
                      "source_too_few_tags": 3, "audio_missing": 3, "source_caption_not_validated": 2}.items():
        assert summary.skipped[reason] == n, reason
    assert summary.warnings["source_audio_not_found"] == 3
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["skipped"]["source_path_escape"] == 3
    card = (out / "README.md").read_text()
    for reason in ("source_malformed_row", "source_path_escape", "source_duplicate_id", "source_too_few_tags",
                   "audio_missing"):
        assert f"| clip skipped | `{reason}` | 3 |" in card
    for line in [
        "raw_30s_cleantags_50artists.tsv:2: row has 4 fields, expected at least 5",
        "raw_30s_cleantags_50artists.tsv:3: field 'PATH' = '../00/9901.mp3', expected a path inside the audio folder",
        "raw_30s_cleantags_50artists.tsv:7: field 'TRACK_ID' = 'track_0004400', expected a unique id (first on "
        "line 4)",
        "raw_30s_cleantags_50artists.tsv:6: track track_0002208 has 2 tags, min_tags is 5",
        "raw_30s_cleantags_50artists.tsv:12: field 'PATH' = '03/26403.mp3': no such file",
        "song_describer.csv:12: field 'caption_id' = '311', expected a unique id (first on line 2)",
        "song_describer.csv:13: field 'path' = '../99/999999.mp3', expected a path inside the audio folder",
        "song_describer.csv:14: row has 3 fields, expected 9",
        "song_describer.csv:4: field 'path' = '38/524738.mp3': no such file",
        "clips.jsonl:1: field 'audio' = '../audio/asc-frontiers-30s.mp3', expected a path inside the audio folder",
        "clips.jsonl:2: field 'text' missing",
        "clips.jsonl:3: field 'audio' = 'missing.mp3': no such file",
        "clips.jsonl:5: field 'id' = 'frontiers-30', expected a unique id (first at clips.jsonl:4)",
    ]:
        assert sum(message.startswith(line) for message in log) == 1, line


def test_each_source_is_a_config_that_load_dataset_reads_with_audio(built) -> None:
    pytest.importorskip("torchcodec", reason="torchcodec is not installed: the soundfile fallback test still runs")
    import yaml
    from datasets import load_dataset

    _, out, summary, _ = built
    header = yaml.safe_load((out / "README.md").read_text().split("---")[1])
    assert [c["config_name"] for c in header["configs"]] == ["mtg_jamendo", "song_describer", "my_music"]
    assert header["license"] == ["cc-by-nc-sa-4.0", "cc-by-sa-4.0", "cc-by-4.0"]
    expect = {"mtg_jamendo": ("test", 5.0, ["track_id", "artist_id", "album_id", "path", "duration_s", "tags",
                                            "audio_start_s", "audio_end_s"]),
              "song_describer": ("test", 10.0, ["track_id", "artist_id", "album_id", "path", "duration_s", "captions",
                                                "caption_ids", "is_valid_subset", "familiarity"]),
              "my_music": ("train", 10.0, ["file", "tags"])}
    for config, (split, seconds, own) in expect.items():
        assert summary.clips[config] == {split: summary.clips[config][split]}, "every clip in its one split"
        ds = load_dataset(str(out), config, split=split)
        common = ["audio", "clip_id", "source", "source_id", "split", "context", "qa", "analysis"]
        assert ds.column_names == [*common, *own]
        assert len(ds) >= 1, f"the tiny model's replies for {config} all failed; nothing to check"
        for row in ds:
            samples = row["audio"].get_all_samples()
            assert samples.sample_rate == 24000 and abs(samples.data.shape[-1] / 24000 - seconds) < 0.1
            assert row["qa"] and row["clip_id"] == f"{config}/{row['source_id']}"
    mtg = load_dataset(str(out), "mtg_jamendo", split="test")
    by_id = {r["source_id"]: r for r in mtg}
    if "track_0004400" in by_id:
        r = by_id["track_0004400"]
        assert r["context"] == "alternative, electronic, experimental, post-rock, rock" and r["tags"][0] == (
            "genre---alternative")
        assert (r["audio_start_s"], r["audio_end_s"], r["duration_s"]) == (2.0, 7.0, pytest.approx(183.5))
    sdd = list(load_dataset(str(out), "song_describer", split="test"))
    assert all(r["context"] == "\n".join(r["captions"]) for r in sdd)


def test_the_prompts_use_each_sources_own_template_and_metadata(built) -> None:
    from musicqa.build_config import BuildConfig
    from musicqa.config import build, read_toml
    from musicqa.pipeline import Build
    from musicqa.records import Clip

    _, out, _, _ = built
    cfg = build(BuildConfig, read_toml(out / "build_config.toml"))  # the build rerun from its resolved config
    b = Build(cfg)
    first = {"mtg_jamendo/track_0004400", "song_describer/131569", "my_music/gone"}
    clips = {c.source: c for _, c in b.read() if isinstance(c, Clip) and c.clip_id in first}
    prompts = {s: b.render([c])[0] for s, c in clips.items()}
    assert prompts["mtg_jamendo"].template == "mtg_jamendo_fixed.jinja"
    assert "5-second music clip:\n- genre: alternative, electronic, experimental, post-rock, rock" in (
        prompts["mtg_jamendo"].messages[1][1])
    assert prompts["song_describer"].template == "song_describer_fixed.jinja"
    assert "Notes that 2 listeners wrote on the 120-second clip:" in prompts["song_describer"].messages[1][1]
    assert prompts["custom"].template == "custom_caption_fixed.jinja"
    assert "My listening notes on the clip:" in prompts["custom"].messages[1][1]


def test_the_export_puts_each_source_where_the_seed_had_it(built, monkeypatch) -> None:
    from musicqa.export import export_mullama

    tmp, out, summary, _ = built
    repo = tmp / "MU-LLaMA-repo"
    (repo / "ModelEvaluations").mkdir(parents=True)
    counts = export_mullama(out, repo / "MusicQA")
    pairs = summary.pairs
    assert counts == {"FinetuneMusicQA.json": sum(pairs["my_music"].values()),
                      "EvalMusicQA.json": sum(pairs["mtg_jamendo"].values()) + sum(pairs["song_describer"].values())}
    monkeypatch.chdir(repo / "ModelEvaluations")
    names = set()
    for rec in json.load(open("../MusicQA/MusicQA/EvalMusicQA.json")):  # generate_mullama.py's paths
        assert os.path.isfile(os.path.join("../MusicQA/MusicQA/audios", rec["audio_name"]))
        names.add(rec["audio_name"])
    assert {n for n in names if n.startswith("track_")} and {n for n in names if n[0].isdigit()}


def test_the_report_reads_every_new_config(built) -> None:
    from musicqa.report import ReportConfig, write_report
    from musicqa.report.load import load

    _, out, summary, _ = built
    folder = load(out)
    assert {c.source for c in folder.clips} == {"mtg_jamendo", "song_describer", "my_music"}
    tags = [c.labels for c in folder.clips if c.source == "mtg_jamendo"]
    assert tags and all(t and all("---" in x for x in t) for t in tags)  # its labels column: the original tags
    assert write_report(out, ReportConfig(sample_size=2)).is_file()
