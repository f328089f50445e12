"""Music theory a caption rarely gives, stated as fact: metre, progression, form and key changes.

- a time signature ("It's in 7/8") needs the same one in the source, or a word that implies it: "waltz" or
  "three beats to the measure" 3/4, "four on the floor" 4/4 (the phrase is a kick on each beat of a 4/4 bar),
  "polka" 2/4, "march" 2/4, 2/2, 4/4 or 6/8, "jig" or "compound duple" 6/8;
- a Roman-numeral progression ("a I-V oscillation", "IV-I", "ii-V-i") needs its numerals in the source; a
  twelve-bar blues supports I, IV and V. Function words ("tonic, subdominant and dominant") are not checked;
- a named form answering a question about the form ("Ternary, ABA") needs the form in the source;
- a key change ("it modulates to the relative major for the chorus", "lifts into A major") needs a key change
  in the source: a clip's measured key is one key, so nothing measured supports a second one (round 9, issue 24).
"""

from __future__ import annotations

import re

# A time signature: "in 3/4", "a 7/8 groove", "six-eight time"; not "3/4 of the way", "1/4 notes", a date
_SIGNATURE = re.compile(r"(?<![\d/.,])([2-9]|1[0-5])\s?/\s?(2|4|8|16)(?![\d/])(?!\s*(?:of|notes?|th)\b)")
_WORDS_SIGNATURE = re.compile(r"\b(two|three|four|five|six|seven|nine|twelve)[- ](two|four|eight)"
                              r"(?=\s+(?:time|meter|metre))", re.IGNORECASE)
# Words that imply a signature
_IMPLIED_SIGNATURES = (
    (re.compile(r"\b(?:waltz\w*|minuet|mazurka|triple\s+(?:meter|metre|time)|three\s+beats?\s+(?:to|per|in)\s+"
                r"(?:a|the|each)\s+(?:bar|measure))", re.I), ("3/4", "3/8", "3/2")),
    (re.compile(r"\b(?:four|4)[- ](?:on|to)[- ]the[- ]floor\b|\bcommon\s+time\b|\bfour\s+beats?\s+(?:to|per|in)\s+"
                r"(?:a|the|each)\s+(?:bar|measure)|\bquadruple\s+(?:meter|metre|time)", re.I), ("4/4",)),
    # a walking bass and a swing or shuffle feel are counted in four
    (re.compile(r"\b(?:walking\s+bass|walks?\s+steadily|swing\s+(?:tune|feel|rhythm|patterns?)|shuffle)\b", re.I),
     ("4/4",)),
    (re.compile(r"\bpolkas?\b", re.I), ("2/4",)),
    (re.compile(r"\bmarch(?:es|ing)?\b(?!\s+\d)", re.I), ("2/4", "2/2", "4/4", "6/8")),
    (re.compile(r"\b(?:cut\s+time|alla\s+breve)\b", re.I), ("2/2",)),
    (re.compile(r"\b(?:jigs?|tarantella|compound\s+duple)\b", re.I), ("6/8",)),
    (re.compile(r"\b(?:slip\s+jig|compound\s+triple)\b", re.I), ("9/8",)),
    (re.compile(r"\bcompound\s+quadruple\b", re.I), ("12/8",)),
    (re.compile(r"\bcompound\s+(?:time|meter|metre)\b", re.I), ("6/8", "9/8", "12/8")),
    (re.compile(r"\bduple\s+(?:meter|metre|time)\b|\btwo\s+beats?\s+(?:to|per|in)\s+(?:a|the|each)\s+(?:bar|measure)",
                re.I), ("2/4", "2/2", "6/8")),
)
_WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "twelve": 12}

# A Roman-numeral progression: "I-V", "IV–I", "ii-V-i", "vi-IV-I-V", "V7-I"; a lone "I" is the pronoun
_NUMERAL = r"(?:VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(?:°|ø|\+|maj7|m7|7|6|9|sus4?|dim|aug)?"
_PROGRESSION = re.compile(rf"(?<![\w/'’-])({_NUMERAL}(?:\s?[-–—→]\s?{_NUMERAL})+)(?![\w'’-])")
_DEGREES = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7}
_BLUES_FORM = re.compile(r"\b(?:twelve|12)[- ]bar\b|\b(?:one|1)[- ](?:four|4)[- ](?:five|5)\b|\bthree[- ]chord\b",
                         re.IGNORECASE)


def _signatures(text: str) -> set[str]:
    out = {f"{m.group(1)}/{m.group(2)}" for m in _SIGNATURE.finditer(text)}
    out |= {f"{_WORD_NUMBERS[m.group(1).lower()]}/{_WORD_NUMBERS[m.group(2).lower()]}"
            for m in _WORDS_SIGNATURE.finditer(text)}
    return out


