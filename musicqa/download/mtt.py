"""MagnaTagATune: download (or adopt) the mp3 tree and its two annotation files, then check every clip.

The official release is three parts of one zip (``mp3.zip.001``-``003``, about 3 GB) plus
``annotations_final.csv`` and ``clip_info_final.csv``. Interrupted transfers resume with an HTTP Range
request; the parts are joined and extracted only once all three are complete, and the zip's CRCs are
checked as it is read. Whichever way the tree arrives, every ``mp3_path`` of the annotations is checked
and the missing or broken ones are listed in ``check.json`` (MTT ships a few empty mp3s).

Output layout, which ``build --magnatagatune.audio-dir OUT/mp3`` expects::

    OUT/annotations_final.csv  OUT/clip_info_final.csv  OUT/mp3/{0..f}/*.mp3  OUT/manifest.jsonl  OUT/check.json
"""

from __future__ import annotations

import csv
import dataclasses
import http.client
import json
import logging
import os
import random
import shutil
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import soundfile as sf
from tqdm import tqdm

from musicqa.atomic import atomic_path, replace_folder, write_atomic
from musicqa.audio import sha256_file
from musicqa.download.config import MTTDownloadConfig
from musicqa.download.manifest import STATUS_FAILED, STATUS_OK, Manifest, ManifestRecord, now_utc
from musicqa.errors import InputError
from musicqa.sources.mtt import PATH_COLUMN, check_mp3_path

log = logging.getLogger(__name__)

ANNOTATIONS = "annotations_final.csv"
CLIP_INFO = "clip_info_final.csv"
ARCHIVE_PARTS = ("mp3.zip.001", "mp3.zip.002", "mp3.zip.003")
AUDIO_SUBDIR = "mp3"
DOWNLOADS_SUBDIR = "downloads"
MANIFEST_NAME = "manifest.jsonl"
CHECK_NAME = "check.json"
EXTRACTED_MARKER = ".musicqa-extracted"  # written last, so a half-extracted tree is never taken as done
_BACKOFF_CAP_S = 60.0
_CHUNK = 1 << 20

# check.json reasons for annotated clips that cannot be used
MISSING = "missing"
EMPTY = "empty"
UNDECODABLE = "undecodable"
INVALID_PATH = "invalid_path"


@dataclass(frozen=True, slots=True)
class MTTSummary:
    """Where the MTT files are and how many annotated clips are usable."""

    out_dir: Path
    audio_dir: Path  # the mp3 root holding 0/ ... f/: pass it to the build
    annotations: Path
    clip_info: Path | None
    clips: int  # rows in annotations_final.csv
    present: int  # of those, mp3s that exist and open
    problems: tuple[tuple[str, str], ...]  # (mp3_path, reason) for the rest, in file order
    check_path: Path

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "problems"}
        d = {k: str(v) if isinstance(v, Path) else v for k, v in d.items()}
        d["problems"] = len(self.problems)
        d["problem_examples"] = [f"{p} ({r})" for p, r in self.problems[:10]]
        return d


