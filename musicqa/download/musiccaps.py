"""Download MusicCaps clips: each row's start_s..end_s section of a YouTube video, as ``{ytid}.flac``.

yt-dlp runs as a library (one ``YoutubeDL`` per clip, so threads share no state) and asks for only the
10-second section (``download_ranges``), so ffmpeg fetches a few hundred kB instead of the whole video.
The section is then decoded, downmixed, resampled and verified by ``musicqa.audio.normalise``, the same
code the build uses, so a clip that passes here is a clip the build can use.

Every outcome goes into ``manifest.jsonl`` beside the clips. A rerun skips what is done or permanently
gone and retries only what may succeed: transient network errors are retried with backoff within a
run, and a clip is given up after ``max_attempts`` over all runs, so no id is retried forever.
"""

from __future__ import annotations

import logging
import random
import shutil
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from musicqa import audio
from musicqa.download.config import MusicCapsDownloadConfig
from musicqa.download.manifest import (
    STATUS_FAILED,
    STATUS_OK,
    STATUS_UNAVAILABLE,
    DownloadSummary,
    Manifest,
    ManifestRecord,
    now_utc,
    summarise,
)
from musicqa.download.youtube import (
    INVALID_ROW,
    INVALID_YTID,
    NO_OUTPUT,
    Failure,
    NoOutput,
    check_environment,
    classify,
    download_section,
    ydl_params,
)
from musicqa.errors import AudioError, InputError
from musicqa.sources.base import BAD_ID, DUPLICATE_ID
from musicqa.sources.musiccaps_segments import read_segments

__all__ = ["DownloadSummary", "MusicCapsDownloadConfig", "Section", "download_musiccaps", "fetch_clip",
           "read_sections"]

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.jsonl"
PARTIAL_DIR = ".partial"  # per-clip scratch folders; wiped at start-up, so a crash leaves nothing that looks done
_BACKOFF_CAP_S = 60.0

# Verification failures that a second download may fix (a transfer cut short decodes as short or broken);
# a silent clip will be silent again.
_RETRYABLE_AUDIO = {audio.AUDIO_UNDECODABLE, audio.AUDIO_TOO_SHORT, audio.AUDIO_WRONG_DURATION, audio.AUDIO_MISSING}


@dataclass(frozen=True, slots=True)
class Section:
    """One CSV row to fetch: ``ytid``'s start_s..end_s."""

    line: int  # line number in the CSV (the header is line 1), for error messages
    ytid: str
    start_s: float
    end_s: float


def read_sections(csv_path: Path) -> tuple[list[Section], list[ManifestRecord]]:
    """The valid rows of a MusicCaps CSV, and a failed manifest record for each invalid one.

    Rows are parsed by the build's own reader (``musiccaps_segments.read_segments``), so the downloader fetches
    exactly the segments the build will look for. A bad row does not stop the run (one typo should not cost
    5,000 downloads); it is recorded with a message naming the line and field. A missing column is an
    InputError, since no row could be read.
    """
    sections: list[Section] = []
    invalid: list[ManifestRecord] = []
    try:
        segments = list(read_segments(csv_path))
    except OSError as err:
        raise InputError(f"{csv_path}: cannot read the MusicCaps CSV ({err.strerror})") from err
    for seg in segments:
        if seg.error is None:
            sections.append(Section(seg.line, seg.ytid, seg.start_s, seg.end_s))
        elif seg.error.reason == DUPLICATE_ID:
            log.warning("%s; keeping its first row", seg.error.message)
        else:
            reason = INVALID_YTID if seg.error.reason == BAD_ID else INVALID_ROW
            invalid.append(ManifestRecord(id=seg.ytid or f"line{seg.line}", status=STATUS_FAILED, reason=reason,
                                          message=seg.error.message, time=now_utc()))
    return sections, invalid


# ---------------------------------------------------------------------------------------------------------------
# One clip


def _verify_message(section: Section, src: Path, err: AudioError) -> str:
    """The AudioError's text without the scratch path (deleted by now), plus what the failure usually means."""
    detail = str(err).removeprefix(f"{src}: ")
    hint = "" if err.reason == audio.AUDIO_SILENT else "; the transfer was probably cut short"
    return (f"{section.ytid}: downloaded section {section.start_s:g}-{section.end_s:g} s "
            f"({src.stat().st_size} bytes of {src.suffix.lstrip('.')}): {detail}{hint}")


