"""The download manifest: one JSON line per outcome, appended and fsynced, never rewritten.

The last line for an id is its current state. Keeping every line (instead of rewriting a table)
means a crash mid-run loses at most the line being written, and the history of attempts stays
visible: why a clip failed on Monday and succeeded on Tuesday.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from musicqa.store import JsonlStore

log = logging.getLogger(__name__)

MANIFEST_SCHEMA = 1
STATUS_OK = "ok"
STATUS_UNAVAILABLE = "unavailable"  # the source says it is gone (private, removed, region-blocked, 404): permanent
STATUS_FAILED = "failed"  # anything else; ``retryable`` says whether a rerun should try again
STATUSES = (STATUS_OK, STATUS_UNAVAILABLE, STATUS_FAILED)


@dataclass(frozen=True, slots=True)
class ManifestRecord:
    """The outcome of fetching one clip (or one archive file)."""

    id: str  # ytid, or an MTT file name
    status: str
    reason: str = ""  # stable snake_case code, e.g. "http_404", "timeout", "audio_silent"
    message: str = ""  # one line for a human: the error as the tool reported it
    retryable: bool = False
    attempts: int = 0  # over all runs
    path: str = ""  # relative to the manifest's folder
    duration_s: float | None = None
    sample_rate: int | None = None
    sha256: str = ""
    size_bytes: int | None = None  # archive files (MTT), which have no duration
    start_s: float | None = None
    end_s: float | None = None
    time: str = ""  # UTC, ISO 8601
    elapsed_s: float = 0.0
    schema: int = MANIFEST_SCHEMA

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


def now_utc() -> str:
    """The current time as the manifest writes it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


_FIELDS = {f.name for f in dataclasses.fields(ManifestRecord)}


def _from_json(obj: dict[str, Any]) -> ManifestRecord:
    # Unknown keys come from a newer schema; ignoring them keeps old readers working on new manifests.
    return ManifestRecord(**{k: v for k, v in obj.items() if k in _FIELDS})


class Manifest:
    """An append-only jsonlines file and the latest record per id, read back at start-up.

    Stored through ``musicqa.store.JsonlStore``, so a torn last line gets the build store's treatment
    (cut at open with a warning naming its line, never glued to).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.latest: dict[str, ManifestRecord] = {}
        self._store = JsonlStore(self.path, schema=MANIFEST_SCHEMA)
        for n, obj in enumerate(self._store.read(), start=1):
            try:
                rec = _from_json(obj)
            except (TypeError, ValueError) as err:  # a line from a broken writer: worth seeing, not fatal
                log.warning("%s: record %d (%s) skipped: %s", self.path, n, obj.get("id", "?"), err)
                continue
            self.latest[rec.id] = rec

    def append(self, rec: ManifestRecord) -> None:
        """Write one record durably (flush + fsync) and make it the id's current state."""
        self._store.append([dataclasses.asdict(rec)])
        self.latest[rec.id] = rec

    def close(self) -> None:
        """Nothing stays open between appends; kept so callers can use ``with``."""

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class DownloadSummary:
    """Counts over the ids a run was asked for, taken from their latest manifest records."""

    total: int
    ok: int
    unavailable: int
    failed: int
    retryable: int  # failed ids a rerun would try again
    attempted: int  # ids fetched (or tried) in this run; the rest were already settled
    reasons: tuple[tuple[str, int], ...]  # (reason, count) over ids not ok, most common first
    out_dir: Path
    manifest_path: Path

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["reasons"] = dict(self.reasons)
        d["out_dir"], d["manifest_path"] = str(self.out_dir), str(self.manifest_path)
        return d

    def line(self) -> str:
        """One log line: the counts and the reasons."""
        reasons = ", ".join(f"{r} {n}" for r, n in self.reasons) or "none"
        return (f"{self.total} clips: ok {self.ok}, unavailable {self.unavailable}, failed {self.failed} "
                f"({self.retryable} retryable); fetched this run {self.attempted}; reasons: {reasons}")


def summarise(records: list[ManifestRecord], attempted: int, out_dir: Path, manifest_path: Path,
              will_retry: Callable[[ManifestRecord], bool]) -> DownloadSummary:
    """Fold the latest records of the requested ids into a DownloadSummary; ``will_retry`` is the rerun policy."""
    by_status = collections.Counter(r.status for r in records)
    reasons = collections.Counter(r.reason or r.status for r in records if r.status != STATUS_OK)
    return DownloadSummary(
        total=len(records), ok=by_status[STATUS_OK], unavailable=by_status[STATUS_UNAVAILABLE],
        failed=by_status[STATUS_FAILED], retryable=sum(r.status == STATUS_FAILED and will_retry(r) for r in records),
        attempted=attempted, reasons=tuple(reasons.most_common()), out_dir=out_dir, manifest_path=manifest_path)
