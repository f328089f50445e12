"""The analysis stage: tempo, key and loudness measured from each clip's normalised audio.

The LLM never hears the clip, so without this every tempo or key it writes is invented (the MU-LLaMA data is
full of made-up BPM figures). LLark and Music Flamingo ground their data in MIR measurements; so does musicqa.
essentia (CPU, no model downloads) does the measuring:

- tempo: ``RhythmExtractor2013(method="degara")``'s beats, then halved or doubled by the accents on and between
  them (``accent_octave``: every miss of essentia's trackers on bench.analysis's songs was an octave error at the
  ends of 60-180 BPM); its confidence is the multifeature tracker's (0..5.32, scaled to 0..1), since degara gives
  none;
- key and mode: ``KeyExtractor`` (its strength, a profile correlation in 0..1, is the key's confidence);
- loudness: ``LoudnessEBUR128``'s integrated loudness (LUFS, EBU R128), a mono clip heard on both speakers.

``analyse(samples, sr, params)`` measures one clip; ``AnalysisStage`` measures a batch of stored clips and gives
the records of ``work/analysis.jsonl``, each keyed by the normalised FLAC's content hash + the analyser's name,
version and parameters (``analysis_key``), so a rerun, or a second clip with the same audio, measures nothing
twice, and a new essentia version or parameter measures again. A clip it cannot measure (too short, silent, an
error inside the library) gets a record with null facts and a reason from ``REASONS``; the build goes on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musicqa.config import field
from musicqa.records import Facts

log = logging.getLogger(__name__)

ANALYSER = "essentia"
ANALYSIS_SR = 44100  # RhythmExtractor2013 works at 44.1 kHz only; the normalised clips are at --audio.sample-rate
TEMPO_CONFIDENCE_MAX = 5.32  # RhythmExtractor2013 multifeature's confidence range is [0, 5.32]
OFFBEAT_DOUBLE = 0.75  # accent_octave: off-beat / beat onset strength above this doubles the tempo
ALTERNATION_HALVE = 0.5  # ... the weaker / stronger of alternate beats below this halves it
SILENT_DB = -60.0  # the audio stage's own silence threshold (audio.is_silent)

OK = "ok"
ANALYSIS_TOO_SHORT = "analysis_too_short"
ANALYSIS_SILENT = "analysis_silent"
ANALYSIS_FAILED = "analysis_failed"
REASONS = {
    ANALYSIS_TOO_SHORT: "clip shorter than --analysis.min-duration-s: too few beats for a tempo or a key",
    ANALYSIS_SILENT: "clip too quiet to measure (below -60 dBFS RMS, or no EBU R128 gated loudness)",
    ANALYSIS_FAILED: "the analysis library raised an error on the clip (logged with the clip id)",
}

# Below these the fact is not rendered into prompts and not checked by the grounding filter. Measured here: white
# noise reaches a tempo confidence of 0.30-0.44 and a key strength of 0.58-0.79 (8 seeds); click tracks and synthetic
# songs of known tempo score 0.73-0.88, chord progressions in a known key 0.91-0.97 (tests/test_analysis.py); the
# bench's 120 rendered songs 0.62-0.86 and 0.75-0.98, and every key at >= 0.8 there was right or relative (113 of
# them; one of the 7 below was wrong). A wrong fact in a prompt is worse than none, so both thresholds sit above
# what noise reaches. (The tempo confidence does not flag octave errors: those songs score like the others.)
MIN_TEMPO_CONFIDENCE = 0.5
MIN_KEY_STRENGTH = 0.8
# What the card and the README say of the method's accuracy, measured by this module with its defaults on the 120
# labelled clips of `python -m bench.analysis` (FluidSynth-rendered General MIDI songs with drums, 60-180 BPM, all
# 24 keys, 10-30 s; seed 0, and 48 more with --seed 1), on this project's 2-core machine.
ACCURACY = ("on 120 FluidSynth-rendered songs with drums (60-180 BPM, all 24 keys): tempo within 4% 0.90 (0.94 on "
            "48 others), 1.00 allowing half/double tempo (the misses are slow songs read at double); key MIREX score "
            "0.99 (right or relative 0.99, and every key strong enough to be told to the LLM, 94% of them, right); "
            "31x real time per CPU core")


@dataclass
class AnalysisConfig:
    """``[analysis]``: measuring tempo, key and loudness in each clip with audio, before the prompts are written."""

    enabled: bool = field(True, help="measure tempo, key and loudness of every clip with audio (essentia) and "
                                     "give them to the prompts, the grounding filter and the 'analysis' column")
    min_duration_s: float = field(4.0, help="clips shorter than this get no facts (reason analysis_too_short)")
    min_bpm: int = field(40, help="slowest tempo the beat tracker considers, in BPM")
    max_bpm: int = field(208, help="fastest tempo the beat tracker considers, in BPM")
    tempo_method: str = field("degara", help="essentia RhythmExtractor2013 method whose beats give the tempo "
                                             "(degara, multifeature); the confidence is always multifeature's")
    octave_check: bool = field(True, help="halve or double the tempo when the accents between / on alternate beats "
                                          "say the tracker took half or twice the pulse (accent_octave)")
    key_profile: str = field("bgate", help="essentia KeyExtractor profile (bgate, edma, temperley, krumhansl, "
                                           "shaath, ...); part of the store key")
    min_tempo_confidence: float = field(MIN_TEMPO_CONFIDENCE, help="a tempo is told to the LLM only at or above "
                                                                   "this confidence (0..1)")
    min_key_strength: float = field(MIN_KEY_STRENGTH, help="a key is told to the LLM only at or above this key "
                                                           "strength (0..1)")
    batch_size: int = field(16, help="clips measured between two appends to work/analysis.jsonl (and per Ray task)")

    def __post_init__(self) -> None:
        if not 20 <= self.min_bpm < self.max_bpm <= 300:
            raise ValueError(f"--analysis.min-bpm {self.min_bpm} / --analysis.max-bpm {self.max_bpm}: expected "
                             "20 <= min < max <= 300")
        if self.min_duration_s < 0:
            raise ValueError(f"--analysis.min-duration-s {self.min_duration_s}: expected >= 0")
        for name in ("min_tempo_confidence", "min_key_strength"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"--analysis.{name.replace('_', '-')} {getattr(self, name)}: expected 0..1")
        if self.tempo_method not in ("degara", "multifeature"):
            raise ValueError(f"--analysis.tempo-method {self.tempo_method!r}: expected degara or multifeature")
        if self.batch_size < 1:
            raise ValueError("--analysis.batch-size must be >= 1")

    def params(self) -> dict[str, Any]:
        """What changes a measurement (part of the store key); the prompt thresholds do not."""
        return {"min_duration_s": self.min_duration_s, "min_bpm": self.min_bpm, "max_bpm": self.max_bpm,
                "key_profile": self.key_profile, "sample_rate": ANALYSIS_SR,
                "tempo_method": self.tempo_method, "octave_check": self.octave_check}


def _essentia() -> Any:
    """``essentia.standard``, imported on first use with its INFO chatter (printed at import) turned off."""
    import essentia

    essentia.log.infoActive = False
    import essentia.standard as es

    return es


def analyser_version() -> str:
    """'essentia <version>': recorded with every measurement and part of its store key."""
    import essentia

    return f"{ANALYSER} {essentia.__version__}"


class Unmeasurable(Exception):
    """A clip without facts; ``reason`` is one of REASONS."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def analyse(samples: np.ndarray, sr: int, params: Mapping[str, Any]) -> Facts:
    """The facts of one mono clip; raises ``Unmeasurable`` for a clip too short or too quiet to measure.

    ``params`` are ``AnalysisConfig.params()``. An error inside essentia surfaces as ``Unmeasurable`` with
    reason ``analysis_failed``, so one bad clip never stops a build.
    """
    from musicqa.audio import resample, rms_db, to_mono

    x = to_mono(samples)
    duration = len(x) / sr
    if duration < params["min_duration_s"]:
        raise Unmeasurable(ANALYSIS_TOO_SHORT, f"{duration:.2f} s of audio, expected at least "
                                               f"{params['min_duration_s']:g} s")
    level = rms_db(x)
    if level < SILENT_DB:
        raise Unmeasurable(ANALYSIS_SILENT, f"RMS {level:.1f} dBFS")
    heard = x
    x = np.ascontiguousarray(resample(x, sr, ANALYSIS_SR), dtype=np.float32)
    es = _essentia()
    tempo_range = {"minTempo": int(params["min_bpm"]), "maxTempo": int(params["max_bpm"])}
    try:
        bpm, ticks, confidence, _estimates, _intervals = es.RhythmExtractor2013(method="multifeature",
                                                                                 **tempo_range)(x)
        if params.get("tempo_method", "multifeature") != "multifeature":
            bpm, ticks = es.RhythmExtractor2013(method=params["tempo_method"], **tempo_range)(x)[:2]
        if params.get("octave_check") and bpm > 0:
            bpm = accent_octave(float(bpm), np.asarray(ticks), heard, sr, params["min_bpm"], params["max_bpm"])
        key, scale, strength = es.KeyExtractor(sampleRate=ANALYSIS_SR, profileType=params["key_profile"])(x)
        _momentary, _short, integrated, _range = es.LoudnessEBUR128(sampleRate=ANALYSIS_SR)(
            np.ascontiguousarray(np.stack([x, x], axis=1)))
    except RuntimeError as err:  # essentia reports every failure as RuntimeError (EssentiaException)
        raise Unmeasurable(ANALYSIS_FAILED, f"essentia: {str(err).splitlines()[0]}") from err
    if not math.isfinite(integrated) or integrated <= -70.0:  # R128's absolute gate: nothing above -70 LUFS
        raise Unmeasurable(ANALYSIS_SILENT, f"integrated loudness {integrated} LUFS")
    return Facts(
        tempo_bpm=round(float(bpm), 2) if bpm > 0 else None,
        tempo_confidence=round(min(1.0, max(0.0, float(confidence) / TEMPO_CONFIDENCE_MAX)), 3) if bpm > 0 else None,
        key=_SHARP_OF.get(str(key), str(key)) if scale in ("major", "minor") else None,  # essentia says Bb, Ab
        mode=str(scale) if scale in ("major", "minor") else None,
        key_strength=round(float(strength), 3) if scale in ("major", "minor") else None,
        loudness_lufs=round(float(integrated), 2),
        duration_s=round(duration, 3))


