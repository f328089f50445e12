"""Append-only jsonlines stores: the only place records are (de)serialised.

Every engine reply is appended (flushed and fsynced per batch) before anything else happens with
it, so killing a build at any moment loses at most the batch in flight. On start-up the file is
read back to find the keys already done; a torn last line (a kill mid-write) is skipped with a
warning and overwritten by the next append, never duplicated. The build's stores and the download
manifests share this one class, so they share that torn-line policy.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from musicqa.atomic import write_atomic
from musicqa.errors import InputError, StorageError, check_regular, os_error_line, storage
from musicqa.records import SCHEMA_VERSION, Clip, Generation

__all__ = ["JsonlStore", "OutputLock", "clip_to_record", "generation_record", "judgement_record", "write_atomic"]

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JsonlStore:
    """One append-only jsonlines file whose every line carries ``schema`` (refused if it is another version).

    The one owner of JSON-lines appends: the build's stores, the download manifests, training's metrics and the
    MuChoMusic run's partial results. ``schema=None``: lines are stored as given, with no version stamp or check.
    """

    def __init__(self, path: Path, schema: int | None = SCHEMA_VERSION) -> None:
        self.path = path
        self.schema = schema
        check_regular(path, "store")  # a FIFO here would hang the first read, after the audio stage
        with storage(path, "cannot open store"):
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
        with storage(self.path, "cannot read store"), open(self.path, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.endswith("\n"):
                    log.warning("%s:%d: torn last line skipped", self.path, lineno)
                    return
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    log.warning("%s:%d: unreadable line skipped", self.path, lineno)
                    continue
                if not isinstance(rec, dict):
                    log.warning("%s:%d: line is not a JSON object, skipped", self.path, lineno)
                    continue
                if self.schema is not None and rec.get("schema", self.schema) != self.schema:  # none: current
                    raise InputError(f"{self.path}:{lineno}: field 'schema' = {rec.get('schema')!r}, "
                                     f"expected {self.schema} (written by another musicqa version)")
                yield rec

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Append a batch durably (flush + fsync once per batch); returns the number written."""
        lines = self._lines(records)
        if not lines:
            return 0
        # a failed append (disk full) may leave a torn last line: the next start cuts it (_repair)
        with storage(self.path, "cannot append to store"), open(self.path, "a", encoding="utf-8") as fh:
            fh.write("".join(lines))
            fh.flush()
            os.fsync(fh.fileno())
        return len(lines)

    def rewrite(self, records: Iterable[dict[str, Any]]) -> int:
        """Replace the whole file by ``records`` atomically (dropping lines a resumed run will write again)."""
        lines = self._lines(records)
        write_atomic(self.path, "".join(lines))
        return len(lines)

    def _lines(self, records: Iterable[dict[str, Any]]) -> list[str]:
        stamp = {} if self.schema is None else {"schema": self.schema}
        return [json.dumps({**r, **stamp}, ensure_ascii=False, sort_keys=True) + "\n" for r in records]


def generation_record(gen: Generation, *, status: str, template: str, template_hash: str,
                      sampling: dict[str, Any], engine: str, engine_version: str, revision: str | None,
                      node: str | None = None, pid: int | None = None) -> dict:
    """A stored engine reply with the provenance needed to rebuild the dataset without the engine.

    ``node`` and ``pid`` say which machine (a Ray node id, or the host name) and process made it.
    """
    return {**dataclasses.asdict(gen), "status": status, "template": template, "template_hash": template_hash,
            "sampling": sampling, "engine": engine, "engine_version": engine_version, "revision": revision,
            "node": node, "pid": pid, "time": _now()}


def judgement_record(gen: Generation, *, prompt_version: str, engine: str, engine_version: str, revision: str | None,
                     node: str | None = None, pid: int | None = None) -> dict:
    """A stored judge reply (``work/judgements.jsonl``): its raw text is re-parsed on every run, like a generation
    (the driver adds the judged pair's question and answer, for people reading the store)."""
    return {**dataclasses.asdict(gen), "prompt_version": prompt_version,
            "engine": engine, "engine_version": engine_version, "revision": revision, "node": node, "pid": pid,
            "time": _now()}


def clip_to_record(clip: Clip) -> dict[str, Any]:
    """A clip as one JSON object; ``meta`` (the source's frozen record) becomes a plain object."""
    d = {f.name: getattr(clip, f.name) for f in dataclasses.fields(Clip)}
    d["audio_path"] = str(clip.audio_path) if clip.audio_path else None
    d["labels"] = list(clip.labels)
    d["meta"] = json.loads(json.dumps(dataclasses.asdict(clip.meta), default=str)) if clip.meta is not None else None
    d["facts"] = dataclasses.asdict(clip.facts) if clip.facts is not None else None
    return d


class OutputLock:
    """An exclusive lock on an output folder: a second build on it refuses instead of interleaving.

    A ``filelock.FileLock`` (flock on Unix: the kernel drops it when the process dies, so a killed build
    never leaves a stale lock). The holder's pid is written into the lock file for the refusal message.
    """

    def __init__(self, folder: Path) -> None:
        with storage(folder, "cannot create the output folder"):
            folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / ".musicqa.lock"
        self._lock = None

    def __enter__(self) -> OutputLock:
        import filelock

        lock = filelock.FileLock(str(self.path), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout as err:
            holder = self.path.read_text(encoding="utf-8", errors="replace").strip() or "another process"
            raise InputError(f"{self.path.parent}: another musicqa build is running on this folder "
                             f"({holder}); wait for it or choose another --out") from err
        except OSError as err:  # after Timeout, which is an OSError too
            raise StorageError(os_error_line(err, self.path, "cannot lock the output folder")) from err
        with storage(self.path, "cannot write the lock file"):
            self.path.write_text(f"pid {os.getpid()}, since {_now()}", encoding="utf-8")  # flock survives this fd
        self._lock = lock
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
