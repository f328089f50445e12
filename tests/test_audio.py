"""musicqa.audio on the real shared clips: what the build and the trainer will see."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from musicqa import audio
from musicqa.errors import AudioError

AUDIO_DIR = Path(__file__).resolve().parents[1] / "sample_data" / "audio"
CLIP = AUDIO_DIR / "asc-frontiers-30s.mp3"  # 10 s, 22.05 kHz stereo MP3
LONG = AUDIO_DIR / "asc-frontiers-60s-long.mp3"  # 60 s


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    assert exe, "ffmpeg is required (Debian: apt-get install ffmpeg; .ci/run installs it)"
    return exe


def _best_correlation(a: np.ndarray, b: np.ndarray, max_lag: int) -> float:
    """Highest normalised correlation of a and b over lags within ±max_lag samples (codec delays differ)."""
    n = min(len(a), len(b)) - 2 * max_lag
    ref = a[max_lag:max_lag + n]
    best = -1.0
    for lag in range(-max_lag, max_lag + 1):
        seg = b[max_lag + lag:max_lag + lag + n]
        best = max(best, float(np.dot(ref, seg) / (np.linalg.norm(ref) * np.linalg.norm(seg) + 1e-12)))
    return best


def test_decode_mp3_gives_float32_frames_by_channels_at_native_rate():
    x, sr = audio.decode(CLIP)
    assert sr == 22050
    assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2
    assert abs(x.shape[0] / sr - 10.0) < 0.05
    assert not audio.is_silent(x)


def test_decode_section_is_the_same_samples_as_slicing_the_whole_file():
    full, sr = audio.decode(LONG)
    part, sr2 = audio.decode(LONG, start_s=20.0, end_s=30.0)
    assert sr2 == sr and part.shape == (10 * sr, 2)
    assert np.allclose(part, full[20 * sr:30 * sr], atol=1e-6)


def test_resample_to_24k_keeps_length_and_pitch():
    sr_in = 22050
    t = np.arange(sr_in * 2) / sr_in
    tone = (0.5 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    y = audio.resample(tone, sr_in, audio.TARGET_SR)
    assert y.dtype == np.float32
    assert abs(len(y) - 2 * audio.TARGET_SR) <= 1
    spectrum = np.abs(np.fft.rfft(y))
    peak_hz = np.argmax(spectrum) * audio.TARGET_SR / len(y)
    assert abs(peak_hz - 1000.0) < 1.0


def test_resample_down_removes_content_above_the_new_nyquist():
    # A 15 kHz tone cannot exist at 24 kHz; a naive resampler folds it back to 9 kHz.
    sr_in = 48000
    t = np.arange(sr_in) / sr_in
    tone = (0.5 * np.sin(2 * np.pi * 15000.0 * t)).astype(np.float32)
    y = audio.resample(tone, sr_in, audio.TARGET_SR)
    assert audio.rms_db(y[1000:-1000]) < -80


def test_to_mono_averages_channels():
    x = np.stack([np.ones(10), -np.ones(10) * 0.5], axis=1).astype(np.float32)
    assert np.allclose(audio.to_mono(x), 0.25)
    assert audio.to_mono(x[:, 0]).shape == (10,)


def test_normalise_writes_mono_24k_flac_that_round_trips(tmp_path):
    dst = tmp_path / "clips" / "abc.flac"
    info = audio.normalise(CLIP, dst)
    assert info.path == dst and info.sample_rate == audio.TARGET_SR
    assert abs(info.duration_s - 10.0) < 0.05
    assert info.sha256 == audio.sha256_file(dst)
    meta = sf.info(str(dst))
    assert (meta.format, meta.subtype, meta.samplerate, meta.channels) == ("FLAC", "PCM_16", 24000, 1)
    written, sr = audio.decode(dst)
    expected = audio.load(CLIP)
    assert sr == audio.TARGET_SR and written.shape == (len(expected), 1)
    assert np.max(np.abs(written[:, 0] - np.clip(expected, -1, 1))) < 2 / 32768  # only 16-bit rounding
    assert [p.name for p in dst.parent.iterdir()] == ["abc.flac"]  # no temp file left behind


def test_normalise_section_and_expected_duration(tmp_path):
    info = audio.normalise(LONG, tmp_path / "s.flac", start_s=5.0, end_s=15.0, expected_duration_s=10.0)
    assert abs(info.duration_s - 10.0) < 1e-3
    with pytest.raises(AudioError) as err:
        audio.normalise(LONG, tmp_path / "w.flac", start_s=5.0, end_s=15.0, expected_duration_s=12.0)
    assert err.value.reason == "audio_wrong_duration" and str(LONG) in str(err.value)
    assert not (tmp_path / "w.flac").exists()


def test_loud_input_is_clipped_not_wrapped(tmp_path):
    src = tmp_path / "loud.wav"
    sf.write(src, np.full(24000 * 2, 1.5, dtype=np.float32) * np.sign(np.sin(np.arange(48000) / 10)), 24000,
             subtype="FLOAT")
    audio.normalise(src, tmp_path / "loud.flac")
    y, _ = audio.decode(tmp_path / "loud.flac")
    assert np.max(np.abs(y)) <= 1.0 and np.min(y) < -0.99 and np.max(y) > 0.99


def test_silence_is_detected_and_rejected(tmp_path):
    assert audio.is_silent(np.zeros(1000, dtype=np.float32))
    assert audio.is_silent(np.full(1000, 1e-4, dtype=np.float32))  # -80 dBFS hiss
    assert not audio.is_silent(audio.load(CLIP))
    src = tmp_path / "quiet.wav"
    sf.write(src, np.zeros((24000 * 3, 2), dtype=np.float32), 24000)
    with pytest.raises(AudioError) as err:
        audio.normalise(src, tmp_path / "quiet.flac")
    assert err.value.reason == "audio_silent" and "quiet.wav" in str(err.value)
    assert list(tmp_path.iterdir()) == [src]


def test_too_short_is_rejected(tmp_path):
    src = tmp_path / "blip.wav"
    sf.write(src, np.random.default_rng(0).uniform(-0.5, 0.5, 12000).astype(np.float32), 24000)
    with pytest.raises(AudioError) as err:
        audio.normalise(src, tmp_path / "blip.flac")
    assert err.value.reason == "audio_too_short"


def test_undecodable_file_names_the_file(tmp_path, ffmpeg):
    bad = tmp_path / "not-audio.mp3"
    bad.write_text("<html><body>This video is unavailable</body></html>")
    with pytest.raises(AudioError) as err:
        audio.decode(bad)
    assert err.value.reason == "audio_undecodable"
    assert "not-audio.mp3" in str(err.value) and "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError) as err:
        audio.normalise(tmp_path / "gone.flac", tmp_path / "out.flac")
    assert err.value.reason == "audio_missing" and "gone.flac" in str(err.value)


def test_m4a_is_decoded_through_ffmpeg(tmp_path, ffmpeg):
    m4a = tmp_path / "clip.m4a"
    subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-i", str(CLIP), "-c:a", "aac", "-b:a", "128k", str(m4a)],
                   check=True)
    with pytest.raises(sf.SoundFileError):
        sf.info(str(m4a))  # the point of the fallback: libsndfile cannot read it
    x, sr = audio.decode(m4a)
    assert sr == 22050 and x.shape[1] == 2 and abs(len(x) / sr - 10.0) < 0.1
    part, _ = audio.decode(m4a, start_s=2.0, end_s=4.0)
    assert abs(len(part) / sr - 2.0) < 0.01
    ref = audio.load(CLIP)
    got = audio.load(m4a)
    assert _best_correlation(ref, got, max_lag=2400) > 0.95
    info = audio.normalise(m4a, tmp_path / "clip.flac", expected_duration_s=10.0)
    assert info.sample_rate == audio.TARGET_SR
