"""The ``degenerate`` filter: drop pairs whose text is broken rather than wrong.

These come from the generator, not from the music: empty or three-word answers, an answer that only
repeats the question, repetition loops, replies cut off by the token limit, chat markup left in the
text, a reply in another language, or a "question" that is a statement. None of them can teach a
model anything about listening, and all are cheap to spot, so this filter runs first.
"""

from __future__ import annotations

import os
import re
from collections import Counter

from musicqa.filters.language import LanguageCheck
from musicqa.filters.lexicon import is_word
from musicqa.filters.vocab import find_mentions
from musicqa.records import KEEP, Clip, QAPair, Verdict

DEGENERATE_EMPTY = "degenerate_empty"
DEGENERATE_SPECIAL_TOKEN = "degenerate_special_token"
DEGENERATE_WRONG_LANGUAGE = "degenerate_wrong_language"
DEGENERATE_NOT_A_QUESTION = "degenerate_not_a_question"
DEGENERATE_TOO_SHORT = "degenerate_too_short"
DEGENERATE_ECHOES_QUESTION = "degenerate_echoes_question"
DEGENERATE_RESTATES_QUESTION = "degenerate_restates_question"
DEGENERATE_ANSWER_IS_QUESTION = "degenerate_answer_is_question"
DEGENERATE_REPETITION = "degenerate_repetition"
DEGENERATE_TRUNCATED = "degenerate_truncated"
DEGENERATE_CLASSIFIER = "degenerate_classifier"

REASONS = {
    DEGENERATE_EMPTY: "question or answer is empty or has no words",
    DEGENERATE_SPECIAL_TOKEN: "special tokens, chat role labels or JSON left in the text (e.g. <|endoftext|>)",
    DEGENERATE_WRONG_LANGUAGE: "question or answer is not in the expected language (English by default)",
    DEGENERATE_NOT_A_QUESTION: "the question is a statement or a fragment, not a question or request",
    DEGENERATE_TOO_SHORT: "answer has too few words to say anything about the music",
    DEGENERATE_ECHOES_QUESTION: "answer starts by repeating the question verbatim",
    DEGENERATE_RESTATES_QUESTION: "answer only restates the question and adds nothing",
    DEGENERATE_ANSWER_IS_QUESTION: "the answer is itself a question",
    DEGENERATE_REPETITION: "answer repeats itself (a generation loop)",
    DEGENERATE_TRUNCATED: "answer stops mid-sentence or mid-word, or fills the schema's maximum length",
    DEGENERATE_CLASSIFIER: "the learned layer scores the pair as broken text (e.g. an answer that only "
                           "rephrases its question)",
}

