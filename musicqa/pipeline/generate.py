"""Generation: a batch of requests -> stored reply records, with the retry decision made per batch.

The pieces an executor wires together, so that none of them is copied per executor:

- ``resume_state(records)``: from the records already stored (any executor, any number of files), which
  keys are final and which attempt each unfinished key is on;
- ``pending(requests, ...)``: the requests still to send, each at its next attempt;
- ``GenerateStage(batch)``: engine -> parse -> one stored record per reply, plus the requests to send again
  (a reply that failed to parse gets a new seed, at most ``max_retries`` times).

The executor appends ``BatchResult.records`` durably before it starts the next batch; that append and
the store it goes to are the executor's, so the stage itself pickles and runs anywhere.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from musicqa.engines.base import EngineConfig
from musicqa.parse import OK, Parsed, parse
from musicqa.records import Generation, PromptRequest
from musicqa.store import generation_record

log = logging.getLogger(__name__)


def resume_state(records: Iterable[Mapping[str, Any]], max_retries: int) -> tuple[dict[str, dict], dict[str, int]]:
    """From stored records: key -> its accepted record (ok, or its last failure once retries ran out),
    and key -> the attempt it is on."""
    final: dict[str, dict] = {}
    attempts: dict[str, int] = {}
    for rec in records:
        key = rec["key"]
        if key in final and final[key]["status"] == OK:
            continue  # a key's first OK reply is the one that counts; later duplicates are ignored
        attempts[key] = max(attempts.get(key, 0), rec["attempt"] + 1)
        if rec["status"] == OK or rec["attempt"] >= max_retries:
            final[key] = dict(rec)
    return final, attempts


def pending(requests: Sequence[PromptRequest], final: Mapping[str, Any],
            attempts: Mapping[str, int]) -> list[PromptRequest]:
    """The requests without a final record, each set to the attempt it is on."""
    return [dataclasses.replace(r, attempt=attempts.get(r.key, 0)) for r in requests if r.key not in final]


def stored_reply(rec: Mapping[str, Any], req: PromptRequest) -> Parsed:
    """Re-parse a stored reply (parsing is deterministic, so bundling needs no engine)."""
    gen = Generation(key=rec["key"], clip_id=rec["clip_id"], task=rec["task"], text=rec["text"],
                     finish_reason=rec["finish_reason"], model=rec["model"], attempt=rec["attempt"])
    return parse(gen, req)


@dataclass(frozen=True)
class BatchResult:
    """What one engine call on a batch produced."""

    records: list[dict[str, Any]]  # one per reply, in batch order: what the store gets
    done: dict[str, dict[str, Any]]  # key -> record for requests now final (ok, or out of retries)
    retry: list[PromptRequest]  # the other requests, at their next attempt


class GenerateStage:
    """Requests -> replies -> stored records; holds one engine, created on first use where the stage runs."""

    def __init__(self, cfg: EngineConfig, chat_template: str, engine: Any = None) -> None:
        self.cfg = cfg
        self.chat_template = chat_template
        self._engine = engine
        self._owns_engine = engine is None

    def __getstate__(self) -> dict[str, Any]:
        # An engine never travels: each worker (a Ray actor) loads its own on its first batch.
        return {**self.__dict__, "_engine": None, "_owns_engine": True}

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from musicqa.engines import make_engine

            self._engine = make_engine(self.cfg, self.chat_template)
            self._owns_engine = True
        return self._engine

    def close(self) -> None:
        """Free the engine if this stage loaded it (a shared engine passed in stays open)."""
        if self._engine is not None and self._owns_engine:
            self._engine.close()
            self._engine = None

    def __call__(self, batch: Sequence[PromptRequest]) -> BatchResult:
        t0 = time.perf_counter()
        engine = self.engine
        gens = engine.generate(list(batch))
        records: list[dict[str, Any]] = []
        done: dict[str, dict[str, Any]] = {}
        retry: list[PromptRequest] = []
        for req, gen in zip(batch, gens, strict=True):  # engines return replies in request order
            parsed = parse(gen, req)
            rec = generation_record(gen, status=parsed.status, template=req.template,
                                    template_hash=req.template_hash, sampling=dataclasses.asdict(req.sampling),
                                    engine=engine.name, engine_version=engine.version, revision=self.cfg.revision)
            records.append(rec)
            if parsed.status == OK or req.attempt >= self.cfg.max_retries:
                done[req.key] = rec
            else:
                retry.append(dataclasses.replace(req, attempt=req.attempt + 1))
        log.debug("batch of %d in %.1fs, %d output tokens", len(batch), time.perf_counter() - t0,
                  sum(g.n_output_tokens for g in gens))
        return BatchResult(records, done, retry)
