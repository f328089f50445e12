"""Tempo and key accuracy and speed of the analysis stage's candidate analysers, on labelled rendered clips.

    python -m bench.analysis [--clips 120] [--seed 0]          (from the repo root; ~1 min to render, once)

The clips (``bench/analysis_clips.py``): generated songs of known tempo (60-180 BPM) and key (all 24), several
GM timbres and drum patterns, rendered by FluidSynth, then normalised by ``musicqa.audio.normalise`` to the
24 kHz mono FLAC the analysis stage reads. Each candidate measures every clip from those samples, in this
process, one thread (CPU time per call, so other processes on the machine do not count):

- tempo: essentia ``RhythmExtractor2013`` (multifeature, degara) and ``PercivalBpmEstimator``, librosa
  ``beat_track``;
- key: essentia ``KeyExtractor`` with several profiles, Krumhansl-Schmuckler on librosa chroma (CQT, STFT);
- loudness: essentia ``LoudnessEBUR128`` vs pyloudnorm (no label: their agreement and speed);
- ``musicqa`` (when ``musicqa.analysis.analyse`` exists): the shipped function with its default config.

Scores (``bench/analysis_score.py``): tempo Acc1 (within 4%) and Acc2 (octave errors allowed), the MIREX
weighted key score, and the share of keys right or relative; speed as seconds of audio per CPU second.
Targets: Acc1 >= 0.90, MIREX >= 0.80, >= 20x real time per core.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # "per core": one thread each, before numpy/numba start their pools

import argparse  # noqa: E402
import hashlib  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from bench import analysis_clips as clips_mod  # noqa: E402
from bench.analysis_score import key_relation, key_score, tempo_acc1, tempo_acc2  # noqa: E402
from bench.common import OUT, machine, machine_line, table, warn_if_busy, write_json  # noqa: E402
from musicqa.analysis import accent_octave  # noqa: E402

SR = 24000  # what the analysis stage reads: the audio stage's normalised clips
ESSENTIA_SR = 44100  # RhythmExtractor2013 runs at 44.1 kHz only
TARGETS = {"acc1": 0.90, "mirex": 0.80, "x_rt": 20.0}
KEY_PROFILES = ("bgate", "edma", "edmm", "temperley", "krumhansl", "shaath")
# Krumhansl-Kessler probe-tone profiles, C major / C minor
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def build_set(n: int, seed: int, seconds: tuple[float, float], cache: Path) -> tuple[list, Path, float]:
    """Render (once per parameter set) and normalise the labelled clips; returns specs, folder, render seconds."""
    specs = clips_mod.specs(n, seed, seconds)
    tag = hashlib.sha256(repr([s.row() for s in specs]).encode()).hexdigest()[:12]
    folder = cache / f"{n}-{seed}-{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    from musicqa.audio import normalise

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs:
            flac = folder / f"{spec.name}.flac"
            if flac.is_file():
                continue
            wav = Path(tmp) / f"{spec.name}.wav"
            clips_mod.render(spec, wav)
            normalise(wav, flac, sample_rate=SR, end_s=spec.seconds)
    return specs, folder, time.perf_counter() - t0


# --- the candidates: each takes 24 kHz mono float32 samples (and a 44.1 kHz copy for essentia) ---------------

def _es():
    import essentia

    essentia.log.infoActive = False
    import essentia.standard as es

    return es


def essentia_tempo(method: str) -> Callable[[dict], dict]:
    es = _es()

    def run(clip: dict) -> dict:
        bpm, _ticks, confidence, _est, _iv = es.RhythmExtractor2013(method=method)(clip["x44"])
        return {"bpm": float(bpm), "confidence": float(confidence)}
    return run


def essentia_octave_checked(method: str) -> Callable[[dict], dict]:
    es = _es()

    def run(clip: dict) -> dict:
        bpm, ticks, confidence, _est, _iv = es.RhythmExtractor2013(method=method)(clip["x44"])
        return {"bpm": accent_octave(float(bpm), np.asarray(ticks), clip["x"], SR), "confidence": float(confidence)}
    return run


def essentia_percival(clip: dict) -> dict:
    return {"bpm": float(_es().PercivalBpmEstimator(sampleRate=ESSENTIA_SR)(clip["x44"]))}


def essentia_key(profile: str) -> Callable[[dict], dict]:
    es = _es()

    def run(clip: dict) -> dict:
        key, scale, strength = es.KeyExtractor(sampleRate=ESSENTIA_SR, profileType=profile)(clip["x44"])
        return {"tonic": key, "mode": scale, "strength": float(strength)}
    return run


def librosa_tempo(clip: dict) -> dict:
    import librosa

    tempo, _beats = librosa.beat.beat_track(y=clip["x"], sr=SR)
    return {"bpm": float(np.atleast_1d(tempo)[0])}


def krumhansl_key(chroma: str) -> Callable[[dict], dict]:
    """Krumhansl-Schmuckler: correlate the clip's mean chroma with the 24 rotated Krumhansl-Kessler profiles."""
    import librosa

    feature = {"cqt": librosa.feature.chroma_cqt, "stft": librosa.feature.chroma_stft}[chroma]

    def run(clip: dict) -> dict:
        profile = feature(y=clip["x"], sr=SR).mean(axis=1)
        best = max(((np.corrcoef(profile, np.roll(ref, k))[0, 1], k, mode)
                    for mode, ref in (("major", KK_MAJOR), ("minor", KK_MINOR)) for k in range(12)))
        return {"tonic": clips_mod.TONICS[best[1]], "mode": best[2], "strength": float(best[0])}
    return run


