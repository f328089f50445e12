"""MusicCaps (``musiccaps-public.csv``) -> ``Clip`` records, one per 10-second YouTube segment.

Every clip keeps its YouTube id and segment (``ytid``, ``start_s``, ``end_s``): the seed renamed audio
to 000000.wav and its users could never map a QA pair back to its video. The caption is passed on
verbatim; Jinja syntax in it (``{{ 7*7 }}``) is text here, and the prompts stage renders it as text.

The CSV's ``ytid``/``start_s``/``end_s`` are parsed by ``sources.musiccaps_segments``, shared with the downloader.
"""

from __future__ import annotations

import ast
import dataclasses
import logging
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicqa.config import field
from musicqa.download.config import MusicCapsDownloadConfig
from musicqa.errors import InputError
from musicqa.records import Clip
from musicqa.sources.base import (
    BAD_VALUE,
    CONTEXT_TOO_LONG,
    EMPTY_TEXT,
    RowError,
    Source,
)
from musicqa.sources.musiccaps_segments import SEGMENT_COLUMNS, YTID, parse_segment
from musicqa.sources.table import Record, check_limits, iter_records, read_header, row_problem, show

log = logging.getLogger(__name__)

NAME = "musiccaps"
REQUIRED_COLUMNS = (*SEGMENT_COLUMNS, "aspect_list", "caption", "is_audioset_eval")

# Preference order when several files share a ytid: lossless first, then by how common the format is.
AUDIO_EXTENSIONS = ("flac", "wav", "mp3", "ogg", "opus", "m4a", "webm", "aac")
# The seed's name for an already-cut clip: [ytid]-[start-end].wav, e.g. [abc123def45]-[30-40].wav
_SEED_NAME = re.compile(r"\[([A-Za-z0-9_-]{11})\]-\[([0-9]+(?:\.[0-9]+)?)-([0-9]+(?:\.[0-9]+)?)\]\.wav")
# aspect_list is a Python literal; a cap keeps ast.parse away from pathological input (the real max is 532).
_MAX_ASPECT_CHARS = 10_000


class AudioIndex:
    """Maps a ytid to its audio file in one folder, scanned once.

    5,521 rows times eight extensions is 44,000 ``stat`` calls (or a glob each) on what is often a
    network drive; one ``scandir`` is a single listing. Only the top level of the folder is indexed.
    """

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise InputError(f"{root}: audio folder not found, expected a folder of MusicCaps audio files")
        self.root = root.resolve()
        self._plain: dict[str, tuple[int, Path]] = {}  # ytid -> (extension rank, path)
        self._seed: dict[tuple[str, float, float], Path] = {}
        with os.scandir(self.root) as entries:
            for entry in entries:
                if entry.is_file():
                    self._add(entry.name)
        log.debug("indexed %d MusicCaps audio files in %s", len(self._plain) + len(self._seed), self.root)

    def _add(self, name: str) -> None:
        stem, dot, ext = name.rpartition(".")
        ext = ext.lower()
        if dot and ext in AUDIO_EXTENSIONS and YTID.fullmatch(stem):
            rank = AUDIO_EXTENSIONS.index(ext)
            if stem not in self._plain or rank < self._plain[stem][0]:
                self._plain[stem] = (rank, self.root / name)
            return
        m = _SEED_NAME.fullmatch(name)
        if m:
            self._seed[(m[1], float(m[2]), float(m[3]))] = self.root / name

    def find(self, ytid: str, start_s: float, end_s: float) -> Path | None:
        """Return ``{ytid}.{ext}``, else the seed's ``[ytid]-[start-end].wav`` for this segment, else None.

        A seed file for another segment of the same video is not this clip, so it is not returned.
        """
        if ytid in self._plain:
            return self._plain[ytid][1]
        return self._seed.get((ytid, start_s, end_s))


def parse_aspect_list(text: str) -> tuple[str, ...] | None:
    """Return the strings of a Python list literal such as ``"['piano', 'sad']"``, or None if it is not one.

    The syntax tree is checked instead of evaluated: only a list (or tuple) of string constants passes,
    so a crafted cell can neither run code nor smuggle in other types. An empty cell is an empty list.
    """
    text = text.strip()
    if not text:
        return ()
    if len(text) > _MAX_ASPECT_CHARS:
        return None
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: NUL bytes
        return None
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    items: list[str] = []
    for elt in node.elts:
        if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
            return None
        if elt.value.strip():
            items.append(elt.value.strip())
    return tuple(items)


