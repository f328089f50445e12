"""The multiple-choice task's JSON schema, and its replies -> ``MCQItem`` records (or a parse_* reason).

Kept beside :mod:`musicqa.parse` and called from its ``parse``, so an MCQ reply is stored, retried and recorded
exactly like a fixed or open one. Each item names its distractors by kind (the keys are MuChoMusic's three
kinds, ``records.DISTRACTOR_KINDS``), so a constrained decoder cannot leave a kind out or write it twice.
"""

from __future__ import annotations

import json
from typing import Any

from musicqa.records import DISTRACTOR_KINDS, MCQItem, PromptRequest

MAX_OPTION_CHARS = 200  # an option is a phrase or one sentence; longer ones give the answer away by length


def _text(max_chars: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_chars}


def mcq_schema(n_items: int, max_question_chars: int = 300, max_option_chars: int = MAX_OPTION_CHARS) -> dict:
    """Exactly ``n_items`` objects of {question, correct_answer, <one key per distractor kind>}."""
    keys = ("question", "correct_answer", *DISTRACTOR_KINDS)
    props = {k: _text(max_question_chars if k == "question" else max_option_chars) for k in keys}
    item = {"type": "object", "additionalProperties": False, "required": list(keys), "properties": props}
    return {"type": "object", "additionalProperties": False, "required": ["items"],
            "properties": {"items": {"type": "array", "items": item, "minItems": n_items, "maxItems": n_items}}}


def n_items_of(req: PromptRequest) -> int:
    """How many items the request asked for (read back from its schema, so the stored request is the truth)."""
    return int(json.loads(req.json_schema)["properties"]["items"]["maxItems"])


def parse_items(data: dict[str, Any], req: PromptRequest) -> tuple[MCQItem, ...] | str:
    """The reply's items, or a one-line description of how it breaks the schema."""
    items = data.get("items")
    n = n_items_of(req)
    keys = ("question", "correct_answer", *DISTRACTOR_KINDS)
    if not isinstance(items, list) or len(items) != n or not all(
            isinstance(it, dict) and all(isinstance(it.get(k), str) and it[k].strip() for k in keys)
            for it in items):
        return f"expected {n} objects of non-empty {', '.join(keys)}"
    return tuple(MCQItem(req.clip_id, it["question"].strip(), it["correct_answer"].strip(),
                         tuple(it[k].strip() for k in DISTRACTOR_KINDS), DISTRACTOR_KINDS, req.template, i)
                 for i, it in enumerate(items))
