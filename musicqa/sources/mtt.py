"""MagnaTagATune (``annotations_final.csv`` [+ ``clip_info_final.csv``]) -> ``Clip`` records.

``annotations_final.csv`` is tab-separated with every field double-quoted: ``clip_id``, 188 tag columns of
0/1, ``mp3_path``. A clip's text is its positive tags after ``TAG_SYNONYMS`` merges MTT's typos and
duplicates, sorted and joined with ", ". Clips with fewer than ``min_tags`` tags are skipped (MU-LLaMA kept
clips with at least 5). The standard split comes from the first folder of ``mp3_path``: 0-b train,
c validation, d-f test.

``mp3_path`` comes from a file and becomes a path we open, so it is validated as text (no ``..``, no
absolute path, no backslash) and, when ``audio_dir`` is given, resolved and checked to stay inside it,
which also stops a symlink in the audio folder from pointing elsewhere.
"""

from __future__ import annotations

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
    BAD_CLIP_INFO,
    BAD_ID,
    BAD_VALUE,
    CONTEXT_TOO_LONG,
    DUPLICATE_ID,
    EMPTY_TAGS,
    MALFORMED_ROW,
    PATH_ESCAPE,
    TOO_FEW_TAGS,
    RowError,
    Source,
)
from musicqa.sources.mtt_tags import MTT_TAGS, TAG_SYNONYMS, canonical_tag
from musicqa.sources.table import (
    Record,
    check_limits,
    iter_records,
    read_header,
    show,
    structure_error,
    undecodable_field,
)

log = logging.getLogger(__name__)

__all__ = ["MTT_TAGS", "SPLIT_BY_FOLDER", "TAG_SYNONYMS", "MagnaTagATune", "MttConfig", "MttMeta", "canonical_tag",
           "check_mp3_path", "read_mtt"]

NAME = "magnatagatune"
ID_COLUMN = "clip_id"
PATH_COLUMN = "mp3_path"
CLIP_INFO_COLUMNS = ("clip_id", "title", "artist")  # the ones we use; the real file has 10

# Folder (first component of mp3_path) -> split. The standard MTT split used since Dieleman & Schrauwen
# (2014): 12 folders train, 1 validation, 3 test.
SPLIT_BY_FOLDER: dict[str, str] = (
    dict.fromkeys("0123456789ab", "train") | {"c": "validation"} | dict.fromkeys("def", "test")
)

_CLIP_ID = re.compile(r"[0-9]+")
_DRIVE = re.compile(r"[A-Za-z]:")


def check_mp3_path(raw: str) -> tuple[str, str] | None:
    """Return ``(reason, expected)`` if ``raw`` is not a clean relative path under a split folder, else None.

    Checked as text, before touching the file system, so the same rules hold with or without ``audio_dir``.
    """
    if not raw:
        return BAD_VALUE, "a relative path such as 'f/name.mp3'"
    if "\\" in raw:
        return PATH_ESCAPE, "'/' as the separator, found a backslash"
    if raw.startswith("/") or _DRIVE.match(raw):
        return PATH_ESCAPE, "a relative path, found an absolute one"
    parts = raw.split("/")
    if ".." in parts:
        return PATH_ESCAPE, "a path inside the audio folder, found a '..' component"
    if "\0" in raw or "" in parts or "." in parts or len(parts) < 2:
        return BAD_VALUE, "a relative path such as 'f/name.mp3' (no empty or '.' components)"
    if parts[0] not in SPLIT_BY_FOLDER:
        return BAD_VALUE, "a path under one of the folders 0-9, a-f"
    return None


def read_mtt(
    annotations_path: Path,
    *,
    audio_dir: Path | None = None,
    clip_info_path: Path | None = None,
    min_tags: int = 5,
    limit: int | None = None,
    max_context_chars: int = 2000,
) -> Iterator[Clip | RowError]:
    """Return an iterator of one ``Clip`` per usable row of ``annotations_final.csv`` and a ``RowError`` per other row.

    Both headers (and ``audio_dir``) are checked now, so a missing column or folder raises ``InputError``
    before the caller starts any work; rows are read lazily. ``clip_info_path`` adds title and artist: its
    bad rows come first as ``source_bad_clip_info`` errors and their clips are kept without title/artist.
    ``min_tags`` counts tags after merging synonyms (a clip tagged "no voice" and "no vocals" has one).
    ``audio_path`` is ``audio_dir / mp3_path`` resolved if it is a file, else None. ``start_s`` is 0 and
    ``end_s`` None: an MTT mp3 is already the ~29 s clip. ``limit`` caps the number of Clips yielded.
    """
    annotations_path = Path(annotations_path)
    check_limits(limit, max_context_chars, min_tags)
    header = read_header(annotations_path, "\t", (ID_COLUMN, PATH_COLUMN), "MagnaTagATune annotations")
    tag_columns = [name for name in header if name not in (ID_COLUMN, PATH_COLUMN)]
    if not tag_columns:
        raise InputError(f"{annotations_path}:1: no tag columns, expected clip_id, 0/1 tag columns, mp3_path")
    if tuple(tag_columns) != MTT_TAGS:
        log.info("%s: %d tag columns, not MTT's standard 188 in order", annotations_path.name, len(tag_columns))
    root = None
    if audio_dir is not None:
        if not Path(audio_dir).is_dir():
            raise InputError(f"{audio_dir}: audio folder not found, expected the MagnaTagATune mp3 root (0/ ... f/)")
        root = Path(audio_dir).resolve()
    info_header = None
    if clip_info_path is not None:
        clip_info_path = Path(clip_info_path)
        info_header = read_header(clip_info_path, "\t", CLIP_INFO_COLUMNS, "MagnaTagATune clip_info")
    return _read(annotations_path, header, root, clip_info_path, info_header, min_tags, limit, max_context_chars)


