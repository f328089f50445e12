"""Your own music: a CSV/TSV or JSON-lines table of captions or tags beside a folder of audio -> ``Clip`` records.

One row per clip, with an id, an audio path relative to ``audio_dir`` and the text the QA pairs are generated from
(``text_kind`` "caption", or "tags" as a JSON list or a delimited string); the field names are options, so a table
made for another tool needs no renaming. The dataset config is named by ``name`` (``load_dataset(OUT, name)``),
its license by ``license``. Ids become file names and paths become files we open, so both are checked (no ``..``,
nothing outside ``audio_dir``), and every bad row is one line naming ``file:line`` and the field.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicqa.config import field
from musicqa.errors import InputError
from musicqa.records import Clip
from musicqa.sources.base import (
    BAD_ID,
    BAD_VALUE,
    CONTEXT_TOO_LONG,
    DUPLICATE_ID,
    EMPTY_TAGS,
    EMPTY_TEXT,
    MALFORMED_ROW,
    TOO_FEW_TAGS,
    CardInfo,
    RowError,
    Source,
)
from musicqa.sources.paths import audio_root, locate
from musicqa.sources.table import check_limits, iter_records, read_header, row_problem, show

log = logging.getLogger(__name__)

NAME = "custom"
TEXT_KINDS = ("caption", "tags")
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".jsonl": None, ".ndjson": None}

# An id becomes a file name (work/audio/custom/<id>.flac, the export's <id>.wav) and part of clip_id.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_CONFIG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_SPLIT = re.compile(r"[A-Za-z0-9_]+")  # a Hugging Face split name


@dataclass(frozen=True, slots=True)
class CustomMeta:
    """What a row has beyond a Clip: its audio path as written."""

    file: str


@dataclass
class CustomConfig:
    """Your own table and audio (the ``[custom]`` table, ``--custom.*`` flags)."""

    path: Path | None = field(None, help="your table: .csv, .tsv, or .jsonl (one JSON object per line)")
    audio_dir: Path | None = field(None, help="folder the audio paths in the table are relative to")
    id_field: str = field("id", help="column holding each clip's unique id (letters, digits, . _ -)")
    audio_field: str = field("audio", help="column holding the audio file's path inside --custom.audio-dir")
    text_field: str = field("text", help="column holding the caption or the tags")
    text_kind: str = field("caption", help="what the text is: caption (prose) or tags (a JSON list or a delimited "
                                           "string); picks the custom_<kind>_<task>.jinja templates")
    tag_separator: str = field(",", help="separator of tags given as one string")
    min_tags: int = field(1, help="with text_kind tags: skip clips with fewer distinct tags")
    split_field: str | None = field(None, help="column naming each row's split (train, validation, test, ...); "
                                               "unset: every row in --custom.split")
    split: str = field("train", help="the split of every row when --custom.split-field is not set")
    name: str = field("custom", help="the dataset config the clips go to: load_dataset(OUT, name)")
    title: str = field("", help="the data's name in the card; empty: the config name")
    license: str = field("other", help="the data's license id for the card (Hugging Face's list, e.g. cc-by-4.0)")
    excerpt_s: float | None = field(None, help="seconds of audio kept per clip; unset: the whole file")
    excerpt_offset_s: float = field(0.0, help="where the excerpt starts, in seconds")
    limit: int | None = field(None, help="use only the first N rows (smoke runs)")

    def __post_init__(self) -> None:
        if self.text_kind not in TEXT_KINDS:
            raise ValueError(f"--custom.text-kind: {self.text_kind!r} invalid, expected one of {', '.join(TEXT_KINDS)}")
        if not _CONFIG_NAME.fullmatch(self.name):
            raise ValueError(f"--custom.name: {self.name!r} invalid, expected a letter then letters, digits, _ or - "
                             "(it names a folder and a dataset config)")
        if not _SPLIT.fullmatch(self.split):
            raise ValueError(f"--custom.split: {self.split!r} invalid, expected letters, digits or _")
        if not self.tag_separator:
            raise ValueError("--custom.tag-separator must not be empty")
        if self.excerpt_s is not None and self.excerpt_s <= 0:
            raise ValueError(f"--custom.excerpt-s must be > 0 seconds or unset, got {self.excerpt_s}")
        if self.excerpt_offset_s < 0:
            raise ValueError(f"--custom.excerpt-offset-s must be >= 0, got {self.excerpt_offset_s}")
        if self.min_tags < 0:
            raise ValueError(f"--custom.min-tags must be >= 0, got {self.min_tags}")


def read_custom(cfg: CustomConfig, *, max_context_chars: int = 2000) -> Iterator[Clip | RowError]:
    """Return an iterator of one ``Clip`` per usable row of ``cfg.path`` and a ``RowError`` per other row.

    The table's kind (by suffix), its header (CSV/TSV) and ``audio_dir`` are checked now, so a wrong file stops the
    build before any work; rows are read lazily.
    """
    path = Path(cfg.path)
    check_limits(cfg.limit, max_context_chars, cfg.min_tags)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(f"{path}: unknown table type {suffix or '(no suffix)'!r}, expected one of "
                         f"{', '.join(TABLE_SUFFIXES)}")
    wanted = [cfg.id_field, cfg.audio_field, cfg.text_field, *([cfg.split_field] if cfg.split_field else [])]
    delimiter = TABLE_SUFFIXES[suffix]
    if delimiter is not None:
        header = read_header(path, delimiter, wanted, "your clips")
        rows = _table_rows(path, delimiter, header)
    else:
        if not path.is_file():
            raise InputError(f"{path}: file not found, expected a JSON-lines table of your clips")
        _check_jsonl_fields(path, cfg)
        rows = _jsonl_rows(path, wanted)
    root = audio_root(cfg.audio_dir, "the folder of your audio files")
    return _read(path, rows, cfg, root, max_context_chars)


def _check_jsonl_fields(path: Path, cfg: CustomConfig) -> None:
    """Stop now if no row of the JSON-lines table has a field the options name, as a CSV header check does.

    Reads until every named field has been seen (the first row, in a good file); only a file that lacks one is read
    to the end. Otherwise each row would be skipped one by one and the build would make nothing from the file.
    """
    flags = {cfg.id_field: "id", cfg.audio_field: "audio", cfg.text_field: "text",
             **({cfg.split_field: "split"} if cfg.split_field else {})}
    unseen, keys = set(flags), {}
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                keys.update(dict.fromkeys(row))
                unseen -= row.keys()
                if not unseen:
                    return
    if not keys:
        return  # no object at all: each line's own error says why
    missing = next(name for name in flags if name in unseen)
    spare = [k for k in keys if k not in flags]
    hint = f": pass --custom.{flags[missing]}-field {spare[0]}" if len(spare) == 1 else \
        f": pass --custom.{flags[missing]}-field with the right one"
    raise InputError(f"{path}: field {missing!r} missing in every row; the file has {', '.join(keys)}{hint}")


def _table_rows(path: Path, delimiter: str, header: list[str]) -> Iterator[tuple[str, dict[str, Any] | RowError]]:
    """(file:line, the row by column) per CSV/TSV row, or its structural problem."""
    for rec in iter_records(path, delimiter):
        where = f"{path.name}:{rec.first_line}"
        bad = row_problem(rec, path.name, header)
        if bad:
            yield where, bad
            continue
        assert rec.fields is not None
        yield where, dict(zip(header, rec.fields))


def _jsonl_rows(path: Path, wanted: list[str]) -> Iterator[tuple[str, dict[str, Any] | RowError]]:
    """(file:line, the object) per non-blank line, or why the line is not a usable JSON object."""
    with path.open(encoding="utf-8", errors="surrogateescape") as f:
        for n, line in enumerate(f, 1):
            where = f"{path.name}:{n}"
            if not line.strip():
                continue
            try:
                line.encode("utf-8")  # bytes that are not UTF-8 came in as surrogates
            except UnicodeEncodeError:
                yield where, RowError(MALFORMED_ROW, f"{where}: line is not valid UTF-8, expected UTF-8 JSON")
                continue
            try:
                row = json.loads(line.rstrip("\r\n"))  # so a column is counted on the line itself
            except json.JSONDecodeError as err:
                yield where, RowError(MALFORMED_ROW, f"{where}: not valid JSON at column {err.colno} ({err.msg}), "
                                                     "expected one object per line")
                continue
            if not isinstance(row, dict):
                yield where, RowError(MALFORMED_ROW, f"{where}: a JSON {type(row).__name__}, expected an object")
                continue
            missing = [k for k in wanted if k not in row]
            if missing:
                yield where, RowError(MALFORMED_ROW, f"{where}: field {missing[0]!r} missing, expected the fields "
                                                     f"{', '.join(wanted)}")
                continue
            yield where, row


def _read(path: Path, rows: Iterator[tuple[str, dict[str, Any] | RowError]], cfg: CustomConfig, root: Path | None,
          max_chars: int) -> Iterator[Clip | RowError]:
    skipped: Counter[str] = Counter()
    seen: dict[str, str] = {}
    n_rows = clips = 0
    for where, row in rows:
        if cfg.limit is not None and clips >= cfg.limit:
            break
        n_rows += 1
        items = [row] if isinstance(row, RowError) else _parse(where, row, cfg, root, seen, max_chars)
        for item in items:
            if isinstance(item, Clip):
                clips += 1
            elif not item.warning:
                skipped[item.reason] += 1
            yield item
    log.info("%s: %d rows -> %d clips, skipped %s", path.name, n_rows, clips, dict(skipped) or "none")


def _text(value: Any) -> str | None:
    """A cell as text: strings as they are, JSON numbers as written; None for anything else."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _parse(where: str, row: dict[str, Any], cfg: CustomConfig, root: Path | None, seen: dict[str, str],
           max_chars: int) -> list[Clip | RowError]:
    """The row's Clip (after a warning if its audio is missing), or its first problem."""
    clip_id = _text(row[cfg.id_field])
    if clip_id is None or not _ID.fullmatch(clip_id):
        return [RowError(BAD_ID, f"{where}: field {cfg.id_field!r} = {show(str(row[cfg.id_field]))}, expected an id "
                                 "of letters, digits, . _ - (it names the clip's files)")]
    if clip_id in seen:
        return [RowError(DUPLICATE_ID, f"{where}: field {cfg.id_field!r} = {show(clip_id)}, expected a unique id "
                                       f"(first at {seen[clip_id]})")]
    seen[clip_id] = where
    split = cfg.split
    if cfg.split_field:
        split = _text(row[cfg.split_field]) or ""
        if not _SPLIT.fullmatch(split):
            return [RowError(BAD_VALUE, f"{where}: field {cfg.split_field!r} = {show(split)}, expected a split name "
                                        "such as train, validation or test")]
    labels: tuple[str, ...] = ()
    raw = row[cfg.text_field]
    if cfg.text_kind == "tags":
        items = raw.split(cfg.tag_separator) if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
            return [RowError(BAD_VALUE, f"{where}: field {cfg.text_field!r} = {show(str(raw))}, expected a list of "
                                        f"strings or one string of tags separated by {cfg.tag_separator!r}")]
        labels = tuple(dict.fromkeys(t.strip() for t in items if t.strip()))
        if not labels:
            return [RowError(EMPTY_TAGS, f"{where}: field {cfg.text_field!r} has no tags, expected some")]
        if len(labels) < cfg.min_tags:
            return [RowError(TOO_FEW_TAGS, f"{where}: clip {clip_id} has {len(labels)} tags, min_tags is "
                                           f"{cfg.min_tags}; skipped", routine=True)]
        text = ", ".join(labels)
    else:
        caption = _text(raw)
        if caption is None:
            return [RowError(BAD_VALUE, f"{where}: field {cfg.text_field!r} = {show(str(raw))}, expected a caption")]
        if not caption:
            return [RowError(EMPTY_TEXT, f"{where}: field {cfg.text_field!r} = '', expected a caption")]
        text = caption
    if len(text) > max_chars:
        return [RowError(CONTEXT_TOO_LONG, f"{where}: field {cfg.text_field!r} has {len(text)} characters, expected "
                                           f"at most {max_chars} (max_context_chars)")]
    file = row[cfg.audio_field]
    if not isinstance(file, str):
        return [RowError(BAD_VALUE, f"{where}: field {cfg.audio_field!r} = {show(str(file))}, expected a path")]
    audio, problem = locate(root, file.strip(), where, cfg.audio_field)
    if problem and not problem.warning:
        return [problem]
    start = cfg.excerpt_offset_s if cfg.excerpt_s is not None else 0.0
    end = start + cfg.excerpt_s if cfg.excerpt_s is not None else None
    clip = Clip(clip_id=f"{cfg.name}/{clip_id}", source=NAME, source_id=clip_id, split=split, text=text,
                audio_path=audio, start_s=start, end_s=end, labels=labels, meta=CustomMeta(file.strip()))
    return [problem, clip] if problem else [clip]


