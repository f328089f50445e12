"""Specifics without support: exact figures, years, names, counts, languages and keys nobody gave the LLM.

A caption rarely states a tempo, a year or who plays, so an answer "It's exactly 128 BPM", "Max Martin
produced this one in 2014", "Exactly twelve men", "They're in German" or "in D major" is invented unless
the caption or tags, or the measured facts of the analysis stage (:class:`musicqa.records.Facts`), say so.
A model trained on such answers learns to make up credits and figures. Whether a *measured* fact agrees
with the claim is the measured-contradiction filter's business (issue 23); here a measured tempo or key
only counts as support. Comparisons ("in the style of Bill Evans", "reminiscent of 1960s soul") are a
listener's inferences and are left alone, as is any mode or tempo word without a figure ("a minor key",
"about mid-tempo").
"""

from __future__ import annotations

import re

from musicqa.filters.lexicon import words as known_words
from musicqa.filters.vocab import is_term
from musicqa.records import Facts

_BPM = re.compile(r"\b(\d{2,3})(?:\.\d+)?\s*(?:bpm|beats?\s+per\s+minute|beats?\s+a\s+minute)\b", re.IGNORECASE)
# "4 minutes", "three minutes and twelve seconds": a length in figures or in words
_MINUTES = re.compile(r"\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?:\.\d+)?\s*"
                      r"(?:minutes?|mins?)\b(?!\s+(?:in|into)\b)", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[6-9]\d\d|20[0-2]\d)\b(?!s\b|['’]s\b)")
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "a dozen": 12, "dozen": 12}
_ENSEMBLES = {"duo": 2, "duet": 2, "pair": 2, "trio": 3, "quartet": 4, "quintet": 5, "sextet": 6, "septet": 7,
              "octet": 8}
_COUNT = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+dozen|\d{1,2})\s+(?:\w+\s+)?"
    r"(?:players|musicians|guitarists|singers|vocalists|drummers|violinists|pianists|men|women|voices|people|"
    r"members|performers|rappers|percussionists|horn\s+players|backing\s+singers)\b", re.IGNORECASE)
_HOW_MANY = re.compile(r"\bhow\s+many\b", re.IGNORECASE)
_LEADING_COUNT = re.compile(r"^\W*(?:exactly\s+|about\s+)?(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                            r"\d{1,2})\b", re.IGNORECASE)
_LANGUAGES = ("english|spanish|portuguese|french|german|italian|japanese|korean|chinese|mandarin|cantonese|hindi|"
              "arabic|russian|turkish|greek|swahili|yoruba|hebrew|latin|dutch|swedish|polish|punjabi|tamil|bengali|"
              "urdu|persian|farsi|vietnamese|thai|indonesian|tagalog|zulu|xhosa|amharic|finnish|norwegian|danish|"
              "czech|hungarian|romanian|ukrainian|catalan|basque|gaelic|welsh|irish|icelandic|malay|javanese")
_LANGUAGE_CLAIM = re.compile(
    r"\b(?:in|sung\s+in|sings?\s+in|raps?\s+in|rapping\s+in|singing\s+in|spoken\s+in|language\s+is|lyrics\s+are\s+in|"
    r"lyrics\s+in|words\s+are\s+in|they['’]re\s+in|it['’]s\s+in)\s+(?:\w+\s+)?(" + _LANGUAGES + r")\b|"
    r"^\W*(" + _LANGUAGES + r")\W*$", re.IGNORECASE)
_ASKS_LANGUAGE = re.compile(r"\blanguages?\b", re.IGNORECASE)
_ANY_LANGUAGE = re.compile(r"\b(" + _LANGUAGES + r")\b", re.IGNORECASE)
_KEY = re.compile(r"\b([A-G])\s?(#|♯|b|♭|\s+sharp|\s+flat)?[\s-]+(major|minor)\b")
# "who/which artist" or an attribution verb next to a capitalised name makes it a credit, not a style
_ASKS_CREDIT = re.compile(r"\b(?:who(?!\s+(?:would|might|could|should|is\s+(?:it|this)\s+for)\b)|whose|"
                          r"which\s+(?:\w+\s+)?(?:artist|band|composer|producer|album|song|record|label|country|city|"
                          r"singer|player|orchestra|ensemble|film|movie|game)|what\s+(?:\w+\s+)?"
                          r"(?:artist|band|composer|producer|album|song|record|label|country|city|year|piece|work))\b",
                          re.IGNORECASE)
_CREDIT_CUE = re.compile(r"\b(?:by|wrote|written|composed|produced|performed|recorded|arranged|played|sung|from|on|"
                         r"his|her|their|album|sessions?|concerto|symphony|sonata|opus|label|released)\b",
                         re.IGNORECASE)
_CREDITING = re.compile(r"\s*(?:wrote|composed|produced|performed|recorded|played|sang|sings|arranged|released)\b",
                        re.IGNORECASE)
_COMPARISON = re.compile(r"\b(?:like|style|reminiscent|evokes?|recalls?|similar|think|vein|echoes|nod|à\s+la|"
                         r"a\s+la|shades\s+of|influence[sd]?|inspired|sounds?|fans\s+of)\s+(?:\w+\s+){0,3}$",
                         re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][a-zà-ÿ'’]+(?:[\s-]+(?:(?:of|the|de|van|von|da|del|la|le)\s+)?[A-Z][a-zà-ÿ'’]+)*")
# Capitalised words that are no credit: instruments and gear named after makers, days, the pronoun
_NOT_NAMES = frozenset("""i rhodes hammond moog wurlitzer fender gibson stratocaster telecaster marshall roland
yamaha korg steinway leslie mellotron theremin auto-tune autotune vocoder linn akai mpc casio nord prophet juno tr
monday tuesday wednesday thursday friday saturday sunday christmas god lord jesus yes no she he they we you it
this that there these those her his their its my our your the a an""".split())