def _read_clip_info(path: Path, header: list[str]) -> Iterator[tuple[str, str, str] | RowError]:
    """Yield ``(clip_id, title, artist)`` per good row of clip_info_final.csv and a RowError per bad one.

    Title and artist are display metadata, never ids or paths, so bytes that are not UTF-8 are replaced
    (U+FFFD) instead of costing the clip its row.
    """
    col = {name: i for i, name in enumerate(header)}
    seen: set[str] = set()
    for rec in iter_records(path, "\t"):
        bad = structure_error(rec, path.name, len(header))
        if bad:
            yield RowError(BAD_CLIP_INFO, bad.message, warning=True)
            continue
        assert rec.fields is not None
        fields = [v.encode("utf-8", "surrogateescape").decode("utf-8", "replace").strip() for v in rec.fields]
        clip_id = fields[col["clip_id"]]
        where = f"{path.name}:{rec.first_line}"
        if not _CLIP_ID.fullmatch(clip_id):
            yield RowError(BAD_CLIP_INFO, f"{where}: field 'clip_id' = {show(clip_id)}, expected a number",
                           warning=True)
        elif clip_id in seen:
            yield RowError(BAD_CLIP_INFO, f"{where}: field 'clip_id' = {show(clip_id)}, expected a unique id",
                           warning=True)
        else:
            seen.add(clip_id)
            yield clip_id, fields[col["title"]], fields[col["artist"]]


def _read(
    path: Path,
    header: list[str],
    root: Path | None,
    info_path: Path | None,
    info_header: list[str] | None,
    min_tags: int,
    limit: int | None,
    max_chars: int,
) -> Iterator[Clip | RowError]:
    skipped: Counter[str] = Counter()
    info: dict[str, tuple[str, str]] = {}
    if info_path is not None and info_header is not None:
        for item in _read_clip_info(info_path, info_header):
            if isinstance(item, RowError):
                skipped[item.reason] += 1
                yield item
            else:
                info[item[0]] = (item[1], item[2])
    parser = _RowParser(path.name, header, root, info, min_tags, max_chars)
    rows = clips = 0
    for rec in iter_records(path, "\t"):
        if limit is not None and clips >= limit:
            break
        rows += 1
        item = parser(rec)
        if isinstance(item, RowError):
            skipped[item.reason] += 1
        else:
            clips += 1
        yield item
    log.info("%s: %d rows -> %d clips, skipped %s", path.name, rows, clips, dict(skipped) or "none")


