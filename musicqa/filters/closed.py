"""Closed questions: when a one-word answer says all there is to say.

"Male." fully answers "Is the rapper male or female?", "Portuguese." answers "Which language?", and a terse
labeller's field ("Tempo approx", "Bass", "vox M/F") is a request its short answer completes; a list asked for
("Instruments?") is not answered by one item. The degenerate filter's minimum length is for open questions only
(issue 24: answer-type matching).
"""

from __future__ import annotations

import re

from musicqa.filters.lexicon import is_word
from musicqa.filters.vocab import BY_NAME, find_mentions

_COUNT_Q = re.compile(r"^\W*how\s+(?:many|long|old)\b", re.IGNORECASE)
# A labeller's options: "vox M/F", "dance? y/n", "live/studio"
_OPTIONS = re.compile(r"\b([a-z]{1,12})\s*/\s*([a-z]{1,12})\b", re.IGNORECASE)
# "texture (3 words)", "in two words": a length the question sets
_N_WORDS = re.compile(r"\b(?:in\s+)?\(?(?:[1-3]|one|two|three)\s+words?\)?", re.IGNORECASE)

_ASKING = re.compile(
    # a spoken filler first: "ehh what instruments", "ok so which key"
    r"^\W*(?:(?:e+h+|u+h+|u+m+|h+m+|so|ok|okay|hey|yo|well|and|but|alright|right)\W+){0,2}"
    r"(?:what|whats|wat|wats|wut|wht|which|wich|who|whos|whom|whose|when|where|wheres|why|how|hows|comment|is|are|"
    r"was|were|do|does|did|can|could|would|should|"
    r"will|has|have|had|may|might|shall|am|describe|tell|explain|list|name|identify|give|summari[sz]e|"
    r"characteri[sz]e|compare|mention|share|classify|suggest|rate|estimate|discuss|analy[sz]e|outline|"
    r"guess|imagine|write|provide|please|talk|point|count|judging|listening|based|considering|"
    # an instruction's verb ("State the key.", "Determine whether drums are present.", "Indicate the tempo.")
    r"state|determine|indicate|specify|note|report|assess|evaluate|select|choose|pick|label|detect|find|spot|"
    r"recogni[sz]e|transcribe|offer|present|enumerate|infer|predict|decide|judge|categori[sz]e|contrast|"
    r"highlight|observe|pinpoint|confirm|verify|detail|break|walk|sum|spell|sketch|rank|trace|"
    # more imperatives: "Set the scene for this one.", "Use dynamic markings to compare ...", "Paint the mood."
    r"set|use|put|paint|show|make|take|let|look|try|consider|listen|think|explore|capture|convey|frame|pitch|"
    r"sell|review|critique|map|chart|tag|mark|place|situate|relate|link|connect|translate|"
    r"if|in|on|at|for|from|to|with|by|according|between|besides|apart|aside|other|beyond|during|"
    r"after|before|looking|focusing|thinking|any)\b",
    re.IGNORECASE,
)
# Requests in other clothes: "please", an imperative to the asker ("Pour me a description"), a check against a
# spec ("Mood check for the menu"); an instruction after a label ("Sections: list them") is read after its colon
_REQUEST = re.compile(r"\bplease\b|^\W*[a-z]+\s+me\s+(?:a|an|the|some|your)\b|\bcheck\b", re.IGNORECASE)


def _options(question: str) -> set[str]:
    return {w.lower() for m in _OPTIONS.finditer(question) for w in m.groups()}


# Closed questions have a one-word answer space, so "Male." fully answers "Is the rapper male or female?"
# and "Portuguese." answers "Which language?": the minimum length is for open questions only.
_YES_NO_Q = re.compile(r"^\W*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should|any|"
                       # "Other instr besides piano?" - "None, just piano."
                       r"(?:any\s*)?(?:other|another|else|anything\s+else|something\s+else))\b"
                       # "Can you explain how the chorus builds?" is a request, not a yes/no question
                       r"(?!\s+you\s+(?:explain|describe|tell|list|name|give|talk|walk|say|outline|summari[sz]e)\b)",
                       re.IGNORECASE)
_YES_NO_A = re.compile(r"^\W*(?:yes|yeah|yep|yup|no|nope|nah|none|not|definitely|absolutely|certainly|sure)\b",
                       re.IGNORECASE)
# A question for one slot ("Which language?", "Identify the primary instrument.", "What is the lead
# instrument?", "What genre is this?") is answered in full by a noun ("Portuguese.", "Electric guitar.");
# a plural ("What instruments?") asks for a list, and "Describe ..." for a description.
_SLOT_NOUN = (r"(?:language|key|mode|tonality|gender|sex|tempo|bpm|time\s+signature|meter|metre|country|decade|era|"
              r"period|instrument|instr|genre|style|subgenre|mood|vibe|feel|vocalist|singer|voice|raga|cadence|"
              r"texture|form|scale|dynamic\s+level|register|tuning|technique|articulation|ensemble|setting|effect|"
              r"pedal)")
