"""Kept QA pairs + normalised audio -> a Hugging Face dataset folder with its card.

Output: ``data/<config>/<split>-XXXXX-of-YYYYY.parquet`` (audio bytes embedded, so the folder loads
without the source audio) and ``README.md`` whose YAML header declares the configs, so
``datasets.load_dataset(folder, "musiccaps", split="train")`` works with no loading script.
Every file is written to a temp name and moved into place; a rerun rewrites the same bytes.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from musicqa.records import Clip, QAPair
from musicqa.store import write_atomic

log = logging.getLogger(__name__)

SPLITS = {"musiccaps": ("train", "test"), "magnatagatune": ("train", "validation", "test")}
EXTRA_COLUMNS = {
    "musiccaps": ("ytid", "start_s", "end_s", "caption", "aspect_list", "is_audioset_eval"),
    "magnatagatune": ("mp3_path", "tags", "title", "artist"),
}
LICENSES = {"musiccaps": "cc-by-sa-4.0", "magnatagatune": "cc-by-nc-sa-3.0"}
LICENSE_NOTES = {
    "musiccaps": "MusicCaps captions and aspect lists: CC BY-SA 4.0 (Google). The audio comes from YouTube videos "
                 "and stays under its uploaders' terms.",
    "magnatagatune": "MagnaTagATune annotations and audio: CC BY-NC-SA 3.0 (Magnatune / TagATune): non-commercial.",
}
SOURCE_NOTES = {
    "musiccaps": "MusicCaps: 10-second YouTube sections with a musician-written caption and aspect list; train = "
                 "`is_audioset_eval` false, test = true.",
    "magnatagatune": "MagnaTagATune: ~29-second Magnatune clips with listener tags (typos and synonyms merged, "
                     "clips with too few tags skipped); folders 0-b train, c validation, d-f test.",
}


def features_for(source: str, sample_rate: int):
    """The ``datasets.Features`` of one config; declared, not inferred, so every shard agrees."""
    from datasets import Audio, Features, List, Value

    common = {
        "audio": Audio(sampling_rate=sample_rate), "clip_id": Value("string"), "source": Value("string"),
        "source_id": Value("string"), "split": Value("string"), "context": Value("string"),
        "qa": List({"question": Value("string"), "answer": Value("string"), "task": Value("string")}),
    }
    if source == "musiccaps":
        extra = {"ytid": Value("string"), "start_s": Value("float32"), "end_s": Value("float32"),
                 "caption": Value("string"), "aspect_list": List(Value("string")), "is_audioset_eval": Value("bool")}
    else:
        extra = {"mp3_path": Value("string"), "tags": List(Value("string")), "title": Value("string"),
                 "artist": Value("string")}
    return Features({**common, **extra})


def make_row(clip: Clip, pairs: Sequence[QAPair], audio: Path | None) -> dict[str, Any]:
    """One dataset row: the clip, its source metadata, its kept pairs and its audio file.

    ``audio`` holds the FLAC's path, not its bytes: the bytes are read one shard at a time in
    ``write_split``, so a 25,000-clip MTT build never holds 20 GB of audio in memory.
    """
    row: dict[str, Any] = {
        "audio": audio,
        "clip_id": clip.clip_id, "source": clip.source, "source_id": clip.source_id, "split": clip.split,
        "context": clip.text,
        "qa": [{"question": p.question, "answer": p.answer, "task": p.task} for p in pairs],
    }
    if clip.source == "musiccaps":
        row.update(ytid=clip.source_id, start_s=clip.start_s, end_s=clip.end_s, caption=clip.text,
                   aspect_list=list(clip.labels), is_audioset_eval=clip.split == "test")
    else:
        row.update(mp3_path=clip.audio_relpath, tags=list(clip.labels), title=clip.title, artist=clip.artist)
    return row


@dataclass
class SplitInfo:
    name: str
    glob: str
    num_examples: int = 0
    num_pairs: int = 0
    num_bytes: int = 0


@dataclass
class ConfigInfo:
    name: str
    splits: list[SplitInfo] = field(default_factory=list)
    features_yaml: list = field(default_factory=list)
    extra_columns: tuple[str, ...] = ()
    download_size: int = 0


def _with_audio_bytes(row: dict[str, Any]) -> dict[str, Any]:
    audio = row["audio"]
    return {**row, "audio": {"bytes": audio.read_bytes(), "path": f"{row['source_id']}.flac"} if audio else None}


def write_split(out: Path, source: str, split: str, rows: list[dict[str, Any]], sample_rate: int,
                clips_per_shard: int) -> SplitInfo:
    """Write one split as Parquet shards; stale shards of an earlier run with more shards are removed."""
    import pyarrow as pa
    from datasets import Dataset, DatasetInfo
    from datasets.table import InMemoryTable

    folder = out / "data" / source
    folder.mkdir(parents=True, exist_ok=True)
    n_shards = max(1, -(-len(rows) // clips_per_shard))
    info = SplitInfo(split, f"data/{source}/{split}-*.parquet", len(rows), sum(len(r["qa"]) for r in rows))
    feats = features_for(source, sample_rate)
    wanted = set()
    for i in range(n_shards):
        part = [_with_audio_bytes(r) for r in rows[i * clips_per_shard:(i + 1) * clips_per_shard]]
        name = f"{split}-{i:05d}-of-{n_shards:05d}.parquet"
        wanted.add(name)
        buf = io.BytesIO()
        # Arrow table straight from the declared schema: Dataset.from_list would re-encode every row (importing
        # torchcodec for Audio) and fingerprint every audio byte; 15 s -> 6 s for MusicCaps, same bytes written
        table = pa.Table.from_pylist(part, schema=feats.arrow_schema)
        Dataset(InMemoryTable(table), info=DatasetInfo(features=feats),
                fingerprint=f"musicqa-{source}-{split}-{i}").to_parquet(buf)
        data = buf.getvalue()
        info.num_bytes += len(data)
        write_atomic(folder / name, data)
    for stale in folder.glob(f"{split}-*.parquet"):
        if stale.name not in wanted:
            stale.unlink()
    return info


def render_card(out: Path, cards_dir: Path, context: dict[str, Any]) -> Path:
    """README.md from data_cards/README.md.jinja; sandboxed and strict like the prompts."""
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(cards_dir)), undefined=jinja2.StrictUndefined,
                               keep_trailing_newline=True)
    text = env.get_template("README.md.jinja").render(**context)
    write_atomic(out / "README.md", text)
    return out / "README.md"


def bundle(out: Path, rows_by_config: dict[str, dict[str, list[dict[str, Any]]]], *, sample_rate: int,
           clips_per_shard: int, card_context: dict[str, Any], cards_dir: Path) -> list[ConfigInfo]:
    """Write every config/split present plus the card; returns what was written (for the summary)."""
    configs = []
    for source in SPLITS:
        if source not in rows_by_config:
            continue
        cfg = ConfigInfo(source, extra_columns=EXTRA_COLUMNS[source],
                         features_yaml=features_for(source, sample_rate)._to_yaml_list())
        for split in SPLITS[source]:
            rows = rows_by_config[source].get(split, [])
            if not rows:
                for stale in (out / "data" / source).glob(f"{split}-*.parquet"):
                    stale.unlink()
                continue
            info = write_split(out, source, split, rows, sample_rate, clips_per_shard)
            cfg.splits.append(info)
            cfg.download_size += info.num_bytes
        if cfg.splits:
            configs.append(cfg)
    sources = [c.name for c in configs]
    context = {
        **card_context, "configs": configs, "sample_rate": sample_rate,
        "licenses": [LICENSES[s] for s in sources] or ["other"],
        "license_notes": [LICENSE_NOTES[s] for s in sources] + [card_context["model_license_note"]],
        "source_notes": [SOURCE_NOTES[s] for s in sources],
        "source_names": [{"musiccaps": "MusicCaps", "magnatagatune": "MagnaTagATune"}[s] for s in sources],
    }
    render_card(out, cards_dir, context)
    log.info("bundled %s", json.dumps({c.name: {s.name: s.num_examples for s in c.splits} for c in configs}))
    return configs
