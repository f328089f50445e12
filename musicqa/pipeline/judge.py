"""The judge stage (``--filters.judge.enabled``): the pairs the filters kept -> judge replies -> kept or dropped.

The pieces the judge step (``executor.JudgeStep``) wires together, as for generation (``pipeline/generate.py``):

- ``judge_items(build, clips, kept)``: one judge request per kept pair, in dataset order (``musicqa.judge``
  renders it; its key is the pair + context/facts + judge model + prompt version);
- ``engine_batches`` (generation's): the requests whose key ``work/judgements.jsonl`` lacks, cut at fixed
  places of the whole list, so a rerun after a kill sends the same engine calls an uninterrupted run would;
- ``JudgeStage(batch)``: one engine call -> one stored record per reply (no retries: a reply that is no verdict
  keeps its pair and is counted as unparsed);
- ``apply_judgements``: the stored replies, re-parsed, drop pairs as ``judge_<cause>`` into ``rejected`` with the
  model's short reason, counted in ``summary.drops`` and ``summary.judge``.

The step appends each batch's records (fsynced) before it takes the next, so a killed build judges no pair
twice; where the batches run (this process, or Ray actors: ``map_judge``) changes nothing else.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from musicqa.analysis import audible
from musicqa.engines.base import EngineConfig
from musicqa.judge import UNPARSED, JudgeConfig, JudgePrompt, parse_verdict
from musicqa.pipeline.generate import GenerateStage
from musicqa.pipeline.stages import model_key
from musicqa.pipeline.summary import BuildSummary, stage_done
from musicqa.records import Clip, PromptRequest, QAPair
from musicqa.resources import resource
from musicqa.store import judgement_record

log = logging.getLogger(__name__)

STORE = "judgements.jsonl"


class JudgeStage:
    """Judge requests -> stored records, on the judge's engine: the build's own (``share``) when the judge model is
    the build's model, else one of its own, created on first use where the stage runs."""

    def __init__(self, cfg: EngineConfig, prompt: JudgePrompt, share: GenerateStage | None = None) -> None:
        self.cfg = cfg
        self.prompt = prompt
        self.share = share
        self._engine: Any = None
        self.node: str | None = None  # where the replies are made (a Ray node id); None: this machine's name
        self.root = Path.cwd()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_engine": None}  # an engine never travels (GenerateStage drops its own too)

    @property
    def engine(self) -> Any:
        if self.share is not None:
            return self.share.engine
        if self._engine is None:
            from musicqa.engines import make_engine

            cfg = self.cfg
            if Path.cwd() != self.root and not Path(cfg.model).is_absolute() and (self.root / cfg.model).exists():
                cfg = dataclasses.replace(cfg, model=str(self.root / cfg.model))  # a Ray worker started elsewhere
            self._engine = make_engine(cfg, self.prompt.chat_template)
        return self._engine

    def close(self) -> None:
        """Free the judge's own engine (a shared one is the generation stage's to close)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __call__(self, batch: Sequence[PromptRequest]) -> list[dict[str, Any]]:
        """One engine call on ``batch``; one record per reply, in batch order."""
        t0 = time.perf_counter()
        engine = self.engine
        where = {"node": self.node or socket.gethostname(), "pid": os.getpid()}
        gens = engine.generate(list(batch))
        records = [judgement_record(gen, prompt_version=self.prompt.version, engine=engine.name,
                                    engine_version=engine.version, revision=self.cfg.revision, **where)
                   for gen in gens]  # engines return replies in request order
        if len(records) != len(batch):
            raise RuntimeError(f"judge engine {engine.name} returned {len(records)} replies for {len(batch)} requests")
        log.debug("judge batch of %d in %.1fs", len(batch), time.perf_counter() - t0)
        return records


def make_stage(judge: JudgeConfig, engine: EngineConfig, generate: GenerateStage, chat_template: str) -> JudgeStage:
    """The judge stage of a build from ``--filters.judge.*`` and ``--engine.*``: the judge model defaults to the
    engine's (then the loaded engine is shared), and so does the chat template."""
    share = generate if judge.model is None else None
    cfg = engine if share is not None else dataclasses.replace(engine, model=judge.model, revision=judge.revision,
                                                              tokenizer=None)
    if judge.chat_template is not None:
        path = resource(Path(judge.chat_template))
        try:
            chat_template = path.read_text(encoding="utf-8")
        except OSError as err:
            from musicqa.errors import InputError

            raise InputError(f"--filters.judge.chat-template {judge.chat_template}: cannot read it "
                             f"({err.strerror or err})") from err
    prompt = JudgePrompt(resource(judge.prompts_dir), chat_template,
                         model=model_key(cfg.model, cfg.revision, cfg.structured_backend),
                         max_tokens=judge.max_tokens, max_reason_chars=judge.max_reason_chars)
    return JudgeStage(cfg, prompt, share)


def judge_items(stage: JudgeStage, clips: Sequence[Clip], kept: Mapping[str, Sequence[QAPair]],
                thresholds: tuple[float, float]) -> list[tuple[QAPair, PromptRequest]]:
    """(pair, its judge request) for every kept pair, clip by clip in build order; ``thresholds`` are the
    analysis confidences below which a fact was not given to the generation prompt (nor is to the judge)."""
    out = []
    for clip in clips:
        facts = audible(clip.facts, *thresholds)
        for pair in kept.get(clip.clip_id, ()):
            out.append((pair, stage.prompt.request(pair, clip, facts)))
    return out


def apply_judgements(items: Sequence[tuple[QAPair, PromptRequest]], done: Mapping[str, Mapping[str, Any]],
                     kept: dict[str, list[QAPair]], rejected: list[dict], summary: BuildSummary,
                     judged_now: int, model: str) -> None:
    """Drop from ``kept`` every pair its stored judgement fails, into ``rejected`` with the judge's reason."""
    status: Counter[str] = Counter()
    drops: Counter[str] = Counter()
    dropped: set[tuple[str, str, int]] = set()
    for pair, req in items:
        rec = done[req.key]
        judgement = parse_verdict(rec["text"], rec["finish_reason"])
        status[judgement.status] += 1
        if judgement.verdict.keep:
            continue
        reason = judgement.verdict.reason
        drops[reason] += 1
        dropped.add((pair.clip_id, pair.task, pair.index))
        rejected.append({"clip_id": pair.clip_id, "task": pair.task, "question": pair.question,
                         "answer": pair.answer, "reason": reason, "reasons": [reason],
                         "judge_reason": judgement.note})
    for clip_id, pairs in kept.items():
        kept[clip_id] = [p for p in pairs if (p.clip_id, p.task, p.index) not in dropped]
    summary.drops.update(drops)
    summary.pairs_kept -= sum(drops.values())
    summary.judge = {"model": model, "pairs": len(items), "kept": len(items) - sum(drops.values()),
                     "dropped": dict(sorted(drops.items())), "unparsed": status[UNPARSED], "judged_now": judged_now}
    stage_done("judge", len(items), len(items) - sum(drops.values()), drops, "pairs")
    if status[UNPARSED]:
        log.warning("judge: %d of %d replies were no verdict (kept their pairs; see %s)", status[UNPARSED],
                    len(items), STORE)