def onset_envelope(x: np.ndarray, sr: int, n_fft: int = 2048, hop: int = 512) -> tuple[np.ndarray, float, float]:
    """Spectral flux (log magnitude, half-wave rectified): the envelope, its frames per second, its first time."""
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop] * np.hanning(n_fft).astype(np.float32)
    logmag = np.log1p(100 * np.abs(np.fft.rfft(frames, axis=1)))
    flux = np.maximum(0.0, np.diff(logmag, axis=0)).sum(axis=1)
    return flux, sr / hop, (hop + n_fft / 2) / sr


def accent_octave(bpm: float, ticks: np.ndarray, x: np.ndarray, sr: int, min_bpm: float = 40,
                  max_bpm: float = 208) -> float:
    """The tracker's tempo, halved or doubled when the accents on and between its beats say it took the wrong pulse.

    Off-beats as strong as the beats mean the tracker took every other beat (double it); every other beat much
    weaker than its neighbours means it tracked the eighths (halve it). The thresholds come from bench.analysis's
    rendered songs (seed 0: right tempos had off-beat/beat <= 0.54 and alternation >= 0.56, octave errors >= 0.88
    or <= 0.47), checked on 48 songs they were not set on (seed 1). Styles with strong off-beats (reggae, ska) may
    still be doubled: the grounding filter accepts half and double tempo, and the prompts say "about".
    """
    if len(ticks) < 8 or len(x) < 4096:
        return bpm
    env, fps, t0 = onset_envelope(np.asarray(x, dtype=np.float32), sr)

    def strength(times: np.ndarray) -> np.ndarray:
        idx = np.clip(np.round((times - t0) * fps).astype(int), 1, len(env) - 2)
        return np.maximum(np.maximum(env[idx - 1], env[idx]), env[idx + 1])

    on = strength(ticks)
    off = strength((ticks[:-1] + ticks[1:]) / 2)
    if off.mean() > OFFBEAT_DOUBLE * on.mean() and bpm * 2 <= max_bpm:
        return bpm * 2
    even, odd = on[0::2].mean(), on[1::2].mean()
    if min(even, odd) < ALTERNATION_HALVE * max(even, odd) and bpm / 2 >= min_bpm:
        return bpm / 2
    return bpm


