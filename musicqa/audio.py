"""Audio I/O: decode, downmix, resample, FLAC encode, and the checks that make a clip usable.

This is the only module that knows sample rates. The build, the downloaders and the trainer all
go through it, so every clip in a dataset has been decoded, resampled and verified the same way.
soundfile (libsndfile) reads WAV/FLAC/OGG/MP3 in-process; containers it cannot read (m4a, webm,
opus in Matroska) go through an ``ffmpeg`` subprocess called with an argument list, never a shell.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from musicqa.atomic import atomic_path
from musicqa.errors import AudioError, StorageError

log = logging.getLogger(__name__)

TARGET_SR = 24000  # MERT-v1 and the bundled Audio column both use 24 kHz

# AudioError.reason values raised here; they are counted in summaries and the card, so renaming one breaks them.
AUDIO_MISSING = "audio_missing"
AUDIO_UNDECODABLE = "audio_undecodable"
AUDIO_SILENT = "audio_silent"
AUDIO_TOO_SHORT = "audio_too_short"
AUDIO_WRONG_DURATION = "audio_wrong_duration"
AUDIO_REASONS = (AUDIO_MISSING, AUDIO_UNDECODABLE, AUDIO_SILENT, AUDIO_TOO_SHORT, AUDIO_WRONG_DURATION)

_FFMPEG_TIMEOUT_S = 300  # a local decode never takes this long; a hang here is a broken file or pipe


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What ``normalise`` wrote: the file, its length, rate and the sha256 of its bytes."""

    path: Path
    duration_s: float
    sample_rate: int
    sha256: str


def decode(path: Path, *, start_s: float | None = None, end_s: float | None = None) -> tuple[np.ndarray, int]:
    """Return float32 samples shaped [frames, channels] and the file's own sample rate.

    Only the ``start_s``..``end_s`` section is decoded, so a 10-second MusicCaps clip is cut from a
    long file without decoding all of it. Raises AudioError ``audio_missing`` or ``audio_undecodable``.
    """
    path = Path(path)
    if start_s is not None and start_s < 0:
        raise ValueError(f"start_s must be >= 0, got {start_s}")
    if start_s is not None and end_s is not None and end_s <= start_s:
        raise ValueError(f"end_s ({end_s}) must be greater than start_s ({start_s})")
    if not path.is_file():
        raise AudioError(AUDIO_MISSING, f"{path}: audio file not found")
    try:
        return _decode_soundfile(path, start_s, end_s)
    except sf.SoundFileError as err:
        # libsndfile cannot read m4a/webm/Matroska; ffmpeg can, and also rescues some odd mp3s.
        log.debug("%s: soundfile cannot read it (%s); trying ffmpeg", path, err)
        return _decode_ffmpeg(path, start_s, end_s)


def _decode_soundfile(path: Path, start_s: float | None, end_s: float | None) -> tuple[np.ndarray, int]:
    with sf.SoundFile(str(path)) as f:
        sr = f.samplerate
        start = round(start_s * sr) if start_s else 0
        stop = round(end_s * sr) if end_s is not None else -1
        if start:
            if start >= f.frames > 0:
                return np.zeros((0, f.channels), dtype=np.float32), sr
            f.seek(start)
        frames = -1 if stop < 0 else max(stop - start, 0)
        x = f.read(frames, dtype="float32", always_2d=True)
    return x, sr


def _ffmpeg_exe(name: str = "ffmpeg") -> str:
    exe = shutil.which(name)
    if exe is None:
        raise AudioError(AUDIO_UNDECODABLE, f"{name} is not installed (Debian: apt-get install ffmpeg); "
                                            "it is needed for m4a/webm/opus audio and for downloads")
    return exe


def _ffmpeg_input(path: Path) -> str:
    # "file:" stops ffmpeg reading a path as a protocol URL or an option (a name may start with "-").
    return "file:" + str(path.resolve())


def _ffmpeg_detail(stderr: bytes, path: Path) -> str:
    """ffmpeg's last error line without the file name it starts with (the caller names the file once)."""
    lines = stderr.decode(errors="replace").strip().splitlines()
    if not lines:
        return "ffmpeg found no audio stream"
    return "ffmpeg: " + lines[-1].replace(f"{_ffmpeg_input(path)}: ", "").strip()


