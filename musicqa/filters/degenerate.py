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

from musicqa.filters.closed import STOP, closed, ends_whole, is_question
from musicqa.filters.language import LanguageCheck
from musicqa.filters.lexicon import is_word
from musicqa.filters.lexicon import words as known_words
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
    # a template's unfilled slot: "[INSTRUMENT] carries the riff", "{artist}"
    r"\[[A-Z][A-Z_]{3,30}\]|\{[a-z_]{3,30}\}|"
    r"<\|[^|<>]{1,40}\|>|</?s>|<(?:unk|pad|eos|bos|sep|cls|mask)>|\[/?(?:INST|SYS)\]|<</?SYS>>|"
    r"(?:^|\n)\s*(?:#{2,}\s*)?(?:human|assistant|user|system|instruction|response|gpt|bot|question|answer|"
    r"q|a)\s*:|```|\{\s*\"(?:question|answer|qa|pairs|task)\"|\"(?:question|answer)\"\s*:|\ufffd",
    re.IGNORECASE,
)
_CHOICE_OR_YESNO = re.compile(
    r"\bor\b|^\W*(?:is|are|was|were|do|does|did|can|could|would|should|will|has|have|had)\b|"
    r"\b[a-z]{1,12}\s*/\s*[a-z]{1,12}\b", re.IGNORECASE
)
_BULLET = re.compile(r"(?:^|\n)\s*(?:[-*•–]|\d{1,2}[.)])\s+\S[^\n]*$")
# Words that say nothing about a clip: an answer made only of these and the question's words is empty.
_VACUOUS = frozenset(
    "music musical audio song songs track piece sound sounds played playing plays play heard hear features feature "
    "featuring contains contain has includes composition recording clip thing something like manner way it's "
    "that's soundscape".split()
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


def _cut_word(answer: str, words: list[str], source: str) -> bool:
    """The last word stops inside a word its caption or question has: "... a slow, soft solo pia" for a piano
    caption, "the nylon guitar and flu" for a flute (a word of its own, so the lexicon cannot tell)."""
    if len(words) < 4 or _TERMINAL.search(answer.rstrip()):
        return False
    last = words[-1].lower()
    if len(last) < 3 or last in STOP:
        return False
    known = known_words()
    # "acoustic" before a tag's "acousticguitar" ends a word, and "soft" before "softly" is an inflection of one;
    # "pia" before "piano" does not end a word
    return any(w.startswith(last) and len(w) >= len(last) + 2 and not _INFLECTION.fullmatch(w[len(last):])
               and not (len(w) - len(last) >= 3 and w[len(last):] in known)
               for w in {w.lower() for w in _WORD.findall(source)})


_INFLECTION = re.compile(r"ly|ed|d|er|ers|es|s|ing|ings|ness|est|y|ily|ally|al|ic|ish|ful|less|ment|ments|'s")


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


def short_closed_answer(question: str, answer: str) -> bool:
    """True for a complete short answer of a closed question's type ("Male." to "male or female?"), which
    the rules keep on purpose: the learned layer, trained when such answers were labelled too short, does
    not judge them (see :class:`musicqa.filters.learned.WithClassifier`)."""
    q_words, a_words = _words(question), _words(answer)
    return (0 < len(a_words) < MIN_ANSWER_WORDS and closed(question, q_words, a_words, answer)
            and not _is_truncated(answer.strip(), a_words, question) and ends_whole(a_words, q_words, question))


# English function words that Spanish, Italian, Portuguese, French and German do not spell the same way
_ENGLISH_ONLY = frozenset("the is of and it its this that with lots there what which how does very has have be "
                          "by to were are they she he his".split())
# A preposition left at the end of its clause is English: "the kind of music people study to", "one to dance to"
_STRANDED = re.compile(r"\b(?:study|dance|listen|relax|sleep|work|chill|sing|move|groove|run|drive|cook|read|"
                       r"vibe|work\s+out|fall\s+asleep|unwind|meditate)\s+(?:to|along\s+to|with)\s*$|"
                       # "slammed like festival edm usually is"
                       r"\b(?:usually|always|often|normally|typically|generally|really|actually)\s+(?:is|are|does|do)\s*$|"
                       # a pronoun, not a determiner: "can't tell from this", "a recording like that"
                       r"\b(?:from|like|of|about|with|for|on|at)\s+(?:this|that|these|those)\s*$",
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
    asked = [w for w in q_norm.split() if w not in STOP and w not in _VACUOUS]
    content = [w for w in a_norm.split() if w not in STOP and w not in _VACUOUS]
    # one of the question's words, three times or more in its forms, is half of what the answer says
    echo = max((sum(_same_root(w, [q]) for w in content) for q in asked), default=0)
    if echo < 3 or 2 * echo < len(content):
        return False
    return not {m.concept for m in find_mentions(answer)} - {m.concept for m in find_mentions(question)}


_WHY = re.compile(r"^\W*(?:why|how\s+come|what\s+makes)\b", re.IGNORECASE)
_BECAUSE = re.compile(r"\b(?:because|since|as\s+it|due\s+to)\b(.*)", re.IGNORECASE | re.DOTALL)
# MPT-7B turning "Describe the audio in detail" into "The audio is described in detail as ..."
_PARROT = re.compile(r"\bdescribed\s+in\s+detail\b", re.IGNORECASE)


def _empty_reason(question: str, answer: str, asked: list[str]) -> bool:
    """A "why" answered by its own words ("good for studying because it is the music which is good for study",
    "sounds Spanish because it has that Spanish Phrygian sound"): the reason names nothing the question did not,
    or the answer parrots "described in detail"."""
    if _PARROT.search(answer) and "detail" in asked and "describe" in asked:
        return True
    if not _WHY.match(question) or not (m := _BECAUSE.search(answer)):
        return False
    reason = [w for w in _norm(m.group(1)).split() if w not in STOP and w not in _VACUOUS]
    return all(_same_root(w, asked) for w in reason)


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
    # a long answer without a closing stop is cut off, when it writes like edited prose; a forum register that starts
    # in lower case ("the rhodes chords imo. they're soft ... tho") leaves the stop off on purpose (round 10)
    if text.count("(") > text.count(")") or (len(words) >= 20 and not text[:1].islower()):
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
        if not is_question(question, q_words):
            return Verdict(False, DEGENERATE_NOT_A_QUESTION)
        q_norm, a_norm = " ".join(w.lower() for w in q_words), " ".join(w.lower() for w in a_words)
        if a_norm == q_norm:
            return Verdict(False, DEGENERATE_RESTATES_QUESTION)
        if len(a_words) < self.min_answer_words and not (
                closed(question, q_words, a_words, answer) and not _is_truncated(answer, a_words, question)
                and ends_whole(a_words, q_words, question)):
            return Verdict(False, DEGENERATE_TOO_SHORT)
        if _echoes(question, answer, q_words, a_words):
            return Verdict(False, DEGENERATE_ECHOES_QUESTION)
        # an answer made of the question's words only; for a yes/no or either/or question, only when it
        # repeats the whole question ("Fills a dancefloor? Is it the kind of track that fills a dancefloor."),
        # since "Fast." or "There is a piano." answers one
        if not _CHOICE_OR_YESNO.search(question) or (len(q_words) >= 4 and q_norm in a_norm):
            asked = q_norm.split()
            new = [w for w in a_norm.split() if w not in STOP and w not in _VACUOUS and not _same_root(w, asked)]
            if not new:
                return Verdict(False, DEGENERATE_RESTATES_QUESTION)
        if _circles(question, answer, q_norm, a_norm) or _empty_reason(question, answer, q_norm.split()):
            return Verdict(False, DEGENERATE_RESTATES_QUESTION)
        sentences = [x for x in _SENTENCE_END.split(answer) if x.strip()]
        if sentences and all(x.rstrip().endswith("?") for x in sentences):
            return Verdict(False, DEGENERATE_ANSWER_IS_QUESTION)
        if _is_loop(answer, a_words):
            return Verdict(False, DEGENERATE_REPETITION)
        if (self.max_answer_chars and len(pair.answer) >= self.max_answer_chars - 1) or _is_truncated(
                answer, a_words, question) or _cut_word(answer, a_words, f"{clip.text} {question}"):
            return Verdict(False, DEGENERATE_TRUNCATED)
        return KEEP


def degenerate(pair: QAPair, clip: Clip) -> Verdict:
    """:class:`Degenerate` with the default minimum answer length."""
    return _DEFAULT(pair, clip)


_DEFAULT = Degenerate()