def essentia_loudness(clip: dict) -> dict:
    x = clip["x44"]
    _m, _s, integrated, _r = _es().LoudnessEBUR128(sampleRate=ESSENTIA_SR)(np.ascontiguousarray(np.stack([x, x], 1)))
    return {"lufs": float(integrated)}


def pyloudnorm_loudness(clip: dict) -> dict:
    import pyloudnorm

    x = clip["x"].astype(np.float64)
    return {"lufs": float(pyloudnorm.Meter(SR).integrated_loudness(np.stack([x, x], 1)))}


def resample_44k(clip: dict) -> dict:
    from musicqa.audio import resample

    clip["x44"] = np.ascontiguousarray(resample(clip["x"], SR, ESSENTIA_SR), dtype=np.float32)
    return {}


def musicqa_analyse() -> Callable[[dict], dict] | None:
    """The shipped stage's ``analyse`` with its default config, or None where this checkout has none."""
    try:
        from musicqa.analysis import AnalysisConfig, analyse
    except ImportError:
        return None
    params = AnalysisConfig().params()

    def run(clip: dict) -> dict:
        f = analyse(clip["x"], SR, params)
        return {"bpm": f.tempo_bpm, "confidence": f.tempo_confidence, "tonic": f.key, "mode": f.mode,
                "strength": f.key_strength, "lufs": f.loudness_lufs}
    return run


# name -> (kind, maker): kind is prep, full (every fact at once), tempo, key or loudness; the maker builds the
# function only when the candidate runs, so ``--only`` with essentia alone never imports librosa. The makers
# refer to functions above, hence the lambdas.
CANDIDATES: dict[str, tuple[str, Callable[[], Callable[[dict], dict] | None]]] = {
    "resample 24k->44.1k": ("prep", lambda: resample_44k),
    "musicqa.analysis.analyse": ("full", lambda: musicqa_analyse()),
    "essentia multifeature": ("tempo", lambda: essentia_tempo("multifeature")),
    "essentia degara": ("tempo", lambda: essentia_tempo("degara")),
    "essentia multifeature + accent octave": ("tempo", lambda: essentia_octave_checked("multifeature")),
    "essentia degara + accent octave": ("tempo", lambda: essentia_octave_checked("degara")),
    "essentia PercivalBpmEstimator": ("tempo", lambda: essentia_percival),
    "librosa beat_track": ("tempo", lambda: librosa_tempo),
    **{f"essentia KeyExtractor {p}": ("key", lambda p=p: essentia_key(p)) for p in KEY_PROFILES},
    "librosa chroma_cqt + K-S": ("key", lambda: krumhansl_key("cqt")),
    "librosa chroma_stft + K-S": ("key", lambda: krumhansl_key("stft")),
    "essentia LoudnessEBUR128": ("loudness", lambda: essentia_loudness),
    "pyloudnorm": ("loudness", lambda: pyloudnorm_loudness),
}


