"""MTG-Jamendo (``raw_30s_cleantags_50artists.tsv`` [+ ``splits/split-N/autotagging-*.tsv``]) -> ``Clip`` records.

The file is tab-separated, unquoted, with ``\\r\\n`` line endings (written by Python's csv module). Its header has
six names, ``TRACK_ID ARTIST_ID ALBUM_ID PATH DURATION TAGS``, but a row has as many fields as the track has tags:
``TAGS`` is the first of a variable number of ``category---tag`` columns (``genre---rock``,
``instrument---electricguitar``, ``mood/theme---happy``). Ids are ``track_0000214``, ``artist_000014``,
``album_000031``; ``PATH`` is ``14/214.mp3`` (folder = the track number's last two digits) under the audio root,
and the low-quality release names the same track ``14/214.low.mp3``. ``DURATION`` is the full track, in seconds.

The seed's evaluation split (MU-LLaMA's ``MTG_process.py`` -> ``EvalMusicQA.json``) is ``folders = 00..09``,
``min_tags = 5`` (distinct tag strings, prefixes included), every track in ``test``, the full track as audio, and
the prompt given the tags with their ``category---`` prefixes stripped. Here the clean tags are also spelled as
words (``electricguitar`` -> ``electric guitar``) so the LLM and the grounding filter read them as a listener
would. The official split files, when given, put each track in train/validation/test instead.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
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
    MALFORMED_ROW,
    NOT_IN_SPLIT,
    TOO_FEW_TAGS,
    CardInfo,
    RowError,
    Source,
)
from musicqa.sources.paths import audio_root, check_relative, locate, with_suffix
from musicqa.sources.table import Record, check_limits, iter_records, read_header, show, undecodable_field

log = logging.getLogger(__name__)

NAME = "mtg_jamendo"
COLUMNS = ("TRACK_ID", "ARTIST_ID", "ALBUM_ID", "PATH", "DURATION")  # then one tag per remaining field
TAG_SEP = "---"
SPLITS = ("train", "validation", "test")
SEED_FOLDERS = tuple(f"{i:02d}" for i in range(10))  # MU-LLaMA: "We only use the folders 00 to 09"
BAD_SPLIT_ROW = "source_bad_split_row"  # a split-file row; its track is then in no split

_ID = {"TRACK_ID": re.compile(r"track_[0-9]+"), "ARTIST_ID": re.compile(r"artist_[0-9]+"),
       "ALBUM_ID": re.compile(r"album_[0-9]+")}
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_TAG = re.compile(r"([a-z/]+)---(\S+)")

# The run-together tags of the dataset's 195-tag vocabulary, spelled as words for the prompt. The rest
# ("rock", "piano", "happy") are words already.
SPELLING = {
    "acousticbassguitar": "acoustic bass guitar", "acousticguitar": "acoustic guitar",
    "classicalguitar": "classical guitar", "doublebass": "double bass", "drummachine": "drum machine",
    "electricguitar": "electric guitar", "electricpiano": "electric piano", "pipeorgan": "pipe organ",
    "acidjazz": "acid jazz", "alternativerock": "alternative rock", "bluesrock": "blues rock",
    "bossanova": "bossa nova", "classicrock": "classic rock", "darkambient": "dark ambient",
    "deephouse": "deep house", "drumnbass": "drum and bass", "easylistening": "easy listening",
    "electroambient": "electro ambient", "electrohouse": "electro house", "hardrock": "hard rock",
    "hiphop": "hip hop", "instrumentalhiphop": "instrumental hip hop", "instrumentalpop": "instrumental pop",
    "instrumentalrock": "instrumental rock", "jazzfusion": "jazz fusion", "newage": "new age",
    "newwave": "new wave", "popfolk": "pop folk", "poprock": "pop rock", "postrock": "post-rock",
    "punkrock": "punk rock", "rocknroll": "rock and roll", "singersongwriter": "singer-songwriter",
    "synthpop": "synth-pop", "triphop": "trip hop", "worldfusion": "world fusion",
}


def clean_tag(tag: str) -> str:
    """``'instrument---electricguitar'`` -> ``'electric guitar'``: the prefix stripped, the word spelled out."""
    word = tag.split(TAG_SEP, 1)[-1]
    return SPELLING.get(word, word)


def excerpt(duration_s: float, seconds: float | None, offset_s: float) -> tuple[float, float | None]:
    """The (start_s, end_s) kept of a track; ``(0, None)`` = all of it.

    A track too short for ``offset_s + seconds`` gives its last ``seconds`` instead (all of it if shorter), so
    every clip of a build has the same length where the music allows.
    """
    if seconds is None:
        return 0.0, None
    start = min(offset_s, max(0.0, duration_s - seconds))
    return start, min(start + seconds, duration_s)


@dataclass(frozen=True, slots=True)
class MtgJamendoMeta:
    """What a track has beyond a Clip: the ids and path as written, and the full track's length."""

    artist_id: str
    album_id: str
    path: str  # as in the TSV, e.g. "14/214.mp3"
    duration_s: float  # the whole track; the stored audio may be an excerpt (Clip.start_s..end_s)