def _adopt_existing(section: Section, out_dir: Path, cfg: MusicCapsDownloadConfig) -> ManifestRecord | None:
    """An ok record for an ``{ytid}.flac`` already in ``out_dir`` that passes a download's checks, else None.

    Covers a manifest that was deleted and clips fetched by other means: re-downloading 5,000 good
    clips to rebuild a manifest would be slow and would hit YouTube's rate limits for nothing.
    """
    path = out_dir / f"{section.ytid}.flac"
    if not path.is_file():
        return None
    try:
        x, sr = audio.decode(path)
    except AudioError:
        return None
    duration = len(x) / sr
    if abs(duration - (section.end_s - section.start_s)) > cfg.tolerance_s or audio.is_silent(x):
        return None
    return ManifestRecord(id=section.ytid, status=STATUS_OK, message="adopted: the file was already there",
                          path=path.name, duration_s=round(duration, 6), sample_rate=sr,
                          sha256=audio.sha256_file(path), start_s=section.start_s, end_s=section.end_s, time=now_utc())


def fetch_clip(section: Section, out_dir: Path, cfg: MusicCapsDownloadConfig, params: dict[str, Any],
               cancel: threading.Event | None = None, adopt: bool = False) -> ManifestRecord:
    """Download, normalise and verify one clip; never raises for a per-clip problem, returns its record.

    With ``adopt`` (the id has no manifest record yet) a good ``{ytid}.flac`` already present is kept.
    ``attempts`` in the returned record counts this run only; the caller adds earlier runs.
    """
    import yt_dlp

    if adopt and (adopted := _adopt_existing(section, out_dir, cfg)) is not None:
        return adopted
    t0 = time.monotonic()
    work = out_dir / PARTIAL_DIR / section.ytid
    base = ManifestRecord(id=section.ytid, status=STATUS_FAILED, start_s=section.start_s, end_s=section.end_s)
    cancel = cancel or threading.Event()
    failure: Failure | None = None
    attempts = 0
    while attempts <= cfg.retries:
        if failure is not None:
            delay = min(cfg.backoff_s * 2 ** (attempts - 1), _BACKOFF_CAP_S) * random.uniform(0.75, 1.25)
            log.debug("%s: retry %d in %.1f s after %s", section.ytid, attempts, delay, failure.reason)
            if cancel.wait(delay):
                break
        attempts += 1
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            try:
                src = download_section(section.ytid, section.start_s, section.end_s, work, cfg, params)
            except yt_dlp.utils.DownloadError as err:
                failure = classify(err)
            except NoOutput as err:
                failure = Failure(STATUS_FAILED, NO_OUTPUT, str(err), True, False)
            else:
                try:
                    info = audio.normalise(src, out_dir / f"{section.ytid}.flac",
                                           expected_duration_s=section.end_s - section.start_s,
                                           tolerance_s=cfg.tolerance_s)
                except AudioError as err:
                    failure = Failure(STATUS_FAILED, err.reason, _verify_message(section, src, err),
                                       err.reason in _RETRYABLE_AUDIO, False)
                else:
                    return replace(base, status=STATUS_OK, attempts=attempts, path=info.path.name,
                                   duration_s=info.duration_s, sample_rate=info.sample_rate, sha256=info.sha256,
                                   time=now_utc(), elapsed_s=round(time.monotonic() - t0, 3))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if not failure.transient:
            break
    assert failure is not None  # the loop runs at least once and only leaves early after a failure
    return replace(base, status=failure.status, reason=failure.reason, message=failure.message,
                   retryable=failure.retryable, attempts=attempts, time=now_utc(),
                   elapsed_s=round(time.monotonic() - t0, 3))


# ---------------------------------------------------------------------------------------------------------------
# The whole CSV


def will_retry(rec: ManifestRecord | None, cfg: MusicCapsDownloadConfig) -> bool:
    """The rerun policy for one id's latest record (None: never tried)."""
    if rec is None:
        return True
    if rec.status == STATUS_UNAVAILABLE:
        return cfg.retry_unavailable and rec.attempts < cfg.max_attempts
    if rec.status == STATUS_FAILED:
        return rec.retryable and rec.attempts < cfg.max_attempts
    return False


def _same_section(section: Section, rec: ManifestRecord | None) -> bool:
    """False when never fetched (or recorded only as an invalid row), or the CSV now asks for another section."""
    return rec is not None and (rec.start_s, rec.end_s) == (section.start_s, section.end_s)


