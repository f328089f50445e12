"""Song Describer (``song_describer.csv``) -> ``Clip`` records, one per track with all its captions.

The CSV (Zenodo record 10072001, written by pandas) has ``caption_id, track_id, caption, is_valid_subset,
familiarity, artist_id, album_id, path, duration``: one row per caption, sorted by track, ids as plain integers
(``1004034``, not MTG-Jamendo's ``track_1004034``), ``is_valid_subset`` ``True``/``False``/empty (rejected or
never reviewed), captions quoted when they hold a comma, a quote or a newline. ``path`` and ``duration`` are the
MTG-Jamendo track's (``34/1004034.mp3``, its full length), but the released audio is the first two minutes of it,
``audio/34/1004034.2min.mp3``; both names are looked for, and the clip is the first 120 s either way, because that
is what the captions describe.

**One row per track, not per caption.** A QA dataset's unit is the audio: one row per caption would store the same
two minutes several times and generate near-duplicate pairs about it (which the duplicate filter would then drop
at random). The captions of a track are independent listeners' notes on the same music, so the prompt gets all of
them and the pairs can rest on what they say together; ``captions``, ``caption_ids`` and ``is_valid_subset`` keep
each one in the dataset.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from musicqa.config import field
from musicqa.records import Clip
from musicqa.sources.base import (
    BAD_ID,
    BAD_VALUE,
    CONTEXT_TOO_LONG,
    DUPLICATE_ID,
    EMPTY_TEXT,
    CardInfo,
    RowError,
    Source,
)
from musicqa.sources.paths import audio_root, check_relative, locate, with_suffix
from musicqa.sources.table import (
    Record,
    check_limits,
    iter_records,
    read_header,
    row_problem,
    show,
)

log = logging.getLogger(__name__)

NAME = "song_describer"
COLUMNS = ("caption_id", "track_id", "caption", "is_valid_subset", "familiarity", "artist_id", "album_id", "path",
           "duration")
EXCERPT_S = 120.0  # the released audio: "segment duration up to 2 minutes, trimmed from the beginning"
NOT_VALIDATED = "source_caption_not_validated"  # a normal skip with valid_only: not in the curated subset
TRACK_FIELDS = ("artist_id", "album_id", "path", "duration")  # the same on every row of one track

_INT = re.compile(r"[0-9]+")
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_FAMILIARITY = re.compile(r"-?[0-9]+(?:\.0)?")  # pandas writes an int column with a gap as floats: "2.0"


@dataclass(frozen=True, slots=True)
class SongDescriberMeta:
    """A track's MTG-Jamendo ids and path, and its captions in caption_id order."""

    artist_id: int
    album_id: int
    path: str  # as in the CSV: the MTG-Jamendo path of the full track, e.g. "34/1004034.mp3"
    duration_s: float  # the full track's length; the clip is its first min(120 s, duration_s)
    captions: tuple[str, ...]
    caption_ids: tuple[int, ...]
    is_valid_subset: tuple[bool | None, ...]  # None: the caption was never reviewed
    familiarity: tuple[int | None, ...]


@dataclass
class SongDescriberConfig:
    """Where the Song Describer CSV and audio are (the ``[song_describer]`` table)."""

    csv: Path | None = field(None, help="song_describer.csv (caption_id, track_id, caption, is_valid_subset, ...)")
    audio_dir: Path | None = field(None, help="folder holding NN/ID.2min.mp3 (the released audio/ folder) or the "
                                              "MTG-Jamendo NN/ID.mp3 tracks")
    valid_only: bool = field(True, help="use only the captions of the curated subset (is_valid_subset True: 746 of "
                                        "1,106); --no-song-describer.valid-only uses every caption")
    limit: int | None = field(None, help="use only the first N tracks (smoke runs)")


def _bool(text: str) -> tuple[bool | None] | None:
    """``(True,)``, ``(False,)``, ``(None,)`` for an empty cell, or None when the cell is none of these."""
    return {"true": (True,), "false": (False,), "": (None,)}.get(text.lower())