def build(names: list[str]) -> dict[str, tuple[str, Callable[[dict], dict]]]:
    """The named candidates, ready to run (``musicqa.analysis.analyse`` drops out where this checkout has none)."""
    out = {}
    for name in names:
        kind, make = CANDIDATES[name]
        fn = make()
        if fn is not None:
            out[name] = (kind, fn)
    return out


def measure(specs: list, folder: Path, cands: dict) -> tuple[dict[str, list[dict]], dict[str, float], float]:
    """Every candidate on every clip: results per candidate, CPU seconds per candidate, seconds of audio."""
    import soundfile as sf

    results: dict[str, list[dict]] = defaultdict(list)
    cpu: dict[str, float] = defaultdict(float)
    audio_s = 0.0
    for i, spec in enumerate(specs):
        x, sr = sf.read(folder / f"{spec.name}.flac", dtype="float32")
        assert sr == SR, (spec.name, sr)
        clip = {"x": x}
        audio_s += len(x) / SR
        if i == 0:  # warm-up: imports, numba's JIT, essentia's plans; not timed
            warm = dict(clip)
            for _kind, fn in cands.values():
                fn(warm)
        for name, (_kind, fn) in cands.items():
            t = time.process_time()
            results[name].append(fn(clip))
            cpu[name] += time.process_time() - t
    return results, cpu, audio_s


def score_tempo(specs: list, res: list[dict], idx: list[int] | None = None) -> tuple[float, float]:
    idx = range(len(specs)) if idx is None else idx
    n = len(idx)
    return (sum(tempo_acc1(res[i]["bpm"], specs[i].bpm) for i in idx) / n,
            sum(tempo_acc2(res[i]["bpm"], specs[i].bpm) for i in idx) / n)


def score_key(specs: list, res: list[dict], idx: list[int] | None = None) -> tuple[float, float, dict[str, int]]:
    idx = range(len(specs)) if idx is None else idx
    rel = [key_relation(res[i]["tonic"], res[i]["mode"], specs[i].tonic, specs[i].mode) for i in idx]
    mirex = sum(key_score(res[i]["tonic"], res[i]["mode"], specs[i].tonic, specs[i].mode) for i in idx) / len(rel)
    counts = {r: rel.count(r) for r in ("exact", "fifth", "relative", "parallel", "other")}
    return mirex, (counts["exact"] + counts["relative"]) / len(rel), counts


