"""MU-LLaMA's QA JSON format, written and read in one place (export, evaluate and audit all use it).

A file is a JSON array of records ``{"audio_name": "x.wav", "conversation": [{"from": "human", "value": Q},
{"from": "gpt", "value": A}, ...]}`` (the seed's ``PretrainMusicQA.json``, ``FinetuneMusicQA.json`` and
``EvalMusicQA.json``). A conversation may hold several turns; a pair is a human turn followed by a gpt turn.
``user``/``assistant`` are accepted for ``human``/``gpt`` since converted copies use them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from musicqa.errors import InputError

QUESTION_ROLES = ("human", "user")
ANSWER_ROLES = ("gpt", "assistant")


def record(audio_name: str, question: str, answer: str) -> dict[str, Any]:
    """One record with one human/gpt exchange, as the seed's files have them."""
    return {"audio_name": audio_name, "conversation": [{"from": "human", "value": question},
                                                       {"from": "gpt", "value": answer}]}


def conversation(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The turns of a conversation holding ``pairs`` in order."""
    return [{"from": role, "value": value} for q, a in pairs for role, value in (("human", q), ("gpt", a))]


def pairs_of(obj: Any) -> list[tuple[str, str]] | str:
    """(question, answer) pairs of one record's conversation, or a message saying what is wrong with it."""
    if not isinstance(obj, dict) or "conversation" not in obj:
        return "expected an object with a 'conversation' list"
    turns = obj["conversation"]
    if not isinstance(turns, list):
        return "'conversation' is not a list of turns"
    pairs, question = [], None
    for turn in turns:
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            return "a conversation turn has no string 'value'"
        if turn.get("from") in QUESTION_ROLES:
            question = turn["value"]
        elif turn.get("from") in ANSWER_ROLES and question is not None:
            pairs.append((question, turn["value"]))
            question = None
    return pairs or "record has no answer (no 'gpt' turn after a 'human' turn)"


def read(path: Path) -> list[tuple[str, str, str]]:
    """(audio_name, question, answer) for every pair of a MU-LLaMA JSON file; a bad record is an InputError."""
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputError(f"{path}: file not found") from err
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: invalid JSON ({err})") from err
    if not isinstance(records, list):
        raise InputError(f"{path}: expected a JSON array of {{audio_name, conversation}} records")
    out = []
    for i, obj in enumerate(records):
        pairs = pairs_of(obj)
        if isinstance(pairs, str) or not isinstance(obj.get("audio_name"), str):
            problem = pairs if isinstance(pairs, str) else "no string 'audio_name'"
            raise InputError(f"{path}: item {i}: {problem}; expected {{audio_name, conversation: [human, gpt]}}")
        out += [(obj["audio_name"], q, a) for q, a in pairs]
    return out