def read_song_describer(csv_path: Path, *, audio_dir: Path | None = None, valid_only: bool = True,
                        limit: int | None = None, max_context_chars: int = 2000) -> Iterator[Clip | RowError]:
    """Return an iterator of a RowError per bad caption row, then one ``Clip`` per track with a usable caption.

    The header and ``audio_dir`` are checked now (InputError before any work). All rows are read before the first
    clip, since a track's captions must be complete (1,106 rows: nothing to stream). A track's clip comes in the
    order of its first row; its problems (path, audio, length) are reported at that row.
    """
    csv_path = Path(csv_path)
    check_limits(limit, max_context_chars)
    header = read_header(csv_path, ",", COLUMNS, "Song Describer")
    root = audio_root(audio_dir, "the Song Describer audio folder (00/ ... 99/)")
    return _read(csv_path, header, root, valid_only, limit, max_context_chars)


@dataclass
class _Track:
    line: int  # the editor line of its first row
    values: dict[str, str]  # its TRACK_FIELDS as first written
    captions: list[tuple[int, str, bool | None, int | None]]


def _read(path: Path, header: list[str], root: Path | None, valid_only: bool, limit: int | None,
          max_chars: int) -> Iterator[Clip | RowError]:
    skipped: Counter[str] = Counter()
    tracks: dict[str, _Track] = {}
    seen: dict[int, int] = {}
    rows = 0
    for rec in iter_records(path, ","):
        rows += 1
        bad = _row(rec, path.name, header, tracks, seen, valid_only)
        if bad is not None:
            skipped[bad.reason] += 1
            yield bad
    clips = 0
    for track_id, track in tracks.items():
        if limit is not None and clips >= limit:
            break
        if not track.captions:
            continue  # every caption was skipped, each with its own reason
        for item in _clip(path.name, track_id, track, root, max_chars):
            if isinstance(item, Clip):
                clips += 1
            elif not item.warning:
                skipped[item.reason] += 1
            yield item
    log.info("%s: %d caption rows -> %d tracks; skipped %s", path.name, rows, clips, dict(skipped) or "none")


def _row(rec: Record, name: str, header: list[str], tracks: dict[str, _Track], seen: dict[int, int],
         valid_only: bool) -> RowError | None:
    """Check one caption row and add it to its track; the row's first problem, if any."""
    where = f"{name}:{rec.first_line}"
    bad = row_problem(rec, name, header)
    if bad:
        return bad
    assert rec.fields is not None
    value = {h: v.strip() for h, v in zip(header, rec.fields)}
    for id_field in ("caption_id", "track_id"):
        if not _INT.fullmatch(value[id_field]):
            return RowError(BAD_ID, f"{where}: field {id_field!r} = {show(value[id_field])}, expected a number")
    caption_id = int(value["caption_id"])
    if caption_id in seen:
        return RowError(DUPLICATE_ID, f"{where}: field 'caption_id' = {show(value['caption_id'])}, expected a unique "
                                      f"id (first on line {seen[caption_id]})")
    seen[caption_id] = rec.first_line
    valid = _bool(value["is_valid_subset"])
    if valid is None:
        return RowError(BAD_VALUE, f"{where}: field 'is_valid_subset' = {show(value['is_valid_subset'])}, expected "
                                   "True, False or empty")
    familiarity = value["familiarity"]
    if familiarity and not _FAMILIARITY.fullmatch(familiarity):
        return RowError(BAD_VALUE, f"{where}: field 'familiarity' = {show(familiarity)}, expected a number or empty")
    for id_field in ("artist_id", "album_id"):
        if not _INT.fullmatch(value[id_field]):
            return RowError(BAD_VALUE, f"{where}: field {id_field!r} = {show(value[id_field])}, expected a number")
    if not _SECONDS.fullmatch(value["duration"]):
        return RowError(BAD_VALUE, f"{where}: field 'duration' = {show(value['duration'])}, expected seconds")
    problem = check_relative(value["path"])
    if problem:
        return RowError(problem[0], f"{where}: field 'path' = {show(value['path'])}, expected {problem[1]}")
    track = tracks.get(value["track_id"])
    if track is None:
        track = tracks[value["track_id"]] = _Track(rec.first_line, {k: value[k] for k in TRACK_FIELDS}, [])
    for key in TRACK_FIELDS:
        if value[key] != track.values[key]:
            return RowError(BAD_VALUE, f"{where}: field {key!r} = {show(value[key])}, expected "
                                       f"{show(track.values[key])} as on line {track.line} for track "
                                       f"{value['track_id']}")
    if not value["caption"]:
        return RowError(EMPTY_TEXT, f"{where}: field 'caption' = '', expected a caption")
    if valid_only and valid[0] is not True:
        state = "rejected" if valid[0] is False else "not reviewed"
        return RowError(NOT_VALIDATED, f"{where}: caption {caption_id} is not in the validated subset ({state}); "
                                       "skipped (--no-song-describer.valid-only keeps it)", routine=True)
    track.captions.append((caption_id, value["caption"], valid[0],
                           int(float(familiarity)) if familiarity else None))
    return None


