"""The optional LLM judge (``--filters.judge.*``): its config, prompt, JSON schema, resume key and verdicts.

After the rule and learned filters, a model (the build's engine model, or ``--filters.judge.model``) reads each
surviving pair beside its clip's text and measured facts and answers four yes/no questions as JSON: does the
answer answer the question, is every claim supported, does it cite a text source, is it evasive. A pair that
fails one is dropped as ``judge_<cause>`` with the model's short reason. Like :mod:`musicqa.parse` for
generation, this module owns the schema and checks every reply anyway: a reply that does not parse keeps its pair
(the judge is a second line after the filters, and a broken reply says nothing about the pair) and is counted as
``unparsed`` in ``summary.json``.

Prompt text lives in ``prompts/judge/`` (sandboxed Jinja, StrictUndefined). The resume key of a pair's judgement
hashes the pair, its clip's context and facts, the judge model and the prompt version (both templates and the
chat template), so editing the prompt or changing the model judges again, and nothing else does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from musicqa.config import field
from musicqa.engines.base import looks_local
from musicqa.errors import InputError
from musicqa.prompts import render_template, sandbox
from musicqa.records import Clip, Facts, PromptRequest, QAPair, Sampling, Verdict

TASK = "judge"
SYSTEM_TEMPLATE = "system.jinja"
USER_TEMPLATE = "verdict.jinja"

JUDGE_EVASIVE = "judge_evasive"
JUDGE_CITES_SOURCE = "judge_cites_source"
JUDGE_UNANSWERED = "judge_unanswered"
JUDGE_UNSUPPORTED = "judge_unsupported"
REASONS = {
    JUDGE_EVASIVE: "the LLM judge found the answer evasive: it commits to nothing about this clip",
    JUDGE_CITES_SOURCE: "the LLM judge found the answer citing a text source (caption, tags, measurements)",
    JUDGE_UNANSWERED: "the LLM judge found that the answer does not answer the question",
    JUDGE_UNSUPPORTED: "the LLM judge found a claim the clip's text and measured facts do not support",
}
# The verdict's fields, in the order a constrained decoder writes them and a failing pair is named: a reply that
# commits to nothing is evasive before it is unanswered, and a cited source is named before what it claims.
CHECKS: tuple[tuple[str, bool, str], ...] = (  # (field, the value that fails, reason)
    ("evasive", True, JUDGE_EVASIVE),
    ("cites_source", True, JUDGE_CITES_SOURCE),
    ("answers_question", False, JUDGE_UNANSWERED),
    ("supported", False, JUDGE_UNSUPPORTED),
)
OK = "ok"
UNPARSED = "unparsed"  # the reply is not a verdict (bad JSON, wrong shape, cut off): the pair is kept


@dataclass
class JudgeConfig:
    """``[filters.judge]``: the optional LLM judge, a stage of its own after the filters (build only)."""

    enabled: bool = field(False, help="rate every pair the filters kept with an LLM (a JSON verdict: answers the "
                                      "question? every claim supported? cites a text source? evasive?) and drop "
                                      "the failing ones as judge_<cause>; off by default, its quality is not "
                                      "measured (see the README)")
    model: str | None = field(None, help="the judge model (hub id or local folder); unset: the build's own "
                                         "--engine.model, sharing its loaded engine")
    revision: str | None = field(None, help="revision of --filters.judge.model to pin (with --filters.judge.model)")
    chat_template: str | None = field(None, help="chat format template of the judge model, a file; unset: the "
                                                 "build's --prompts.chat-template")
    prompts_dir: Path = field(Path("prompts/judge"), help="folder of the judge's system.jinja and verdict.jinja")
    max_tokens: int = field(256, help="longest verdict in tokens (the JSON with its short reason)")
    max_reason_chars: int = field(200, help="longest reason the verdict's JSON schema allows")
    batch_size: int | None = field(None, help="pairs per judge engine call, also how often judgements are saved; "
                                              "unset: --engine.batch-size")

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"--filters.judge.max-tokens: {self.max_tokens}, expected at least 1")
        if self.max_reason_chars < 1:
            raise ValueError(f"--filters.judge.max-reason-chars: {self.max_reason_chars}, expected at least 1")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"--filters.judge.batch-size: {self.batch_size}, expected at least 1 (or unset)")
        if self.model is not None and looks_local(self.model) and not Path(self.model).expanduser().exists():
            raise ValueError(f"--filters.judge.model: {self.model}: no such folder (a local path; a hub id is "
                             "'org/name')")
        if self.revision is not None and self.model is None:
            raise ValueError("--filters.judge.revision needs --filters.judge.model (the build's model is pinned "
                             "by --engine.revision)")


def verdict_schema(max_reason_chars: int = 200) -> dict:
    """The four checks as booleans, then the model's short reason."""
    props: dict[str, Any] = {name: {"type": "boolean"} for name, _, _ in CHECKS}
    props["reason"] = {"type": "string", "minLength": 1, "maxLength": max_reason_chars}
    return {"type": "object", "additionalProperties": False, "required": [*props], "properties": props}