def download_magnatagatune(out_dir: Path, cfg: MTTDownloadConfig) -> MTTSummary:
    """Fetch, join and extract the official MTT files into ``out_dir`` (or adopt ``cfg.from_dir``), then check."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if cfg.from_dir is not None:
        return adopt(Path(cfg.from_dir), out_dir, cfg)
    audio_dir = out_dir / AUDIO_SUBDIR
    downloads = out_dir / DOWNLOADS_SUBDIR
    with Manifest(out_dir / MANIFEST_NAME) as manifest:
        for name in (ANNOTATIONS, CLIP_INFO):
            fetch_file(cfg.base_url + name, out_dir / name, cfg, manifest)
        if not (audio_dir / EXTRACTED_MARKER).is_file():
            parts = [fetch_file(cfg.base_url + name, downloads / name, cfg, manifest) for name in ARCHIVE_PARTS]
            _join_and_extract(parts, audio_dir, manifest)
            if not cfg.keep_archives:
                shutil.rmtree(downloads, ignore_errors=True)
        else:
            log.info("%s: already extracted", audio_dir)
    annotations = out_dir / ANNOTATIONS
    root = _find_root(audio_dir, _read_mp3_paths(annotations)[:50])  # in case the zip wraps 0/ ... f/ in a folder
    return check_tree(out_dir, annotations, out_dir / CLIP_INFO, root, cfg)


def adopt(src: Path, out_dir: Path, cfg: MTTDownloadConfig) -> MTTSummary:
    """Use an already extracted tree in place: copy the CSVs to ``out_dir``, link ``out_dir/mp3`` to it, check it.

    Accepts ``src/{0..f}/`` or ``src/mp3/{0..f}/`` next to ``src/annotations_final.csv``. Nothing is
    copied but the two small CSVs; the mp3s stay where they are.
    """
    annotations = src / ANNOTATIONS
    if not annotations.is_file():
        raise InputError(f"{src}: no {ANNOTATIONS} here (--from-dir expects the extracted MagnaTagATune folder)")
    clip_info: Path | None = src / CLIP_INFO
    if not clip_info.is_file():
        log.warning("%s: no %s; clips will have no title or artist", src, CLIP_INFO)
        clip_info = None
    root = _find_root(src, _read_mp3_paths(annotations)[:50])
    if out_dir.resolve() != src.resolve():
        for f in (annotations, clip_info):
            if f is not None:
                _copy_atomic(f, out_dir / f.name)
        annotations = out_dir / ANNOTATIONS
        clip_info = out_dir / CLIP_INFO if clip_info is not None else None
    link = out_dir / AUDIO_SUBDIR
    if link.resolve() != root.resolve():
        if link.is_symlink():
            link.unlink()
        if link.exists():
            log.warning("%s exists and is not a link to %s; leaving it, using %s", link, root, root)
        else:
            link.symlink_to(root.resolve(), target_is_directory=True)
    audio_dir = link if link.resolve() == root.resolve() else root
    return check_tree(out_dir, annotations, clip_info, audio_dir, cfg)


def _find_root(base: Path, rel_paths: list[str]) -> Path:
    """The folder under which most of ``rel_paths`` exist: ``base`` itself, or one of its subfolders."""
    candidates = [base] + sorted(p for p in base.iterdir() if p.is_dir())
    scored = [(sum((c / r).is_file() for r in rel_paths), -i, c) for i, c in enumerate(candidates)]
    hits, _, best = max(scored)
    if rel_paths and hits == 0:
        raise InputError(f"{base}: none of the first {len(rel_paths)} mp3_path entries of {ANNOTATIONS} exist "
                         f"here or one folder down (e.g. {rel_paths[0]}); expected the MTT tree with 0/ ... f/")
    return best


def _read_mp3_paths(annotations: Path) -> list[str]:
    """The mp3_path column of annotations_final.csv (tab-separated, fields double-quoted), in file order."""
    try:
        with open(annotations, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            if PATH_COLUMN not in (reader.fieldnames or ()):
                raise InputError(f"{annotations}:1: no '{PATH_COLUMN}' column, expected MTT's annotations_final.csv")
            return [(row.get(PATH_COLUMN) or "").strip() for row in reader]
    except UnicodeDecodeError as err:
        raise InputError(f"{annotations}: not UTF-8 text ({err.reason} at byte {err.start})") from err


def check_tree(out_dir: Path, annotations: Path, clip_info: Path | None, audio_dir: Path,
               cfg: MTTDownloadConfig) -> MTTSummary:
    """Check that every annotated mp3 exists, is not empty and (``check_decode``) opens; write check.json."""
    paths = _read_mp3_paths(annotations)
    problems: list[tuple[str, str]] = []
    for rel in tqdm(paths, desc="check mp3", unit="clip", disable=None):
        if check_mp3_path(rel) is not None:
            problems.append((rel, INVALID_PATH))
            continue
        f = audio_dir / rel
        if not f.is_file():
            problems.append((rel, MISSING))
        elif f.stat().st_size == 0:
            problems.append((rel, EMPTY))
        elif cfg.check_decode:
            try:
                sf.info(str(f))
            except sf.SoundFileError:
                problems.append((rel, UNDECODABLE))
    summary = MTTSummary(out_dir=out_dir, audio_dir=audio_dir, annotations=annotations, clip_info=clip_info,
                         clips=len(paths), present=len(paths) - len(problems), problems=tuple(problems),
                         check_path=out_dir / CHECK_NAME)
    report = summary.to_dict() | {"problems": [{"mp3_path": p, "reason": r} for p, r in problems]}
    report.pop("problem_examples")
    write_atomic(summary.check_path, json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for _, reason in problems:
        counts[reason] = counts.get(reason, 0) + 1
    log.info("magnatagatune: %d annotated clips, %d usable, %s; details in %s", summary.clips, summary.present,
             ", ".join(f"{r} {n}" for r, n in sorted(counts.items())) or "no problems", summary.check_path)
    return summary


# ---------------------------------------------------------------------------------------------------------------
# HTTP with resume


class _Transient(Exception):
    """A network problem worth retrying: the next attempt resumes where this one stopped."""


def fetch_file(url: str, dest: Path, cfg: MTTDownloadConfig, manifest: Manifest) -> Path:
    """Download ``url`` to ``dest`` (resuming a ``.part`` file), record it, and return ``dest``.

    Skipped when the manifest says it was fetched and the file still has that sha256's size. A 4xx
    other than 408/429 stops the whole command: without the official files there is nothing to build.
    """
    name = dest.name
    prev = manifest.latest.get(name)
    if prev is not None and prev.status == STATUS_OK and dest.is_file() and dest.stat().st_size == prev.size_bytes:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    attempts = prev.attempts if prev is not None else 0
    t0 = time.monotonic()
    for retry in range(cfg.retries + 1):
        attempts += 1
        try:
            _transfer(url, part, cfg.timeout_s)
            break
        except _Transient as err:
            if retry == cfg.retries:
                manifest.append(ManifestRecord(id=name, status=STATUS_FAILED, reason="network_error",
                                               message=f"{url}: {err}", retryable=True, attempts=attempts,
                                               time=now_utc(), elapsed_s=round(time.monotonic() - t0, 3)))
                raise InputError(f"{url}: download failed after {attempts} attempts ({err}); rerun to resume") from err
            delay = min(cfg.backoff_s * 2**retry, _BACKOFF_CAP_S) * random.uniform(0.75, 1.25)
            log.warning("%s: %s; retrying in %.1f s (resumes at %d bytes)", url, err, delay,
                        part.stat().st_size if part.exists() else 0)
            time.sleep(delay)
        except urllib.error.HTTPError as err:
            manifest.append(ManifestRecord(id=name, status=STATUS_FAILED, reason=f"http_{err.code}",
                                           message=f"{url}: HTTP {err.code} {err.reason}", attempts=attempts,
                                           time=now_utc(), elapsed_s=round(time.monotonic() - t0, 3)))
            raise InputError(f"{url}: HTTP {err.code} {err.reason} (check --base-url)") from err
    os.replace(part, dest)
    size = dest.stat().st_size
    manifest.append(ManifestRecord(id=name, status=STATUS_OK, path=str(dest.relative_to(manifest.path.parent)),
                                   sha256=sha256_file(dest), size_bytes=size, attempts=attempts,
                                   time=now_utc(), elapsed_s=round(time.monotonic() - t0, 3)))
    log.info("%s: %d bytes", name, size)
    return dest


def _transfer(url: str, part: Path, timeout_s: float) -> None:
    """Append the rest of ``url`` to ``part``; raise _Transient if the transfer stops short."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "musicqa", **({"Range": f"bytes={offset}-"} if offset else {})}
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=timeout_s)  # noqa: S310 - the URL is the user's --base-url
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # nothing after offset: the part is already complete (or longer)
            return
        if err.code in (408, 429) or err.code >= 500:
            raise _Transient(f"HTTP {err.code} {err.reason}") from err
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        raise _Transient(str(getattr(err, "reason", err))) from err
    with resp:
        if offset and resp.status != 206:  # the server ignored Range: start again from byte 0
            offset = 0
        length = resp.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        mode = "ab" if offset else "wb"
        with open(part, mode) as fh, tqdm(total=total, initial=offset, unit="B", unit_scale=True,
                                          desc=part.name.removesuffix(".part"), disable=None, leave=False) as bar:
            while True:
                try:
                    block = resp.read(_CHUNK)
                except (http.client.IncompleteRead, OSError) as err:  # OSError: socket timeouts and resets
                    raise _Transient(f"transfer stopped at {fh.tell()} bytes ({err})") from err
                if not block:
                    break
                fh.write(block)
                bar.update(len(block))
            fh.flush()
            os.fsync(fh.fileno())
    got = part.stat().st_size
    if total is not None and got < total:
        raise _Transient(f"transfer stopped at {got} of {total} bytes")


