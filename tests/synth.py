"""Synthetic audio with known tempo, key and level, for the analysis stage's tests (no files, no downloads)."""

from __future__ import annotations

import numpy as np

TONICS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def clicks(bpm: float, seconds: float = 12.0, sr: int = 44100) -> np.ndarray:
    """A click track: a 1 kHz blip on every beat, accented on the first of four."""
    x = np.zeros(int(seconds * sr), np.float32)
    t = np.arange(int(0.03 * sr)) / sr
    blip = (np.sin(2 * np.pi * 1000 * t) * np.exp(-t * 150)).astype(np.float32)
    beat = 0
    while (start := int(beat * 60.0 / bpm * sr)) + len(blip) <= len(x):
        x[start:start + len(blip)] += (1.0 if beat % 4 == 0 else 0.6) * blip
        beat += 1
    return 0.5 * x


def chords(tonic: str, mode: str, seconds: float = 12.0, sr: int = 44100) -> np.ndarray:
    """I-IV-V-I (major) or i-iv-V-i (minor) in ``tonic``, each chord of harmonic-rich tones."""
    root = TONICS.index(tonic)
    third = 4 if mode == "major" else 3
    progression = [(0, third, 7), (5, 5 + third, 12), (7, 11, 14), (0, third, 7)]
    seg = int(seconds / len(progression) * sr)
    t = np.arange(seg) / sr
    out = []
    for chord in progression:
        y = np.zeros(seg)
        for interval in chord:
            f = 261.63 * 2 ** ((root + interval - (12 if root >= 6 else 0)) / 12)
            for h in range(1, 5):
                y += np.sin(2 * np.pi * f * h * t) / h
        out.append(y * np.minimum(1, t * 20) * np.exp(-t * 0.5))
    x = np.concatenate(out)
    return (0.1 * x / np.abs(x).max()).astype(np.float32)


def song(bpm: float, tonic: str, mode: str, seconds: float = 12.0, sr: int = 44100) -> np.ndarray:
    """Clicks over chords: a clip with a known tempo and a known key."""
    return (clicks(bpm, seconds, sr) + chords(tonic, mode, seconds, sr)).astype(np.float32)


def sine(amplitude: float, seconds: float = 10.0, sr: int = 44100, freq: float = 1000.0) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)).astype(np.float32)
