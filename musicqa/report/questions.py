"""A small keyword classifier for question types and genre mentions, used only by the report.

It is deliberately crude: the report wants a rough picture of what the questions ask about
(MusicQA's fixed questions lean heavily on genre and instruments), not a model. Rules are
tried in order and the first match wins, so a question about "the tempo of the drums" counts
as tempo: the more specific musical property beats the instrument it is asked about.
"""

from __future__ import annotations

import functools
import re

QUESTION_TYPES = ("genre", "mood", "tempo", "instrument", "vocals", "other")

_INSTRUMENTS = (
    "instruments?", "guitars?", "piano", "keys", "keyboards?", "drums?", "drumming", "percussion", "bass",
    "basslines?", "violins?", "cellos?", "strings", "synth\\w*", "organ", "flutes?", "trumpets?", "saxophones?",
    "sax", "horns?", "brass", "harps?", "ukulele", "banjo", "accordion", "harmonica", "clarinet", "tabla",
    "sitar", "orchestra\\w*", "beats?", "808s?",
)

# "instrumental" is left out of the instrument rule on purpose: "is it instrumental or sung?" is about vocals.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("genre", re.compile(r"\b(genres?|style|sub-?genre|kind of (music|song)|type of (music|song)|category)\b")),
    ("mood", re.compile(r"\b(mood|moods|feel|feeling|feelings|emotions?|emotional|atmosphere|vibe|"
                        r"happy|sad|energetic|calm|relaxing|dark|uplifting|evoke|convey)\b")),
    ("tempo", re.compile(r"\b(tempo|bpm|beats per minute|speed|pace|fast|slow|rhythm|rhythmic|time signature)\b")),
    ("instrument", re.compile(r"\b(" + "|".join(_INSTRUMENTS) + r")\b")),
    ("vocals", re.compile(r"\b(vocals?|vocalists?|voices?|sing|sings|singing|singers?|sung|lyrics|rap|rapping|"
                          r"rapper|choir|instrumental|male|female)\b")),
)

GENRES = (
    "rock", "pop", "jazz", "blues", "classical", "electronic", "hip hop", "metal", "country", "folk", "reggae",
    "funk", "soul", "r&b", "disco", "techno", "house", "ambient", "latin", "punk", "gospel", "indian",
    "dance", "trance", "new age", "opera",
)
# Spelling variants that mean the same genre; the plot counts them under the canonical name.
_GENRE_VARIANTS = {"hip hop": r"hip[- ]?hop|rap", "electronic": r"electronic|electronica|edm", "r&b": r"r&b|rnb"}
_GENRE_RES = {g: re.compile(r"(?<![\w&])(" + _GENRE_VARIANTS.get(g, re.escape(g)) + r")(?![\w&])") for g in GENRES}


@functools.lru_cache(maxsize=1 << 16)  # fixed questions repeat on every clip, so most calls are cache hits
def question_type(question: str) -> str:
    """Return the first of QUESTION_TYPES whose keywords occur in the question, else ``"other"``."""
    text = question.lower()
    for name, pattern in _RULES:
        if pattern.search(text):
            return name
    return "other"


def genres_in(text: str) -> tuple[str, ...]:
    """Return the GENRES named in a caption or tag list, in GENRES order (each at most once)."""
    lowered = text.lower()
    return tuple(g for g in GENRES if _GENRE_RES[g].search(lowered))