def _bool(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


def read_musiccaps(
    csv_path: Path,
    *,
    audio_dir: Path | None = None,
    limit: int | None = None,
    max_context_chars: int = 2000,
) -> Iterator[Clip | RowError]:
    """Return an iterator of one ``Clip`` per good row of ``musiccaps-public.csv`` and a ``RowError`` per bad one.

    The header (and ``audio_dir``) are checked now, so a missing column or folder raises ``InputError``
    before the caller starts any work; rows are read lazily. Split: ``is_audioset_eval`` True -> ``test``,
    False -> ``train``. ``audio_path`` is the file found in ``audio_dir`` (see ``AudioIndex.find``) or None;
    the audio stage decides what a missing file means. ``limit`` caps the number of Clips yielded (RowErrors
    do not count), so ``limit=20`` gives 20 clips even if a row before them was bad.
    """
    csv_path = Path(csv_path)
    check_limits(limit, max_context_chars)
    header = read_header(csv_path, ",", REQUIRED_COLUMNS, "MusicCaps")
    index = AudioIndex(Path(audio_dir)) if audio_dir is not None else None
    return _read(csv_path, header, index, limit, max_context_chars)


def _read(
    path: Path, header: list[str], index: AudioIndex | None, limit: int | None, max_chars: int
) -> Iterator[Clip | RowError]:
    col = {name: i for i, name in enumerate(header)}
    seen: dict[str, int] = {}  # ytid -> line of its first row
    skipped: Counter[str] = Counter()
    rows = clips = 0
    for rec in iter_records(path, ","):
        if limit is not None and clips >= limit:
            break
        rows += 1
        item = _parse(rec, path.name, header, col, seen, index, max_chars)
        if isinstance(item, RowError):
            skipped[item.reason] += 1
        else:
            clips += 1
        yield item
    log.info("%s: %d rows -> %d clips, skipped %s", path.name, rows, clips, dict(skipped) or "none")


def _parse(
    rec: Record,
    name: str,
    header: list[str],
    col: dict[str, int],
    seen: dict[str, int],
    index: AudioIndex | None,
    max_chars: int,
) -> Clip | RowError:
    """Validate one row; the first problem found is the one reported."""
    bad = row_problem(rec, name, header)
    if bad:
        return bad
    fields = rec.fields
    assert fields is not None
    where = f"{name}:{rec.first_line}"

    def get(column: str) -> str:
        return fields[col[column]]

    segment = parse_segment(get, where, rec.first_line, seen)
    if isinstance(segment, RowError):
        return segment
    ytid, start_s, end_s = segment
    is_eval = _bool(get("is_audioset_eval"))
    if is_eval is None:
        return RowError(
            BAD_VALUE, f"{where}: field 'is_audioset_eval' = {show(get('is_audioset_eval'))}, expected True or False"
        )
    labels = parse_aspect_list(get("aspect_list"))
    if labels is None:
        return RowError(
            BAD_VALUE, f"{where}: field 'aspect_list' = {show(get('aspect_list'))}, expected a list of strings"
        )
    caption = get("caption").strip()
    if not caption:
        return RowError(EMPTY_TEXT, f"{where}: field 'caption' = '', expected a caption")
    if len(caption) > max_chars:
        return RowError(
            CONTEXT_TOO_LONG,
            f"{where}: field 'caption' has {len(caption)} characters, expected at most {max_chars} (max_context_chars)",
        )
    return Clip(
        clip_id=f"{NAME}/{ytid}",
        source=NAME,
        source_id=ytid,
        split="test" if is_eval else "train",
        text=caption,
        audio_path=index.find(ytid, start_s, end_s) if index is not None else None,
        start_s=start_s,
        end_s=end_s,
        labels=labels,
    )


# --- the source ----------------------------------------------------------------------------------------------


@dataclass
class MusicCapsConfig:
    """Where the MusicCaps metadata and audio are (the ``[musiccaps]`` table, ``--musiccaps.*`` flags)."""

    csv: Path | None = field(None, help="musiccaps-public.csv (ytid, start_s, end_s, caption, aspect_list, ...)")
    audio_dir: Path | None = field(None, help="folder of clips named {ytid}.{flac,wav,mp3,...} or [ytid]-[s-e].wav")
    limit: int | None = field(None, help="use only the first N rows (smoke runs)")
    fetch: MusicCapsDownloadConfig = field(help="", factory=MusicCapsDownloadConfig)


class MusicCaps(Source):
    """MusicCaps: 5,521 ten-second YouTube sections, each with a musician's caption and aspect list."""

    name = NAME
    title = "MusicCaps"
    Config = MusicCapsConfig
    required = ("csv",)
    splits = ("train", "test")
    license = "cc-by-sa-4.0"
    license_note = ("MusicCaps captions and aspect lists: CC BY-SA 4.0 (Google). The audio comes from YouTube videos "
                    "and stays under its uploaders' terms.")
    card_note = ("MusicCaps: 10-second YouTube sections with a musician-written caption and aspect list; train = "
                 "`is_audioset_eval` false, test = true.")
    mullama = (("PretrainMusicQA.json", ("train", "test")),)
    labels_column = "aspect_list"
    clip_seconds = 10.0
    default_order = 0

    def prepare(self, cfg: MusicCapsConfig, *, download: bool) -> None:
        """``--download``: fetch the missing sections into ``audio_dir`` with yt-dlp first."""
        if not download:
            return
        from musicqa.download.musiccaps import download_musiccaps

        if cfg.audio_dir is None:
            raise InputError("--download needs --musiccaps.audio-dir (where the clips go)")
        fetch = cfg.fetch
        if cfg.limit is not None and fetch.limit is None:
            fetch = dataclasses.replace(fetch, limit=cfg.limit)
        summary = download_musiccaps(cfg.csv, cfg.audio_dir, fetch)
        log.info("download: %s", summary.line())

    def read(self, cfg: MusicCapsConfig, *, max_context_chars: int) -> Iterator[Clip | RowError]:
        return read_musiccaps(cfg.csv, audio_dir=cfg.audio_dir, limit=cfg.limit, max_context_chars=max_context_chars)

    def features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"ytid": Value("string"), "start_s": Value("float32"), "end_s": Value("float32"),
                "caption": Value("string"), "aspect_list": List(Value("string")), "is_audioset_eval": Value("bool")}

    def columns(self, clip: Clip) -> dict[str, Any]:
        return {"ytid": clip.source_id, "start_s": clip.start_s, "end_s": clip.end_s, "caption": clip.text,
                "aspect_list": list(clip.labels), "is_audioset_eval": clip.split == "test"}

    def expected_duration(self, clip: Clip) -> float | None:
        """A MusicCaps file is the start_s..end_s section itself, so it must last that long."""
        return clip.end_s - clip.start_s if clip.end_s is not None else None


SOURCE = MusicCaps()
