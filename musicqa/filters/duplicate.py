"""The ``duplicate`` filter: drop repeats of a question or an answer already kept.

Within one clip the LLM often asks the same question twice ("What is the mood of the audio?" /
"What mood does this song have?" differ; "What is the mood of this song?" / "What's the mood of the
song?" don't) or gives two answers that say the same thing. Across the dataset, an identical answer
on two different clips ("The artist of the audio is unknown.", 10 times in the original eval split)
is template text, not a description of either clip. The first occurrence is kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from musicqa.records import KEEP, Clip, QAPair, Verdict

DUPLICATE_QUESTION = "duplicate_question"
DUPLICATE_ANSWER = "duplicate_answer"
DUPLICATE_ANSWER_ACROSS_CLIPS = "duplicate_answer_across_clips"

REASONS = {
    DUPLICATE_QUESTION: "the same question (after normalisation) was already asked about this clip",
    DUPLICATE_ANSWER: "an answer about this clip already says the same thing (near-identical wording)",
    DUPLICATE_ANSWER_ACROSS_CLIPS: "the identical answer (four words or more) was already given for another clip "
                                   "(template text)",
}

SHORT_ANSWER_WORDS = 4  # shorter answers (to closed questions: "Yes.", "Male.") are never compared
NEAR_DUPLICATE = 0.8  # word-set Jaccard at or above which two answers about one clip are the same answer

_WORD = re.compile(r"[^\W_]+")
# Words that name the clip or are filler: "this song" and "the audio" ask the same question.
_CLIP_WORDS = {"audio": "audio", "song": "audio", "track": "audio", "piece": "audio", "music": "audio",
               "clip": "audio", "recording": "audio", "tune": "audio", "composition": "audio", "excerpt": "audio"}
_FILLER = frozenset("the a an this that these it its is are was were of in to for does do would you can could "
                    "please s what's whats".split())


def _question_key(text: str) -> str:
    words = [_CLIP_WORDS.get(w, w) for w in _WORD.findall(text.lower())]
    return " ".join(w for w in words if w not in _FILLER)


def _answer_words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def _digest(text: str) -> bytes:
    return hashlib.blake2b(" ".join(_WORD.findall(text.lower())).encode(), digest_size=12).digest()


class Duplicate:
    """Per-run memory of the questions and answers kept so far.

    Pairs of one clip arrive consecutively (the build and the readers guarantee it), so only the current
    clip's texts are kept in full; across clips only a 12-byte digest per answer is remembered, which is
    about 2 MB for 100,000 answers. ``similar`` optionally adds a model-based near-duplicate test (see
    :class:`musicqa.filters.embeddings.AnswerSimilarity`).
    """

    def __init__(self, across_clips: bool = True,
                 similar: Callable[[str, list[str]], bool] | None = None) -> None:
        self.across_clips = across_clips
        self.similar = similar
        self._clip: str | None = None
        self._questions: set[str] = set()
        self._answers: list[tuple[str, frozenset[str]]] = []
        self._seen: dict[bytes, str] = {}  # answer digest -> clip_id of its first occurrence

    def __call__(self, pair: QAPair, clip: Clip) -> Verdict:
        """Drop the pair if it repeats a question or answer seen before; otherwise remember it."""
        if pair.clip_id != self._clip:
            self._clip, self._questions, self._answers = pair.clip_id, set(), []
        q_key = _question_key(pair.question)
        if q_key and q_key in self._questions:
            return Verdict(False, DUPLICATE_QUESTION)
        words = _answer_words(pair.answer)
        # "No." to "Any piano?" and to "Any strings?" are two answers, and "Yes." on two clips is not
        # template text: answers to closed questions are too short to compare
        short = len(_WORD.findall(pair.answer)) < SHORT_ANSWER_WORDS
        for _, other in ([] if short else self._answers):
            union = len(words | other)
            if union and len(words & other) / union >= NEAR_DUPLICATE:
                return Verdict(False, DUPLICATE_ANSWER)
        if (self.similar is not None and self._answers and not short
                and self.similar(pair.answer, [a for a, _ in self._answers])):
            return Verdict(False, DUPLICATE_ANSWER)
        digest = _digest(pair.answer)
        first = self._seen.setdefault(digest, pair.clip_id) if self.across_clips and not short else pair.clip_id
        if first != pair.clip_id:
            return Verdict(False, DUPLICATE_ANSWER_ACROSS_CLIPS)
        self._questions.add(q_key)
        self._answers.append((pair.answer, words))
        return KEEP
