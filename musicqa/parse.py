"""Engine replies -> QAPairs, or a rejection with a reason. Owns the JSON schemas.

The engine is asked for JSON that follows these schemas (structured outputs), so no regex parsing
of numbered lists is needed. Every reply is still validated here: a constrained decoder can be
cut off by ``max_tokens``, and an unconstrained fallback engine gives no guarantee at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from musicqa.records import Generation, MCQItem, PromptRequest, QAPair

OK = "ok"
PARSE_TRUNCATED = "parse_truncated"
PARSE_INVALID_JSON = "parse_invalid_json"
PARSE_SCHEMA = "parse_schema"
REASONS = {
    PARSE_TRUNCATED: "the reply hit max_tokens before its JSON closed",
    PARSE_INVALID_JSON: "the reply is not valid JSON",
    PARSE_SCHEMA: "the reply is JSON but not of the requested shape",
}
MAX_TEXT_CHARS = 1200  # per question/answer string; bounds a constrained decoder's run-on strings


def _text(max_chars: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_chars}


def fixed_schema(n_questions: int, max_chars: int = MAX_TEXT_CHARS) -> dict:
    """Exactly one answer string per fixed question, in order."""
    return {"type": "object", "additionalProperties": False, "required": ["answers"],
            "properties": {"answers": {"type": "array", "items": _text(max_chars),
                                       "minItems": n_questions, "maxItems": n_questions}}}


def open_schema(n_pairs: int, max_chars: int = MAX_TEXT_CHARS) -> dict:
    """Between 1 and ``n_pairs`` objects of {question, answer}."""
    pair = {"type": "object", "additionalProperties": False, "required": ["question", "answer"],
            "properties": {"question": _text(max_chars), "answer": _text(max_chars)}}
    return {"type": "object", "additionalProperties": False, "required": ["pairs"],
            "properties": {"pairs": {"type": "array", "items": pair, "minItems": 1, "maxItems": n_pairs}}}


def schema_for(task: str, *, n_questions: int, n_pairs: int, max_chars: int = MAX_TEXT_CHARS, n_items: int = 2,
               max_option_chars: int = 200) -> str:
    """The serialised schema a request of ``task`` carries to the engine (``mcq``: see :mod:`musicqa.parse_mcq`)."""
    if task == "mcq":
        from musicqa.parse_mcq import mcq_schema

        # keys unsorted: a constrained decoder writes properties in schema order, and the question must come first
        return json.dumps(mcq_schema(n_items, max_chars, max_option_chars))
    schema = fixed_schema(n_questions, max_chars) if task == "fixed" else open_schema(n_pairs, max_chars)
    return json.dumps(schema, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Parsed:
    """Outcome of parsing one reply: ``status`` is OK or a parse_* reason."""

    status: str
    pairs: tuple[QAPair, ...] = ()
    detail: str = ""
    items: tuple[MCQItem, ...] = ()  # the mcq task's items (its ``pairs`` stay empty)


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def parse(gen: Generation, req: PromptRequest) -> Parsed:
    """Validate a reply against the request's task; never raises on bad model output."""
    text = gen.text.strip()
    try:
        # strict=False: a literal newline inside a JSON string is a model quirk, not a wrong answer
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as err:
        status = PARSE_TRUNCATED if gen.finish_reason == "length" else PARSE_INVALID_JSON
        return Parsed(status, detail=f"{err.msg} at char {err.pos}")
    if not isinstance(data, dict):
        return Parsed(PARSE_SCHEMA, detail="top level is not an object")
    if req.task == "mcq":
        from musicqa.parse_mcq import parse_items

        items = parse_items(data, req)
        return Parsed(PARSE_SCHEMA, detail=items) if isinstance(items, str) else Parsed(OK, items=items)
    if req.task == "fixed":
        answers = data.get("answers")
        if not _str_list(answers) or len(answers) != len(req.questions):
            return Parsed(PARSE_SCHEMA, detail=f"expected {len(req.questions)} answer strings")
        pairs = tuple(QAPair(req.clip_id, q, a.strip(), "fixed", req.template, i)
                      for i, (q, a) in enumerate(zip(req.questions, answers, strict=True)))
    else:
        items = data.get("pairs")
        if not isinstance(items, list) or not items or not all(
                isinstance(p, dict) and isinstance(p.get("question"), str) and isinstance(p.get("answer"), str)
                for p in items):
            return Parsed(PARSE_SCHEMA, detail="expected a non-empty list of {question, answer}")
        pairs = tuple(QAPair(req.clip_id, p["question"].strip(), p["answer"].strip(), "open", req.template, i)
                      for i, p in enumerate(items))
    return Parsed(OK, pairs)