def tempo_band(bpm: float) -> str:
    lo = min(150, 60 + 30 * int((bpm - 60) // 30))
    return f"{lo}-{lo + 30} BPM"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=120, help="labelled clips to render (24 keys, each equally often)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the clips' tempos, keys, timbres and notes")
    parser.add_argument("--seconds", default="10,30", help="min,max clip length in seconds")
    parser.add_argument("--only", default="", help="comma-separated candidate names to run (default: all)")
    parser.add_argument("--cache", type=Path, default=OUT / "analysis-clips", help="where rendered clips are kept")
    parser.add_argument("--out-dir", type=Path, default=OUT, help="folder of the JSON figures")
    parser.add_argument("--json", default="analysis", help="name of the JSON file written to --out-dir")
    args = parser.parse_args(argv)
    missing = clips_mod.missing_tools()
    if missing:
        print(missing, file=sys.stderr)
        return 1
    lo, hi = (float(v) for v in args.seconds.split(","))
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [n for n in only if n not in CANDIDATES]
    kinds = {CANDIDATES[n][0] for n in only if n in CANDIDATES}
    if only and (unknown or not ("full" in kinds or {"tempo", "key"} <= kinds)):
        parser.error(f"--only {args.only!r}: {'unknown ' + ', '.join(unknown) if unknown else 'no tempo and key'}; "
                     f"pick at least one tempo and one key candidate of: {', '.join(CANDIDATES)}")
    names = [n for n, (kind, _m) in CANDIDATES.items() if not only or n in only or kind == "prep"]
    m = machine()
    warn_if_busy(m["cores"])
    specs, folder, render_s = build_set(args.clips, args.seed, (lo, hi), args.cache)
    cands = build(names)
    results, cpu, audio_s = measure(specs, folder, cands)
    print(f"analysis on {len(specs)} rendered clips ({audio_s / 60:.1f} min of audio, seed {args.seed}, "
          f"{lo:g}-{hi:g} s each; rendered in {render_s:.1f} s, cached in {folder}); {machine_line(m)}")
    x_rt = {name: audio_s / max(cpu[name], 1e-9) for name in cands}
    report: dict[str, Any] = {"machine": m, "command": " ".join(["python -m bench.analysis", *(argv or sys.argv[1:])]),
                              "clips": [s.row() for s in specs], "audio_s": audio_s, "x_rt": x_rt, "rows": {}}
    rows = []
    for name, (kind, _fn) in cands.items():
        row: dict[str, Any] = {"kind": kind, "x_rt": x_rt[name]}
        if kind in ("tempo", "full"):
            row["acc1"], row["acc2"] = score_tempo(specs, results[name])
        if kind in ("key", "full"):
            row["mirex"], row["key_or_relative"], row["relations"] = score_key(specs, results[name])
        if kind == "full":
            row["above_thresholds"] = _above_thresholds(specs, results[name])
        report["rows"][name] = row
        rel = row.get("relations", {})
        rows.append([name, kind, _opt(row, "acc1"), _opt(row, "acc2"), _opt(row, "mirex"),
                     _opt(row, "key_or_relative"), *(rel.get(r, "-") for r in ("fifth", "relative", "parallel",
                                                                              "other")), f"{x_rt[name]:.0f}×"])
    print(table(["candidate", "kind", "tempo Acc1", "Acc2", "key MIREX", "key or relative", "fifth", "relative",
                 "parallel", "other", "× real time / core"], rows))
    for name, row in report["rows"].items():
        if "above_thresholds" in row:
            t = row["above_thresholds"]
            print(f"{name} above the stage's thresholds (tempo confidence >= {t['min_tempo_confidence']}, key "
                  f"strength >= {t['min_key_strength']}): tempo told for {t['tempo_told']:.0%} of clips "
                  f"(Acc1 {t.get('acc1_told', 0):.3f}), key for {t['key_told']:.0%} "
                  f"(MIREX {t.get('mirex_told', 0):.3f})")
    _loudness(results, report)
    chosen = _chosen(cands, report)
    _categories(specs, results, chosen, report)
    path = write_json(args.json, {**report, "results": dict(results)}, args.out_dir)
    c = report["chosen"]
    ok = c["acc1"] >= TARGETS["acc1"] and c["mirex"] >= TARGETS["mirex"] and c["x_rt"] >= TARGETS["x_rt"]
    print(f"figures: {path}")
    print(f"analysis: {c['name']}: tempo Acc1 {c['acc1']:.3f} (Acc2 {c['acc2']:.3f}), key MIREX {c['mirex']:.3f} "
          f"(right or relative {c['key_or_relative']:.3f}), {c['x_rt']:.0f}x real time per core on {len(specs)} "
          f"clips; targets >= {TARGETS['acc1']}, >= {TARGETS['mirex']}, >= {TARGETS['x_rt']:.0f}x: "
          f"{'ok' if ok else 'BELOW TARGET'}")
    return 0


def _above_thresholds(specs: list, res: list[dict]) -> dict[str, Any]:
    """The shipped stage tells the LLM a tempo or key only at or above its confidence thresholds: how many pass,
    and how accurate those are (what the prompts actually carry)."""
    from musicqa.analysis import MIN_KEY_STRENGTH, MIN_TEMPO_CONFIDENCE

    tempo = [i for i, r in enumerate(res) if r["bpm"] and (r["confidence"] or 0) >= MIN_TEMPO_CONFIDENCE]
    key = [i for i, r in enumerate(res) if r["tonic"] and (r["strength"] or 0) >= MIN_KEY_STRENGTH]
    out = {"min_tempo_confidence": MIN_TEMPO_CONFIDENCE, "min_key_strength": MIN_KEY_STRENGTH,
           "tempo_told": len(tempo) / len(res), "key_told": len(key) / len(res)}
    if tempo:
        out["acc1_told"], out["acc2_told"] = score_tempo(specs, res, tempo)
    if key:
        out["mirex_told"], out["key_or_relative_told"], _ = score_key(specs, res, key)
    return out


def _opt(row: dict, key: str) -> Any:
    return row[key] if key in row else "-"


def _loudness(results: dict, report: dict) -> None:
    a, b = results.get("essentia LoudnessEBUR128"), results.get("pyloudnorm")
    if a and b:
        diff = np.array([x["lufs"] - y["lufs"] for x, y in zip(a, b)])
        report["loudness_diff_lu"] = {"mean": float(diff.mean()), "max_abs": float(np.abs(diff).max())}
        print(f"loudness: essentia LoudnessEBUR128 - pyloudnorm = {diff.mean():+.2f} LU on average, at most "
              f"{np.abs(diff).max():.2f} LU apart")


def _chosen(cands: dict, report: dict) -> dict[str, Any]:
    """The shipped analyser when this checkout has one, else essentia's multifeature + best key profile."""
    rows = report["rows"]
    if "musicqa.analysis.analyse" in rows:
        name, r = "musicqa.analysis.analyse", rows["musicqa.analysis.analyse"]
        chosen = {"name": name, "tempo": name, "key": name, **{k: r[k] for k in ("acc1", "acc2", "mirex",
                                                                                   "key_or_relative", "x_rt")}}
    else:
        tempo = max((n for n, r in rows.items() if r["kind"] == "tempo"), key=lambda n: rows[n]["acc1"])
        key = max((n for n, r in rows.items() if r["kind"] == "key"), key=lambda n: rows[n]["mirex"])
        loud = [n for n, r in rows.items() if r["kind"] == "loudness"]
        cost = sum(1 / rows[n]["x_rt"] for n in (tempo, key, *loud[:1]))
        if tempo.startswith("essentia") or key.startswith("essentia"):
            cost += 1 / rows["resample 24k->44.1k"]["x_rt"]
        chosen = {"name": f"{tempo} + {key}", "tempo": tempo, "key": key, "acc1": rows[tempo]["acc1"],
                  "acc2": rows[tempo]["acc2"], "mirex": rows[key]["mirex"],
                  "key_or_relative": rows[key]["key_or_relative"], "x_rt": 1 / cost}
    report["chosen"] = chosen
    return chosen


def _categories(specs: list, results: dict, chosen: dict, report: dict) -> None:
    """Accuracy of the chosen analyser per tempo band, mode, accompaniment timbre and drum pattern."""
    groups: dict[str, dict[str, list[int]]] = {"tempo": defaultdict(list), "mode": defaultdict(list),
                                               "accompaniment": defaultdict(list), "drums": defaultdict(list)}
    for i, s in enumerate(specs):
        groups["tempo"][tempo_band(s.bpm)].append(i)
        groups["mode"][s.mode].append(i)
        groups["accompaniment"][s.chords].append(i)
        groups["drums"][s.drums].append(i)
    rows, out = [], {}
    for what, by in groups.items():
        for value in sorted(by):
            idx = by[value]
            acc1, acc2 = score_tempo(specs, results[chosen["tempo"]], idx)
            mirex, kor, _ = score_key(specs, results[chosen["key"]], idx)
            out[f"{what}: {value}"] = {"clips": len(idx), "acc1": acc1, "acc2": acc2, "mirex": mirex,
                                       "key_or_relative": kor}
            rows.append([f"{what}: {value}", len(idx), acc1, acc2, mirex, kor])
    report["categories"] = out
    print(f"per category ({chosen['name']}):")
    print(table(["category", "clips", "tempo Acc1", "Acc2", "key MIREX", "key or relative"], rows))


if __name__ == "__main__":
    raise SystemExit(main())