@dataclass(frozen=True, slots=True)
class Judgement:
    """What one judge reply says of its pair: ``status`` OK or UNPARSED, the verdict, the model's reason."""

    status: str
    verdict: Verdict
    note: str = ""


def parse_verdict(text: str, finish_reason: str = "stop") -> Judgement:
    """The judge's reply -> a Judgement; never raises on bad model output (an unparsed reply keeps the pair)."""
    try:
        data = json.loads(text.strip(), strict=False)
    except json.JSONDecodeError as err:
        cut = " (cut off at max_tokens)" if finish_reason == "length" else ""
        return Judgement(UNPARSED, Verdict(True), f"{err.msg} at char {err.pos}{cut}")
    if not isinstance(data, dict) or not all(isinstance(data.get(name), bool) for name, _, _ in CHECKS) or \
            not isinstance(data.get("reason"), str):
        return Judgement(UNPARSED, Verdict(True), "expected booleans " + ", ".join(n for n, _, _ in CHECKS) +
                         " and a reason string")
    note = " ".join(data["reason"].split())
    for name, failing, reason in CHECKS:
        if data[name] is failing:
            return Judgement(OK, Verdict(False, reason), note)
    return Judgement(OK, Verdict(True), note)


class JudgePrompt:
    """The judge's two templates, rendered sandboxed and strict into one ``PromptRequest`` per pair."""

    def __init__(self, prompts_dir: Path, chat_template: str, *, model: str, max_tokens: int,
                 max_reason_chars: int) -> None:
        for name in (SYSTEM_TEMPLATE, USER_TEMPLATE):
            if not (prompts_dir / name).is_file():
                raise InputError(f"{prompts_dir / name}: judge prompt template not found (set "
                                 "--filters.judge.prompts-dir)")
        self.dir = prompts_dir
        self.env: SandboxedEnvironment | None = sandbox(prompts_dir)
        self.model = model
        self.chat_template = chat_template
        self.sampling = Sampling(temperature=0.0, top_k=0, top_p=1.0, max_tokens=max_tokens)  # greedy: reproducible
        self.schema = json.dumps(verdict_schema(max_reason_chars))  # unsorted: the reason comes last
        parts = [(prompts_dir / n).read_bytes() for n in (SYSTEM_TEMPLATE, USER_TEMPLATE)] + [chat_template.encode()]
        self.version = hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "env": None}  # rebuilt where it is used

    def _render(self, name: str, **variables: object) -> str:
        if self.env is None:  # dropped when pickled for a Ray actor
            self.env = sandbox(self.dir)
        return render_template(self.env, self.dir, name, **variables)

    def request(self, pair: QAPair, clip: Clip, facts: Facts | None) -> PromptRequest:
        """The judge request for one pair; ``facts`` are the clip's facts that passed their thresholds (the ones
        its generation prompt was given), None when there are none."""
        values = {"question": pair.question, "answer": pair.answer, "text": clip.text, "labels": list(clip.labels),
                  "source": clip.source, "facts": dataclasses.asdict(facts) if facts is not None else None}
        messages = (("system", self._render(SYSTEM_TEMPLATE, **values)), ("user", self._render(USER_TEMPLATE,
                                                                                                **values)))
        return PromptRequest(key=judgement_key(pair, clip.text, values["facts"], self.model, self.version,
                                               self.sampling, self.schema),
                             clip_id=pair.clip_id, task=TASK, template=USER_TEMPLATE, template_hash=self.version,
                             messages=messages, sampling=self.sampling, json_schema=self.schema)


def judgement_key(pair: QAPair, context: str, facts: dict | None, model: str, version: str, sampling: Sampling,
                  schema: str) -> str:
    """Resume key of one judgement: the pair, its context and facts, the judge model and the prompt version."""
    payload = json.dumps([pair.clip_id, pair.task, pair.question, pair.answer, context, facts, model, version,
                          dataclasses.asdict(sampling), schema], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def unique(requests: Sequence[PromptRequest]) -> list[PromptRequest]:
    """``requests`` with a repeated key sent once (two identical pairs of a clip share one judgement)."""
    return list({r.key: r for r in requests}.values())
