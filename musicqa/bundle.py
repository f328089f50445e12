"""Kept QA pairs + normalised audio -> a Hugging Face dataset folder with its card.

Output: ``data/<config>/<split>-XXXXX-of-YYYYY.parquet`` (audio bytes embedded, so the folder loads
without the source audio) and ``README.md`` whose YAML header declares the configs, so
``datasets.load_dataset(folder, "<config>", split="train")`` works with no loading script. Which columns a
config has, its splits, license and card notes come from its source (``musicqa.sources``); nothing here names one.
Every file is written to a temp name and moved into place; a rerun rewrites the same bytes.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from musicqa.atomic import atomic_folder, write_atomic
from musicqa.dataset_folder import INTERRUPTED_CARD
from musicqa.errors import InputError
from musicqa.records import Clip, MCQItem, QAPair
from musicqa.sources import CardInfo, Source
from musicqa.sources.contract import check_schema

log = logging.getLogger(__name__)

# ``analysis``: the clip's measured facts (musicqa.analysis), a struct with the fields of ``records.Facts``; null
# where the clip was not measured (no audio, --no-analysis.enabled, or a clip too short or silent to measure).
ANALYSIS_TYPES = {"tempo_bpm": "float64", "tempo_confidence": "float64", "key": "string", "mode": "string",
                  "key_strength": "float64", "loudness_lufs": "float64", "duration_s": "float64"}


def features_for(source: Source, sample_rate: int, *, mcq: bool = False):
    """The ``datasets.Features`` of one source's config; declared, not inferred, so every shard agrees.

    The one definition of the dataset's schema: tests and ``train/tiny.py`` write folders with it too. ``mcq``
    adds the ``mcq`` column (a build with the mcq task): its multiple-choice items, distractors in
    ``records.DISTRACTOR_KINDS`` order.
    """
    from datasets import Audio, Features, List, Value

    common = {
        "audio": Audio(sampling_rate=sample_rate), "clip_id": Value("string"), "source": Value("string"),
        "source_id": Value("string"), "split": Value("string"), "context": Value("string"),
        "qa": List({"question": Value("string"), "answer": Value("string"), "task": Value("string")}),
        "analysis": {name: Value(kind) for name, kind in ANALYSIS_TYPES.items()},
    }
    if mcq:
        common["mcq"] = List({"question": Value("string"), "correct_answer": Value("string"),
                              "distractors": List(Value("string")), "distractor_kinds": List(Value("string"))})
    own = check_schema(source)
    return Features({**common, **own})


def make_row(clip: Clip, pairs: Sequence[QAPair], audio: Path | None, source: Source,
             items: Sequence[MCQItem] | None = None) -> dict[str, Any]:
    """One dataset row: the clip, its source's metadata columns, its kept pairs and its audio file.

    ``audio`` holds the FLAC's path, not its bytes: the bytes are read one shard at a time in
    ``write_split``, so a 25,000-clip build never holds 20 GB of audio in memory.
    """
    row: dict[str, Any] = {
        "audio": audio,
        "clip_id": clip.clip_id, "source": clip.source, "source_id": clip.source_id, "split": clip.split,
        "context": clip.text,
        "qa": [{"question": p.question, "answer": p.answer, "task": p.task} for p in pairs],
        "analysis": dataclasses.asdict(clip.facts) if clip.facts is not None else None,
    }
    if items is not None:  # the build made the mcq task: every row has the column, empty or not
        row["mcq"] = [{"question": i.question, "correct_answer": i.correct_answer, "distractors": list(i.distractors),
                       "distractor_kinds": list(i.distractor_kinds)} for i in items]
    row.update(source.columns(clip))
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


def write_split(out: Path, config: str, split: str, rows: list[dict[str, Any]], features: Any,
                clips_per_shard: int, data_dir: Path | None = None) -> SplitInfo:
    """Write one split as Parquet shards into ``data_dir`` (default ``out/data``) ``/<config>/``; stale shards of
    an earlier run with more shards are removed."""
    import pyarrow as pa
    from datasets import Dataset, DatasetInfo
    from datasets.table import InMemoryTable

    folder = (data_dir or out / "data") / config
    folder.mkdir(parents=True, exist_ok=True)
    n_shards = max(1, -(-len(rows) // clips_per_shard))
    info = SplitInfo(split, f"data/{config}/{split}-*.parquet", len(rows), sum(len(r["qa"]) for r in rows))
    feats = features
    wanted = set()
    for i in range(n_shards):
        part = [_with_audio_bytes(r) for r in rows[i * clips_per_shard:(i + 1) * clips_per_shard]]
        name = f"{split}-{i:05d}-of-{n_shards:05d}.parquet"
        wanted.add(name)
        buf = io.BytesIO()
        # Arrow table straight from the declared schema: Dataset.from_list would re-encode every row (importing
        # torchcodec for Audio) and fingerprint every audio byte; 15 s -> 6 s for 5,500 clips, same bytes
        table = pa.Table.from_pylist(part, schema=feats.arrow_schema)
        Dataset(InMemoryTable(table), info=DatasetInfo(features=feats),
                fingerprint=f"musicqa-{config}-{split}-{i}").to_parquet(buf)
        data = buf.getvalue()
        info.num_bytes += len(data)
        write_atomic(folder / name, data)
    for stale in folder.glob(f"{split}-*.parquet"):
        if stale.name not in wanted:
            stale.unlink()
    return info


def card_text(cards_dir: Path, context: dict[str, Any]) -> str:
    """README.md from data_cards/README.md.jinja; sandboxed and strict like the prompts."""
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(cards_dir)), undefined=jinja2.StrictUndefined,
                               keep_trailing_newline=True)
    try:
        return env.get_template("README.md.jinja").render(**context)
    except SecurityError as err:  # a card template (data_cards/ is the user's to edit) that tries to leave it
        raise InputError(f"{cards_dir / 'README.md.jinja'}: template blocked by the sandbox: {err}") from err


def render_card(out: Path, cards_dir: Path, context: dict[str, Any]) -> Path:
    """Write OUT/README.md (``card_text``) atomically."""
    write_atomic(out / "README.md", card_text(cards_dir, context))
    return out / "README.md"


def split_order(source: Source, present: Sequence[str]) -> list[str]:
    """The source's declared splits first, in its order, then any other split present, by name."""
    return [*source.splits, *sorted(set(present) - set(source.splits))]


