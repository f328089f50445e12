"""Frozen record types shared by every pipeline stage.

Data flows one way (sources -> prompts -> engines -> parse -> filters -> store -> bundle) and
these records are the only thing that crosses a stage boundary. This module imports nothing
from musicqa so every stage may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Clip:
    """One music clip with the source text the LLM is prompted with.

    ``clip_id`` is ``"<config>/<source_id>"`` and stable across runs, so every QA pair can be
    mapped back to its YouTube id or MTT clip (the seed renamed audio to 000000.wav and lost that).
    What only one dataset has (MTT's mp3_path, title, artist) goes in ``meta``: a frozen record
    type that the source module declares, never new fields here.
    """

    clip_id: str
    source: str  # the registered source that read it: "musiccaps", "magnatagatune", ...
    source_id: str  # ytid, MTT clip_id, ...: the id in the source's own files
    split: str  # "train" | "validation" | "test" | a split the source declares
    text: str  # the caption, or the tags joined in a fixed order
    audio_path: Path | None = None
    start_s: float = 0.0
    end_s: float | None = None  # None: up to the end of the file
    labels: tuple[str, ...] = ()  # tags or aspects (MusicCaps aspect_list, MTT tags after the synonym map)
    meta: Any = None  # the source's own frozen metadata record (``Source.Meta``), or None
    facts: Facts | None = None  # measured from the audio by the analysis stage; None: not measured


@dataclass(frozen=True, slots=True)
class Facts:
    """What the analysis stage measured in a clip's audio; a field is None where it was not measured.

    The LLM never hears the clip, so these are what its prompts (and the grounding filter) may trust
    about tempo, key and loudness. Field names are also the dataset's ``analysis`` column and the
    ``analysis`` object ``musicqa audit`` reads per JSON line.
    """

    tempo_bpm: float | None = None
    tempo_confidence: float | None = None  # in [0, 1]
    key: str | None = None  # tonic: "C", "C#", ..., "B" (sharps)
    mode: str | None = None  # "major" | "minor"
    key_strength: float | None = None  # in [0, 1]
    loudness_lufs: float | None = None  # integrated loudness (EBU R128)
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """A filter's decision; ``reason`` is ``"<filter>_<cause>"`` and required when dropping.

    ``score`` is set by the learned layer only: its probability for the family, written beside the
    reason in ``rejected.jsonl`` and audit output so a reviewer sees how sure the drop was.
    """

    keep: bool
    reason: str = ""
    score: float | None = None


KEEP = Verdict(True)


@dataclass(frozen=True, slots=True)
class Sampling:
    """Sampling parameters of one request; part of its resume key."""

    temperature: float = 0.5
    top_k: int = 4
    top_p: float = 1.0
    max_tokens: int = 512
    seed: int = 0


@dataclass(frozen=True, slots=True)
class PromptRequest:
    """One rendered chat prompt for one clip and task, ready for any engine."""

    key: str  # resume key: hash of clip_id, task, template hash, model, sampling, attempt-free
    clip_id: str
    task: str  # "fixed" | "open" | "mcq"
    template: str  # template file name, e.g. "musiccaps_fixed.jinja"
    template_hash: str  # sha256 of the template file's bytes (first 16 hex chars)
    messages: tuple[tuple[str, str], ...]  # (role, content) pairs
    sampling: Sampling
    json_schema: str  # JSON schema (serialised) the reply must follow
    questions: tuple[str, ...] = ()  # the fixed questions, answered in order
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class Generation:
    """An engine's raw reply to one request."""

    key: str
    clip_id: str
    task: str
    text: str
    finish_reason: str  # "stop" | "length" | ...
    model: str
    attempt: int = 0
    n_prompt_tokens: int = 0
    n_output_tokens: int = 0


@dataclass(frozen=True, slots=True)
class QAPair:
    """One question-answer pair about one clip."""

    clip_id: str
    question: str
    answer: str
    task: str  # "fixed" | "open"
    template: str = ""
    index: int = 0  # position within the reply


# MuChoMusic's three distractor kinds (Weck et al., ISMIR 2024, arXiv 2408.01337), in the order its released
# CSV stores them as distractor_1..3_answer; every MCQItem lists its distractors in this order.
DISTRACTOR_KINDS = ("incorrect_but_related", "correct_but_unrelated", "incorrect_and_unrelated")


@dataclass(frozen=True, slots=True)
class MCQItem:
    """One multiple-choice item about one clip: a question, its one correct answer and three distractors.

    ``distractor_kinds[i]`` says what ``distractors[i]`` is meant to be (one of ``DISTRACTOR_KINDS``): a
    misunderstanding on the question's topic, something true of the music that does not answer the question, or
    something off-topic with no support in the music.
    """

    clip_id: str
    question: str
    correct_answer: str
    distractors: tuple[str, str, str]
    distractor_kinds: tuple[str, str, str] = DISTRACTOR_KINDS
    template: str = ""
    index: int = 0  # position within the reply

    @property
    def options(self) -> tuple[str, str, str, str]:
        """The four options, correct answer first."""
        return (self.correct_answer, *self.distractors)