def _probe(path: Path) -> tuple[int, int]:
    """Sample rate and channel count of the first audio stream, as ffprobe reports them."""
    cmd = [_ffmpeg_exe("ffprobe"), "-v", "error", "-select_streams", "a:0",
           "-show_entries", "stream=sample_rate,channels", "-of", "json", _ffmpeg_input(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=_FFMPEG_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as err:
        raise AudioError(AUDIO_UNDECODABLE, f"{path}: ffprobe timed out") from err
    try:
        stream = json.loads(proc.stdout or b"{}").get("streams", [])[0]
        return int(stream["sample_rate"]), int(stream["channels"])
    except (IndexError, KeyError, ValueError, TypeError) as err:
        raise AudioError(AUDIO_UNDECODABLE, f"{path}: cannot decode audio ({_ffmpeg_detail(proc.stderr, path)})") \
            from err


def _decode_ffmpeg(path: Path, start_s: float | None, end_s: float | None) -> tuple[np.ndarray, int]:
    sr, channels = _probe(path)
    cmd = [_ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error"]
    if start_s:
        cmd += ["-ss", f"{start_s:.6f}"]  # before -i: fast input seek, still sample-accurate when decoding
    if end_s is not None:
        cmd += ["-t", f"{end_s - (start_s or 0.0):.6f}"]
    # Keep the file's own rate and channels: resampling happens in resample() (soxr) for every format alike.
    cmd += ["-i", _ffmpeg_input(path), "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le",
            "-ac", str(channels), "-ar", str(sr), "pipe:1"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=_FFMPEG_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as err:
        raise AudioError(AUDIO_UNDECODABLE, f"{path}: ffmpeg timed out decoding it") from err
    if proc.returncode != 0:
        raise AudioError(AUDIO_UNDECODABLE, f"{path}: cannot decode audio ({_ffmpeg_detail(proc.stderr, path)})")
    x = np.frombuffer(proc.stdout, dtype="<f4")
    x = x[: len(x) - len(x) % channels].reshape(-1, channels)
    return x.astype(np.float32, copy=True), sr


def decode_bytes(data: bytes) -> tuple[np.ndarray, int]:
    """Decode an in-memory file (e.g. the FLAC bytes of a bundled Audio cell) to [frames, channels] float32."""
    try:
        x, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except sf.SoundFileError as err:
        raise AudioError(AUDIO_UNDECODABLE, f"<{len(data)} bytes>: cannot decode audio ({err})") from err
    return x, sr


def to_mono(x: np.ndarray) -> np.ndarray:
    """Return 1-D float32 audio: the mean of the channels (a 1-D input is returned as float32)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        return x
    if x.ndim != 2:
        raise ValueError(f"expected [frames] or [frames, channels], got shape {x.shape}")
    if x.shape[1] == 1:
        return x[:, 0].copy()
    return x.mean(axis=1, dtype=np.float32)


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Return ``x`` resampled from ``sr_in`` to ``sr_out`` Hz with soxr's high-quality filter.

    soxr "HQ" keeps the passband flat and aliasing below -100 dB at a fraction of the cost of "VHQ";
    naive interpolation (what the seed did) folds 11-12 kHz content into the band MERT listens to.
    """
    x = np.asarray(x, dtype=np.float32)
    if sr_in == sr_out or len(x) == 0:
        return x
    return soxr.resample(x, sr_in, sr_out, quality="HQ").astype(np.float32, copy=False)


def rms_db(x: np.ndarray) -> float:
    """Root-mean-square level in dBFS (full scale = 1.0); -inf for empty or all-zero audio."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(np.square(x))))
    return 20.0 * float(np.log10(rms)) if rms > 0 else float("-inf")


def is_silent(x: np.ndarray, threshold_db: float = -60.0) -> bool:
    """True when the whole clip's RMS level is below ``threshold_db`` dBFS.

    Removed YouTube videos sometimes come back as a valid file of digital silence; a QA pair
    about silence would teach the model to describe music it never heard.
    """
    return rms_db(x) < threshold_db


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(path: Path, *, sample_rate: int = TARGET_SR, start_s: float | None = None,
         end_s: float | None = None) -> np.ndarray:
    """Return mono float32 audio at ``sample_rate``: what a model's feature extractor expects."""
    x, sr = decode(path, start_s=start_s, end_s=end_s)
    return resample(to_mono(x), sr, sample_rate)


def normalise(src: Path, dst: Path, *, sample_rate: int = TARGET_SR, start_s: float | None = None,
              end_s: float | None = None, min_duration_s: float = 1.0, expected_duration_s: float | None = None,
              tolerance_s: float = 0.5) -> AudioInfo:
    """Write ``src`` (or its start_s..end_s section) to ``dst`` as mono 16-bit FLAC and return what was written.

    The file appears atomically (temp file in dst's folder, then ``os.replace``), so a crash never leaves
    a half-written clip that a rerun would mistake for a finished one. Nothing is written when a check
    fails; the AudioError's reason is one of AUDIO_REASONS and its message names ``src``.
    """
    src, dst = Path(src), Path(dst)
    x, sr = decode(src, start_s=start_s, end_s=end_s)
    y = resample(to_mono(x), sr, sample_rate)
    duration = len(y) / sample_rate
    if duration < min_duration_s:
        raise AudioError(AUDIO_TOO_SHORT, f"{src}: {duration:.2f} s of audio, expected at least {min_duration_s:g} s")
    if expected_duration_s is not None and abs(duration - expected_duration_s) > tolerance_s:
        raise AudioError(AUDIO_WRONG_DURATION, f"{src}: {duration:.2f} s of audio, expected "
                                               f"{expected_duration_s:g} ± {tolerance_s:g} s")
    level = rms_db(y)
    if is_silent(y):
        raise AudioError(AUDIO_SILENT, f"{src}: silent (RMS {level:.1f} dBFS)")
    # libsndfile wraps rather than clips when converting float > 1.0 to PCM_16; clip explicitly.
    np.clip(y, -1.0, 1.0, out=y)
    with atomic_path(dst) as tmp:
        try:
            sf.write(tmp, y, sample_rate, format="FLAC", subtype="PCM_16")
        except sf.LibsndfileError as err:  # libsndfile says only "System error." for a full disk: add the space left
            free = shutil.disk_usage(tmp.parent).free
            raise StorageError(f"{dst}: cannot write FLAC: libsndfile: {err.error_string} ({free:,} bytes free on "
                               "its file system)") from err
        digest = sha256_file(tmp)
    return AudioInfo(path=dst, duration_s=round(duration, 6), sample_rate=sample_rate, sha256=digest)