@dataclass
class MtgJamendoConfig:
    """Where the MTG-Jamendo annotations and audio are, and which tracks to use (the ``[mtg_jamendo]`` table)."""

    annotations: Path | None = field(None, help="raw_30s_cleantags_50artists.tsv (tab-separated, tags as columns)")
    audio_dir: Path | None = field(None, help="MTG-Jamendo audio root holding the 00..99 folders of PATH "
                                              "(full-quality NN/ID.mp3 or low-quality NN/ID.low.mp3)")
    splits_dir: Path | None = field(None, help="folder with autotagging-{train,validation,test}.tsv (e.g. "
                                               "splits/split-0); unset: every track in test, as the seed")
    folders: list[str] | None = field(None, help="use only tracks whose PATH folder is one of these (the seed: 00 .. "
                                                 "09); unset: all")
    min_tags: int = field(5, help="keep tracks with at least this many distinct tags (the seed used 5)")
    excerpt_s: float | None = field(None, help="seconds of audio kept per track; unset: the whole track, as the seed")
    excerpt_offset_s: float = field(0.0, help="where the excerpt starts, in seconds (a shorter track gives its end)")
    limit: int | None = field(None, help="use only the first N tracks (smoke runs)")

    def __post_init__(self) -> None:
        if self.excerpt_s is not None and self.excerpt_s <= 0:
            raise ValueError(f"--mtg-jamendo.excerpt-s must be > 0 seconds or unset, got {self.excerpt_s}")
        if self.excerpt_offset_s < 0:
            raise ValueError(f"--mtg-jamendo.excerpt-offset-s must be >= 0, got {self.excerpt_offset_s}")
        if self.min_tags < 0:
            raise ValueError(f"--mtg-jamendo.min-tags must be >= 0, got {self.min_tags}")


def read_splits(splits_dir: Path) -> tuple[dict[str, str], list[RowError]]:
    """track_id -> split from the three ``autotagging-<split>.tsv`` files, and a warning per bad row.

    Only ``TRACK_ID`` is used: the split files repeat each row of the annotations (minus a few rare tags).
    A missing file or column is an InputError now; a track in two files keeps the first.
    """
    split_of: dict[str, str] = {}
    first: dict[str, str] = {}
    problems: list[RowError] = []
    for split in SPLITS:
        path = Path(splits_dir) / f"autotagging-{split}.tsv"
        header = read_header(path, "\t", ("TRACK_ID",), f"MTG-Jamendo {split} split")
        col = header.index("TRACK_ID")
        for rec in iter_records(path, "\t"):
            where = f"{path.name}:{rec.first_line}"
            track = rec.fields[col].strip() if rec.fields and len(rec.fields) > col else ""
            if not _ID["TRACK_ID"].fullmatch(track):
                problems.append(RowError(BAD_SPLIT_ROW, f"{where}: field 'TRACK_ID' = {show(track)}, expected "
                                                        "track_<number>", warning=True))
            elif track in split_of:
                problems.append(RowError(BAD_SPLIT_ROW, f"{where}: track {track} is already in {first[track]}, "
                                                        "expected each track in one split", warning=True))
            else:
                split_of[track], first[track] = split, where
    return split_of, problems


