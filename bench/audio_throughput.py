"""Audio normalisation throughput, in seconds of audio per second of CPU on one core (× real time).

Runs ``musicqa.audio.normalise`` (decode MP3 -> mono -> soxr to 24 kHz -> 16-bit FLAC, written atomically)
over the shared clips, single-threaded, and prints the figure with a per-stage breakdown. MusicCaps is
5,521 × 10 s = 15.3 h of audio, so at 50× one core normalises it in about 18 minutes.

    python -m bench.audio_throughput [--repeat 5] [--audio-dir sample_data/audio]   (from the repo root)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import soundfile as sf

from musicqa import audio

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "sample_data" / "audio"
TARGET_X = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio-dir", type=Path, default=DEFAULT_DIR, help="folder of clips to normalise")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the clips (the first warms caches)")
    args = parser.parse_args()
    clips = sorted(args.audio_dir.glob("*.mp3"))
    if not clips:
        parser.error(f"{args.audio_dir}: no .mp3 files")
    audio_s = sum(sf.info(str(c)).duration for c in clips)

    stages = {"decode": 0.0, "mono+resample": 0.0, "flac encode": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for c in clips:  # warm-up pass: imports, file cache, soxr plans
            audio.normalise(c, Path(tmp) / f"{c.stem}.flac")
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(args.repeat):
            for c in clips:
                audio.normalise(c, Path(tmp) / f"{c.stem}.flac")
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        for _ in range(args.repeat):  # the same work again, stage by stage, to show where the time goes
            for c in clips:
                t = time.process_time()
                x, sr = audio.decode(c)
                stages["decode"] += time.process_time() - t
                t = time.process_time()
                y = audio.resample(audio.to_mono(x), sr, audio.TARGET_SR)
                stages["mono+resample"] += time.process_time() - t
                t = time.process_time()
                sf.write(Path(tmp) / "stage.flac", y, audio.TARGET_SR, format="FLAC", subtype="PCM_16")
                stages["flac encode"] += time.process_time() - t

    total_audio = audio_s * args.repeat
    x_cpu, x_wall = total_audio / cpu, total_audio / wall
    print(f"clips: {len(clips)} files, {audio_s:.0f} s of audio, {args.repeat} passes")
    for name, spent in stages.items():
        print(f"  {name:<14} {spent / args.repeat * 1000 / len(clips):7.1f} ms/clip  {total_audio / spent:8.0f}x")
    print(f"normalise: {x_cpu:.0f}x real time per core (CPU time), {x_wall:.0f}x wall clock; "
          f"target >= {TARGET_X:.0f}x: {'ok' if x_cpu >= TARGET_X else 'BELOW TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
