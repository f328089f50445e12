"""Append-only jsonlines stores: the only place records are (de)serialised.

Every engine reply is appended (flushed and fsynced per batch) before anything else happens with
it, so killing a build at any moment loses at most the batch in flight. On start-up the file is
read back to find the keys already done; a torn last line (a kill mid-write) is skipped with a
warning and overwritten by the next append, never duplicated.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from musicqa.errors import InputError
from musicqa.records import SCHEMA_VERSION, Clip, Generation

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JsonlStore:
    """One append-only jsonlines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._repair()

    def _repair(self) -> None:
        """Cut a torn last line (no trailing newline) so the next append starts on a fresh line."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with open(self.path, "rb+") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) == b"\n":
                return
            data = self.path.read_bytes()
            cut = data.rfind(b"\n") + 1
            log.warning("%s:%d: torn last line (interrupted write) dropped", self.path, data.count(b"\n") + 1)
            fh.truncate(cut)

    def read(self) -> Iterator[dict[str, Any]]:
        """Every intact record in file order; an unreadable line is skipped with its line number."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.endswith("\n"):
                    log.warning("%s:%d: torn last line skipped", self.path, lineno)
                    return
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    log.warning("%s:%d: unreadable line skipped", self.path, lineno)
                    continue
                if rec.get("schema") != SCHEMA_VERSION:
                    raise InputError(f"{self.path}:{lineno}: field 'schema' = {rec.get('schema')!r}, "
                                     f"expected {SCHEMA_VERSION} (written by another musicqa version)")
                yield rec

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Append a batch durably (flush + fsync once per batch); returns the number written."""
        lines = [json.dumps({"schema": SCHEMA_VERSION, **r}, ensure_ascii=False, sort_keys=True) + "\n"
                 for r in records]
        if not lines:
            return 0
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write("".join(lines))
            fh.flush()
            os.fsync(fh.fileno())
        return len(lines)


def generation_record(gen: Generation, *, status: str, template: str, template_hash: str,
                      sampling: dict[str, Any], engine: str, engine_version: str, revision: str | None) -> dict:
    """A stored engine reply with the provenance needed to rebuild the dataset without the engine."""
    return {**dataclasses.asdict(gen), "status": status, "template": template, "template_hash": template_hash,
            "sampling": sampling, "engine": engine, "engine_version": engine_version, "revision": revision,
            "time": _now()}


def clip_to_record(clip: Clip) -> dict[str, Any]:
    d = dataclasses.asdict(clip)
    d["audio_path"] = str(clip.audio_path) if clip.audio_path else None
    d["labels"] = list(clip.labels)
    return d


def clip_from_record(rec: dict[str, Any]) -> Clip:
    names = {f.name for f in dataclasses.fields(Clip)}
    d = {k: v for k, v in rec.items() if k in names}
    d["audio_path"] = Path(d["audio_path"]) if d.get("audio_path") else None
    d["labels"] = tuple(d.get("labels", ()))
    return Clip(**d)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a whole file via a temp file in the same folder + os.replace: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class OutputLock:
    """An exclusive lock on an output folder: a second build on it refuses instead of interleaving."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / ".musicqa.lock"
        self._fh = None

    def __enter__(self) -> OutputLock:
        fh = open(self.path, "a+")  # noqa: SIM115 - held for the lock's lifetime
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise InputError(f"{self.path.parent}: another musicqa build is running on this folder "
                             f"({holder}); wait for it or choose another --out") from err
        fh.truncate(0)
        fh.write(f"pid {os.getpid()}, since {_now()}")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
