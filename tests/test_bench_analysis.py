"""bench.analysis: its scoring rules (MIREX key weights, the tempo octave rule), its labelled clips, and a tiny run.

The scoring functions decide every figure the README quotes, so each weight and each tolerance edge is pinned
here. The render test needs fluidsynth and a GM soundfont (``bash scripts/system_deps.sh test``) and skips,
naming them, where they are missing.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from bench import analysis_clips as clips
from bench.analysis_score import key_relation, key_score, tempo_acc1, tempo_acc2


@pytest.mark.parametrize(("est", "label", "score"), [
    (("A", "minor"), ("A", "minor"), 1.0),
    (("E", "minor"), ("A", "minor"), 0.5),    # a fifth above, same mode
    (("D", "minor"), ("A", "minor"), 0.0),    # a fifth below does not count (mir_eval's default)
    (("G", "major"), ("C", "major"), 0.5),
    (("E", "major"), ("C", "major"), 0.0),
    (("C", "major"), ("A", "minor"), 0.3),    # relative major of a minor label
    (("A", "minor"), ("C", "major"), 0.3),    # relative minor of a major label
    (("F#", "minor"), ("A", "major"), 0.3),
    (("D#", "minor"), ("C", "major"), 0.0),   # a minor third up is the relative only of a minor label
    (("A", "major"), ("A", "minor"), 0.2),    # parallel
    (("Db", "major"), ("C#", "major"), 1.0),  # enharmonic spellings are the same key
    ((None, None), ("C", "major"), 0.0),
    (("C", ""), ("C", "major"), 0.0),
])
def test_mirex_key_weights(est, label, score):
    assert key_score(*est, *label) == score


def test_key_relation_names_each_error_and_rejects_a_bad_label():
    assert key_relation("G", "major", "C", "major") == "fifth"
    assert key_relation("C", "minor", "C", "major") == "parallel"
    with pytest.raises(ValueError, match="mode 'dorian'"):
        key_relation("C", "major", "C", "dorian")


def test_tempo_within_four_percent_and_the_octave_rule():
    assert tempo_acc1(103.9, 100) and tempo_acc1(96.1, 100)
    assert not tempo_acc1(104.1, 100) and not tempo_acc1(95.9, 100) and not tempo_acc1(None, 100)
    for est in (200.0, 50.0, 300.0, 100 / 3, 207.9):
        assert tempo_acc2(est, 100) and not tempo_acc1(est, 100)
    for est in (150.0, 66.7, 208.5, 91.0):  # 3/2 and 2/3 are not octave errors
        assert not tempo_acc2(est, 100)
    assert not tempo_acc2(None, 100)


def test_specs_cover_all_24_keys_equally_and_the_tempo_range_and_repeat_by_seed():
    specs = clips.specs(48, seed=3, seconds=(10, 30))
    keys = [(s.tonic, s.mode) for s in specs]
    assert len(set(keys)) == 24 and all(keys.count(k) == 2 for k in set(keys))
    assert all(60 <= s.bpm <= 180 and 10 <= s.seconds <= 30 for s in specs)
    bpms = sorted(s.bpm for s in specs)
    assert all(60 + 120 * i / 48 <= b <= 60 + 120 * (i + 1) / 48 + 0.05 for i, b in enumerate(bpms))  # stratified
    assert specs == clips.specs(48, seed=3, seconds=(10, 30))
    assert specs != clips.specs(48, seed=4, seconds=(10, 30))


def test_midi_bytes_are_a_format_0_file_at_the_labelled_tempo():
    spec = clips.specs(1, seed=0)[0]
    data = clips.midi_bytes(spec)
    assert data == clips.midi_bytes(spec)  # seeded: the same file every time
    assert data[:4] == b"MThd" and struct.unpack(">IHHH", data[4:14]) == (6, 0, 1, clips.TPQ)
    assert data[14:18] == b"MTrk" and struct.unpack(">I", data[18:22])[0] == len(data) - 22
    tempo_event = data.index(b"\xff\x51\x03")
    assert int.from_bytes(data[tempo_event + 3:tempo_event + 6], "big") == round(60e6 / spec.bpm)
    assert data.endswith(b"\xff\x2f\x00")
    assert bytes((0x99, clips.KICK)) in data  # a drum on GM channel 10


def test_a_two_clip_run_renders_scores_and_writes_json(tmp_path):
    if clips.missing_tools():
        pytest.skip(clips.missing_tools())
    pytest.importorskip("essentia", reason="the analysis candidates need essentia (pip install essentia)")
    pytest.importorskip("pyloudnorm", reason="pip install pyloudnorm")
    from bench import analysis

    rc = analysis.main(["--clips", "2", "--seed", "1", "--seconds", "10,11", "--cache", str(tmp_path / "clips"),
                        "--out-dir", str(tmp_path), "--json", "an", "--only",
                        "essentia degara,essentia KeyExtractor edma,pyloudnorm"])
    assert rc == 0
    data = json.loads((tmp_path / "an.json").read_text())
    flacs = sorted((tmp_path / "clips").glob("*/*.flac"))
    assert [f.stem for f in flacs] == ["clip000", "clip001"]
    assert 20 <= data["audio_s"] <= 22.5
    assert set(data["rows"]) == {"resample 24k->44.1k", "essentia degara", "essentia KeyExtractor edma", "pyloudnorm"}
    # the rendered chords establish their key: essentia finds it, its relative or its dominant on both clips
    relations = data["rows"]["essentia KeyExtractor edma"]["relations"]
    assert relations["exact"] + relations["relative"] + relations["fifth"] == 2, relations
    assert all(-40 < r["lufs"] < -5 for r in data["results"]["pyloudnorm"])
    assert data["chosen"]["name"] == "essentia degara + essentia KeyExtractor edma"


def test_unknown_candidate_is_refused_before_rendering(tmp_path, capsys):
    if clips.missing_tools():
        pytest.skip(clips.missing_tools())
    pytest.importorskip("essentia", reason="pip install essentia")
    pytest.importorskip("librosa", reason="pip install librosa")
    from bench import analysis

    with pytest.raises(SystemExit):
        analysis.main(["--clips", "2", "--cache", str(tmp_path), "--only", "essentia degara,aubio"])
    assert "unknown aubio" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def _clicks(bpm: float, seconds: float, sr: int = 24000, weak_every_other: float = 1.0) -> np.ndarray:
    """Noise bursts on every beat; every other one scaled by ``weak_every_other``."""
    rng = np.random.default_rng(0)
    x = np.zeros(int(seconds * sr), dtype=np.float32)
    burst = (rng.standard_normal(240) * np.hanning(240)).astype(np.float32)
    for k, t in enumerate(np.arange(0.5, seconds - 0.5, 60 / bpm)):
        i = int(t * sr)
        x[i:i + 240] += burst * (weak_every_other if k % 2 else 1.0)
    return x


def test_accent_octave_doubles_ticks_on_every_other_beat_and_halves_ticks_on_weak_eighths():
    from musicqa.analysis import accent_octave

    x = _clicks(120, 12)
    beats = np.arange(0.5, 11.5, 0.5)
    assert accent_octave(120.0, beats, x, 24000) == 120.0  # near miss: ticks on the clicks, nothing between them
    assert accent_octave(60.0, beats[::2], x, 24000) == 120.0  # off-beats as strong as the ticks: doubled
    # every other tick weak (the flux is of log magnitudes: bursts at 2% read 0.40 of the strong ones, at 5% 0.54)
    halting = _clicks(120, 12, weak_every_other=0.02)
    assert accent_octave(120.0, beats, halting, 24000) == 60.0
    assert accent_octave(120.0, beats, _clicks(120, 12, weak_every_other=0.05), 24000) == 120.0  # near miss
    assert accent_octave(120.0, beats[:6], halting, 24000) == 120.0  # too few ticks to judge
