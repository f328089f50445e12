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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
_WHOLE_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")  # "Lo-fi hip hop." is a three-word answer
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
        short = len(_WHOLE_WORD.findall(pair.answer)) < SHORT_ANSWER_WORDS
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

    def clip_hashes(self, pairs: Sequence[QAPair]) -> list[PairHashes]:
        """What :class:`AcrossClips` needs to judge one clip's ``pairs`` as ``__call__`` would, without their texts.

        The within-clip tests (word overlap, paraphrase) are made here against every earlier pair of the clip, since
        which of those the filter keeps is known only once the across-clip memory, global to the build, has spoken.
        """
        words = [_answer_words(p.answer) for p in pairs]
        short = [len(_WHOLE_WORD.findall(p.answer)) < SHORT_ANSWER_WORDS for p in pairs]
        out: list[PairHashes] = []
        for i, pair in enumerate(pairs):
            same: list[int] = []
            if not short[i]:
                for j in range(i):
                    union = len(words[i] | words[j])
                    if union and len(words[i] & words[j]) / union >= NEAR_DUPLICATE:
                        same.append(j)
                if self.similar is not None and i:
                    same.extend(j for j in similar_to(self.similar, pair.answer, [p.answer for p in pairs[:i]])
                                if j not in same)
            q_key = _question_key(pair.question)
            out.append(PairHashes(_digest(q_key) if q_key else None,
                                  _digest(pair.answer) if self.across_clips and not short[i] else None,
                                  tuple(sorted(same))))
        return out


def similar_to(similar: Callable[[str, list[str]], bool], answer: str, previous: list[str]) -> list[int]:
    """Positions in ``previous`` that ``similar`` calls a paraphrase of ``answer`` (its ``which`` when it has one)."""
    which = getattr(similar, "which", None)
    if which is not None:
        return list(which(answer, previous))
    return [j for j, text in enumerate(previous) if similar(answer, [text])]


@dataclass(frozen=True, slots=True)
class PairHashes:
    """One pair as the duplicate filter sees it: digests and positions, no text (12 bytes a digest)."""

    question: bytes | None  # the normalised question's digest; None when nothing is left of it
    answer: bytes | None  # the answer's digest; None when short or the across-clip test is off (never compared)
    same_answer_as: tuple[int, ...]  # earlier pairs of the clip (positions among those the filter sees) it repeats


class AcrossClips:
    """The duplicate filter's verdicts from :meth:`Duplicate.clip_hashes`, clip after clip, in the build's order.

    The only part of the filters that needs every clip at once: a per-batch worker cannot know whether an answer
    was already given for a clip in another batch. It remembers one 12-byte digest per kept answer, so it runs on
    the driver from hashes alone; fed the clips in the order ``__call__`` would see them, it gives its verdicts.
    """

    def __init__(self) -> None:
        self._seen: dict[bytes, str] = {}  # answer digest -> clip_id of its first occurrence

    def __call__(self, clip_id: str, hashes: Sequence[PairHashes]) -> list[Verdict]:
        """The verdict on each pair of one clip that reached the duplicate filter, in order."""
        questions: set[bytes] = set()
        kept: set[int] = set()
        out: list[Verdict] = []
        for i, h in enumerate(hashes):
            if h.question is not None and h.question in questions:
                out.append(Verdict(False, DUPLICATE_QUESTION))
            elif any(j in kept for j in h.same_answer_as):
                out.append(Verdict(False, DUPLICATE_ANSWER))
            elif h.answer is not None and self._seen.setdefault(h.answer, clip_id) != clip_id:
                out.append(Verdict(False, DUPLICATE_ANSWER_ACROSS_CLIPS))
            else:
                if h.question is not None:
                    questions.add(h.question)
                kept.add(i)
                out.append(KEEP)
        return out