class BundleStage:
    """Each clip's kept pairs and items -> the dataset folder: its rows (``make_row``), then ``bundle``.

    Made from the build's sources (config name, source, its config section, in build order), ``--audio.sample-rate``
    and ``--clips-per-shard``; ``mcq``: the build made the mcq task, so every row has the ``mcq`` column.
    """

    def __init__(self, out: Path, configs: Sequence[tuple[str, Source, Any]], *, sample_rate: int,
                 clips_per_shard: int, cards_dir: Path, mcq: bool) -> None:
        self.out = out
        self.configs = list(configs)
        self.sample_rate = sample_rate
        self.clips_per_shard = clips_per_shard
        self.cards_dir = cards_dir
        self.mcq = mcq

    def rows(self, clips: Sequence[Clip], kept: Mapping[str, Sequence[QAPair]],
             items: Mapping[str, Sequence[MCQItem]] | None, audio: Mapping[str, Path | None]
             ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """config -> split -> rows, clips in build order; a clip with no pair or item kept gets no row."""
        by_name = {source.name: (config, source) for config, source, _ in self.configs}
        rows: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for clip in clips:
            pairs = sorted(kept.get(clip.clip_id, []), key=lambda p: (p.task != "fixed", p.index))
            clip_items = None if items is None else items.get(clip.clip_id, [])
            if not pairs and not clip_items:
                continue
            config, source = by_name[clip.source]
            rows[config][clip.split].append(make_row(clip, pairs, audio[clip.clip_id], source, clip_items))
        return rows

    def __call__(self, rows: Mapping[str, Mapping[str, list[dict[str, Any]]]],
                 card_context: dict[str, Any]) -> list[ConfigInfo]:
        return bundle(self.out, rows, configs=self.configs, sample_rate=self.sample_rate,
                      clips_per_shard=self.clips_per_shard, card_context=card_context, cards_dir=self.cards_dir,
                      mcq=self.mcq)


def bundle(out: Path, rows_by_config: Mapping[str, Mapping[str, list[dict[str, Any]]]], *,
           configs: Sequence[tuple[str, Source, Any]], sample_rate: int, clips_per_shard: int,
           card_context: dict[str, Any], cards_dir: Path, mcq: bool = False) -> list[ConfigInfo]:
    """Write every config/split that has rows, in ``configs`` order, plus the card; returns what was written.

    ``configs`` is the build's (config name, source, the source's config section) list; a config or split
    without rows gets no shards and no entry in the card. Atomic as a whole: the shards are written into a new
    ``data/`` folder beside the old one and the card is rendered, then the card is replaced by ``INTERRUPTED_CARD``
    (which ``load_dataset`` and musicqa's readers refuse), ``data/`` is swapped (``musicqa.atomic``) and the new
    card written. A kill or a full disk at any moment leaves the previous dataset, the new one, or a folder no
    reader takes for a dataset; the rerun bundles again from the store. ``mcq``: the rows carry the ``mcq`` column.
    """
    written: list[tuple[ConfigInfo, CardInfo]] = []
    with atomic_folder(out / "data") as data:
        for name, source, source_cfg in configs:
            rows_by_split = rows_by_config.get(name, {})
            features = features_for(source, sample_rate, mcq=mcq)
            cfg = ConfigInfo(name, extra_columns=tuple(source.features()), features_yaml=features._to_yaml_list())
            for split in split_order(source, list(rows_by_split)):
                rows = rows_by_split.get(split, [])
                if not rows:
                    continue
                info = write_split(out, name, split, rows, features, clips_per_shard, data_dir=data)
                cfg.splits.append(info)
                cfg.download_size += info.num_bytes
            if cfg.splits:
                written.append((cfg, source.card_info(source_cfg)))
        context = {
            **card_context, "configs": [c for c, _ in written], "sample_rate": sample_rate,
            "licenses": [card.license for _, card in written] or ["other"],
            "license_notes": [card.license_note for _, card in written] + [card_context["model_license_note"]],
            "source_notes": [card.card_note for _, card in written],
            "source_names": [card.title for _, card in written],
        }
        text = card_text(cards_dir, context)  # rendered before anything is replaced: a template error changes nothing
        write_atomic(out / "README.md", INTERRUPTED_CARD)  # from here until the new card: no readable dataset
    write_atomic(out / "README.md", text)
    log.info("bundled %s", json.dumps({c.name: {s.name: s.num_examples for s in c.splits} for c, _ in written}))
    return [c for c, _ in written]