# --- the source ----------------------------------------------------------------------------------------------


class Custom(Source):
    """Your own clips: any table of captions or tags and a folder of audio files."""

    name = NAME
    title = "your own clips"
    Config = CustomConfig
    Meta = CustomMeta
    required = ("path", "audio_dir")
    splits = ("train", "validation", "test")
    # MU-LLaMA trains on FinetuneMusicQA.json and evaluates on EvalMusicQA.json
    mullama = (("FinetuneMusicQA.json", ("train", "validation")), ("EvalMusicQA.json", ("test",)))
    labels_column = "tags"

    def config_name(self, cfg: CustomConfig) -> str:
        return cfg.name

    def card_info(self, cfg: CustomConfig) -> CardInfo:
        title = cfg.title or cfg.name
        table = Path(cfg.path).name if cfg.path is not None else "a table"
        splits = f"splits from its {cfg.split_field!r} column" if cfg.split_field else f"all in {cfg.split}"
        audio = "whole files" if cfg.excerpt_s is None else f"{cfg.excerpt_s:g} s from {cfg.excerpt_offset_s:g} s"
        return CardInfo(title, cfg.license, f"{title}: license `{cfg.license}`, as declared by whoever built this "
                                            "dataset; the audio stays under its own terms.",
                        f"{title} (config `{cfg.name}`): {cfg.text_kind}s from `{table}`, {splits}; audio: {audio}.")

    def template(self, cfg: CustomConfig, task: str) -> str:
        return f"{NAME}_{cfg.text_kind}_{task}.jinja"

    def read(self, cfg: CustomConfig, *, max_context_chars: int) -> Iterator[Clip | RowError]:
        return read_custom(cfg, max_context_chars=max_context_chars)

    def features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"file": Value("string"), "tags": List(Value("string"))}

    def columns(self, clip: Clip) -> dict[str, Any]:
        return {"file": clip.meta.file, "tags": list(clip.labels)}

    def prompt_variables(self, clip: Clip) -> dict[str, Any]:
        return {}  # the text (caption or tags) is all a template gets; a file name would only mislead the LLM

    def audio_section(self, clip: Clip) -> tuple[float, float] | None:
        return (clip.start_s, clip.end_s) if clip.end_s is not None else None


SOURCE = Custom()
