"""Config dataclasses of the ``download`` commands; light to import so ``--help`` stays instant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from musicqa.config import field

YOUTUBE_URL_TEMPLATE = "https://www.youtube.com/watch?v={ytid}"
MTT_BASE_URL = "https://mirg.city.ac.uk/datasets/magnatagatune/"
JS_RUNTIMES = ("auto", "deno", "node", "bun")
_RATE = re.compile(r"^\d+(\.\d+)?[KMG]?$", re.IGNORECASE)


@dataclass(frozen=True)
class MusicCapsDownloadConfig:
    """How ``download musiccaps`` fetches each clip's start_s..end_s section."""

    jobs: int = field(4, help="clips downloaded in parallel (YouTube throttles many parallel clients; keep it small)")
    retries: int = field(3, help="extra attempts within this run for transient errors (timeouts, HTTP 5xx/429)")
    backoff_s: float = field(2.0, help="first retry delay in seconds; doubles on each retry, capped at 60 s")
    timeout_s: float = field(30.0, help="network timeout in seconds for a request or a stalled transfer")
    max_attempts: int = field(5, help="total attempts per clip over all runs before a retryable failure is left alone")
    retry_unavailable: bool = field(False, help="also retry clips recorded as unavailable (private, removed, ...)")
    rate_limit: str | None = field(None, help="bandwidth cap of yt-dlp's own HTTP downloads, e.g. 2M (bytes/s); "
                                              "ffmpeg section fetches are paced by --jobs and --sleep-s")
    sleep_s: float = field(0.0, help="seconds each worker waits before every download, to stay below rate limits")
    cookies: Path | None = field(None, help="Netscape cookies.txt for yt-dlp (age-gated or bot-checked videos)")
    url_template: str = field(YOUTUBE_URL_TEMPLATE, help="video URL; {ytid} is replaced (tests use a local server)")
    js_runtime: str = field("auto", help="JavaScript runtime yt-dlp uses for YouTube: auto, deno, node or bun")
    tolerance_s: float = field(0.5, help="accepted difference between a clip's duration and end_s - start_s")
    limit: int | None = field(None, help="only the first N rows of the CSV (for a trial run)")

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise ValueError(f"--jobs must be >= 1, got {self.jobs}")
        if self.retries < 0 or self.max_attempts < 1:
            raise ValueError(f"--retries must be >= 0 and --max-attempts >= 1, got {self.retries}, {self.max_attempts}")
        if self.backoff_s < 0 or self.sleep_s < 0 or self.timeout_s <= 0 or self.tolerance_s <= 0:
            raise ValueError("--backoff-s, --sleep-s must be >= 0 and --timeout-s, --tolerance-s > 0")
        if "{ytid}" not in self.url_template:
            raise ValueError(f"--url-template must contain {{ytid}}, got {self.url_template!r}")
        try:
            self.url_template.format(ytid="x" * 11)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"--url-template {self.url_template!r}: only {{ytid}} may be substituted") from err
        if self.rate_limit is not None and not _RATE.match(self.rate_limit):
            raise ValueError(f"--rate-limit {self.rate_limit!r}: expected bytes/s like 500K or 2M")
        if self.js_runtime not in JS_RUNTIMES:
            raise ValueError(f"--js-runtime {self.js_runtime!r}: expected one of {', '.join(JS_RUNTIMES)}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"--limit must be >= 1, got {self.limit}")

    @property
    def is_youtube(self) -> bool:
        """True when the URLs point at YouTube, which needs a JS runtime; a test server does not."""
        return "youtube.com/" in self.url_template or "youtu.be/" in self.url_template


@dataclass(frozen=True)
class MTTDownloadConfig:
    """How ``download magnatagatune`` fetches (or adopts) the MagnaTagATune mp3s and annotations."""

    from_dir: Path | None = field(None, help="adopt an already extracted MTT tree instead of downloading")
    base_url: str = field(MTT_BASE_URL, help="folder URL holding mp3.zip.001-003 and the two annotation CSVs")
    timeout_s: float = field(60.0, help="network timeout in seconds")
    retries: int = field(5, help="extra attempts per file for transient errors; a partial file resumes")
    backoff_s: float = field(2.0, help="first retry delay in seconds; doubles on each retry, capped at 60 s")
    keep_archives: bool = field(False, help="keep mp3.zip.00N after extraction (about 3 GB)")
    check_decode: bool = field(True, help="open every annotated mp3's header, not only check that it exists")

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.retries < 0 or self.backoff_s < 0:
            raise ValueError("--timeout-s must be > 0, --retries and --backoff-s >= 0")
        if not self.base_url.endswith("/"):
            raise ValueError(f"--base-url must end with '/', got {self.base_url!r}")