class _RowParser:
    """Validates annotation rows; holds what one file's rows share (column map, seen ids, clip_info)."""

    def __init__(
        self,
        name: str,
        header: list[str],
        root: Path | None,
        info: dict[str, tuple[str, str]],
        min_tags: int,
        max_chars: int,
    ) -> None:
        self.name = name
        self.header = header
        self.root = root
        self.info = info
        self.min_tags = min_tags
        self.max_chars = max_chars
        self.id_index = header.index(ID_COLUMN)
        self.path_index = header.index(PATH_COLUMN)
        # (column index, column name, canonical tag) for every tag column, computed once per file
        self.tags = [(i, h, canonical_tag(h)) for i, h in enumerate(header) if h not in (ID_COLUMN, PATH_COLUMN)]
        self.seen: dict[str, int] = {}

    def __call__(self, rec: Record) -> Clip | RowError:
        """Return the row's Clip or the first problem found in it."""
        bad = structure_error(rec, self.name, len(self.header))
        if bad:
            return bad
        fields = rec.fields
        assert fields is not None
        where = f"{self.name}:{rec.first_line}"
        column = undecodable_field(fields, self.header)
        if column:
            return RowError(MALFORMED_ROW, f"{where}: field {column!r} is not valid UTF-8, expected UTF-8 text")

        clip_id = fields[self.id_index].strip()
        if not _CLIP_ID.fullmatch(clip_id):
            return RowError(BAD_ID, f"{where}: field 'clip_id' = {show(clip_id)}, expected a number")
        if clip_id in self.seen:
            return RowError(
                DUPLICATE_ID,
                f"{where}: field 'clip_id' = {show(clip_id)}, expected a unique id (first on line "
                f"{self.seen[clip_id]})",
            )
        self.seen[clip_id] = rec.first_line

        tags: set[str] = set()
        for i, column, tag in self.tags:
            value = fields[i].strip()
            if value == "1":
                tags.add(tag)
            elif value != "0":
                return RowError(BAD_VALUE, f"{where}: field {column!r} = {show(value)}, expected 0 or 1")

        mp3_path = fields[self.path_index].strip()
        problem = check_mp3_path(mp3_path)
        if problem:
            return RowError(problem[0], f"{where}: field 'mp3_path' = {show(mp3_path)}, expected {problem[1]}")
        audio_path = None
        if self.root is not None:
            try:
                target = (self.root / mp3_path).resolve()
            except (OSError, RuntimeError) as err:  # a symlink loop: RuntimeError before 3.13, OSError after
                return RowError(BAD_VALUE, f"{where}: field 'mp3_path' = {show(mp3_path)} cannot be resolved ({err})")
            if not target.is_relative_to(self.root):
                return RowError(
                    PATH_ESCAPE,
                    f"{where}: field 'mp3_path' = {show(mp3_path)} resolves outside the audio folder, expected a file "
                    "inside it (a symlink?)",
                )
            audio_path = target if target.is_file() else None

        if not tags:
            return RowError(EMPTY_TAGS, f"{where}: clip {clip_id} has no tags (every tag column is 0), expected some")
        if len(tags) < self.min_tags:
            return RowError(
                TOO_FEW_TAGS,
                f"{where}: clip {clip_id} has {len(tags)} tags after merging synonyms, min_tags is {self.min_tags}; "
                "skipped",
                routine=True,
            )
        labels = tuple(sorted(tags))  # a fixed order, so the same clip always gives the same prompt
        text = ", ".join(labels)
        if len(text) > self.max_chars:
            return RowError(
                CONTEXT_TOO_LONG,
                f"{where}: clip {clip_id} tags have {len(text)} characters, expected at most {self.max_chars} "
                "(max_context_chars)",
            )
        title, artist = self.info.get(clip_id, ("", ""))
        return Clip(
            clip_id=f"{NAME}/{clip_id}",
            source=NAME,
            source_id=clip_id,
            split=SPLIT_BY_FOLDER[mp3_path.split("/", 1)[0]],
            text=text,
            audio_path=audio_path,
            start_s=0.0,
            end_s=None,
            labels=labels,
            meta=MttMeta(mp3_path=mp3_path, title=title, artist=artist),
        )


# --- the source ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MttMeta:
    """What an MTT clip has beyond a Clip: its file as annotated, and title/artist from clip_info_final.csv."""

    mp3_path: str  # as written in annotations_final.csv, e.g. "f/american_bach_soloists-...-30-59.mp3"
    title: str = ""
    artist: str = ""


@dataclass
class MttConfig:
    """Where the MagnaTagATune annotations and mp3s are (the ``[magnatagatune]`` table)."""

    annotations: Path | None = field(None, help="annotations_final.csv (tab-separated, quoted)")
    clip_info: Path | None = field(None, help="optional clip_info_final.csv (adds title/artist)")
    audio_dir: Path | None = field(None, help="MTT audio root holding the 0-9,a-f folders of mp3_path")
    min_tags: int = field(5, help="keep clips with at least this many tags (the paper used 5)")
    limit: int | None = field(None, help="use only the first N rows (smoke runs)")


class MagnaTagATune(Source):
    """MagnaTagATune: ~29-second Magnatune clips with listener tags."""

    name = NAME
    title = "MagnaTagATune"
    Config = MttConfig
    Meta = MttMeta
    required = ("annotations",)
    splits = ("train", "validation", "test")
    license = "cc-by-nc-sa-3.0"
    license_note = "MagnaTagATune annotations and audio: CC BY-NC-SA 3.0 (Magnatune / TagATune): non-commercial."
    card_note = ("MagnaTagATune: ~29-second Magnatune clips with listener tags (typos and synonyms merged, "
                 "clips with too few tags skipped); folders 0-b train, c validation, d-f test.")
    # The seed finetuned on every MTT clip with >= 5 tags (MU-LLaMA's generate_dataset.py); its EvalMusicQA.json
    # is MTG-Jamendo's (sources/mtg_jamendo.py)
    mullama = (("FinetuneMusicQA.json", ("train", "validation", "test")),)
    labels_column = "tags"
    clip_seconds = 29.0
    default_order = 1

    def read(self, cfg: MttConfig, *, max_context_chars: int) -> Iterator[Clip | RowError]:
        return read_mtt(cfg.annotations, audio_dir=cfg.audio_dir, clip_info_path=cfg.clip_info,
                        min_tags=cfg.min_tags, limit=cfg.limit, max_context_chars=max_context_chars)

    def features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"mp3_path": Value("string"), "tags": List(Value("string")), "title": Value("string"),
                "artist": Value("string")}

    def columns(self, clip: Clip) -> dict[str, Any]:
        meta = clip.meta or MttMeta("")
        return {"mp3_path": meta.mp3_path, "tags": list(clip.labels), "title": meta.title, "artist": meta.artist}


SOURCE = MagnaTagATune()