def read_mtg_jamendo(annotations: Path, *, audio_dir: Path | None = None, splits_dir: Path | None = None,
                     folders: Sequence[str] | None = None, min_tags: int = 5, excerpt_s: float | None = None,
                     excerpt_offset_s: float = 0.0, limit: int | None = None,
                     max_context_chars: int = 2000) -> Iterator[Clip | RowError]:
    """Return an iterator of one ``Clip`` per usable track and a ``RowError`` per other row.

    The header, the split files and ``audio_dir`` are checked now (InputError before any work); rows are read
    lazily. A row outside ``folders`` is checked up to its PATH (a ``../`` there is reported wherever it is), then
    left out without a RowError: a selection, not a problem, counted in the reader's closing log line.
    """
    annotations = Path(annotations)
    check_limits(limit, max_context_chars, min_tags)
    header = read_header(annotations, "\t", COLUMNS, "MTG-Jamendo annotations")
    if tuple(header[:len(COLUMNS)]) != COLUMNS:
        raise InputError(f"{annotations}:1: header starts {' '.join(header[:len(COLUMNS)])}, expected "
                         f"{' '.join(COLUMNS)} then the tag columns")
    root = audio_root(audio_dir, "the MTG-Jamendo audio root (00/ ... 99/)")
    splits = read_splits(splits_dir) if splits_dir is not None else None
    parser = _RowParser(annotations.name, root, splits[0] if splits else None, folders, min_tags, excerpt_s,
                        excerpt_offset_s, max_context_chars)
    return _read(annotations, parser, splits[1] if splits else [], limit)


def _read(path: Path, parser: _RowParser, split_problems: list[RowError],
          limit: int | None) -> Iterator[Clip | RowError]:
    skipped: Counter[str] = Counter()
    yield from split_problems
    rows = clips = outside = 0
    for rec in iter_records(path, "\t"):
        if limit is not None and clips >= limit:
            break
        rows += 1
        items = parser(rec)
        if items is None:
            outside += 1
            continue
        for item in items:
            if isinstance(item, Clip):
                clips += 1
            elif not item.warning:
                skipped[item.reason] += 1
            yield item
    log.info("%s: %d rows -> %d clips; %d rows outside the folders asked for; skipped %s", path.name, rows, clips,
             outside, dict(skipped) or "none")