_SLOT_Q = re.compile(
    r"^\W*which\b|\b(?:what|which)(?:['’]s|\s+is|\s+was)?\s+(?:\w+\s+){0,2}?(?:language|languages|key|mode|"
    r"tonality|gender|sex|tempo|bpm|time\s+signature|meter|metre|country|decade)\b|"
    r"^\W*(?:(?:what|which|wat)(?:['’]?s|\s+is|\s+was)?|identify|name|state|specify|indicate|give|determine|"
    r"select|pick|choose|classify|categori[sz]e)\s+(?:the\s+|its\s+|this\s+\w+['’]s\s+)?(?:[\w'’]+\s+){0,3}?"
    + _SLOT_NOUN + r"\b(?!s\b|['’])"
    r"(?![^?.]*\b(?:and|describe|explain|characteristics|why|how)\b)", re.IGNORECASE)
# "How is the mood?" - "Hypnotic.": a slot asked after with "how", the question ending at its noun
_HOW_SLOT_Q = re.compile(r"^\W*how(?:['’]s|\s+is|\s+was)\s+(?:the\s+|its\s+)?(?:[\w'’]+\s+)?" + _SLOT_NOUN
                         + r"\s*\?*\s*$", re.IGNORECASE)
_ONE_WORD_Q = re.compile(r"\b(?:in\s+(?:one|a|a\s+single)\s+word|(?:one|single)[\s-]word|one\s+adjective)\b",
                         re.IGNORECASE)
_WH = re.compile(r"\b(?:what|whats|which|who|whose|whom|when|where|why|how|describe|explain|tell)\b", re.IGNORECASE)
# A terse request without a question word or mark ("Tempo approx", "key", "vibe") is still a question when
# it names something one can ask of a clip; "piano" or "The track is fast." is not.
_ASPECT = re.compile(
    r"\b(?:tempo|bpm|key|vibe|mood|genre|style|singers?|vocals?|voice|instruments?|instrumentation|feel|groove|"
    r"energy|type|language|era|decade|texture|dynamics|structure|lyrics|tuning|meter|metre|rhythm|beat|sound|"
    r"atmosphere|form|timbre|tone|mode|scale|harmony|melody|"
    # a labeller's shorthand and the other things one asks of a clip ("Lead instr.", "Loudness", "Use case")
    r"instrs?|inst|percussion|period|danceab\w*|dance|loudness|loud|quiet|use|usage|confidence|section|raga|"
    r"vocalists?|voices|"
    r"lead|production|mix|arrangement|setting|occasion|character|articulation|technique|pulse|swing|register|"
    r"range|pitch|chords?|progression|cadence|accompaniment|ensemble|line-?up|soloist|solo|effects?|fx|"
    r"recording|quality|theme|emotion|sentiment|subgenre|origin|region|gender|count|length|duration|"
    # a labeller's field names ("Vox", "Accomp", "Room", "Year", "Composer", "Lang", "Camelot code")
    r"vox|vocs|accomp\w*|room|reverb|ambience|space|year|date|composer|writer|producer|artist|band|performer|"
    r"lang|camelot|code|drop|intro|outro|live|studio|bars?|signature|rating|level|intensity|density|explicit|clean|"
    r"kick|snare|hats|hi-?hats|tone|"
    # a field for a part or its playing: "Pace", "Perc", "Hat pattern", "Bass line", "Guitar technique"
    r"pace|perc|pattern|line|part|parts|playing|role|sub|feel|dur)\b|"
    # a count asked for: "# of guitars", "number of voices"
    r"#\s*of\s+\w+|\bnumber\s+of\s+\w+|"
    # a rating scale: "Energy 1-5", "Danceability (1-10)"
    r"\b\d{1,2}\s*(?:-|–|to|/)\s*\d{1,2}\b|"
    # an explicit closed request: "Danceable y/n", "Vocalist M/F", "Loud or quiet"
    r"\by/n\b|\bm/f\b|\w\s+or\s+\w", re.IGNORECASE)


STOP = frozenset(
    "a an the this that these those it its is are was were be been being of in on at to for from with by as and "
    "or but so what which who whom whose when where why how do does did can could would should will has have "
    "had there here any some audio song music track piece clip recording sound sounds you your we our i me my "
    "describe tell about detail details main overall kind type sort".split()
)


def _is_terse_request(question: str, words: list[str]) -> bool:
    """ "Tempo approx", "Organ type?", "Singer?", "Camelot code for this one?": a labeller's request of four words
    or fewer (five with its "?"), no question word."""
    if len(words) <= 2 and question.rstrip().endswith("?") and not _WH.search(question) and find_mentions(question):
        return True  # "Brass?", "Trumpet?", "Any piano?": is it there
    if not ((len(words) <= 4 or (len(words) == 5 and question.rstrip().endswith("?")))
            and not _WH.search(question) and not _ASKING.search(question)):
        return False
    # "Bass", "Sub bass", "Perc": a form's field named by the part itself (round 9: a labeller's whole register)
    return bool(_ASPECT.search(question)) or (len(words) <= 2 and not _VERB.search(question) and any(
        BY_NAME[m.concept].kind == "instrument" for m in find_mentions(question)))


_VERB = re.compile(r"\b(?:is|are|was|were|has|have|plays?|sounds?|sings?)\b", re.IGNORECASE)