# ---------------------------------------------------------------------------------------------------------------
# Join and extract


def _join_and_extract(parts: list[Path], audio_dir: Path, manifest: Manifest) -> None:
    """Concatenate the parts into one zip, extract it to ``audio_dir`` and mark the tree complete.

    The parts are plain byte slices of one zip file (``cat mp3.zip.* > mp3.zip``). Extraction goes
    to a sibling folder that is renamed into place, so ``audio_dir`` is either complete or absent.
    """
    joined = parts[0].with_name("mp3.zip")
    with atomic_path(joined) as tmp, open(tmp, "wb") as out:
        for p in parts:
            with open(p, "rb") as fh:
                shutil.copyfileobj(fh, out, _CHUNK)
    staging = audio_dir.with_name(audio_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with zipfile.ZipFile(joined) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            for m in tqdm(members, desc="extract", unit="file", disable=None):
                target = (staging / m.filename).resolve()
                if not target.is_relative_to(staging.resolve()):  # a crafted archive must not write elsewhere
                    raise InputError(f"{joined}: member {m.filename!r} would extract outside {staging}")
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(m) as src, open(target, "wb") as dst:  # reading to the end checks the CRC
                    shutil.copyfileobj(src, dst, _CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        for p in parts:  # make the next run fetch the parts again instead of trusting them
            manifest.append(ManifestRecord(id=p.name, status=STATUS_FAILED, reason="archive_corrupt",
                                           message=f"{joined}: {err}", retryable=True, time=now_utc(),
                                           attempts=manifest.latest[p.name].attempts if p.name in manifest.latest
                                           else 0))
            p.unlink(missing_ok=True)
        raise InputError(f"{joined}: corrupt archive ({err}); the parts were discarded, rerun to fetch them again") \
            from err
    finally:
        joined.unlink(missing_ok=True)
    (staging / EXTRACTED_MARKER).write_text(now_utc() + "\n")
    replace_folder(staging, audio_dir)
    log.info("extracted %d files to %s", len(members), audio_dir)


def _copy_atomic(src: Path, dst: Path) -> None:
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)