class _RowParser:
    """Validates annotation rows; holds what one file's rows share (audio root, splits, seen ids, options)."""

    def __init__(self, name: str, root: Path | None, split_of: dict[str, str] | None,
                 folders: Sequence[str] | None, min_tags: int, excerpt_s: float | None, offset_s: float,
                 max_chars: int) -> None:
        self.name = name
        self.root = root
        self.split_of = split_of
        self.folders = set(folders) if folders is not None else None
        self.min_tags = min_tags
        self.excerpt_s = excerpt_s
        self.offset_s = offset_s
        self.max_chars = max_chars
        self.seen: dict[str, int] = {}

    def __call__(self, rec: Record) -> list[Clip | RowError] | None:
        """The row's Clip, or the first problem found in it (a missing audio file adds a warning before the Clip);
        None for a good row outside the folders asked for."""
        item = self._parse(rec)
        return list(item) if isinstance(item, tuple) else None if item is None else [item]

    def _parse(self, rec: Record) -> Clip | RowError | tuple[RowError, Clip] | None:
        where = f"{self.name}:{rec.first_line}"
        if rec.fields is None:
            return RowError(MALFORMED_ROW, f"{where}: unparsable row ({rec.error}), expected tab-separated fields")
        fields = [f.strip() for f in rec.fields]
        if len(fields) < len(COLUMNS):
            return RowError(MALFORMED_ROW, f"{where}: row has {len(fields)} fields, expected at least "
                                           f"{len(COLUMNS)} ({' '.join(COLUMNS)}) then the tags")
        names = [*COLUMNS, *(f"TAGS[{i}]" for i in range(len(fields) - len(COLUMNS)))]
        column = undecodable_field(fields, names)
        if column:
            return RowError(MALFORMED_ROW, f"{where}: field {column!r} is not valid UTF-8, expected UTF-8 text")
        value = dict(zip(COLUMNS, fields))
        for name, pattern in _ID.items():
            if not pattern.fullmatch(value[name]):
                what = f"{name.split('_')[0].lower()}_<number>"
                return RowError(BAD_ID if name == "TRACK_ID" else BAD_VALUE,
                                f"{where}: field {name!r} = {show(value[name])}, expected {what}")
        track = value["TRACK_ID"]
        problem = check_relative(value["PATH"])
        if problem:
            return RowError(problem[0], f"{where}: field 'PATH' = {show(value['PATH'])}, expected {problem[1]}")
        if self.folders is not None and value["PATH"].split("/", 1)[0] not in self.folders:
            return None
        if track in self.seen:
            return RowError(DUPLICATE_ID, f"{where}: field 'TRACK_ID' = {show(track)}, expected a unique id (first "
                                          f"on line {self.seen[track]})")
        self.seen[track] = rec.first_line
        if not _SECONDS.fullmatch(value["DURATION"]):
            return RowError(BAD_VALUE, f"{where}: field 'DURATION' = {show(value['DURATION'])}, expected seconds")
        duration = float(value["DURATION"])
        tags = tuple(dict.fromkeys(t for t in fields[len(COLUMNS):] if t))  # a trailing tab is not a tag
        for i, tag in enumerate(tags):
            if not _TAG.fullmatch(tag):
                return RowError(BAD_VALUE, f"{where}: field 'TAGS[{i}]' = {show(tag)}, expected category---tag such "
                                           "as 'genre---rock'")
        if not tags:
            return RowError(EMPTY_TAGS, f"{where}: track {track} has no tags, expected some after DURATION")
        if len(tags) < self.min_tags:
            return RowError(TOO_FEW_TAGS, f"{where}: track {track} has {len(tags)} tags, min_tags is "
                                          f"{self.min_tags}; skipped", routine=True)
        split = "test"
        if self.split_of is not None:
            if track not in self.split_of:
                return RowError(NOT_IN_SPLIT, f"{where}: track {track} is in none of the split files; skipped",
                                routine=True)
            split = self.split_of[track]
        text = ", ".join(dict.fromkeys(clean_tag(t) for t in tags))
        if len(text) > self.max_chars:
            return RowError(CONTEXT_TOO_LONG, f"{where}: track {track} tags have {len(text)} characters, expected "
                                              f"at most {self.max_chars} (max_context_chars)")
        audio, problem = locate(self.root, value["PATH"], where, "PATH", [with_suffix(value["PATH"], ".low.mp3")])
        if problem and not problem.warning:
            return problem
        start, end = excerpt(duration, self.excerpt_s, self.offset_s)
        clip = Clip(clip_id=f"{NAME}/{track}", source=NAME, source_id=track, split=split, text=text,
                    audio_path=audio, start_s=start, end_s=end, labels=tags,
                    meta=MtgJamendoMeta(value["ARTIST_ID"], value["ALBUM_ID"], value["PATH"], duration))
        return (problem, clip) if problem else clip


# --- the source ----------------------------------------------------------------------------------------------