def analysis_key(sha256: str, version: str, params: Mapping[str, Any]) -> str:
    """The store key: the normalised audio's content hash + analyser name/version + its parameters."""
    payload = json.dumps([sha256, version, dict(params)], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def facts_to_record(facts: Facts | None) -> dict[str, Any] | None:
    return dataclasses.asdict(facts) if facts is not None else None


def facts_from_record(rec: Mapping[str, Any] | None, where: str = "analysis") -> Facts | None:
    """A ``Facts`` from its JSON object (a store line, an audit line's ``analysis``, a dataset cell).

    Unknown fields are an error naming them (``where`` is the file:line the caller reads); a wrong type too.
    """
    from musicqa.errors import InputError

    if rec is None:
        return None
    if not isinstance(rec, Mapping):
        raise InputError(f"{where}: expected an object with {', '.join(f.name for f in dataclasses.fields(Facts))}")
    names = {f.name for f in dataclasses.fields(Facts)}
    unknown = sorted(set(rec) - names)
    if unknown:
        raise InputError(f"{where}: field {unknown[0]!r} unknown, expected some of {', '.join(sorted(names))}")
    values: dict[str, Any] = {}
    for name in names:
        v = rec.get(name)
        if v is None:
            continue
        if name in ("key", "mode"):
            if not isinstance(v, str):
                raise InputError(f"{where}: field {name!r} = {v!r}, expected a string")
            values[name] = _tonic(v, where) if name == "key" else _mode(v, where)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(f"{where}: field {name!r} = {v!r}, expected a number")
        else:
            values[name] = float(v)
    return Facts(**values)


_SHARP_OF = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}
TONICS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _tonic(v: str, where: str) -> str:
    from musicqa.errors import InputError

    t = v.strip()
    t = t[:1].upper() + t[1:].replace("♯", "#").replace("♭", "b")
    t = _SHARP_OF.get(t, t)
    if t not in TONICS:
        raise InputError(f"{where}: field 'key' = {v!r}, expected a tonic such as 'D' or 'F#'")
    return t


