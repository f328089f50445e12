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
from collections.abc import Iterator
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
from musicqa.errors import AudioError, InputError
from musicqa.sources.base import BAD_ID, DUPLICATE_ID
from musicqa.sources.musiccaps import read_segments

__all__ = ["DownloadSummary", "MusicCapsDownloadConfig", "Section", "download_musiccaps", "fetch_clip",
           "read_sections"]

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.jsonl"
PARTIAL_DIR = ".partial"  # per-clip scratch folders; wiped at start-up, so a crash leaves nothing that looks done
_BACKOFF_CAP_S = 60.0

# Manifest reasons. Like filter reasons they are counted and compared across runs: renaming one is a breaking change.
INVALID_YTID = "invalid_ytid"
INVALID_ROW = "invalid_row"
HTTP_PREFIX = "http_"  # http_404, http_410, http_403, http_429, http_503, ...
TIMEOUT = "timeout"
NETWORK_ERROR = "network_error"
NO_MEDIA = "no_media"  # the page has no audio or video (e.g. an HTML error page)
PRIVATE = "private"
REMOVED = "removed"
REGION_BLOCKED = "region_blocked"
AGE_GATED = "age_gated"
MEMBERS_ONLY = "members_only"
DRM = "drm"
LOGIN_REQUIRED = "login_required"
RATE_LIMITED = "rate_limited"
NO_AUDIO_FORMAT = "no_audio_format"
NO_OUTPUT = "no_output"
DOWNLOAD_ERROR = "download_error"

# (substring of yt-dlp's lower-cased message, status, reason, retryable, transient), first match wins.
# The order matters: "Sign in to confirm you're not a bot" is a rate limit, other "sign in" messages are not.
_MESSAGE_RULES: tuple[tuple[str, str, str, bool, bool], ...] = (
    ("not a bot", STATUS_FAILED, RATE_LIMITED, True, True),
    ("rate-limited", STATUS_FAILED, RATE_LIMITED, True, True),
    ("try again later", STATUS_FAILED, RATE_LIMITED, True, True),
    ("captcha", STATUS_FAILED, RATE_LIMITED, True, True),
    ("ip is likely being blocked", STATUS_FAILED, RATE_LIMITED, True, True),
    ("private video", STATUS_UNAVAILABLE, PRIVATE, False, False),
    ("confirm your age", STATUS_UNAVAILABLE, AGE_GATED, False, False),
    ("age-restricted", STATUS_UNAVAILABLE, AGE_GATED, False, False),
    ("inappropriate for some users", STATUS_UNAVAILABLE, AGE_GATED, False, False),
    ("available in your country", STATUS_UNAVAILABLE, REGION_BLOCKED, False, False),
    ("blocked it in your country", STATUS_UNAVAILABLE, REGION_BLOCKED, False, False),
    ("members-only", STATUS_UNAVAILABLE, MEMBERS_ONLY, False, False),
    ("join this channel", STATUS_UNAVAILABLE, MEMBERS_ONLY, False, False),
    ("drm", STATUS_UNAVAILABLE, DRM, False, False),
    ("video unavailable", STATUS_UNAVAILABLE, REMOVED, False, False),
    ("no longer available", STATUS_UNAVAILABLE, REMOVED, False, False),
    ("video is not available", STATUS_UNAVAILABLE, REMOVED, False, False),
    ("has been removed", STATUS_UNAVAILABLE, REMOVED, False, False),
    ("has been terminated", STATUS_UNAVAILABLE, REMOVED, False, False),
    ("does not exist", STATUS_UNAVAILABLE, REMOVED, False, False),
    ("sign in", STATUS_FAILED, LOGIN_REQUIRED, False, False),
    ("requested format is not available", STATUS_FAILED, NO_AUDIO_FORMAT, True, False),
)

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


@dataclass(frozen=True, slots=True)
class _Failure:
    """Why a fetch failed, as the manifest records it."""

    status: str
    reason: str
    message: str
    retryable: bool
    transient: bool  # retried with backoff within this run


