"""musicqa.analysis: each fact measured on synthetic audio of known tempo, key and level."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from synth import chords, clicks, sine, song

from musicqa import analysis
from musicqa.analysis import AnalysisConfig, AnalysisStage, Unmeasurable, analyse, audible, facts_from_record
from musicqa.errors import InputError
from musicqa.records import Facts

pytest.importorskip("essentia", reason="essentia is a dependency: pip install -e .")
PARAMS = AnalysisConfig().params()


@pytest.mark.parametrize("bpm", [66, 97, 120, 140, 160])
def test_tempo_of_a_click_track_is_within_two_percent(bpm):
    facts = analyse(clicks(bpm), 44100, PARAMS)
    assert facts.tempo_bpm == pytest.approx(bpm, rel=0.02)
    assert facts.tempo_confidence >= 0.5  # a clean click track is what the tracker is surest of


@pytest.mark.parametrize(("tonic", "mode"), [("D", "minor"), ("E", "major"), ("A", "minor"), ("F#", "major"),
                                             ("A#", "minor")])
def test_key_of_a_chord_progression(tonic, mode):
    facts = analyse(chords(tonic, mode), 44100, PARAMS)
    assert (facts.key, facts.mode) == (tonic, mode)
    assert facts.key_strength >= 0.8  # above the default threshold, so it reaches the prompt


def test_a_song_at_24k_like_the_normalised_clips_gets_both_tempo_and_key():
    from musicqa.audio import resample

    x = resample(song(97, "D", "minor"), 44100, 24000)
    facts = analyse(x, 24000, PARAMS)
    assert facts.tempo_bpm == pytest.approx(97, rel=0.02) and (facts.key, facts.mode) == ("D", "minor")
    assert facts.duration_s == pytest.approx(12.0, abs=0.01)


@pytest.mark.parametrize("amplitude", [0.5, 0.1, 0.02])
def test_loudness_of_a_1khz_sine_is_its_level_in_lufs(amplitude):
    """EBU R128: a 1 kHz sine heard on both channels reads 20*log10(peak amplitude) LUFS (K-weighting ~0 dB there)."""
    facts = analyse(sine(amplitude), 44100, PARAMS)
    assert facts.loudness_lufs == pytest.approx(20 * np.log10(amplitude), abs=0.5)


def test_noise_gets_a_weak_key_that_the_prompt_threshold_hides():
    noise = np.random.default_rng(0).normal(0, 0.1, 44100 * 8).astype(np.float32)
    facts = analyse(noise, 44100, PARAMS)
    assert facts.key_strength < 0.8 and facts.tempo_confidence < 0.5 and audible(facts).tempo_bpm is None
    assert audible(facts).key is None and audible(facts).mode is None
    assert audible(facts).loudness_lufs == facts.loudness_lufs  # loudness has no confidence: always kept


def test_too_short_silent_and_library_failures_are_reasons_not_crashes(monkeypatch):
    with pytest.raises(Unmeasurable) as err:
        analyse(clicks(120, seconds=2.0), 44100, PARAMS)
    assert err.value.reason == analysis.ANALYSIS_TOO_SHORT
    with pytest.raises(Unmeasurable) as err:
        analyse(np.zeros(44100 * 6, np.float32), 44100, PARAMS)
    assert err.value.reason == analysis.ANALYSIS_SILENT

    import essentia.standard as es

    def broken(**_kw):
        def run(_x):
            raise RuntimeError("RhythmExtractor2013: something inside essentia")
        return run

    monkeypatch.setattr(es, "RhythmExtractor2013", broken)
    with pytest.raises(Unmeasurable) as err:
        analyse(clicks(120), 44100, PARAMS)
    assert err.value.reason == analysis.ANALYSIS_FAILED and "essentia" in str(err.value)


def test_stage_records_a_reason_and_null_facts_for_an_unmeasurable_clip(tmp_path):
    import soundfile as sf

    sf.write(tmp_path / "ok.flac", song(120, "E", "major", seconds=8.0), 44100)
    sf.write(tmp_path / "short.flac", clicks(120, seconds=2.0), 44100)
    stage = AnalysisStage(AnalysisConfig())
    jobs = [{"key": stage.key(name), "sha256": name, "clip_id": f"c/{name}", "path": str(tmp_path / f"{name}.flac")}
            for name in ("ok", "short")]
    ok, short = stage(jobs)
    assert ok["status"] == "ok" and ok["facts"]["tempo_bpm"] == pytest.approx(120, rel=0.02)
    assert short["status"] == analysis.ANALYSIS_TOO_SHORT and short["facts"] is None
    assert ok["analyser"].startswith("essentia ") and ok["params"] == PARAMS


def test_the_store_key_changes_with_audio_version_and_parameters_only():
    base = analysis.analysis_key("abc", "essentia 2.1", PARAMS)
    assert base == analysis.analysis_key("abc", "essentia 2.1", dict(reversed(list(PARAMS.items()))))
    assert base != analysis.analysis_key("abd", "essentia 2.1", PARAMS)
    assert base != analysis.analysis_key("abc", "essentia 2.2", PARAMS)
    assert base != analysis.analysis_key("abc", "essentia 2.1", {**PARAMS, "key_profile": "edma"})
    # the prompt thresholds are not measurement parameters: changing them measures nothing again
    assert AnalysisConfig(min_key_strength=0.9).params() == PARAMS


def test_facts_from_an_audit_line_or_a_dataset_cell():
    facts = facts_from_record({"tempo_bpm": 97, "key": "Db", "mode": "Minor", "key_strength": None})
    assert facts == Facts(tempo_bpm=97.0, key="C#", mode="minor")
    assert facts_from_record(None) is None
    for bad, field in (({"tempo": 97}, "'tempo' unknown"), ({"tempo_bpm": "fast"}, "'tempo_bpm' = 'fast'"),
                       ({"key": "H"}, "'key' = 'H'"), ({"mode": "dorian"}, "'mode' = 'dorian'")):
        with pytest.raises(InputError, match=field) as err:
            facts_from_record(bad, "in.jsonl:3: field 'analysis'")
        assert str(err.value).startswith("in.jsonl:3: field 'analysis'") and "\n" not in str(err.value)


def test_audible_hides_each_fact_below_its_threshold():
    f = Facts(tempo_bpm=97, tempo_confidence=0.4, key="D", mode="minor", key_strength=0.9, loudness_lufs=-9)
    assert audible(f) == dataclasses.replace(f, tempo_bpm=None)
    assert audible(f, 0.1, 0.95) == dataclasses.replace(f, key=None, mode=None)
    assert audible(Facts(tempo_bpm=97, key="D", mode="minor")) == Facts(tempo_bpm=97, key="D", mode="minor")


def test_config_refuses_bad_values_naming_the_flag():
    with pytest.raises(ValueError, match="--analysis.min-bpm"):
        AnalysisConfig(min_bpm=200, max_bpm=100)
    with pytest.raises(ValueError, match="--analysis.min-key-strength"):
        AnalysisConfig(min_key_strength=1.5)
