"""Is a token a complete English word? For spotting answers cut off mid-word ("a crunchy sna").

The word list is the whole-word part of all-MiniLM-L6-v2's WordPiece vocabulary (about 22,000
English words, shipped with the embedding model the learned layer needs anyway) plus every word of
the music vocabulary (:mod:`musicqa.filters.vocab`: "glockenspiel", "theremin", "synths"). A word is
also known when a common suffix strips to a known word ("strummed" -> "strum") or when the text uses
it elsewhere. The check only runs on answers with no closing punctuation, which LLM output almost
never lacks (22 of EvalMusicQA's 5,040 answers, all broken), so a rare last word costs little.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

from musicqa.errors import InputError
from musicqa.filters.vocab import CONCEPTS

log = logging.getLogger(__name__)

# Complete words of one or two letters; any other 1-2 letter last token ("fl", "sn") is a fragment.
_SHORT = frozenset("a i an as at be by do go he if in is it me my no of oh ok on or so to up us we ya yo "
                   "dj tv uk mc hi la ah eh uh ye pa ma da u n w ur db hz".split())
# Units and chat shorthand a crowd worker ends an answer with ("around 128 bpm", "subjective tbh")
_INFORMAL = frozenset("bpm bpms lufs khz tbh lol idk imo imho sry pls thx lmao ppl prob kinda sorta gonna wanna "
                      "dunno gotta tho thru cuz coz nah yep yup".split())
# Music words the WordPiece list lacks, and a labeller's shorthand ("acoustic gtr", "elec", "Eb maj")
_MUSIC = frozenset("arpeggio arpeggios ostinato ostinatos rubato glissando glissandi pizzicato staccato legato "
                   "crescendo crescendos diminuendo decrescendo fortissimo pianissimo mezzo tremolo vibrato "
                   "syncopation syncopated cadence cadences riff riffs drawl twang twangy hemiola timbre "
                   "gtr gtrs elec inst instr instrs vox perc kbd kbds maj min dist acc reverb reverbs "
                   "stutter stutters delay delays sidechain sidechained "
                   # mood words a labeller ends a tag list with
                   "euphoric wistful uplifting ethereal anthemic nostalgic bittersweet danceable downbeat raspy "
                   "cinematic meditative hypnotic dreamlike".split())
_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "y", "ies", "ied", "ness", "ment", "ful",
             "less", "ish")
_LETTERS = re.compile(r"[a-z]+")


@cache
def words() -> frozenset[str]:
    """The known words; without the embedding package only the music vocabulary (the check then abstains)."""
    out: set[str] = set(_INFORMAL) | _MUSIC
    for concept in CONCEPTS:
        for form in concept.forms:
            out.update(_LETTERS.findall(form.lower()))
    try:
        from musicqa.filters.embeddings import model_path

        vocab = Path(model_path()) / "vocab.txt"
        out.update(w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.islower())
    except InputError:
        log.debug("no embedding model installed: the mid-word truncation check is off")
        return frozenset()
    return frozenset(out)


def is_word(token: str, also: frozenset[str] = frozenset()) -> bool:
    """True unless ``token`` is a letters-only fragment that is no known word (numbers, names pass)."""
    lower = token.lower()
    if not lower.isalpha() or not lower.isascii() or token[:1].isupper():
        return True  # "808s", "café", "Yamaha": not judged
    if len(lower) <= 2:
        return lower in _SHORT
    known = words()
    if not known or lower in known or lower in also:
        return True
    for suffix in _SUFFIXES:
        stem = lower[:-len(suffix)]
        if lower.endswith(suffix) and len(stem) >= 3 and (stem in known or stem + "e" in known
                                                             or stem[:-1] in known and stem[-1] == stem[-2]
                                                             or stem[:-1] + "y" in known):
            return True
    return False