def read_sections(csv_path: Path) -> tuple[list[Section], list[ManifestRecord]]:
    """The valid rows of a MusicCaps CSV, and a failed manifest record for each invalid one.

    Rows are parsed by the build's own reader (``sources.musiccaps.read_segments``), so the downloader fetches
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
# Start-up checks


def find_js_runtime(choice: str = "auto") -> dict[str, dict[str, str]]:
    """yt-dlp's ``js_runtimes`` option for a supported runtime, or an InputError explaining what to install.

    Since yt-dlp 2025.11.12 YouTube formats need a JavaScript runtime plus the EJS solver scripts
    (yt-dlp wiki "EJS", yt-dlp/yt-dlp#15012). Without them yt-dlp quietly returns no audio formats,
    which would be recorded as 5,000 failures; failing at start-up with one message is kinder.
    """
    try:
        import yt_dlp_ejs  # noqa: F401 - the solver scripts, shipped by yt-dlp[default]
    except ImportError as err:
        raise InputError("YouTube downloads need yt-dlp's EJS solver scripts: pip install 'yt-dlp[default]' "
                         "(see https://github.com/yt-dlp/yt-dlp/wiki/EJS)") from err
    from yt_dlp.utils import _jsruntime  # private module, but it is where yt-dlp decides what is supported

    classes = {"deno": _jsruntime.DenoJsRuntime, "node": _jsruntime.NodeJsRuntime, "bun": _jsruntime.BunJsRuntime}
    names = list(classes) if choice == "auto" else [choice]
    seen: list[str] = []
    for name in names:
        path = _deno_from_pypi() if name == "deno" else None
        info = classes[name](path=path).info
        if info is None:
            continue
        if info.supported:
            log.info("yt-dlp will use %s %s (%s) for YouTube", info.name, info.version, info.path)
            return {name: {"path": info.path}}
        minimum = ".".join(map(str, classes[name].MIN_SUPPORTED_VERSION))
        seen.append(f"{info.name} {info.version} at {info.path} is older than the {minimum} yt-dlp needs")
    found = "; ".join(seen) or "none found"
    raise InputError(f"YouTube downloads need a JavaScript runtime for yt-dlp ({found}). "
                     "Install one: pip install deno (a musicqa dependency; reinstall musicqa), or Node.js >= 22 "
                     "on PATH. See https://github.com/yt-dlp/yt-dlp/wiki/EJS")


def _deno_from_pypi() -> str | None:
    """The deno binary of the ``deno`` PyPI package; it lives in the venv's bin, which may not be on PATH."""
    try:
        import deno
    except ImportError:
        return None
    try:
        return deno.find_deno_bin()
    except FileNotFoundError:
        return None


def check_environment(cfg: MusicCapsDownloadConfig) -> dict[str, dict[str, str]] | None:
    """Fail early, with one message, if ffmpeg or (for YouTube) a JS runtime is missing."""
    for exe in ("ffmpeg", "ffprobe"):
        if shutil.which(exe) is None:
            raise InputError(f"{exe} not found on PATH: yt-dlp cuts sections with ffmpeg and musicqa decodes "
                             "with it; install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg)")
    if cfg.cookies is not None and not cfg.cookies.is_file():
        raise InputError(f"{cfg.cookies}: cookies file not found (--cookies)")
    return find_js_runtime(cfg.js_runtime) if cfg.is_youtube else None


# ---------------------------------------------------------------------------------------------------------------
# One clip


class _YdlLogger:
    """Routes yt-dlp's messages to our log at DEBUG: its errors reach us as exceptions and become manifest reasons."""

    def __init__(self, ytid: str) -> None:
        self.ytid = ytid

    def debug(self, msg: str) -> None:
        log.debug("%s: %s", self.ytid, msg)

    info = debug
    warning = debug
    error = debug


def _ydl_params(cfg: MusicCapsDownloadConfig, js_runtimes: dict[str, dict[str, str]] | None) -> dict[str, Any]:
    """YoutubeDL options shared by every clip (yt-dlp's own retries are off: we retry with backoff ourselves)."""
    params: dict[str, Any] = {
        "format": "bestaudio/best",
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "noplaylist": True,
        "overwrites": True,
        "cachedir": False,
        "socket_timeout": cfg.timeout_s,
        "retries": 0,
        "fragment_retries": 0,
        "extractor_retries": 0,
        # ffmpeg fetches the section itself; without a read timeout a stalled server would hang the worker.
        "external_downloader_args": {"ffmpeg_i": ["-rw_timeout", str(int(cfg.timeout_s * 1_000_000))]},
    }
    if js_runtimes is not None:
        params["js_runtimes"] = js_runtimes
    if cfg.rate_limit:
        from yt_dlp.utils import parse_bytes

        params["ratelimit"] = parse_bytes(cfg.rate_limit)
    if cfg.sleep_s:
        params["sleep_interval"] = cfg.sleep_s
    if cfg.cookies is not None:
        params["cookiefile"] = str(cfg.cookies)
    return params


def _causes(err: BaseException) -> Iterator[BaseException]:
    """``err`` and what it wraps: yt-dlp nests the HTTP error inside ExtractorError inside DownloadError."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        exc_info = getattr(e, "exc_info", None)
        todo += [exc_info[1] if exc_info else None, getattr(e, "cause", None), e.__cause__, e.__context__]


def classify(err: BaseException) -> _Failure:
    """Map a yt-dlp error to a manifest status and reason, and say whether trying again can help."""
    from yt_dlp.networking.exceptions import HTTPError, TransportError
    from yt_dlp.utils import GeoRestrictedError, UnsupportedError

    message = " ".join(str(err).removeprefix("ERROR: ").split())[:500]
    causes = list(_causes(err))
    for e in causes:
        if isinstance(e, HTTPError):
            code = e.status
            if code in (404, 410):
                return _Failure(STATUS_UNAVAILABLE, f"{HTTP_PREFIX}{code}", message, False, False)
            transient = code in (403, 408, 429) or code >= 500  # YouTube answers 403 to expired or throttled URLs
            return _Failure(STATUS_FAILED, f"{HTTP_PREFIX}{code}", message, transient, transient)
        if isinstance(e, TransportError):
            reason = TIMEOUT if "timed out" in str(e).lower() else NETWORK_ERROR
            return _Failure(STATUS_FAILED, reason, message, True, True)
        if isinstance(e, GeoRestrictedError):
            return _Failure(STATUS_UNAVAILABLE, REGION_BLOCKED, message, False, False)
        if isinstance(e, UnsupportedError):
            return _Failure(STATUS_UNAVAILABLE, NO_MEDIA, message, False, False)
    lowered = message.lower()
    for needle, status, reason, retryable, transient in _MESSAGE_RULES:
        if needle in lowered:
            return _Failure(status, reason, message, retryable, transient)
    if "timed out" in lowered:
        return _Failure(STATUS_FAILED, TIMEOUT, message, True, True)
    # Unknown: let a later run try again (the cap on attempts stops it), but don't hammer within this run.
    return _Failure(STATUS_FAILED, DOWNLOAD_ERROR, message, True, False)


def _download_section(section: Section, work: Path, cfg: MusicCapsDownloadConfig,
                      params: dict[str, Any]) -> Path:
    """Fetch the section into ``work`` and return the file yt-dlp wrote (any container)."""
    import yt_dlp
    from yt_dlp.utils import download_range_func

    # ytid was validated against sources.musiccaps.YTID, so formatting it into the URL cannot inject anything.
    url = cfg.url_template.format(ytid=section.ytid)
    opts = dict(params, logger=_YdlLogger(section.ytid), outtmpl={"default": str(work / "section.%(ext)s")},
                download_ranges=download_range_func(None, [(section.start_s, section.end_s)]))
    with yt_dlp.YoutubeDL(opts) as ydl:
        info = ydl.extract_info(url, download=True)
    files = [Path(d["filepath"]) for d in (info or {}).get("requested_downloads") or () if d.get("filepath")]
    files = [f for f in files if f.is_file() and f.stat().st_size > 0]
    if not files:
        raise _NoOutput(f"{section.ytid}: yt-dlp reported success but wrote no audio file")
    return files[0]


def _verify_message(section: Section, src: Path, err: AudioError) -> str:
    """The AudioError's text without the scratch path (deleted by now), plus what the failure usually means."""
    detail = str(err).removeprefix(f"{src}: ")
    hint = "" if err.reason == audio.AUDIO_SILENT else "; the transfer was probably cut short"
    return (f"{section.ytid}: downloaded section {section.start_s:g}-{section.end_s:g} s "
            f"({src.stat().st_size} bytes of {src.suffix.lstrip('.')}): {detail}{hint}")


class _NoOutput(Exception):
    """yt-dlp returned without error but left no file (seen when ffmpeg gets an empty section)."""


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
    failure: _Failure | None = None
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
                src = _download_section(section, work, cfg, params)
            except yt_dlp.utils.DownloadError as err:
                failure = classify(err)
            except _NoOutput as err:
                failure = _Failure(STATUS_FAILED, NO_OUTPUT, str(err), True, False)
            else:
                try:
                    info = audio.normalise(src, out_dir / f"{section.ytid}.flac",
                                           expected_duration_s=section.end_s - section.start_s,
                                           tolerance_s=cfg.tolerance_s)
                except AudioError as err:
                    failure = _Failure(STATUS_FAILED, err.reason, _verify_message(section, src, err),
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
    params = _ydl_params(cfg, js_runtimes)

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