def _clip(name: str, track_id: str, track: _Track, root: Path | None, max_chars: int) -> list[Clip | RowError]:
    """The track's clip (after a warning if its audio is missing), or the problem that stops it."""
    where = f"{name}:{track.line}"
    captions = sorted(track.captions)  # caption_id order: pandas' sort by track_id is not stable within a track
    text = "\n".join(c[1] for c in captions)
    if len(text) > max_chars:
        return [RowError(CONTEXT_TOO_LONG, f"{where}: track {track_id} captions have {len(text)} characters, "
                                           f"expected at most {max_chars} (max_context_chars)")]
    path = track.values["path"]
    audio, problem = locate(root, path, where, "path", [with_suffix(path, ".2min.mp3")])
    if problem and not problem.warning:
        return [problem]
    duration = float(track.values["duration"])
    meta = SongDescriberMeta(int(track.values["artist_id"]), int(track.values["album_id"]), path, duration,
                             tuple(c[1] for c in captions), tuple(c[0] for c in captions),
                             tuple(c[2] for c in captions), tuple(c[3] for c in captions))
    clip = Clip(clip_id=f"{NAME}/{track_id}", source=NAME, source_id=track_id, split="test", text=text,
                audio_path=audio, start_s=0.0, end_s=min(EXCERPT_S, duration), meta=meta)
    return [problem, clip] if problem else [clip]


# --- the source ----------------------------------------------------------------------------------------------


class SongDescriber(Source):
    """Song Describer: crowd-written captions of two-minute MTG-Jamendo excerpts, for evaluation (MuChoMusic)."""

    name = NAME
    title = "Song Describer"
    Config = SongDescriberConfig
    Meta = SongDescriberMeta
    required = ("csv",)
    splits = ("test",)
    license = "cc-by-sa-4.0"
    license_note = ("Song Describer captions: CC BY-SA 4.0 (Manco et al. 2023). The audio is MTG-Jamendo's, Creative "
                    "Commons per track (see the dataset's audio_licenses.txt).")
    card_note = ("Song Describer: crowd-written captions of the first two minutes of MTG-Jamendo tracks; one row per "
                 "track with all its captions as the context; all in test (the dataset is for evaluation only).")
    # Not in the seed; an evaluation-only dataset, so it goes where MU-LLaMA's evaluation script reads.
    mullama = (("EvalMusicQA.json", ("test",)),)

    def card_info(self, cfg: SongDescriberConfig) -> CardInfo:
        subset = ("only captions of the validated subset" if cfg.valid_only else "every caption, validated or not")
        return replace(super().card_info(cfg), card_note=f"{self.card_note} Captions used: {subset}.")

    def read(self, cfg: SongDescriberConfig, *, max_context_chars: int) -> Iterator[Clip | RowError]:
        return read_song_describer(cfg.csv, audio_dir=cfg.audio_dir, valid_only=cfg.valid_only, limit=cfg.limit,
                                   max_context_chars=max_context_chars)

    def features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"track_id": Value("int64"), "artist_id": Value("int64"), "album_id": Value("int64"),
                "path": Value("string"), "duration_s": Value("float32"), "captions": List(Value("string")),
                "caption_ids": List(Value("int64")), "is_valid_subset": List(Value("bool")),
                "familiarity": List(Value("int64"))}

    def columns(self, clip: Clip) -> dict[str, Any]:
        m = clip.meta
        return {"track_id": int(clip.source_id), "artist_id": m.artist_id, "album_id": m.album_id, "path": m.path,
                "duration_s": m.duration_s, "captions": list(m.captions), "caption_ids": list(m.caption_ids),
                "is_valid_subset": list(m.is_valid_subset), "familiarity": list(m.familiarity)}

    def prompt_variables(self, clip: Clip) -> dict[str, Any]:
        return {"captions": list(clip.meta.captions)}

    def audio_section(self, clip: Clip) -> tuple[float, float]:
        """The first two minutes: all of a ``.2min.mp3``, the same part of a full MTG-Jamendo track."""
        return clip.start_s, clip.end_s if clip.end_s is not None else EXCERPT_S


SOURCE = SongDescriber()