# "What's giving it that woody low end?" - "The double bass.": a question for one thing, answered by naming it
_ONE_THING_Q = re.compile(r"^\W*(?:what|which|who)(?:['’]s|\s+is)\s+(?!the\s+\w+s\b)(?:\w+\s+){0,6}?\w+\s*\?\s*$|"
                          # "who plays the runs", "what carries the melody?": one player asked for
                          r"^\W*(?:what|which|who)\s+(?:plays|sings|carries|leads|holds|drives|takes)\s+(?:the\s+)?"
                          r"(?:\w+\s+){0,3}?\w+\s*\??\s*$", re.IGNORECASE)
_LIST_WORDS = re.compile(r"\b(?:instruments|sounds|elements|parts|layers|features|and|describe|how|why|list|name)\b",
                         re.IGNORECASE)


def _names_the_thing(question: str, answer: str) -> bool:
    """A one-thing question ("What's driving the low end?") answered by a noun phrase of the vocabulary."""
    return (bool(_ONE_THING_Q.match(question)) and not _LIST_WORDS.search(question)
            and any(not m.negated for m in find_mentions(answer)))


def closed(question: str, q_words: list[str], a_words: list[str], answer_text: str = "") -> bool:
    """The question has a one-word answer space and the answer is of its type: yes/no, one of the
    alternatives of an either/or, a language, key or tempo, or a terse labeller's request."""
    asked = {w.lower() for w in q_words}
    answer = {w.lower() for w in a_words}
    if re.search(r"\bor\b", question, re.IGNORECASE) and (answer & (asked - STOP) or any(
            len(q) >= 4 and (a.endswith(q) or a.startswith(q)) for a in answer for q in asked - STOP)):
        return True  # "strummed or picked" - "fingerpicked"
    if _YES_NO_Q.search(question):
        return bool(_YES_NO_A.match(" ".join(a_words))) or bool(answer & (asked - STOP))
    if _ONE_WORD_Q.search(question) or _N_WORDS.search(question) or _COUNT_Q.search(question):
        return True  # "in one word?", "texture (3 words)", "How many players?" - "Three.", "How long?" - "Ten seconds."
    if answer & _options(question):  # "vox M/F" - "F", "dance? y/n" - "y, easily"
        return True
    if _PLURAL_ASK.search(question) and not _COUNTED.search(question) and _one_item(answer_text or " ".join(a_words)):
        return False  # "Instruments?" - "Strings.": a list asked for, one item given
    return (bool(_SLOT_Q.search(question)) or bool(_HOW_SLOT_Q.match(question)) or _is_terse_request(question, q_words)
            or _names_the_thing(question, " ".join(a_words)))


# A list asked for ("Instruments", "What instruments?"); a count of them ("# of instruments") is one number
_PLURAL_ASK = re.compile(r"\b(?:instruments|instrs|instrumentation|sounds|elements|layers|voices|vocalists)\b",
                         re.IGNORECASE)
_COUNTED = re.compile(r"#\s*of\b|\bnumber\s+of\b|\bcount\b|\bhow\s+many\b", re.IGNORECASE)
_SOLE = re.compile(r"\b(?:only|just|solo|alone|unaccompanied|nothing\s+else|none|no\b)", re.IGNORECASE)


def _one_item(answer: str) -> bool:
    """One item and no word that it is the only one ("Strings." vs "Piano only.", "Guitar, bass, drums.")."""
    return not re.search(r"[,/&+]|\band\b|\bplus\b", answer, re.IGNORECASE) and not _SOLE.search(answer)


def ends_whole(a_words: list[str], q_words: list[str], question: str) -> bool:
    """The short answer's last token is a whole word: "R&B/Fu" stops two letters into "Funk"."""
    last = a_words[-1]
    if last.lower() in _options(question) and len(a_words) == 1:
        return True  # one of the question's options, however short ("y", "M")
    if len(a_words) == 1 and last.lower() in ("y", "n", "m", "f") and len(q_words) <= 3:
        return True  # a form's cell: "Explicit?" - "N", "Gender" - "M"
    if re.fullmatch(r"\d{1,3}(?:[.,]\d)?|(?:1[0-2]|[1-9])[AB]", last):  # a rating, a count, a Camelot key
        return True
    if len(last) >= 6 and any(len(q) >= 4 and last.lower().endswith(q.lower()) for q in q_words):
        return True  # "strummed or picked" - "fingerpicked": a question's word with a prefix
    return is_word(last, frozenset(w.lower() for w in q_words)) and (
        len(last) >= 3 or last.lower() in ("no", "ok") or bool(re.fullmatch(r"[A-G]", last)))


def is_question(question: str, words: list[str]) -> bool:
    """A question or a request: a "?" anywhere ("Radio-ready or not? One-line verdict."), a question word or an
    instruction's verb (also after a label's colon), a terse request, or a request in other clothes."""
    return ("?" in question or bool(_ASKING.search(question)) or _is_terse_request(question, words)
            or bool(_REQUEST.search(question)) or bool(_ASKING.search(question.split(":", 1)[-1])))
