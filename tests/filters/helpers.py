"""Shared builders for the filter tests."""

from __future__ import annotations

from musicqa.records import Clip, QAPair


def pair(answer: str, question: str = "Describe the audio.", clip_id: str = "test/1") -> QAPair:
    """A QA pair about ``clip_id``."""
    return QAPair(clip_id=clip_id, question=question, answer=answer, task="open")


def clip(text: str = "", clip_id: str = "test/1") -> Clip:
    """A clip with ``text`` as its caption or tags ("" = no source text)."""
    return Clip(clip_id=clip_id, source="test", source_id=clip_id, split="test", text=text)