def _numbers_in(text: str) -> set[int]:
    lower = text.lower()
    out = {int(n) for n in re.findall(r"\b\d{1,3}\b", lower)}
    out |= {v for k, v in _NUMBERS.items() if re.search(rf"\b{k}\b", lower)}
    out |= {v for k, v in _ENSEMBLES.items() if re.search(rf"\b{k}s?\b", lower)}
    if re.search(r"\bmale\b", lower) and re.search(r"\bfemale\b", lower):
        out.add(2)
    return out


def _count(word: str) -> int:
    word = re.sub(r"\s+", " ", word.lower())
    return int(word) if word.isdigit() else _NUMBERS.get(word, -1)


def _names(answer: str, question: str, context: str) -> list[str]:
    """Capitalised names the answer credits (not compares to) that the context does not contain."""
    credit_question = bool(_ASKS_CREDIT.search(question))
    known = known_words()
    ctx = context.lower()
    out = []
    for m in _NAME.finditer(answer):
        name = m.group(0)
        tokens = [re.split(r"['’]", t)[0] for t in re.split(r"[\s-]+", name) if t[:1].isupper()]
        if all(t.lower() in _NOT_NAMES for t in tokens) or name.lower() in ctx or is_term(name.lower()):
            continue
        if any(t.lower() in ctx for t in tokens if len(t) > 3):
            continue  # "Evans" for a caption naming Bill Evans
        before, after = answer[max(0, m.start() - 25):m.start()], answer[m.end():m.end() + 20]
        if _COMPARISON.search(answer[max(0, m.start() - 40):m.start()]):
            continue  # "in the style of Bill Evans" is a listener's comparison
        credited = credit_question or bool(_CREDIT_CUE.search(before)) or bool(_CREDITING.match(after))
        start_of_sentence = not answer[:m.start()].strip() or answer[:m.start()].rstrip()[-1] in ".!?:;\n\"“"
        unknown = any(known and t.lower().strip("'’") not in known for t in tokens)
        if len(tokens) == 1 and start_of_sentence:
            # a capital at the start of a sentence is usually just a capital ("Bright", "Slow")
            if credited and _CREDITING.match(after):  # "Tchaikovsky wrote it"
                out.append(name)
        elif credited and (len(tokens) >= 2 or unknown or credit_question):
            out.append(name)
    return out


def invented_specific(answer: str, question: str, context: str, facts: Facts | None) -> str:
    """The first specific the answer states that neither ``context`` nor ``facts`` supports ("" if none)."""
    ctx_numbers = _numbers_in(context)
    for m in _BPM.finditer(answer):
        bpm = int(m.group(1))
        measured = facts is not None and facts.tempo_bpm is not None
        if not measured and not any(abs(bpm - n) <= 0.08 * n for n in ctx_numbers if n >= 30):
            return m.group(0)
    for m in _MINUTES.finditer(answer):
        measured = facts is not None and facts.duration_s is not None and facts.duration_s >= 60
        if not measured and _count(m.group(1)) not in ctx_numbers and "minute" in m.group(0).lower():
            return m.group(0)
    for m in _YEAR.finditer(answer):
        if m.group(1) not in context:
            return m.group(0)
    counts = [m.group(1) for m in _COUNT.finditer(answer)]
    if _HOW_MANY.search(question) and (lead := _LEADING_COUNT.match(answer)):
        counts.append(lead.group(1))
    for word in counts:
        if _count(word) > 1 and _count(word) not in ctx_numbers:
            return word
    langs = [m.group(1) or m.group(2) for m in _LANGUAGE_CLAIM.finditer(answer)]
    if _ASKS_LANGUAGE.search(question):
        langs += [m.group(1) for m in _ANY_LANGUAGE.finditer(answer)]
    for lang in langs:
        if lang and lang.lower() not in context.lower():
            return lang
    measured_key = facts is not None and facts.key is not None
    for m in _KEY.finditer(answer):
        if not measured_key and not re.search(rf"\b{m.group(1)}\s?(?:#|♯|b|♭|sharp|flat)?[\s-]+(?:major|minor)\b",
                                              context, re.IGNORECASE):
            return m.group(0)
    names = _names(answer, question, context)
    return names[0] if names else ""


_MINOR = re.compile(r"\bminor(?:\s+|-)(?:key|tonality|mode|scale)\b|\b[A-G](?:#|♯|b|♭)?\s?minor\b|\bkey\s+(?:is|of)\s+"
                    r"(?:\w+\s+)?minor\b|\bin\s+(?:a\s+)?minor\b", re.IGNORECASE)
_MAJOR = re.compile(r"\bmajor(?:\s+|-)(?:key|tonality|mode|scale)\b|\b[A-G](?:#|♯|b|♭)?\s?major\b|\bkey\s+(?:is|of)\s+"
                    r"(?:\w+\s+)?major\b|\bin\s+(?:a\s+)?major\b", re.IGNORECASE)
_MODE_WORD = re.compile(r"^\W*(major|minor)\W*$", re.IGNORECASE)


def _mode(text: str) -> str:
    minor, major = bool(_MINOR.search(text)), bool(_MAJOR.search(text))
    return "minor" if minor and not major else "major" if major and not minor else ""


def opposite_mode(answer: str, context: str) -> bool:
    """True when the caption says minor and the answer major, or the other way round ("Minor." counts)."""
    said = _mode(context)
    if not said:
        return False
    bare = _MODE_WORD.match(answer)
    claimed = bare.group(1).lower() if bare else _mode(answer)
    return bool(claimed) and claimed != said
