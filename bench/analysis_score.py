"""How ``bench.analysis`` scores a tempo or a key against its label, by the MIREX rules.

Tempo: Acc1 counts an estimate within 4% of the labelled BPM; Acc2 also counts it within 4% of the label
times 2, 1/2, 3 or 1/3 (the octave errors a beat tracker makes when it locks onto half or double the pulse,
or onto the triplet level). Key: the MIREX weighted score (as ``mir_eval.key.weighted_score``): 1 for the
same key, 0.5 for the key a fifth above in the same mode, 0.3 for the relative major/minor, 0.2 for the
parallel one, 0 otherwise.
"""

from __future__ import annotations

TEMPO_TOLERANCE = 0.04
OCTAVE_FACTORS = (1.0, 2.0, 0.5, 3.0, 1 / 3)
PITCH_CLASSES = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6, "G": 7,
                 "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}
KEY_WEIGHTS = {"exact": 1.0, "fifth": 0.5, "relative": 0.3, "parallel": 0.2, "other": 0.0}


def tempo_acc1(estimate: float | None, label: float, tolerance: float = TEMPO_TOLERANCE) -> bool:
    """The estimate is within ``tolerance`` (a fraction) of the labelled tempo."""
    return estimate is not None and abs(estimate - label) <= tolerance * label


def tempo_acc2(estimate: float | None, label: float, tolerance: float = TEMPO_TOLERANCE) -> bool:
    """Acc1 against the label or the label times 2, 1/2, 3 or 1/3."""
    return any(tempo_acc1(estimate, label * f, tolerance) for f in OCTAVE_FACTORS)


def key_relation(est_tonic: str | None, est_mode: str | None, tonic: str, mode: str) -> str:
    """How an estimated key relates to the labelled one: exact, fifth, relative, parallel or other."""
    if est_tonic is None or est_mode not in ("major", "minor"):
        return "other"
    if mode not in ("major", "minor"):
        raise ValueError(f"mode {mode!r}: expected major or minor")
    up = (PITCH_CLASSES[est_tonic] - PITCH_CLASSES[tonic]) % 12
    if est_mode == mode:
        return "exact" if up == 0 else "fifth" if up == 7 else "other"
    if up == 0:
        return "parallel"
    if (mode == "major" and up == 9) or (mode == "minor" and up == 3):
        return "relative"
    return "other"


def key_score(est_tonic: str | None, est_mode: str | None, tonic: str, mode: str) -> float:
    """The MIREX weighted key score of one estimate."""
    return KEY_WEIGHTS[key_relation(est_tonic, est_mode, tonic, mode)]
