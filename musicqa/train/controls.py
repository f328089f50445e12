"""Audio controls: each clip replaced by noise or silence of its own length, or no audio input at all.

A music-QA score says a model listens only if it falls when the music is gone: many music-QA items can be
answered from the question alone (RUListening, 2025), and MU-LLaMA's answers barely change when its audio
is replaced by noise. Evaluating the same items under these controls, beside real audio, measures that:
the difference in accuracy is the model's *audio dependence*.

- ``noise``: white Gaussian noise at the clip's own RMS level (the level stays, the music goes), drawn from
  the seed and the file's name, so a rerun, a resumed run and another machine hear the same noise;
- ``silence``: zeros of the clip's length (the encoder still runs, on nothing);
- ``no-audio``: no audio input at all: the model runs without its music injection, i.e. the language model
  with only its text prior (possible for MU-LLaMA-style adapters, whose injection is additive).
"""

from __future__ import annotations

import hashlib

import numpy as np

CONTROLS = ("noise", "silence", "no-audio")


def check(names, flag: str = "--audio-controls") -> tuple[str, ...]:
    """The control names as given (duplicates dropped, order kept); ValueError naming ``flag`` for an unknown one."""
    bad = [n for n in names if n not in CONTROLS]
    if bad:
        raise ValueError(f"{flag}: unknown control {bad[0]!r}, expected some of {', '.join(CONTROLS)}")
    return tuple(dict.fromkeys(names))


def _rng(seed: int, key: str) -> np.random.Generator:
    # sha256, not hash(): Python salts str hashes per process, and the noise must be the same in every run
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def replace(wave: np.ndarray, control: str, seed: int, key: str) -> np.ndarray:
    """The waveform the model hears under ``control`` instead of ``wave``: same shape and dtype.

    ``key`` names the clip (its file name), so each clip gets its own noise and the same noise every run.
    ``no-audio`` has no waveform: the caller skips the encoder instead (ValueError here).
    """
    if control == "silence":
        return np.zeros_like(wave)
    if control == "noise":
        rms = float(np.sqrt(np.mean(np.square(wave, dtype=np.float64)))) if wave.size else 0.0
        noise = _rng(seed, key).standard_normal(wave.shape) * rms
        return np.clip(noise, -1.0, 1.0).astype(wave.dtype)
    raise ValueError(f"control {control!r} has no waveform (expected noise or silence)")
