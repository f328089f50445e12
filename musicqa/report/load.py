"""Read a musicqa dataset folder (the build/train/report contract) into plain rows for the report.

Only the small columns are read for every clip. Audio bytes are read afterwards for the sampled
clips only, one Parquet row group at a time, because a full 5,500-clip folder holds ~1.5 GB of FLAC
and the report must not need that much memory. Nothing here decodes audio: browsers play FLAC.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicqa import dataset_folder
from musicqa.errors import InputError

log = logging.getLogger(__name__)

_REQUIRED = ("clip_id", "source", "split", "context", "qa")
_REJECTED_FIELDS = ("clip_id", "question", "answer", "reason")


@dataclass(frozen=True, slots=True)
class Pair:
    """One kept QA pair as stored in the ``qa`` column."""

    question: str
    answer: str
    task: str


@dataclass(frozen=True, slots=True)
class Item:
    """One kept multiple-choice item as stored in the ``mcq`` column (a build with the mcq task)."""

    question: str
    correct_answer: str
    distractors: tuple[str, ...]
    distractor_kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClipRow:
    """One dataset row without its audio; ``shard`` + ``row`` locate the audio bytes later."""

    clip_id: str
    source: str  # the dataset config it is in (a source's name, unless its config names the dataset otherwise)
    source_id: str
    split: str
    context: str
    labels: tuple[str, ...]  # its source's labels column (``Source.labels_column``): what "tag coverage" counts
    pairs: tuple[Pair, ...]
    shard: Path
    row: int
    items: tuple[Item, ...] = ()  # the ``mcq`` column, where the folder has one


@dataclass(frozen=True, slots=True)
class Rejected:
    """One line of rejected.jsonl: a pair the filters dropped, and why."""

    clip_id: str
    question: str
    answer: str
    task: str
    reason: str


@dataclass(frozen=True, slots=True)
class Folder:
    """Everything the report shows, read from one dataset folder."""

    root: Path
    clips: tuple[ClipRow, ...]
    rejected: tuple[Rejected, ...]
    summary: dict[str, Any]


def split_order(split: str) -> int:
    """Sort key that lists splits as train, validation, test (then anything else)."""
    return {"train": 0, "validation": 1, "test": 2}.get(split, 3)


def load(root: Path) -> Folder:
    """Read every shard's small columns, rejected.jsonl and summary.json under ``root``."""
    shards = [shard.path for shard in dataset_folder.shards(root)]
    clips: list[ClipRow] = []
    for shard in shards:
        clips.extend(_read_shard(shard))
    summary = _read_summary(root / "summary.json")
    folder = Folder(root, tuple(clips), _read_rejected(root / "rejected.jsonl"), summary)
    _check_summary(folder)
    log.info("read %s: %d shards, %d clips, %d pairs, %d rejected pairs", root, len(shards), len(clips),
             sum(len(c.pairs) for c in clips), len(folder.rejected))
    return folder


def labels_columns() -> dict[str, str]:
    """source name -> the column its rows list tags in, for every registered source that has one."""
    from musicqa.sources import registered

    return {s.name: s.labels_column for s in registered() if s.labels_column}


def _read_shard(path: Path) -> list[ClipRow]:
    names = set(dataset_folder.columns_of(path))
    missing = [c for c in (*_REQUIRED, "audio") if c not in names]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}, expected a musicqa dataset shard")
    label_of = {s: c for s, c in labels_columns().items() if c in names}
    optional = ["source_id", "mcq", *sorted(set(label_of.values()))]
    rows = dataset_folder.read_rows(path, [*_REQUIRED, *(c for c in optional if c in names)])
    out = []
    for i, r in enumerate(rows):
        source = str(r["source"])
        labels = r.get(label_of[source]) if source in label_of else None
        pairs = tuple(_pair(q, path, i) for q in (r["qa"] or ()))
        out.append(ClipRow(clip_id=str(r["clip_id"]), source=path.parent.name,
                           source_id=str(r.get("source_id") or r["clip_id"]).rsplit("/", 1)[-1],
                           split=str(r["split"]), context=str(r["context"] or ""),
                           labels=tuple(str(t) for t in labels or ()), pairs=pairs, shard=path, row=i,
                           items=tuple(_item(q, path, i) for q in (r.get("mcq") or ()))))
    return out


def _pair(item: dict[str, Any], path: Path, row: int) -> Pair:
    try:
        return Pair(str(item["question"]), str(item["answer"]), str(item.get("task") or ""))
    except (KeyError, TypeError) as err:
        raise InputError(f"{path}: row {row}: field 'qa' item {item!r}, expected {{question, answer, task}}") from err


def _item(value: dict[str, Any], path: Path, row: int) -> Item:
    try:
        return Item(str(value["question"]), str(value["correct_answer"]),
                    tuple(str(d) for d in value["distractors"]), tuple(str(k) for k in value["distractor_kinds"]))
    except (KeyError, TypeError) as err:
        raise InputError(f"{path}: row {row}: field 'mcq' item {value!r}, expected {{question, correct_answer, "
                         "distractors, distractor_kinds}") from err


def _read_rejected(path: Path) -> tuple[Rejected, ...]:
    if not path.exists():
        log.warning("%s not found: the report shows no drop reasons", path)
        return ()
    out = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path}:{lineno}: not valid JSON ({err.msg}), expected one object per line") from err
            if not isinstance(rec, dict) or any(k not in rec for k in _REJECTED_FIELDS):
                raise InputError(f"{path}:{lineno}: found {line.strip()[:80]!r}, expected an object with fields "
                                 f"{', '.join(_REJECTED_FIELDS)}")
            out.append(Rejected(str(rec["clip_id"]), str(rec["question"]), str(rec["answer"]),
                                str(rec.get("task") or ""), str(rec["reason"])))
    return tuple(out)


def _read_summary(path: Path) -> dict[str, Any]:
    if not path.exists():
        log.warning("%s not found: the report shows no skipped clips or build details", path)
        return {}
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from err
    if not isinstance(summary, dict):
        raise InputError(f"{path}: found {type(summary).__name__}, expected a JSON object")
    return summary


def _check_summary(folder: Folder) -> None:
    """Warn when summary.json disagrees with the shards: the page shows the shards, the card the summary."""
    counted: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in folder.clips:
        counted[c.source][c.split] += 1
    claimed = folder.summary.get("clips")
    if isinstance(claimed, dict) and claimed != {k: dict(v) for k, v in counted.items()}:
        log.warning("summary.json clips %s differ from the shards' %s", claimed,
                    {k: dict(v) for k, v in counted.items()})


def read_audio(clips: Sequence[ClipRow]) -> dict[str, bytes]:
    """Return the embedded audio bytes of ``clips`` by clip_id, reading only the row groups that hold them.

    A clip whose audio cell has no bytes (a path-only Audio value) is left out and logged.
    """
    wanted: dict[Path, dict[int, str]] = defaultdict(dict)
    for c in clips:
        wanted[c.shard][c.row] = c.clip_id
    out: dict[str, bytes] = {}
    for shard, rows in wanted.items():
        for r, value in dataset_folder.read_audio_bytes(shard, rows).items():
            if value:
                out[rows[r]] = value
            else:
                log.warning("%s: row %d (%s) has no embedded audio bytes", shard, r, rows[r])
    return out
