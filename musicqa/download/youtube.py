"""yt-dlp for the MusicCaps downloader: start-up checks, the options, one section's fetch, and what an error means.

Split from ``download.musiccaps`` (which runs the CSV and the manifest) so each stays readable; the reasons below
are the manifest's, counted and compared across runs.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicqa.download.config import MusicCapsDownloadConfig
from musicqa.download.manifest import STATUS_FAILED, STATUS_UNAVAILABLE
from musicqa.errors import InputError

log = logging.getLogger(__name__)

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

@dataclass(frozen=True, slots=True)
class Failure:
    """Why a fetch failed, as the manifest records it."""

    status: str
    reason: str
    message: str
    retryable: bool
    transient: bool  # retried with backoff within this run


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


class _YdlLogger:
    """Routes yt-dlp's messages to our log at DEBUG: its errors reach us as exceptions and become manifest reasons."""

    def __init__(self, ytid: str) -> None:
        self.ytid = ytid

    def debug(self, msg: str) -> None:
        log.debug("%s: %s", self.ytid, msg)

    info = debug
    warning = debug
    error = debug


def ydl_params(cfg: MusicCapsDownloadConfig, js_runtimes: dict[str, dict[str, str]] | None) -> dict[str, Any]:
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


def classify(err: BaseException) -> Failure:
    """Map a yt-dlp error to a manifest status and reason, and say whether trying again can help."""
    from yt_dlp.networking.exceptions import HTTPError, TransportError
    from yt_dlp.utils import GeoRestrictedError, UnsupportedError

    message = " ".join(str(err).removeprefix("ERROR: ").split())[:500]
    causes = list(_causes(err))
    for e in causes:
        if isinstance(e, HTTPError):
            code = e.status
            if code in (404, 410):
                return Failure(STATUS_UNAVAILABLE, f"{HTTP_PREFIX}{code}", message, False, False)
            transient = code in (403, 408, 429) or code >= 500  # YouTube answers 403 to expired or throttled URLs
            return Failure(STATUS_FAILED, f"{HTTP_PREFIX}{code}", message, transient, transient)
        if isinstance(e, TransportError):
            reason = TIMEOUT if "timed out" in str(e).lower() else NETWORK_ERROR
            return Failure(STATUS_FAILED, reason, message, True, True)
        if isinstance(e, GeoRestrictedError):
            return Failure(STATUS_UNAVAILABLE, REGION_BLOCKED, message, False, False)
        if isinstance(e, UnsupportedError):
            return Failure(STATUS_UNAVAILABLE, NO_MEDIA, message, False, False)
    lowered = message.lower()
    for needle, status, reason, retryable, transient in _MESSAGE_RULES:
        if needle in lowered:
            return Failure(status, reason, message, retryable, transient)
    if "timed out" in lowered:
        return Failure(STATUS_FAILED, TIMEOUT, message, True, True)
    # Unknown: let a later run try again (the cap on attempts stops it), but don't hammer within this run.
    return Failure(STATUS_FAILED, DOWNLOAD_ERROR, message, True, False)


def download_section(ytid: str, start_s: float, end_s: float, work: Path, cfg: MusicCapsDownloadConfig,
                     params: dict[str, Any]) -> Path:
    """Fetch the section into ``work`` and return the file yt-dlp wrote (any container)."""
    import yt_dlp
    from yt_dlp.utils import download_range_func

    # ytid was validated against sources.musiccaps_segments.YTID: formatting it into the URL cannot inject anything.
    url = cfg.url_template.format(ytid=ytid)
    opts = dict(params, logger=_YdlLogger(ytid), outtmpl={"default": str(work / "section.%(ext)s")},
                download_ranges=download_range_func(None, [(start_s, end_s)]))
    with yt_dlp.YoutubeDL(opts) as ydl:
        info = ydl.extract_info(url, download=True)
    files = [Path(d["filepath"]) for d in (info or {}).get("requested_downloads") or () if d.get("filepath")]
    files = [f for f in files if f.is_file() and f.stat().st_size > 0]
    if not files:
        raise NoOutput(f"{ytid}: yt-dlp reported success but wrote no audio file")
    return files[0]


class NoOutput(Exception):
    """yt-dlp returned without error but left no file (seen when ffmpeg gets an empty section)."""
