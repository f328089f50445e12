"""The labelled clips of ``bench.analysis``: generated songs of known tempo and key, rendered by FluidSynth.

Real recordings with trusted tempo and key labels are not shipped (GiantSteps and GTZAN carry licences and
downloads), so the bench writes its own: per clip a seeded chord progression that establishes the key (the
minor ones through the harmonic minor's major V), a bass line on the roots, a melody on the scale, and a
General MIDI drum pattern, at a tempo drawn from 60-180 BPM, in one of 24 keys (every key equally often),
with the accompaniment, melody and bass drawn from several GM instruments. The MIDI bytes are written here
(no MIDI package needed) and rendered by ``fluidsynth`` with a GM soundfont (Debian's ``fluidsynth`` and
``timgm6mb-soundfont``; ``bash scripts/system_deps.sh bench``). The same seed gives the same clips.
"""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

SOUNDFONTS = (Path("/usr/share/sounds/sf2/TimGM6mb.sf2"), Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"))
RENDER_SR = 44100
TPQ = 480  # MIDI ticks per quarter note
TONICS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")  # sharps, as musicqa's Facts

# accompaniment timbres: name -> (GM program, how it plays: "comp" strikes each beat pair, "pad" holds the bar)
CHORDS = {"piano": (0, "comp"), "electric piano": (4, "comp"), "organ": (16, "pad"), "guitar": (25, "comp"),
          "strings": (48, "pad"), "synth pad": (89, "pad")}
MELODIES = {"flute": 73, "violin": 40, "square lead": 80, "vibraphone": 11, "trumpet": 56, "clarinet": 71}
BASSES = {"acoustic bass": 32, "finger bass": 33, "synth bass": 38}
# GM percussion (channel 10) per sixteenth of a 4/4 bar; 36 kick, 38 snare, 39 clap, 42 closed hat, 46 open hat
KICK, SNARE, CLAP, HAT, OPEN_HAT = 36, 38, 39, 42, 46
DRUMS = {
    "rock": {KICK: (0, 8), SNARE: (4, 12), HAT: (0, 2, 4, 6, 8, 10, 12, 14)},
    "four on the floor": {KICK: (0, 4, 8, 12), CLAP: (4, 12), OPEN_HAT: (2, 6, 10, 14)},
    "sixteenths": {KICK: (0, 6, 8), SNARE: (4, 12), HAT: tuple(range(16))},
}
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 11)  # harmonic minor: the raised seventh is what tells minor from its relative
# progressions as (root in semitones above the tonic, chord quality); one chord per bar
PROGRESSIONS = {
    "major": (((0, "maj"), (5, "maj"), (7, "maj"), (0, "maj")), ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")),
              ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj"))),
    "minor": (((0, "min"), (5, "min"), (7, "maj"), (0, "min")), ((0, "min"), (8, "maj"), (5, "min"), (7, "maj")),
              ((0, "min"), (10, "maj"), (8, "maj"), (7, "maj"))),
}
TRIADS = {"maj": (0, 4, 7), "min": (0, 3, 7)}


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """One labelled clip: what was written into its MIDI file, so every score can be broken down by it."""

    name: str
    bpm: float
    tonic: str
    mode: str
    seconds: float
    chords: str
    melody: str
    bass: str
    drums: str
    seed: int

    def row(self) -> dict:
        return asdict(self)


def specs(n: int, seed: int = 0, seconds: tuple[float, float] = (10.0, 30.0)) -> list[ClipSpec]:
    """``n`` clip specs: tempos stratified over 60-180 BPM, keys cycling through all 24, timbres drawn."""
    rng = random.Random(seed)
    slots = list(range(n))
    rng.shuffle(slots)  # tempo stratum per clip, so tempo is not tied to key or timbre
    out = []
    for i in range(n):
        bpm = round(60 + 120 * (slots[i] + rng.random()) / n, 1)
        out.append(ClipSpec(
            name=f"clip{i:03d}", bpm=bpm, tonic=TONICS[i % 12], mode=("major", "minor")[(i // 12) % 2],
            seconds=round(rng.uniform(*seconds), 1), chords=rng.choice(sorted(CHORDS)),
            melody=rng.choice(sorted(MELODIES)), bass=rng.choice(sorted(BASSES)), drums=rng.choice(sorted(DRUMS)),
            seed=rng.randrange(2**31)))
    return out


def _vlq(n: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def midi_bytes(spec: ClipSpec) -> bytes:
    """A format-0 Standard MIDI File of the clip, a bar longer than ``spec.seconds`` (the render is trimmed)."""
    rng = random.Random(spec.seed)
    tonic = TONICS.index(spec.tonic)
    scale = MAJOR_SCALE if spec.mode == "major" else MINOR_SCALE
    progression = rng.choice(PROGRESSIONS[spec.mode])
    bars = int(spec.seconds * spec.bpm / 240) + 2
    sixteenth = TPQ // 4
    events: list[tuple[int, int, bytes]] = []  # (tick, order: offs first, message)

    def note(start: int, length: int, channel: int, pitch: int, velocity: int) -> None:
        events.append((start, 1, bytes((0x90 | channel, pitch, velocity))))
        events.append((start + length, 0, bytes((0x80 | channel, pitch, 0))))

    chord_program, style = CHORDS[spec.chords]
    for channel, program in ((0, chord_program), (1, MELODIES[spec.melody]), (2, BASSES[spec.bass])):
        events.append((0, 0, bytes((0xC0 | channel, program))))
    degree = 0  # melody position on the scale, a random walk
    for bar in range(bars):
        t0 = bar * 4 * TPQ
        root, quality = progression[bar % len(progression)]
        chord = [48 + (tonic + root + iv) % 12 + (12 if (tonic + root + iv) % 12 < 5 else 0)
                 for iv in TRIADS[quality]]
        if style == "pad":
            for p in chord:
                note(t0, 4 * TPQ - 10, 0, p, 70)
        else:
            for beat in (0, 2):
                for p in chord:
                    note(t0 + beat * TPQ, 2 * TPQ - 30, 0, p, rng.randint(62, 78))
        bass = 36 + (tonic + root) % 12
        for beat, pitch in ((0, bass), (2, bass), (3, bass + 7 if rng.random() < 0.5 else bass)):
            note(t0 + beat * TPQ, TPQ - 20, 2, pitch, rng.randint(80, 96))
        pos = 0
        while pos < 16:  # melody: eighths and quarters, chord tones on the beats
            length = rng.choice((2, 4, 4))
            if pos % 4 == 0:
                target = rng.choice(TRIADS[quality])
                pitch = 72 + (tonic + root + target) % 12
            else:
                degree = max(-3, min(9, degree + rng.choice((-2, -1, 1, 2))))
                pitch = 72 + tonic % 12 + scale[degree % 7] + 12 * (degree // 7)
            note(t0 + pos * sixteenth, length * sixteenth - 20, 1, pitch, rng.randint(70, 95))
            pos += length
        for drum, steps in DRUMS[spec.drums].items():
            for step in steps:
                accent = 110 if step % 4 == 0 else 85
                note(t0 + step * sixteenth, sixteenth, 9, drum, min(127, accent + rng.randint(-8, 8)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = bytearray(_vlq(0) + b"\xff\x51\x03" + round(60_000_000 / spec.bpm).to_bytes(3, "big"))
    last = 0
    for tick, _order, message in events:
        track += _vlq(tick - last) + message
        last = tick
    track += _vlq(0) + b"\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TPQ)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def soundfont() -> Path | None:
    """The first General MIDI soundfont found, or None."""
    return next((p for p in SOUNDFONTS if p.is_file()), None)


def missing_tools() -> str:
    """'' when fluidsynth and a GM soundfont are present, else one line saying what to install."""
    if shutil.which("fluidsynth") and soundfont():
        return ""
    return ("the analysis bench renders its clips with fluidsynth and a General MIDI soundfont (Debian: "
            "fluidsynth timgm6mb-soundfont); run  bash scripts/system_deps.sh bench")


def render(spec: ClipSpec, wav: Path) -> None:
    """Render the clip's MIDI to a 44.1 kHz WAV with fluidsynth (trimming to ``spec.seconds`` is the caller's)."""
    mid = wav.with_suffix(".mid")
    mid.write_bytes(midi_bytes(spec))
    cmd = ["fluidsynth", "-n", "-i", "-q", "-g", "0.5", "-r", str(RENDER_SR), "-F", str(wav), str(soundfont()),
           str(mid)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or not wav.is_file():
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise RuntimeError(f"{mid}: fluidsynth failed: {detail[-1] if detail else proc.returncode}")
