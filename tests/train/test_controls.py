"""Audio controls: the same noise for the same seed and clip, silence of the clip's length, unknown names refused."""

from __future__ import annotations

import numpy as np
import pytest

from musicqa.train import controls


@pytest.fixture()
def wave() -> np.ndarray:
    t = np.arange(24000 * 3) / 24000
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_noise_is_the_same_under_a_seed_and_differs_across_seeds_and_clips(wave):
    a = controls.replace(wave, "noise", seed=0, key="clip.flac")
    assert np.array_equal(a, controls.replace(wave.copy(), "noise", seed=0, key="clip.flac"))
    assert not np.allclose(a, controls.replace(wave, "noise", seed=1, key="clip.flac"))
    assert not np.allclose(a, controls.replace(wave, "noise", seed=0, key="other.flac"))
    assert a.shape == wave.shape and a.dtype == wave.dtype
    # the clip's loudness, none of its music: RMS kept, correlation with the tone gone
    assert np.sqrt(np.mean(a ** 2)) == pytest.approx(np.sqrt(np.mean(wave ** 2)), rel=0.02)
    assert abs(np.corrcoef(a, wave)[0, 1]) < 0.02


def test_silence_has_the_clips_length_and_no_signal(wave):
    s = controls.replace(wave, "silence", seed=0, key="clip.flac")
    assert s.shape == wave.shape and s.dtype == wave.dtype and not s.any()


def test_noise_of_a_silent_clip_is_silent():
    assert not controls.replace(np.zeros(100, np.float32), "noise", seed=0, key="x").any()


def test_no_audio_has_no_waveform_and_unknown_names_are_refused(wave):
    with pytest.raises(ValueError, match="no waveform"):
        controls.replace(wave, "no-audio", seed=0, key="x")
    assert controls.check(["noise", "silence", "noise"]) == ("noise", "silence")
    with pytest.raises(ValueError, match="--audio-controls: unknown control 'pink', expected some of noise, "
                                         "silence, no-audio"):
        controls.check(["noise", "pink"])
