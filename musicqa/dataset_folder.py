"""Read a musicqa dataset folder without ``datasets``: the one reader that audit, export and the report share.

The folder is the contract between the build and everything after it: ``data/<config>/<split>-*.parquet``
shards whose rows have ``audio``, ``clip_id``, ``source``, ``source_id``, ``split``, ``context`` and ``qa``
plus the source's own columns (``musicqa.bundle``). pyarrow reads only the columns asked for, so a tool that
needs the text never loads the ~1.5 GB of FLAC a full MusicCaps folder holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicqa.errors import InputError

SHARDS = "data/<config>/<split>-*.parquet"

# The card a bundle puts in place while it swaps the data folder (musicqa.bundle): its only config points at a
# path that never exists, so ``load_dataset(folder)`` fails naming it, and ``shards`` below refuses the folder.
INTERRUPTED_MARK = "bundle-interrupted-rerun-musicqa-build"
INTERRUPTED_CARD = f"""---
configs:
- config_name: {INTERRUPTED_MARK}
  data_files: "{INTERRUPTED_MARK}/*.parquet"
  default: true
---
# Bundling was interrupted

`python -m musicqa build` was writing this folder's dataset and stopped before it finished. Rerun the same
build: it bundles again from `work/` without generating anything.
"""


@dataclass(frozen=True, slots=True)
class Shard:
    """One Parquet file of the folder, with the config and split its path names."""

    path: Path
    config: str
    split: str


def shards(root: Path) -> list[Shard]:
    """Every shard under ``root`` in a stable order; InputError if there is none."""
    root = Path(root)
    check_complete(root)
    paths = sorted(root.glob("data/*/*.parquet"))
    if not paths:
        raise InputError(f"{root}: no {SHARDS} files found, expected a musicqa dataset folder")
    return [Shard(p, p.parent.name, p.name.split("-", 1)[0]) for p in paths]


def check_complete(root: Path) -> None:
    """InputError if ``root`` is a folder whose bundling was interrupted (its card is ``INTERRUPTED_CARD``)."""
    card = Path(root) / "README.md"
    try:
        head = card.read_text(encoding="utf-8", errors="replace")[:200]
    except OSError:  # no card (a folder written by hand): nothing says it is incomplete
        return
    if INTERRUPTED_MARK in head:
        raise InputError(f"{root}: its bundling was interrupted (README.md says so); rerun the build to finish it")


def split_shards(root: Path, config: str, split: str) -> list[Path]:
    """The shards of one config and split, in order (none if the folder lacks them)."""
    return sorted((Path(root) / "data" / config).glob(f"{split}-*.parquet"))


def columns_of(path: Path) -> list[str]:
    """The column names of a shard; InputError if it is not Parquet."""
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except (OSError, ValueError) as err:  # pyarrow raises ArrowInvalid (a ValueError) on a non-Parquet file
        raise InputError(f"{path}: cannot read as Parquet ({err})") from err


def read_rows(path: Path, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The rows of one shard as dicts, with only ``columns`` (all when None); a missing one is an InputError."""
    import pyarrow.parquet as pq

    if columns is not None:
        missing = [c for c in columns if c not in columns_of(path)]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)}, expected a musicqa dataset shard")
    try:
        return pq.read_table(path, columns=list(columns) if columns is not None else None).to_pylist()
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot read as Parquet ({err})") from err


def read_table(path: Path) -> Any:
    """One whole shard as a ``pyarrow.Table`` (every column, audio included), for a tool that rewrites it."""
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot read as Parquet ({err})") from err


def read_audio_bytes(path: Path, rows: Iterable[int]) -> dict[int, bytes | None]:
    """The embedded audio bytes of some rows of one shard (None: the cell has none), reading only the row groups
    that hold them: a report of 48 clips reads 48 clips' audio, not the folder's gigabytes."""
    import pyarrow.parquet as pq

    wanted = sorted(set(rows))
    out: dict[int, bytes | None] = {}
    try:
        pf = pq.ParquetFile(path)
        start = 0
        for group in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(group).num_rows
            hits = [r for r in wanted if start <= r < start + n]
            if hits:
                audio = pf.read_row_group(group, columns=["audio"]).column("audio").combine_chunks()
                data = audio.field("bytes") if hasattr(audio, "field") else audio  # struct{bytes, path} or raw
                out.update({r: data[r - start].as_py() or None for r in hits})
            start += n
    except (OSError, ValueError, KeyError) as err:
        raise InputError(f"{path}: cannot read the audio column ({err})") from err
    return out


def iter_rows(root: Path, config: str, split: str, columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """The rows of one config and split, shard after shard."""
    for path in split_shards(root, config, split):
        yield from read_rows(path, columns)


def configs(root: Path) -> dict[str, list[str]]:
    """config -> its splits present, in shard order."""
    out: dict[str, list[str]] = {}
    for shard in shards(root):
        splits = out.setdefault(shard.config, [])
        if shard.split not in splits:
            splits.append(shard.split)
    return out


def source_of(root: Path, config: str) -> str | None:
    """The ``source`` column of a config's first row: which registered source made it (None if it is empty)."""
    for shard in split_shards_any(root, config):
        rows = read_rows(shard, ["source"])
        if rows:
            return str(rows[0]["source"])
    return None


def split_shards_any(root: Path, config: str) -> list[Path]:
    """Every shard of one config, all splits."""
    return sorted((Path(root) / "data" / config).glob("*.parquet"))