def _mode(v: str, where: str) -> str:
    from musicqa.errors import InputError

    m = v.strip().lower()
    if m not in ("major", "minor"):
        raise InputError(f"{where}: field 'mode' = {v!r}, expected 'major' or 'minor'")
    return m


def audible(facts: Facts | None, min_tempo_confidence: float = MIN_TEMPO_CONFIDENCE,
            min_key_strength: float = MIN_KEY_STRENGTH) -> Facts | None:
    """``facts`` with each fact below its confidence threshold set to None: what prompts and grounding may trust.

    A fact whose method gives no confidence (a dataset's own key, an audit line without one) counts as sure.
    """
    if facts is None:
        return None
    changes: dict[str, Any] = {}
    if facts.tempo_confidence is not None and facts.tempo_confidence < min_tempo_confidence:
        changes.update(tempo_bpm=None)
    if facts.key_strength is not None and facts.key_strength < min_key_strength:
        changes.update(key=None, mode=None)
    return dataclasses.replace(facts, **changes) if changes else facts


class AnalysisStage:
    """Stored clips -> ``work/analysis.jsonl`` records; pickles (a Ray task gets a copy) and holds no state."""

    def __init__(self, cfg: AnalysisConfig) -> None:
        self.cfg = cfg
        self.params = cfg.params()
        self.root = Path.cwd()  # relative FLAC paths are paths from where the build started

    @property
    def version(self) -> str:
        return analyser_version()

    def key(self, sha256: str) -> str:
        return analysis_key(sha256, self.version, self.params)

    def __call__(self, jobs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One record per job (``{"key", "sha256", "clip_id", "path"}``), in order."""
        return [self._one(job) for job in jobs]

    def _one(self, job: Mapping[str, Any]) -> dict[str, Any]:
        import soundfile as sf

        base = {"key": job["key"], "sha256": job["sha256"], "clip_id": job["clip_id"], "analyser": self.version,
                "params": self.params}
        path = Path(job["path"])
        try:
            x, sr = sf.read(path if path.is_absolute() else self.root / path, dtype="float32", always_2d=False)
            facts = analyse(x, sr, self.params)
        except Unmeasurable as err:
            log.warning("analysis: %s (%s)", err, job["clip_id"])
            return {**base, "status": err.reason, "message": str(err), "facts": None}
        return {**base, "status": OK, "facts": facts_to_record(facts)}