MIN_ANSWER_WORDS = 4  # "answers of <=3 words" were one of the problems found in the original MusicQA

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SPECIAL = re.compile(
    r"<\|[^|<>]{1,40}\|>|</?s>|<(?:unk|pad|eos|bos|sep|cls|mask)>|\[/?(?:INST|SYS)\]|<</?SYS>>|"
    r"(?:^|\n)\s*(?:#{2,}\s*)?(?:human|assistant|user|system|instruction|response|gpt|bot|question|answer|"
    r"q|a)\s*:|```|\{\s*\"(?:question|answer|qa|pairs|task)\"|\"(?:question|answer)\"\s*:|\ufffd",
    re.IGNORECASE,
)
_ASKING = re.compile(
    r"^\W*(?:what|whats|wat|wats|wut|wht|which|wich|who|whos|whom|whose|when|where|wheres|why|how|hows|comment|is|are|"
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
_CHOICE_OR_YESNO = re.compile(
    r"\bor\b|^\W*(?:is|are|was|were|do|does|did|can|could|would|should|will|has|have|had)\b|"
    r"\b[a-z]{1,12}\s*/\s*[a-z]{1,12}\b", re.IGNORECASE
)
_COUNT_Q = re.compile(r"^\W*how\s+(?:many|long|old)\b", re.IGNORECASE)
# A labeller's options: "vox M/F", "dance? y/n", "live/studio"
_OPTIONS = re.compile(r"\b([a-z]{1,12})\s*/\s*([a-z]{1,12})\b", re.IGNORECASE)
# "texture (3 words)", "in two words": a length the question sets
_N_WORDS = re.compile(r"\b(?:in\s+)?\(?(?:[1-3]|one|two|three)\s+words?\)?", re.IGNORECASE)


def _options(question: str) -> set[str]:
    return {w.lower() for m in _OPTIONS.finditer(question) for w in m.groups()}
# Closed questions have a one-word answer space, so "Male." fully answers "Is the rapper male or female?"
# and "Portuguese." answers "Which language?": the minimum length is for open questions only.
_YES_NO_Q = re.compile(r"^\W*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should|any)\b"
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
              r"texture|form|scale|dynamic\s+level|register|tuning|technique|articulation|ensemble|setting)")
_SLOT_Q = re.compile(
    r"^\W*which\b|\b(?:what|which)(?:['’]s|\s+is|\s+was)?\s+(?:\w+\s+){0,2}?(?:language|languages|key|mode|"
    r"tonality|gender|sex|tempo|bpm|time\s+signature|meter|metre|country|decade)\b|"
    r"^\W*(?:(?:what|which|wat)(?:['’]?s|\s+is|\s+was)?|identify|name|state|specify|indicate|give|determine|"
    r"select|pick|choose|classify|categori[sz]e)\s+(?:the\s+|its\s+|this\s+\w+['’]s\s+)?(?:[\w'’]+\s+){0,3}?"
    + _SLOT_NOUN + r"\b(?!s\b|['’])"
    r"(?![^?.]*\b(?:and|describe|explain|characteristics|why|how)\b)", re.IGNORECASE)
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
    r"kick|snare|hats|hi-?hats|tone)\b|"
    # a count asked for: "# of guitars", "number of voices"
    r"#\s*of\s+\w+|\bnumber\s+of\s+\w+|"
    # a rating scale: "Energy 1-5", "Danceability (1-10)"
    r"\b\d{1,2}\s*(?:-|–|to|/)\s*\d{1,2}\b|"
    # an explicit closed request: "Danceable y/n", "Vocalist M/F", "Loud or quiet"
    r"\by/n\b|\bm/f\b|\w\s+or\s+\w", re.IGNORECASE)