def _needs_fetch(section: Section, rec: ManifestRecord | None, out_dir: Path, cfg: MusicCapsDownloadConfig) -> bool:
    if rec is None or not _same_section(section, rec):
        return True
    if rec.status == STATUS_OK:
        return not (out_dir / rec.path).is_file()
    return will_retry(rec, cfg)


def download_musiccaps(csv_path: Path, out_dir: Path, cfg: MusicCapsDownloadConfig) -> DownloadSummary:
    """Fetch every clip of a MusicCaps CSV into ``out_dir/{ytid}.flac`` (mono, 16-bit, audio.TARGET_SR).

    Safe to rerun: finished and permanently unavailable clips are skipped, retryable failures are
    tried again. The returned summary covers all rows of the CSV (up to ``cfg.limit``), not only
    this run's; ``out_dir/manifest.jsonl`` has the per-clip detail.
    """
    csv_path, out_dir = Path(csv_path), Path(out_dir)
    js_runtimes = check_environment(cfg)
    sections, invalid = read_sections(csv_path)
    if cfg.limit is not None:
        sections = sections[: cfg.limit]
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out_dir / PARTIAL_DIR, ignore_errors=True)
    params = ydl_params(cfg, js_runtimes)

    with Manifest(out_dir / MANIFEST_NAME) as manifest:
        for rec in invalid:  # recorded once; a rerun over the same CSV adds no duplicate lines
            old = manifest.latest.get(rec.id)
            if old is None or (old.reason, old.message) != (rec.reason, rec.message):
                manifest.append(rec)
        todo = [s for s in sections if _needs_fetch(s, manifest.latest.get(s.ytid), out_dir, cfg)]
        log.info("musiccaps: %d rows, %d invalid, %d already settled, %d to fetch with %d jobs",
                 len(sections) + len(invalid), len(invalid), len(sections) - len(todo), len(todo), cfg.jobs)
        try:
            _run(todo, out_dir, cfg, params, manifest)
        finally:
            shutil.rmtree(out_dir / PARTIAL_DIR, ignore_errors=True)
        keys = [s.ytid for s in sections] + [r.id for r in invalid]
        summary = summarise([manifest.latest[k] for k in keys], len(todo), out_dir, manifest.path,
                            lambda r: will_retry(r, cfg))
    log.info("musiccaps download: %s", summary.line())
    return summary


def _run(todo: list[Section], out_dir: Path, cfg: MusicCapsDownloadConfig, params: dict[str, Any],
         manifest: Manifest) -> None:
    """Fetch ``todo`` on ``cfg.jobs`` threads; records are appended by this thread only, as clips finish."""
    counts = {STATUS_OK: 0, STATUS_UNAVAILABLE: 0, STATUS_FAILED: 0}
    cancel = threading.Event()
    pending = iter(todo)
    running: dict[Future[ManifestRecord], Section] = {}
    with ThreadPoolExecutor(max_workers=cfg.jobs, thread_name_prefix="musiccaps") as pool, \
            tqdm(total=len(todo), unit="clip", desc="musiccaps", disable=None if todo else True) as bar:

        def submit_next() -> None:
            section = next(pending, None)
            if section is not None:
                adopt = section.ytid not in manifest.latest
                running[pool.submit(fetch_clip, section, out_dir, cfg, params, cancel, adopt)] = section

        # Submit lazily (jobs in flight at a time) so Ctrl-C stops promptly instead of draining a 5,000-item queue.
        for _ in range(cfg.jobs):
            submit_next()
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    section = running.pop(fut)
                    rec = fut.result()
                    previous = manifest.latest.get(section.ytid)
                    earlier = previous.attempts if _same_section(section, previous) else 0
                    rec = replace(rec, attempts=earlier + rec.attempts)
                    manifest.append(rec)
                    counts[rec.status] += 1
                    if rec.status != STATUS_OK:
                        log.debug("%s: %s %s: %s", rec.id, rec.status, rec.reason, rec.message)
                    bar.update(1)
                    bar.set_postfix(ok=counts[STATUS_OK], unavailable=counts[STATUS_UNAVAILABLE],
                                    failed=counts[STATUS_FAILED], refresh=False)
                    submit_next()
        except BaseException:
            cancel.set()  # workers waiting in a backoff give up at once; finished records are already on disk
            raise
