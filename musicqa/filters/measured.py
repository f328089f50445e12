"""Grounding against measurement: drop answers whose tempo, key or mode the clip's measured facts rule out.

When the analysis stage measured a clip (``Clip.facts``), an answer saying "about 150 BPM" for a clip that
plays at 97, or "E major" for one in D minor, is a claim a listener would hear as wrong: the model trained on it
would learn to guess. The check is tolerant exactly where listeners and methods agree to differ:

- tempo: a stated BPM within +-8% of the measured tempo, or of half or double it (beat trackers, and listeners,
  pick the half-time or double-time pulse), is kept; a stated range ("90-100 BPM") is kept when it holds one of
  them;
- key: only the measured key, in any spelling (D flat = C#, "B-flat" = "Bb" = "B♭", Camelot "7A"); an
  answer that names it may name others (keys to mix into, a modulation), which are then no claim about the
  clip. The relative major/minor shares every note and key profiles confuse the two, but the LLM was told the
  measured key, so an answer naming the relative one did not hear it: it changed the one fact it was given
  (round 7: every writer who met such an answer labelled it ungrounded);
- mode: an answer that names no full key but a mode ("a bright major key", "Yes, is major mode", "Minor.", a
  "Yes" to "Is it in a minor key?") must have the measured mode. When an answer names a full key, its mode words
  go with it and are not checked apart. A mode word about a chord, an interval or a passage ("minor-sounding
  chords", "a major seventh", "the bridge shifts to a minor key") or about something else ("a major influence",
  "minor details") is no claim about the key;
- confidence: a fact below its threshold (``analysis.MIN_TEMPO_CONFIDENCE``, ``MIN_KEY_STRENGTH``) was not told to
  the LLM, so it supports nothing; but a figure the LLM states anyway that such a measurement rules out had no
  support at all (the caption rarely gives a key or BPM), so it is dropped too. An unsure measurement that
  *agrees* is kept, as a listener's lucky ear would be;
- the caption first: a tempo, key or mode the clip's own source text states ("a waltz in E major at 150 BPM") is
  what the LLM was given, so an answer repeating it is kept whatever was measured.

Tempo words ("a slow groove") are left to the text ``grounding`` filter; a clip without facts is always kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from musicqa.analysis import TONICS
from musicqa.records import KEEP, Clip, Facts, QAPair, Verdict

GROUNDING_MEASURED_CONTRADICTION = "grounding_measured_contradiction"

REASONS = {
    GROUNDING_MEASURED_CONTRADICTION: "answer states a tempo (beyond +-8%, half or double), a key or a mode that the "
                                      "clip's measured audio rules out and its caption/tags do not state",
}

TEMPO_TOLERANCE = 0.08

_NUM = r"(\d{2,3}(?:\.\d+)?)"
_BPM = re.compile(
    rf"(?:between\s+)?{_NUM}(?:\s*(?:-|–|—|to|and)\s*{_NUM})?\s*(?:bpm\b|beats?\s+(?:per|a|each)\s+minute\b)",
    re.IGNORECASE)
_ACC = r"(?:\s*(?:#|♯|b(?![a-z])|♭|-?\s*sharp|-?\s*flat))?"
# "D minor", "F sharp major", "E-flat major", "C# min": the letter is upper case ("a minor key" is a mode, and "a
# major role" is English); a bare "A major/minor" counts only where it reads as a key ("in A minor", "key of A").
_KEY = re.compile(rf"(?<![\w#])([A-G]){_ACC}[\s-]*(major|minor|maj|min)\b(?!\s*(?:role|part|influence|element|"
                  r"feature|change|difference|way|chord))")
_KEY_CONTEXT = re.compile(r"(?:\bin|\bkey(?:\s+of)?|\bkey\s+is|\bkey:|\bscale\s+of|\btonality\s+of)\s*$",
                          re.IGNORECASE)
_ENDS_KEY = re.compile(r"\s*(?:[.,;:!?)*–—-]|$)|\s+(?:key|scale|tonality|throughout|and|with|which)\b")
_FLAT_OF = {"C": "B", "D": "C#", "E": "D#", "F": "E", "G": "F#", "A": "G#", "B": "A#"}


def _tonic(letter: str, accidental: str) -> str:
    acc = accidental.strip().lower().lstrip("-").strip()
    if acc in ("#", "♯", "sharp"):
        return TONICS[(TONICS.index(letter) + 1) % 12]
    if acc in ("b", "♭", "flat"):
        return _FLAT_OF[letter]
    return letter


def tempo_claims(text: str) -> list[tuple[float, float]]:
    """Every BPM the text states, as (low, high): one number gives low == high."""
    claims = []
    for m in _BPM.finditer(text):
        low = float(m.group(1))
        high = float(m.group(2)) if m.group(2) else low
        claims.append((min(low, high), max(low, high)))
    return claims


# "bpm" - "72.", "Tempo feel" - "Upbeat, ~100.", "**BPM:** exactly 96": a bare number answering a tempo question
_ASKS_TEMPO = re.compile(r"\b(?:bpm|tempo|how\s+fast|beats\s+per\s+minute)\b", re.IGNORECASE)
_BARE_NUMBER = re.compile(
    r"(?<![\w/.:#-])(\d{2,3})(?:\.\d+)?(?![\w/%:#-]|\.\d|\s*(?:%|s\b|secs?\b|seconds|bars?\b|measures?|minutes?|"
    r"mins?\b|hz\b|khz|db\b|lufs|years?|bpm|beats|people|players|singers|kids|children|times))", re.IGNORECASE)


def bare_tempo_claims(answer: str, question: str) -> list[tuple[float, float]]:
    """Numbers from 40 to 250 without a unit in an answer to a tempo question, as tempo claims."""
    if not _ASKS_TEMPO.search(question) and not _ASKS_TEMPO.search(answer):
        return []
    return [(float(n), float(n)) for n in (int(m.group(1)) for m in _BARE_NUMBER.finditer(answer)) if 40 <= n <= 250]


def _keys(text: str) -> list[tuple[re.Match[str], str, str]]:
    """Every full key in ``text`` with its match, tonic (sharps) and mode; "A minor detail" is no key."""
    out = []
    for m in _KEY.finditer(text):
        letter, mode = m.group(1), m.group(2).lower()
        accidental = m.group(0)[1:m.start(2) - m.start(0)].strip(" -")
        if letter == "A" and not accidental and not _KEY_CONTEXT.search(text[:m.start()]) and (
                text[:m.start()].strip(" *#-:\n") or not _ENDS_KEY.match(text, m.end())):
            continue  # "A minor detail": only "in A minor", "key of A major" or an answer's "A major." are keys
        out.append((m, _tonic(letter, accidental), "minor" if mode.startswith("min") else "major"))
    return out


def key_mentions(text: str) -> list[tuple[str, str, str]]:
    """Every full key the text states, as (the words, tonic with sharps, "major" | "minor")."""
    return [(m.group(0), tonic, mode) for m, tonic, mode in _keys(text)]


def key_claims(text: str) -> list[tuple[str, str]]:
    """Every full key the text states, as (tonic with sharps, "major" | "minor")."""
    return [(tonic, mode) for _, tonic, mode in key_mentions(text)]


# DJs' Camelot wheel: "8A" is A minor, "8B" C major, each step a fifth; read only where keys are the topic
_CAMELOT = re.compile(r"(?<![\w.#-])(1[0-2]|[1-9])\s?([AB])\b")
_KEY_TOPIC = re.compile(r"\bcamelot\b|\bwheel\b|\bharmonic(?:ally)?\b|\bkeys?\b|\b(?:major|minor)\b", re.IGNORECASE)


def _camelot(m: re.Match[str]) -> tuple[str, str]:
    minor = (9 + 7 * (int(m.group(1)) - 8)) % 12
    return (TONICS[minor], "minor") if m.group(2) == "A" else (TONICS[(minor + 3) % 12], "major")


def camelot_claims(text: str, question: str = "") -> list[tuple[str, str]]:
    """Every Camelot code the text states ("8A", "10B"), as a key; only in a text or question about keys."""
    if not _KEY_TOPIC.search(text) and not _KEY_TOPIC.search(question):
        return []
    return [_camelot(m) for m in _CAMELOT.finditer(text)]


def mislabelled_camelot(text: str) -> bool:
    """A key and the Camelot code written beside it disagree: "A minor, which is 9A" (A minor is 8A)."""
    keys = [(m.start(), m.end(), (tonic, mode)) for m, tonic, mode in _keys(text)]
    for c in _CAMELOT.finditer(text):
        after = [k for s, _, k in keys if 0 <= s - c.end() <= 3]  # "7A (D minor)"
        before = [k for _, e, k in keys if 0 <= c.start() - e <= 20 and _EQUATES.match(text[e:c.start()])]
        near = after[:1] or before[-1:]  # "A minor, which is 9A"
        if near and _camelot(c) not in near:
            return True
    return False


_EQUATES = re.compile(r"^\s*[,(]?\s*(?:which\s+is|that['’]s|i\.?e\.?|aka|=|is)?\s*[(,:]?\s*$", re.IGNORECASE)


# A mode without a tonic, said of the key: "a bright major key", "minor tonality", "is major mode", "in minor.",
# "the key is minor". Not "a major key change" (a big one), "a minor third", "minor-sounding chords".
_NOT_KEY = (r"(?![\s-]*(?:chords?|thirds?|seconds?|sixths?|sevenths?|ninths?|intervals?|triads?|arpeggios?|"
            r"sounding|ish))")
_MODE_CLAIM = re.compile(
    r"\b(major|minor)[\s-]+(?:key|keys|tonality|tonalities|mode|modality|tonal\s+cent(?:re|er))\b"
    r"(?![\s-]+(?:changes?|shifts?|modulations?))"
    r"|\bin\s+(?:a\s+)?(major|minor)(?=\s*(?:[.,;:!?)]|$|\s+(?:and|but|with|throughout|here|too|which|so|"
    r"(?:the\s+)?(?:whole|entire|all\s+the)\s+(?:way|time|song|track|piece))\b))"
    r"|\b(?:key|tonality|mode)\s+(?:is|was|['’]s|seems|sounds|feels|stays)\s+(?:(?:a|an|the|clearly|definitely|"
    r"firmly|squarely|bright|dark|\w+ly)\s+){0,2}(major|minor)\b" + _NOT_KEY,
    re.IGNORECASE)
# "Minor." or "Major, and bright." answering a question about the key or mode
_BARE_MODE = re.compile(r"^\W*(major|minor)\b(?=\s*(?:[.,;:!?]|\s[-–—]|$))", re.IGNORECASE)
_ASKS_KEY = re.compile(r"\b(?:key|mode|modality|tonality|tonal|major|minor)\b", re.IGNORECASE)
# Said of one passage ("the bridge shifts to a minor key"), not of the clip's key
_PASSAGE = re.compile(r"\b(?:modulat\w*|shift\w*|switch\w*|mov(?:e|es|ing)\s+(?:in)?to|turns?\s+to|dips?\s+into|"
                      r"chang\w*|borrow\w*|bridge|chorus|verse|section|passage|middle\s+eight|interlude|briefly|"
                      r"momentar\w*|at\s+times|sometimes)\b", re.IGNORECASE)
_NEGATED = re.compile(r"(?:\bnot|n['’]t|\bnever|\bno|\brather\s+than|\binstead\s+of|\bnor|\bneither|\bisn|\baren)\b"
                      r"[^.;!?]{0,30}$", re.IGNORECASE)
_YES = re.compile(r"^\W*(?:yes|yeah|yep|indeed|certainly|definitely|absolutely|correct|right)\b", re.IGNORECASE)
_NO = re.compile(r"^\W*(?:no|nope|not\s+at\s+all)\b", re.IGNORECASE)
_IF = re.compile(r"\b(?:would|could|might|should|if|imagine)\b", re.IGNORECASE)


def modes_said(text: str) -> list[str]:
    """The modes ``text`` claims for the key, outside any negation or passage."""
    out = []
    for m in _MODE_CLAIM.finditer(text):
        sentence = text[max(text.rfind(c, 0, m.start()) for c in ".!?;\n") + 1:m.start()]
        if _NEGATED.search(sentence) or _PASSAGE.search(sentence):
            continue
        out.append(next(g for g in m.groups() if g).lower())
    return out


def mode_claims(answer: str, question: str = "") -> set[str]:
    """The modes an answer states without a tonic; empty when it names a full key (that carries its own mode).

    "Minor." counts when the question asks about the key or mode, and "Yes"/"No" when it asks about one mode
    ("Is it in a minor key?"; not "Major or minor?").
    """
    if key_mentions(answer):
        return set()
    said = set(modes_said(answer))
    if not said and (bare := _BARE_MODE.match(answer)) and _ASKS_KEY.search(question):
        said.add(bare.group(1).lower())
    asked = set(modes_said(question))
    if not said and len(asked) == 1 and not _IF.search(question):
        if _YES.match(answer):
            said = asked
        elif _NO.match(answer):
            said = {"major", "minor"} - asked
    return said


def tempo_fits(low: float, high: float, bpm: float) -> bool:
    """True when the stated tempo (or range) is the measured one, its half or its double, within +-8%."""
    for t in (bpm, bpm / 2, bpm * 2):
        if low * (1 - TEMPO_TOLERANCE) <= t <= high * (1 + TEMPO_TOLERANCE):
            return True
    return False


def contradicts(text: str, facts: Facts, question: str = "", source: str = "") -> bool:
    """True when ``text`` states a tempo, key or mode that ``facts`` rule out and ``source`` does not state."""
    if facts.tempo_bpm:
        stated = tempo_claims(source)
        for low, high in tempo_claims(text) or bare_tempo_claims(text, question):
            if not tempo_fits(low, high, facts.tempo_bpm) and not any(
                    tempo_fits(low, high, (s_low + s_high) / 2) for s_low, s_high in stated):
                return True
    if facts.key and facts.mode:
        # one key the clip has makes the others comparisons: "8A; mix into 9A (E minor) or 8B"
        allowed = {(facts.key, facts.mode), *key_claims(source)}
        claims = key_claims(text) + camelot_claims(text, question)
        if claims and (not any(claim in allowed for claim in claims) or mislabelled_camelot(text)):
            return True
    if facts.mode:
        allowed_modes = {facts.mode, *modes_said(source), *(mode for _, mode in key_claims(source))}
        if any(mode not in allowed_modes for mode in mode_claims(text, question)):
            return True
    return False


def measured(pair: QAPair, clip: Clip) -> Verdict:
    """Drop an answer whose stated tempo, key or mode the clip's measured facts rule out (the caption's aside)."""
    facts = clip.facts
    if facts is None or not (facts.tempo_bpm or facts.key or facts.mode):
        return KEEP
    if contradicts(pair.answer, facts, pair.question, clip.text):
        return Verdict(False, GROUNDING_MEASURED_CONTRADICTION)
    return KEEP


class WithMeasured:
    """The ``grounding`` family: the text check (caption/tags), then the check against measured facts.

    Wraps whatever ``grounding`` filter it is given (a function, or an object with a ``prepare`` step), so the
    text filter evolves on its own; its reasons come first, as before there were facts.
    """

    def __init__(self, text_filter: Callable[[QAPair, Clip], Verdict]) -> None:
        self.text_filter = text_filter
        if hasattr(text_filter, "prepare"):
            self.prepare = text_filter.prepare

    def __call__(self, pair: QAPair, clip: Clip) -> Verdict:
        verdict = self.text_filter(pair, clip)
        return verdict if not verdict.keep else measured(pair, clip)