_BULLET = re.compile(r"(?:^|\n)\s*(?:[-*•–]|\d{1,2}[.)])\s+\S[^\n]*$")
_STOP = frozenset(
    "a an the this that these those it its is are was were be been being of in on at to for from with by as and "
    "or but so what which who whom whose when where why how do does did can could would should will has have "
    "had there here any some audio song music track piece clip recording sound sounds you your we our i me my "
    "describe tell about detail details main overall kind type sort".split()
)
# Words that say nothing about a clip: an answer made only of these and the question's words is empty.
_VACUOUS = frozenset(
    "music musical audio song songs track piece sound sounds played playing plays play heard hear features feature "
    "featuring contains contain has includes composition recording clip thing something like manner way it's "
    "that's".split()
)
_FUNCTION_END = frozenset(
    "the a an and or but of to in on with for by as at from that which who whose whom is are was were be its "
    "their his her this these those into like such very more most than then while when where including "
    "featuring both either neither my our your whether if because although though also plus via about around "
    "roughly approximately called named titled between through toward towards during within until".split()
)
_TERMINAL = re.compile(r"[.!?…)\]\"'”’*]\s*$|[\u2600-\u27BF\U0001F000-\U0001FAFF]\ufe0f?\s*$")
_DANGLING = re.compile(r"[,;:(\-–—/&]\s*$")
_CHAR_LOOP = re.compile(r"(.{1,12}?)\1{7,}", re.DOTALL)
_PHRASE_LOOP = re.compile(r"(?<!\w)((?:\w+ ){2,4}?)\1{3,}")  # a phrase of two to four words four times running
_WORD_LOOP = re.compile(r"\b(\w+)(?:\W+\1\b){4,}", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _norm(text: str) -> str:
    return " ".join(w.lower() for w in _words(text))


def _same_root(word: str, asked: list[str]) -> bool:
    """``word`` is a question word in another form: "moody" for "mood", "organised" for "organisation",
    "rhythmically" for "rhythmic" ("The mood of it is moody." answers "What's the mood?" with nothing)."""
    word = word.removesuffix("'s").removesuffix("’s")
    for q in asked:
        if word == q or (min(len(word), len(q)) >= 4 and (word.startswith(q) or q.startswith(word))):
            return True
        if len(os.path.commonprefix([word, q])) >= 5:
            return True
    return False


def _echoes(question: str, answer: str, q_words: list[str], a_words: list[str]) -> bool:
    """The answer opens with its question, word for word, in any dress ("**Which instrument plays the melody?**
    The fiddle...", "Describe texture: dusty"); a two-word question only when a label's colon or a "?" ends it."""
    n = len(q_words)
    if n < 2 or len(a_words) <= n or [w.lower() for w in a_words[:n]] != [w.lower() for w in q_words]:
        return False
    if n >= 3:
        return True
    end = answer.lower().find(q_words[-1].lower()) + len(q_words[-1])
    return bool(re.match(r"[*_\s]*[:?]", answer[end:]))


def _is_loop(answer: str, words: list[str]) -> bool:
    lower = [w.lower() for w in words]
    top = Counter(lower).most_common(1)[0][1] if lower else 0
    if top >= 5 and _WORD_LOOP.search(answer):  # "and and and and and"
        return True
    # a character loop ("hahahaha", "!!!!!!!!") is one long token made of few distinct characters
    if any(len(t) >= 8 and len(set(t)) * 4 <= len(t) and _CHAR_LOOP.search(t) for t in answer.split()):
        return True
    if top >= 2 and len(words) >= 8:  # the same sentence of 4+ words twice, or a short one three times
        sentences = Counter(s for s in (_norm(x) for x in _SENTENCE.findall(answer)) if len(s.split()) >= 2)
        if any(n >= (2 if len(s.split()) >= 4 else 3) for s, n in sentences.items()):
            return True
    if top >= 3 and _PHRASE_LOOP.search(" ".join(lower) + " "):  # "passionate vocal, passionate vocal, ..."
        return True
    if top >= 3 and len(lower) >= 15:  # a 5-word phrase three times
        grams = Counter(tuple(lower[i:i + 5]) for i in range(len(lower) - 4))
        if grams.most_common(1)[0][1] >= 3:
            return True
    return len(lower) >= 40 and len(set(lower)) < 0.3 * len(lower)


def _is_terse_request(question: str, words: list[str]) -> bool:
    """ "Tempo approx", "Organ type?", "Singer?", "Camelot code for this one?": a labeller's request of four words
    or fewer (five with its "?"), no question word."""
    if len(words) <= 2 and question.rstrip().endswith("?") and not _WH.search(question) and find_mentions(question):
        return True  # "Brass?", "Trumpet?", "Any piano?": is it there
    return ((len(words) <= 4 or (len(words) == 5 and question.rstrip().endswith("?")))
            and not _WH.search(question) and not _ASKING.search(question) and bool(_ASPECT.search(question)))


# "What's giving it that woody low end?" - "The double bass.": a question for one thing, answered by naming it
_ONE_THING_Q = re.compile(r"^\W*(?:what|which|who)(?:['’]s|\s+is)\s+(?!the\s+\w+s\b)(?:\w+\s+){0,6}?\w+\s*\?\s*$",
                          re.IGNORECASE)
_LIST_WORDS = re.compile(r"\b(?:instruments|sounds|elements|parts|layers|features|and|describe|how|why|list|name)\b",
                         re.IGNORECASE)


def _names_the_thing(question: str, answer: str) -> bool:
    """A one-thing question ("What's driving the low end?") answered by a noun phrase of the vocabulary."""
    return (bool(_ONE_THING_Q.match(question)) and not _LIST_WORDS.search(question)
            and any(not m.negated for m in find_mentions(answer)))


def _is_question(question: str, words: list[str]) -> bool:
    """A question or a request: a "?" anywhere ("Radio-ready or not? One-line verdict."), a question word or an
    instruction's verb (also after a label's colon), a terse request, or a request in other clothes."""
    return ("?" in question or bool(_ASKING.search(question)) or _is_terse_request(question, words)
            or bool(_REQUEST.search(question)) or bool(_ASKING.search(question.split(":", 1)[-1])))


def _closed(question: str, q_words: list[str], a_words: list[str]) -> bool:
    """The question has a one-word answer space and the answer is of its type: yes/no, one of the
    alternatives of an either/or, a language, key or tempo, or a terse labeller's request."""
    asked = {w.lower() for w in q_words}
    answer = {w.lower() for w in a_words}
    if re.search(r"\bor\b", question, re.IGNORECASE) and answer & (asked - _STOP):
        return True
    if _YES_NO_Q.search(question):
        return bool(_YES_NO_A.match(" ".join(a_words))) or bool(answer & (asked - _STOP))
    if _ONE_WORD_Q.search(question) or _N_WORDS.search(question) or _COUNT_Q.search(question):
        return True  # "in one word?", "texture (3 words)", "How many players?" - "Three.", "How long?" - "Ten seconds."
    if answer & _options(question):  # "vox M/F" - "F", "dance? y/n" - "y, easily"
        return True
    return (bool(_SLOT_Q.search(question)) or _is_terse_request(question, q_words)
            or _names_the_thing(question, " ".join(a_words)))


def short_closed_answer(question: str, answer: str) -> bool:
    """True for a complete short answer of a closed question's type ("Male." to "male or female?"), which
    the rules keep on purpose: the learned layer, trained when such answers were labelled too short, does
    not judge them (see :class:`musicqa.filters.learned.WithClassifier`)."""
    q_words, a_words = _words(question), _words(answer)
    return (0 < len(a_words) < MIN_ANSWER_WORDS and _closed(question, q_words, a_words)
            and not _is_truncated(answer.strip(), a_words, question) and _ends_whole(a_words, q_words, question))


def _ends_whole(a_words: list[str], q_words: list[str], question: str) -> bool:
    """The short answer's last token is a whole word: "R&B/Fu" stops two letters into "Funk"."""
    last = a_words[-1]
    if last.lower() in _options(question) and len(a_words) == 1:
        return True  # one of the question's options, however short ("y", "M")
    if len(a_words) == 1 and last.lower() in ("y", "n", "m", "f") and len(q_words) <= 3:
        return True  # a form's cell: "Explicit?" - "N", "Gender" - "M"
    if re.fullmatch(r"\d{1,3}(?:[.,]\d)?|(?:1[0-2]|[1-9])[AB]", last):  # a rating, a count, a Camelot key
        return True
    return is_word(last, frozenset(w.lower() for w in q_words)) and (
        len(last) >= 3 or last.lower() in ("no", "ok") or bool(re.fullmatch(r"[A-G]", last)))


# English function words that Spanish, Italian, Portuguese, French and German do not spell the same way
_ENGLISH_ONLY = frozenset("the is of and it its this that with lots there what which how does very has have be "
                          "by to were are they she he his".split())
# A preposition left at the end of its clause is English: "the kind of music people study to", "one to dance to"
_STRANDED = re.compile(r"\b(?:study|dance|listen|relax|sleep|work|chill|sing|move|groove|run|drive|cook|read|"
                       r"vibe|work\s+out|fall\s+asleep|unwind|meditate)\s+(?:to|along\s+to|with)\s*$|"
                       # "slammed like festival edm usually is"
                       r"\b(?:usually|always|often|normally|typically|generally|really|actually)\s+(?:is|are|does|do)\s*$",
                       re.IGNORECASE)
_BARE_MARKER = re.compile(r"\n\s*(?:[-*•–]|\d{1,2}[.)])\s*$")  # "1. Eerie\n2. Sinister\n3.": the list stops


# "as fast as it is (fast)", "the tempo is its tempo": a tautology says nothing ("as loud as it is punchy" compares)
_TAUTOLOGY = re.compile(r"\bas\s+(\w+)\s+as\s+(?:it|they)\s+(?:is|are)(?:\s+\1)?\s*(?:[,.;!]|$)|"
                        r"\b(\w{3,})\s+is\s+(?:its|their|the)\s+\2\b|"
                        # "The texture of the choir sound is the texture of the choir singing."
                        r"\bthe\s+(\w{4,})\s+of\s+[^.]{1,40}?\s+(?:is|are)\s+the\s+\3\s+of\b", re.IGNORECASE)


def _circles(question: str, answer: str, q_norm: str, a_norm: str) -> bool:
    """An answer that goes round its question's word ("Its loudness is loud, with a loud level of loud.") or is a
    tautology ("As fast as it is fast"): three or more forms of one question word make at least half of the answer's
    content words, and the answer names nothing else of the vocabulary ("the drums are loud, the bass is loud" names
    the band). Repeating the question and adding the answer ("The drum pattern used in reggae is called riddim.") is
    no circle: no word comes three times."""
    if _TAUTOLOGY.search(answer):
        return True
    asked = [w for w in q_norm.split() if w not in _STOP and w not in _VACUOUS]
    content = [w for w in a_norm.split() if w not in _STOP and w not in _VACUOUS]
    # one of the question's words, three times or more in its forms, is half of what the answer says
    echo = max((sum(_same_root(w, [q]) for w in content) for q in asked), default=0)
    if echo < 3 or 2 * echo < len(content):
        return False
    return not {m.concept for m in find_mentions(answer)} - {m.concept for m in find_mentions(question)}


def _is_truncated(answer: str, words: list[str], question: str) -> bool:
    text = answer.rstrip()
    if _BARE_MARKER.search(text):
        return True
    if _BULLET.search(text) and "\n" in text:
        # a list ends without a full stop ("Tension comes from:\n- dissonant clusters\n- low drones"):
        # only a dangling last item is cut off
        return bool(_DANGLING.search(text)) or (words[-1].lower() in _FUNCTION_END) or not is_word(
            words[-1], frozenset(w.lower() for w in words[:-1]) | frozenset(w.lower() for w in _words(question)))
    if _TERMINAL.search(text):
        # '... with lyrics like "I love' ends in a quote but leaves one open
        return text.count('"') % 2 == 1 and not re.search(r"[.!?…]\s*\"\s*$", text)
    if _DANGLING.search(text) or (words and words[-1].lower() in _FUNCTION_END and not _STRANDED.search(text)):
        return True
    if text.count("(") > text.count(")") or len(words) >= 20:
        return True
    # "a crunchy sna": the last token is no word, though the text may use it elsewhere ("...the trom")
    elsewhere = frozenset(w.lower() for w in words[:-1]) | frozenset(w.lower() for w in _words(question))
    return len(words) >= 3 and not is_word(words[-1], elsewhere)


class Degenerate:
    """Drop broken pairs.

    ``min_answer_words`` sets the shortest acceptable answer (default 4 words); ``language`` the expected
    language (ISO 639-1, "" = don't check); ``max_answer_chars`` the schema's longest string, which a
    constrained decoder stops at wherever it is, mid-word included (0 = unknown, as in audit).
    """

    def __init__(self, min_answer_words: int = MIN_ANSWER_WORDS, language: str = "en",
                 max_answer_chars: int = 0) -> None:
        self.min_answer_words = min_answer_words
        self.language = LanguageCheck(language) if language else None
        self.max_answer_chars = max_answer_chars

    def _other_language(self, text: str, words: list[str]) -> bool:
        # Up to three Latin-script words ("Tempo?", "Roots reggae.", "Yes, the sitar.") are too little to tell a
        # language by; a short text with two of English's own function words is English, whatever its music
        # loanwords suggest ("Is the tempo slow?" reads as Portuguese, "No, lots of rubato." as Italian)
        assert self.language is not None
        if len(words) < 8 and self.language.language == "en" and sum(
                w.lower() in _ENGLISH_ONLY for w in words) >= 2:
            return False
        return (len(words) >= 4 or not text.isascii()) and self.language.is_other(text)

    def __call__(self, pair: QAPair, clip: Clip) -> Verdict:
        """The first problem found, cheapest checks first."""
        question, answer = pair.question.strip(), pair.answer.strip()
        q_words, a_words = _words(question), _words(answer)
        if not q_words or not a_words:
            return Verdict(False, DEGENERATE_EMPTY)
        if _SPECIAL.search(answer) or _SPECIAL.search(question):
            return Verdict(False, DEGENERATE_SPECIAL_TOKEN)
        if self.language is not None and (self._other_language(answer, a_words)
                                          or self._other_language(question, q_words)):
            return Verdict(False, DEGENERATE_WRONG_LANGUAGE)
        # a "?" anywhere: "Radio-ready or not? One-line verdict."
        if not _is_question(question, q_words):
            return Verdict(False, DEGENERATE_NOT_A_QUESTION)
        q_norm, a_norm = " ".join(w.lower() for w in q_words), " ".join(w.lower() for w in a_words)
        if a_norm == q_norm:
            return Verdict(False, DEGENERATE_RESTATES_QUESTION)
        if len(a_words) < self.min_answer_words and not (
                _closed(question, q_words, a_words) and not _is_truncated(answer, a_words, question)
                and _ends_whole(a_words, q_words, question)):
            return Verdict(False, DEGENERATE_TOO_SHORT)
        if _echoes(question, answer, q_words, a_words):
            return Verdict(False, DEGENERATE_ECHOES_QUESTION)
        # an answer made of the question's words only; for a yes/no or either/or question, only when it
        # repeats the whole question ("Fills a dancefloor? Is it the kind of track that fills a dancefloor."),
        # since "Fast." or "There is a piano." answers one
        if not _CHOICE_OR_YESNO.search(question) or (len(q_words) >= 4 and q_norm in a_norm):
            asked = q_norm.split()
            new = [w for w in a_norm.split() if w not in _STOP and w not in _VACUOUS and not _same_root(w, asked)]
            if not new:
                return Verdict(False, DEGENERATE_RESTATES_QUESTION)
        if _circles(question, answer, q_norm, a_norm):
            return Verdict(False, DEGENERATE_RESTATES_QUESTION)
        sentences = [x for x in _SENTENCE_END.split(answer) if x.strip()]
        if sentences and all(x.rstrip().endswith("?") for x in sentences):
            return Verdict(False, DEGENERATE_ANSWER_IS_QUESTION)
        if _is_loop(answer, a_words):
            return Verdict(False, DEGENERATE_REPETITION)
        if (self.max_answer_chars and len(pair.answer) >= self.max_answer_chars - 1) or _is_truncated(
                answer, a_words, question):
            return Verdict(False, DEGENERATE_TRUNCATED)
        return KEEP


def degenerate(pair: QAPair, clip: Clip) -> Verdict:
    """:class:`Degenerate` with the default minimum answer length."""
    return _DEFAULT(pair, clip)


_DEFAULT = Degenerate()
