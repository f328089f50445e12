"""A source defined in this file alone, registered at run time, goes through the whole local pipeline.

The real vLLM engine (tiny MPT) generates its pairs; the bundle gives it its own config and columns,
``load_dataset(out, "toy")`` reads it with its audio excerpts, and the report and the MU-LLaMA export handle it
from the registry. Nothing in the package names it: its templates live in this test's own prompts folder.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SAMPLE_DATA, smoke_config

from musicqa.config import field
from musicqa.records import Clip
from musicqa.sources import EMPTY_TAGS, RowError, Source, register, unregister

LONG = SAMPLE_DATA / "audio" / "asc-frontiers-60s-long.mp3"


@dataclass
class ToyConfig:
    """A JSON-lines table of clips and the folder of their audio."""

    table: Path | None = field(None, help="JSON lines: id, split, words, mood, file, offset_s")
    audio_dir: Path | None = field(None, help="folder of the files the table names")
    excerpt_s: float = field(5.0, help="seconds of audio kept from each row's offset_s")


@dataclass(frozen=True, slots=True)
class ToyMeta:
    mood: str
    offset_s: float


class Toy(Source):
    name = "toy"
    title = "Toy Songs"
    Config = ToyConfig
    Meta = ToyMeta
    required = ("table", "audio_dir")
    splits = ("train", "test")
    license = "cc0-1.0"
    license_note = "Toy Songs: made up for this test, CC0."
    card_note = "Toy Songs: a JSON-lines table with a mood per clip; 5-second excerpts."
    mullama = (("ToyQA.json", ("train", "test")),)
    labels_column = "words"

    def read(self, cfg: ToyConfig, *, max_context_chars: int) -> Iterator[Clip | RowError]:
        for line, text in enumerate(cfg.table.read_text().splitlines(), 1):
            row = json.loads(text)
            if not row["words"]:
                yield RowError(EMPTY_TAGS, f"{cfg.table.name}:{line}: field 'words' = [], expected some words")
                continue
            yield Clip(clip_id=f"toy/{row['id']}", source="toy", source_id=row["id"], split=row["split"],
                       text=", ".join(row["words"]), audio_path=cfg.audio_dir / row["file"],
                       labels=tuple(row["words"]), meta=ToyMeta(row["mood"], row["offset_s"]))

    def features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"mood": Value("string"), "words": List(Value("string")), "offset_s": Value("float32")}

    def columns(self, clip: Clip) -> dict[str, Any]:
        return {"mood": clip.meta.mood, "words": list(clip.labels), "offset_s": clip.meta.offset_s}

    def duration(self, clip: Clip) -> float:
        return 5.0

    def audio_section(self, clip: Clip) -> tuple[float, float]:
        return clip.meta.offset_s, clip.meta.offset_s + 5.0

    def expected_duration(self, clip: Clip) -> float:
        return 5.0


TEMPLATES = {
    "toy_fixed.jinja": 'A {{ "%g" % duration_s }}-second clip that feels {{ mood }}: {{ text }}.\n\n'
                       "Answer as the listener, in full sentences.\n{% for q in questions %}{{ loop.index }}. {{ q }}\n"
                       '{% endfor %}Reply with JSON only: {"answers": [{{ questions | length }} strings]}\n',
    "toy_open.jinja": 'A {{ "%g" % duration_s }}-second clip that feels {{ mood }}: {{ text }}.\n\n'
                      "Write {{ n_pairs }} question-answer pairs about {{ aspects | join(', ') }}.\n"
                      'Reply with JSON only: {"pairs": [{"question": "...", "answer": "..."}]}\n',
}


@pytest.fixture
def toy(tmp_path) -> Iterator[Path]:
    """Register the toy source, write its table, audio and prompts under tmp_path; unregister afterwards."""
    register(Toy())
    audio = tmp_path / "audio"
    audio.mkdir()
    short = sorted(p for p in (SAMPLE_DATA / "audio").glob("asc-*-*0s.mp3"))[:3]
    for p in [*short, LONG]:
        shutil.copy(p, audio / p.name)
    rows = [{"id": f"t{i}", "split": "train", "words": ["guitar", "calm", f"take {i}"], "mood": "calm",
             "file": p.name, "offset_s": 2.0} for i, p in enumerate(short)]
    rows += [{"id": "long1", "split": "test", "words": ["drums", "fast"], "mood": "tense", "file": LONG.name,
              "offset_s": 30.0},
             {"id": "empty", "split": "train", "words": [], "mood": "none", "file": LONG.name, "offset_s": 0.0},
             {"id": "gone", "split": "test", "words": ["piano"], "mood": "sad", "file": "missing.mp3",
              "offset_s": 0.0}]
    (tmp_path / "toy.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    prompts = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts" / "chat", prompts / "chat")
    shutil.copy(REPO / "prompts" / "system.jinja", prompts / "system.jinja")
    for name, text in TEMPLATES.items():
        (prompts / name).write_text(text)
    try:
        yield tmp_path
    finally:
        unregister("toy")


def toy_config(tiny_models, smoke_dirs, root: Path):
    return smoke_config(tiny_models, smoke_dirs, root / "out", sources=["toy"], prompts_dir=str(root / "prompts"),
                        toy={"table": str(root / "toy.jsonl"), "audio_dir": str(root / "audio")},
                        filters__enabled=["duplicate"])


def test_a_runtime_registered_source_is_built_bundled_reported_and_exported(toy, tiny_models, smoke_dirs,
                                                                             vllm_engine):
    import soundfile as sf
    import yaml
    from datasets import Audio, load_dataset

    from musicqa import audio as audio_mod
    from musicqa.build import run_build
    from musicqa.export import export_mullama
    from musicqa.pipeline import Build
    from musicqa.report import ReportConfig, write_report
    from musicqa.report.load import load

    cfg = toy_config(tiny_models, smoke_dirs, toy)
    summary = run_build(cfg, engine=vllm_engine)
    out = cfg.out

    # bad rows are skipped with their reason, counted in summary.json and the card
    assert summary.skipped["source_empty_tags"] == 1 and summary.skipped["audio_missing"] == 1
    assert summary.clips_read == {"toy": 5} and summary.requests == 8 and summary.generated_now >= 8
    card = (out / "README.md").read_text()
    assert "| clip skipped | `source_empty_tags` | 1 |" in card and "| clip skipped | `audio_missing` | 1 |" in card

    # its own config, columns, license and notes
    header = yaml.safe_load(card.split("---")[1])
    assert [c["config_name"] for c in header["configs"]] == ["toy"] and header["license"] == ["cc0-1.0"]
    assert Toy.license_note in card and Toy.card_note in card and "from Toy Songs" in card
    kept = sum(sum(s.values()) for s in summary.clips.values())
    assert kept >= 1, "the tiny model's replies all failed or were dropped; nothing to check"
    got = []
    for split in summary.clips["toy"]:
        ds = load_dataset(str(out), "toy", split=split).cast_column("audio", Audio(decode=False))
        assert ds.column_names == ["audio", "clip_id", "source", "source_id", "split", "context", "qa", "analysis",
                                   "mood", "words", "offset_s"]
        got += list(ds)
    for row in got:
        data, sr = sf.read(io.BytesIO(row["audio"]["bytes"]))
        assert sr == 24000 and abs(len(data) / sr - 5.0) < 0.05  # the 5-second excerpt, not the file
        assert row["source"] == "toy" and row["clip_id"] == f"toy/{row['source_id']}" and row["qa"]
        assert row["mood"] == ("tense" if row["source_id"] == "long1" else "calm")
        assert row["words"] == row["context"].split(", ")
    long = [r for r in got if r["source_id"] == "long1"]
    if long:  # the excerpt is 30..35 s of the 60 s track
        data, _ = sf.read(io.BytesIO(long[0]["audio"]["bytes"]), dtype="float32")
        want = audio_mod.load(LONG, start_s=30.0, end_s=35.0)
        assert abs(len(data) - len(want)) <= 1 and abs(data[:len(want)] - want[:len(data)]).max() < 1e-3

    # the source's own metadata reaches its templates
    build = Build(cfg)
    clips = [item for _, item in build.read() if isinstance(item, Clip)]
    requests = build.render(clips[:1])
    assert requests[0].template == "toy_fixed.jinja" and "5-second clip that feels calm" in requests[0].messages[1][1]

    # the report counts its labels column; the export follows its MU-LLaMA mapping
    folder = load(out)
    assert {c.source for c in folder.clips} == {"toy"}
    assert all(c.labels == tuple(c.context.split(", ")) for c in folder.clips)
    assert write_report(out, ReportConfig(sample_size=2)).is_file()
    counts = export_mullama(out, toy / "mullama")
    records = json.loads((toy / "mullama" / "MusicQA" / "ToyQA.json").read_text())
    assert counts == {"ToyQA.json": summary.pairs_kept} == {"ToyQA.json": len(records)}
    assert {r["audio_name"] for r in records} == {f"{r['source_id']}.wav" for r in got}
    assert all((toy / "mullama" / "audios" / r["audio_name"]).is_file() for r in records)


def test_the_toy_source_gets_its_own_config_table_and_flags(toy, capsys):
    from musicqa.build_config import BuildConfig
    from musicqa.cli.__main__ import main
    from musicqa.config import build
    from musicqa.errors import InputError

    assert "toy" in {f.name for f in dataclasses.fields(BuildConfig)}
    with pytest.raises(InputError, match="--toy.audio-dir is required when building the toy source"):
        build(BuildConfig, {"sources": ["toy"], "toy": {"table": "t.jsonl"}})
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--toy.excerpt-s" in text and "seconds of audio kept from each row's offset_s" in text
