"""The ``mcq`` checks: drop multiple-choice items that a listener could not settle, or could settle without listening.

An item is a question, its correct answer and three distractors of MuChoMusic's kinds (``records.DISTRACTOR_KINDS``:
incorrect but related, correct but unrelated, incorrect and unrelated). The LLM that wrote it never heard the clip,
so, as in the open task, only the clip's text (and the measured ``Clip.facts``, where the analysis stage ran) can
vouch for it. Each check is a pure ``(MCQItem, Clip) -> Verdict``; :data:`CHECKS` lists them cheapest first.

- ``mcq_duplicate_option``: two options equal after normalisation: two right answers, or a giveaway.
- ``mcq_leak`` / ``mcq_general_knowledge``: the leak rules of :mod:`musicqa.filters.leak` on the question with each
  option (a question or option that cites the caption or tags; a question about a genre or term in general, which
  general knowledge answers without the clip: "What is ska known for?").
- ``mcq_answer_contradicts_facts``: the correct answer names a tempo, key or loudness the measurement contradicts.
- ``mcq_answer_unsupported``: the correct answer shares nothing with the clip's text (or facts), or the grounding
  filter finds it contradicted or invented.
- ``mcq_distractor_true``: an *incorrect* distractor that the text (or facts) supports, so the item has two right
  answers. The correct-but-unrelated distractor is true by definition and is not checked; an
  incorrect-but-related one may name something present in a role the question rules out ("Which instrument
  solos?" - "Piano" when the piano only accompanies), so a question about a role, order or absence exempts it.

The length cue (the correct option being the longest, a known giveaway of LLM-written items) is measured per build
(:func:`correct_longest_share`), not filtered: the build reports it in summary.json and the card.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from musicqa.filters import leak as leak_rules
from musicqa.filters.grounding import GROUNDING_CONTRADICTION, grounding
from musicqa.filters.grounding import _source as digest  # the grounding filter's digest of a clip's text, cached
from musicqa.filters.vocab import ancestors, find_mentions, is_term
from musicqa.records import KEEP, Clip, Facts, MCQItem, QAPair, Verdict

MCQ_DUPLICATE_OPTION = "mcq_duplicate_option"
MCQ_LEAK = "mcq_leak"
MCQ_GENERAL_KNOWLEDGE = "mcq_general_knowledge"
MCQ_ANSWER_CONTRADICTS_FACTS = "mcq_answer_contradicts_facts"
MCQ_ANSWER_UNSUPPORTED = "mcq_answer_unsupported"
MCQ_DISTRACTOR_TRUE = "mcq_distractor_true"

REASONS = {
    MCQ_DUPLICATE_OPTION: "two of the four options are the same after normalisation (case, punctuation, articles)",
    MCQ_LEAK: "the question or an option cites the caption, tags or generation setup (the leak rules)",
    MCQ_GENERAL_KNOWLEDGE: "the question asks about a genre or term in general, answerable without the clip",
    MCQ_ANSWER_CONTRADICTS_FACTS: "the correct answer names a tempo, key or loudness the measured audio contradicts",
    MCQ_ANSWER_UNSUPPORTED: "the correct answer is not supported by the clip's caption/tags (or measured facts)",
    MCQ_DISTRACTOR_TRUE: "an incorrect distractor is supported by the caption/tags or measured facts (two right "
                         "answers)",
}

INCORRECT_KINDS = ("incorrect_but_related", "incorrect_and_unrelated")

# --- normalisation --------------------------------------------------------------------------------------------

_ARTICLE = re.compile(r"^(?:a|an|the)\s+")
_NON_WORD = re.compile(r"[^\w\s]+")


def normalise(option: str) -> str:
    """Lower-case, NFKC, punctuation and a leading article gone, spaces collapsed: "The Piano." -> "piano"."""
    text = _NON_WORD.sub(" ", unicodedata.normalize("NFKC", option).lower())
    return _ARTICLE.sub("", " ".join(text.split()))


def duplicate_option(item: MCQItem, clip: Clip) -> Verdict:
    """Drop items with two options that read the same: a listener cannot tell them apart."""
    seen = [normalise(o) for o in item.options]
    return Verdict(False, MCQ_DUPLICATE_OPTION) if len(set(seen)) < len(seen) else KEEP


# --- leak rules -----------------------------------------------------------------------------------------------

def _leak_reasons(item: MCQItem, clip: Clip) -> set[str]:
    return {leak_rules.leak(QAPair(item.clip_id, item.question, o, "mcq"), clip).reason for o in item.options}


def leak(item: MCQItem, clip: Clip) -> Verdict:
    """Drop items whose question or any option talks about the source text or the generation setup."""
    reasons = _leak_reasons(item, clip)
    if reasons & {leak_rules.LEAK_SOURCE_REFERENCE, leak_rules.LEAK_GENERATION_SETUP}:
        return Verdict(False, MCQ_LEAK)
    return KEEP


# "What is ska known for?", "Which instruments is bluegrass famous for?": a genre or term and what it is known for,
# the one form of general question the leak rules leave to this check.
_KNOWN_FOR = re.compile(
    r"^\W*(?:what|which)\s+(?:[\w-]+\s+){0,2}?(?:is|are|was|were)\s+(?:an?\s+)?([\w&' -]{2,30}?)\s+"
    r"(?:music\s+|songs?\s+|genre\s+)?(?:best\s+|mostly\s+|most\s+|mainly\s+)?(?:known|famous|noted|renowned|"
    r"recogni[sz]ed|celebrated)\s+(?:for|as)\b", re.IGNORECASE)
_THIS_CLIP = re.compile(r"\b(?:this|these|here|you\s+hear|heard)\b|\b(?:the|its)\s+(?:\w+\s+)?(?:audio|song|track|"
                        r"clip|piece|recording|excerpt|performance)\b", re.IGNORECASE)


def general_knowledge(item: MCQItem, clip: Clip) -> Verdict:
    """Drop questions about music in general ("What is ska known for?"): knowledge answers them, not the clip.

    The leak filter's ``leak_tag_question`` and ``leak_general_knowledge`` rules (an option telling a genre's
    history), plus "<genre or term> known for" questions that name no clip.
    """
    if {leak_rules.LEAK_TAG_QUESTION, leak_rules.LEAK_GENERAL_KNOWLEDGE} & _leak_reasons(item, clip):
        return Verdict(False, MCQ_GENERAL_KNOWLEDGE)
    known = _KNOWN_FOR.search(item.question)
    if known and is_term(known.group(1)) and not _THIS_CLIP.search(item.question):
        return Verdict(False, MCQ_GENERAL_KNOWLEDGE)
    return KEEP


# --- measured facts -------------------------------------------------------------------------------------------

_BPM = re.compile(r"\b(\d{2,3}(?:\.\d+)?)\s*(?:bpm|beats\s+per\s+minute)\b", re.IGNORECASE)
_KEY = re.compile(r"\b([A-G])\s*(#|♯|b|♭|\s+sharp|\s+flat)?\s+(major|minor)\b")
_MODE_ONLY = re.compile(r"\b(major|minor)\s+(?:key|tonality|mode)\b|\bin\s+(?:a\s+)?(major|minor)\b", re.IGNORECASE)
_FAST = re.compile(r"\b(?:fast|up-?tempo|quick|rapid|brisk)\b", re.IGNORECASE)
_SLOW = re.compile(r"\b(?:slow|down-?tempo|sluggish|languid)\b", re.IGNORECASE)
_LOUD = re.compile(r"\b(?:very\s+loud|loud)\b", re.IGNORECASE)
_QUIET = re.compile(r"\b(?:very\s+quiet|quiet|hushed|barely\s+audible)\b", re.IGNORECASE)
_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_SURE = 0.5  # below this confidence/strength a measurement neither contradicts nor supports


def _pitch(letter: str, accidental: str | None) -> str:
    i = _NAMES.index(letter)
    acc = (accidental or "").strip()
    if acc in ("#", "♯", "sharp"):
        i += 1
    elif acc in ("b", "♭", "flat"):
        i -= 1
    return _NAMES[i % 12]


def facts_verdict(text: str, facts: Facts | None) -> bool | None:
    """True when the measurement confirms a tempo/key the text names, False when it contradicts the text, else None.

    Tempo estimators often report half or double the felt tempo, so a BPM within 8% of the measured one, its half or
    its double agrees; "fast" and "slow" contradict only far from the boundary (under 80 / over 140 BPM).
    """
    if facts is None:
        return None
    verdicts: list[bool] = []
    bpm = facts.tempo_bpm
    if bpm and (facts.tempo_confidence is None or facts.tempo_confidence >= _SURE):
        for m in _BPM.finditer(text):
            said = float(m.group(1))
            verdicts.append(any(abs(said - t) <= 0.08 * t for t in (bpm, bpm / 2, bpm * 2)))
        if _FAST.search(text) and bpm < 80 or _SLOW.search(text) and bpm > 140:
            verdicts.append(False)
    if facts.mode and (facts.key_strength is None or facts.key_strength >= _SURE):
        for m in _KEY.finditer(text):
            verdicts.append(facts.key is not None and _pitch(m.group(1), m.group(2)) == facts.key
                            and m.group(3) == facts.mode)
        for m in _MODE_ONLY.finditer(text):
            verdicts.append((m.group(1) or m.group(2)).lower() == facts.mode)
    if facts.loudness_lufs is not None:
        if _LOUD.search(text) and facts.loudness_lufs < -30 or _QUIET.search(text) and facts.loudness_lufs > -10:
            verdicts.append(False)
    if not verdicts:
        return None
    return all(verdicts)


def answer_facts(item: MCQItem, clip: Clip) -> Verdict:
    """Drop items whose correct answer the measured tempo, key or loudness contradicts."""
    if facts_verdict(item.correct_answer, clip.facts) is False:
        return Verdict(False, MCQ_ANSWER_CONTRADICTS_FACTS)
    return KEEP


# --- support by the clip's text -------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z'-]+")
_STOP = frozenset("""
a an and are as at be by for from has have in into is it its of on or that the their there this to with without
was were which while who whose will would can could some any very more most much many one two three four music
musical song track piece clip audio sound sounds sounding recording played playing plays heard hear
""".split())
# A question about a role, an order or an absence: something present in another role is a fair wrong answer.
_ROLE_QUESTION = re.compile(
    r"\b(?:solo|solos|lead|leads|leading|main|primary|primarily|melody|melodic|first|begin|beginning|begins|start|"
    r"starts|opening|opens|intro|end|ends|ending|after|before|later|then|next|enters?|missing|absent|not|never|"
    r"without|lacks?|instead|most|prominent|dominant|only|accompan\w*|background|foreground)\b", re.IGNORECASE)


def _stems(text: str) -> set[str]:
    """Content words cut to five letters, so "drums"/"drum" and "energetic"/"energy" meet."""
    return {w[:5] for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def _context(clip: Clip) -> str:
    return " ".join([clip.text, *clip.labels])


def _named_concepts(text: str) -> set[str]:
    return {m.concept for m in find_mentions(text) if not m.negated and not m.hedged}


def supported(text: str, clip: Clip) -> bool:
    """True when ``text`` shares a concept (or a narrower kind of one) or a content word with the clip's text,
    or names a tempo/key the measurement confirms."""
    if facts_verdict(text, clip.facts):
        return True
    src = digest(clip.text)
    named = _named_concepts(text)
    if any(ancestors(c) & (src.facts.asserted | src.facts.negated) or c in src.support for c in named):
        return True
    return bool(_stems(text) & _stems(_context(clip)))


def answer_supported(item: MCQItem, clip: Clip) -> Verdict:
    """Drop items whose correct answer the clip's text neither supports nor leaves room for.

    The grounding filter judges the answer as it judges an open answer (contradicted or invented instruments,
    genres, vocals); a question about an absence ("Which instrument is missing?") is exempt from its contradiction
    test, since its right answer names what the text negates.
    """
    if not clip.text.strip() and clip.facts is None:
        return KEEP  # nothing to judge by (a text-less custom source): as the grounding filter does
    verdict = grounding(QAPair(item.clip_id, item.question, item.correct_answer, "mcq"), clip)
    if not verdict.keep and not (verdict.reason == GROUNDING_CONTRADICTION and _ROLE_QUESTION.search(item.question)):
        return Verdict(False, MCQ_ANSWER_UNSUPPORTED)
    if not supported(item.correct_answer, clip):
        return Verdict(False, MCQ_ANSWER_UNSUPPORTED)
    return KEEP


def _asserted_by_text(option: str, clip: Clip) -> bool:
    """True when the clip's text asserts what ``option`` names: every concept it names, or the option's words."""
    src = digest(clip.text)
    named = _named_concepts(option)
    if named and all(ancestors(c) & src.facts.asserted or c in src.facts.asserted for c in named):
        return True
    words = normalise(option)
    return bool(words) and re.search(rf"\b{re.escape(words)}\b", normalise(_context(clip))) is not None


def distractor_true(item: MCQItem, clip: Clip) -> Verdict:
    """Drop items with an incorrect distractor that the clip's text or its measured facts support."""
    role = bool(_ROLE_QUESTION.search(item.question))
    for option, kind in zip(item.distractors, item.distractor_kinds, strict=True):
        if kind not in INCORRECT_KINDS:
            continue
        if facts_verdict(option, clip.facts):
            return Verdict(False, MCQ_DISTRACTOR_TRUE)
        if kind == "incorrect_but_related" and role:
            continue
        if _asserted_by_text(option, clip):
            return Verdict(False, MCQ_DISTRACTOR_TRUE)
    return KEEP


Check = Callable[[MCQItem, Clip], Verdict]

# Cheapest first: the build stops at an item's first drop.
CHECKS: dict[str, Check] = {
    "duplicate_option": duplicate_option, "leak": leak, "general_knowledge": general_knowledge,
    "facts": answer_facts, "answer_supported": answer_supported, "distractor_true": distractor_true,
}


CHECK_NAMES = tuple(CHECKS)


def make_checks(names: Sequence[str]) -> list[Check]:
    """The named checks in :data:`CHECKS` order (unknown names are refused by ``McqConfig``)."""
    return [f for n, f in CHECKS.items() if n in names]


def correct_longest_share(items: Iterable[MCQItem]) -> float | None:
    """Share of items whose correct option is strictly the longest (in characters); None for no items.

    With four options of random lengths a quarter would be; well above that, a model can score by picking the
    longest option without listening.
    """
    flags = [len(i.correct_answer) > max(len(d) for d in i.distractors) for i in items]
    return sum(flags) / len(flags) if flags else None