class MtgJamendo(Source):
    """MTG-Jamendo: full Creative Commons tracks from Jamendo with their uploaders' genre/instrument/mood tags."""

    name = NAME
    title = "MTG-Jamendo"
    Config = MtgJamendoConfig
    Meta = MtgJamendoMeta
    required = ("annotations",)
    splits = SPLITS
    license = "cc-by-nc-sa-4.0"
    license_note = ("MTG-Jamendo tags and metadata: CC BY-NC-SA 4.0 (Music Technology Group, UPF). The audio is "
                    "Creative Commons per track, under several CC licenses (some non-commercial or no-derivatives): "
                    "look up each track_id in the dataset's audio_licenses.txt before redistributing it.")
    # The seed's EvalMusicQA.json is MTG-Jamendo (MU-LLaMA's generate_dataset.py); with official splits, its
    # train and validation tracks are training data like MTT's.
    mullama = (("FinetuneMusicQA.json", ("train", "validation")), ("EvalMusicQA.json", ("test",)))
    labels_column = "tags"

    def card_info(self, cfg: MtgJamendoConfig) -> CardInfo:
        """The card says which tracks were used and how much of each, since both are options."""
        chosen = [f"folders {', '.join(cfg.folders)}" if cfg.folders is not None else "all folders",
                  f"at least {cfg.min_tags} tags"]
        audio = ("the whole track" if cfg.excerpt_s is None else
                 f"{cfg.excerpt_s:g} s from {cfg.excerpt_offset_s:g} s (the last {cfg.excerpt_s:g} s of shorter "
                 "tracks)")
        splits = (f"splits from {Path(cfg.splits_dir).name}/autotagging-*.tsv" if cfg.splits_dir is not None
                  else "every track in test (as the seed's evaluation set)")
        note = (f"MTG-Jamendo: Jamendo tracks with their uploaders' genre, instrument and mood/theme tags "
                f"(`raw_30s_cleantags_50artists.tsv`; {', '.join(chosen)}; prompts get the tags without their "
                f"`category---` prefix); audio: {audio}; {splits}.")
        return CardInfo(self.title, self.license, self.license_note, note)

    def read(self, cfg: MtgJamendoConfig, *, max_context_chars: int) -> Iterator[Clip | RowError]:
        return read_mtg_jamendo(cfg.annotations, audio_dir=cfg.audio_dir, splits_dir=cfg.splits_dir,
                                folders=cfg.folders, min_tags=cfg.min_tags, excerpt_s=cfg.excerpt_s,
                                excerpt_offset_s=cfg.excerpt_offset_s, limit=cfg.limit,
                                max_context_chars=max_context_chars)

    def features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"track_id": Value("string"), "artist_id": Value("string"), "album_id": Value("string"),
                "path": Value("string"), "duration_s": Value("float32"), "tags": List(Value("string")),
                "audio_start_s": Value("float32"), "audio_end_s": Value("float32")}

    def columns(self, clip: Clip) -> dict[str, Any]:
        meta = clip.meta
        return {"track_id": clip.source_id, "artist_id": meta.artist_id, "album_id": meta.album_id,
                "path": meta.path, "duration_s": meta.duration_s, "tags": list(clip.labels),
                "audio_start_s": clip.start_s, "audio_end_s": clip.end_s if clip.end_s is not None else meta.duration_s}

    def prompt_variables(self, clip: Clip) -> dict[str, Any]:
        """The clean tags by category, so a template can say which are genres, instruments and moods."""
        by: dict[str, list[str]] = {"genre": [], "instrument": [], "mood/theme": []}
        for tag in clip.labels:
            category = tag.split(TAG_SEP, 1)[0]
            by.setdefault(category, []).append(clean_tag(tag))
        return {"genres": by["genre"], "instruments": by["instrument"], "moods": by["mood/theme"],
                "full_track": clip.end_s is None}

    def duration(self, clip: Clip) -> float:
        return (clip.end_s if clip.end_s is not None else clip.meta.duration_s) - clip.start_s

    def audio_section(self, clip: Clip) -> tuple[float, float] | None:
        return (clip.start_s, clip.end_s) if clip.end_s is not None else None

    def expected_duration(self, clip: Clip) -> float | None:
        """An excerpt well inside the track must have its length; a whole track or its tail only the minimum."""
        if clip.end_s is None or clip.end_s > clip.meta.duration_s - 1.0:
            return None
        return clip.end_s - clip.start_s


SOURCE = MtgJamendo()