def _invented_signature(answer: str, context: str) -> str:
    claimed = _signatures(answer)
    if not claimed:
        return ""
    supported = _signatures(context)
    for pattern, implied in _IMPLIED_SIGNATURES:
        if pattern.search(context):
            supported.update(implied)
    return next((s for s in sorted(claimed) if s not in supported), "")


# A named form answering a question about the form: "Ternary form, ABA", "a 32-bar AABA song form", "rondo"
_ASKS_FORM = re.compile(r"\b(?:form|structure|structured|sections?|layout)\b", re.IGNORECASE)
_FORM = re.compile(r"\b(?:ternary|binary|rondo|strophic|through-composed|sonata[- ]allegro|theme\s+and\s+variations|"
                   r"ritornello|da\s+capo|passacaglia|chaconne|minuet\s+and\s+trio|fugue|"
                   r"32-bar|sixteen-bar|16-bar)\b|(?<![\w-])(?-i:AABA|ABA|ABAB|AAB|ABAC|ABCBA)(?![\w-])", re.IGNORECASE)


def _invented_form(answer: str, question: str, context: str) -> str:
    if not _ASKS_FORM.search(question):
        return ""
    for m in _FORM.finditer(answer):
        if m.group(0).lower() not in context.lower():
            return m.group(0)
    return ""


def _degrees(progression: str) -> set[int]:
    return {_DEGREES[re.match(r"[ivIV]+", t).group(0).lower()]  # type: ignore[union-attr]
            for t in re.split(r"\s?[-–—→]\s?", progression)}


def _invented_progression(answer: str, context: str) -> str:
    claims = [m.group(1) for m in _PROGRESSION.finditer(answer)]
    if not claims:
        return ""
    supported: set[int] = set()
    for m in _PROGRESSION.finditer(context):
        supported |= _degrees(m.group(1))
    if _BLUES_FORM.search(context):
        supported |= {1, 4, 5}
    return next((c for c in claims if not _degrees(c) <= supported), "")


# A key change claimed: "modulates", "a key change", "lifts into A major", "shifts to the relative minor"
_KEY_CHANGE = re.compile(
    r"\b(?:modulat(?:es?|ed|ing|ions?\s+(?:up|down|to|into|in\s+the))|key\s+(?:change|changes|shift|shifts)|truck\s+driver['’]?s?\s+(?:gear\s+)?change|"
    r"(?:changes?|changing|shifts?|shifting|switch(?:es)?)\s+(?:the\s+)?keys?|"
    r"(?:lifts?|lifting|moves?|moving|shifts?|shifting|goes|going|rises?|rising|steps?\s+up|jumps?)\s+(?:up\s+)?"
    r"(?:(?:a|by\s+a|one)\s+(?:half|whole)[\s-]+step\s+|a\s+semitone\s+|a\s+tone\s+)?(?:in)?to\s+(?:the\s+)?"
    r"(?:relative|parallel|dominant|subdominant|(?-i:[A-G])(?:#|b|♯|♭)?\s+(?:major|minor)))", re.IGNORECASE)
_DENIED = re.compile(r"\b(?:no|not|never|without|doesn['’]t|does\s+not|don['’]t|didn['’]t|isn['’]t|stays?|remains?|"
                     r"rather\s+than)\b[^.;!?]*$", re.IGNORECASE)
_YES = re.compile(r"^\W*(?:yes|yeah|yep|yup|it\s+does|indeed|definitely|absolutely|certainly)\b", re.IGNORECASE)


def _invented_key_change(answer: str, question: str, context: str) -> str:
    if _KEY_CHANGE.search(context):
        return ""
    for m in _KEY_CHANGE.finditer(answer):
        if not _DENIED.search(answer[max(0, m.start() - 60):m.start()]):
            return m.group(0)
    if _KEY_CHANGE.search(question) and _YES.match(answer):  # "Does it modulate?" - "Yes, for the chorus."
        return "a key change"
    return ""


# "Drop C, no question", "Drop A", "open D", "DADGAD": a guitar tuning nobody gave
_TUNING = re.compile(r"\b(?:drop|open)\s+(?-i:[A-G])(?:#|b|♯|♭)?(?![\w#♯♭])|\bDADGAD\b|"
                     r"\b(?:half|whole)[- ]step\s+down\b", re.IGNORECASE)


def _invented_tuning(answer: str, context: str) -> str:
    m = _TUNING.search(answer)
    return m.group(0) if m and m.group(0).lower() not in context.lower() else ""


def invented_theory(answer: str, question: str, context: str) -> str:
    """The first metre, progression, form or key change the answer states and ``context`` does not support."""
    for check in (_invented_form(answer, question, context), _invented_signature(answer, context),
                  _invented_progression(answer, context), _invented_key_change(answer, question, context),
                  _invented_tuning(answer, context)):
        if check:
            return check
    return ""
