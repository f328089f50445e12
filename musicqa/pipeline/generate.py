"""Generation: a batch of requests -> stored reply records, with the retry decision made per batch.

The pieces the generate step (``executor.GenerateStep``) wires together, so that none is copied per executor:

- ``resume_state(records)``: from the records already stored (any executor, any number of files), which
  keys are final and which attempt each unfinished key is on;
- ``pending(requests, ...)``: the requests still to send, each at its next attempt;
- ``engine_batches(requests, ...)``: those cut into the batches every executor sends, at fixed places;
- ``GenerateStage(batch)``: engine -> parse -> one stored record per reply, plus the requests to send again
  (a reply that failed to parse gets a new seed, at most ``max_retries`` times);
- ``GenerateStage.run(batch)``: the engine calls of one batch: the batch, then its own retries.

The step appends ``BatchResult.records`` durably, on the driver, before it takes the next result; that append
and the store it goes to are the step's, so the stage itself pickles and runs anywhere.

Why a batch, and not only a request, is fixed: vLLM's arithmetic may depend on what else is in the step (batch
shape, a prefix-cache hit on KV computed in another batch), so a reply is reproducible only from the same engine
call. Both executors therefore make the same calls: the same slices of the request list, each with its own
retries, in the same order, on an engine whose prefix cache is emptied before every call (``VllmEngine``). Which
replica makes a call, and when, then changes nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
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


def engine_batches(requests: Sequence[PromptRequest], final: Mapping[str, Any], attempts: Mapping[str, int],
                   size: int) -> list[list[PromptRequest]]:
    """The pending requests as engine batches: slice i of the whole request list, less its final keys.

    The list is cut before the done keys are removed, so a batch is the same whatever a killed run stored: a slice
    whose first call was stored comes back as exactly the retries that call left, as in an uninterrupted run.
    """
    batches = []
    for start in range(0, len(requests), size):
        batch = pending(requests[start:start + size], final, attempts)
        if batch:
            batches.append(batch)
    return batches


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
        self.node: str | None = None  # where the replies are made (a Ray node id); None: this machine's name
        self.root = Path.cwd()  # where the build started: a relative model folder is a folder from here

    def __getstate__(self) -> dict[str, Any]:
        # An engine never travels: each worker (a Ray actor) loads its own on its first batch.
        return {**self.__dict__, "_engine": None, "_owns_engine": True}

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from musicqa.engines import make_engine

            self._engine = make_engine(self._portable(self.cfg), self.chat_template)
            self._owns_engine = True
        return self._engine

    def _portable(self, cfg: EngineConfig) -> EngineConfig:
        """``cfg`` with a relative model/tokenizer folder made absolute when running outside ``root`` (a Ray worker);
        a hub id, which is no folder there, stays as it is."""
        if Path.cwd() == self.root:
            return cfg
        folders = {k: str(self.root / v) for k in ("model", "tokenizer")
                   if (v := getattr(cfg, k)) and not Path(v).is_absolute() and (self.root / v).exists()}
        return dataclasses.replace(cfg, **folders) if folders else cfg

    def close(self) -> None:
        """Free the engine if this stage loaded it (a shared engine passed in stays open)."""
        if self._engine is not None and self._owns_engine:
            self._engine.close()
            self._engine = None

    def run(self, batch: Sequence[PromptRequest]) -> Iterator[BatchResult]:
        """The engine calls of one batch: the batch, then each round of its own retries, as long as any is left.

        Every executor sends a batch through here, so each call's requests depend on that batch alone (never on
        what another batch left to retry), which is what lets any replica take any batch.
        """
        while batch:
            result = self(batch)
            yield result
            batch = result.retry  # bounded: each request is retried at most max_retries times

    def __call__(self, batch: Sequence[PromptRequest]) -> BatchResult:
        t0 = time.perf_counter()
        engine = self.engine
        where = {"node": self.node or socket.gethostname(), "pid": os.getpid()}
        gens = engine.generate(list(batch))
        records: list[dict[str, Any]] = []
        done: dict[str, dict[str, Any]] = {}
        retry: list[PromptRequest] = []
        for req, gen in zip(batch, gens, strict=True):  # engines return replies in request order
            parsed = parse(gen, req)
            rec = generation_record(gen, status=parsed.status, template=req.template,
                                    template_hash=req.template_hash, sampling=dataclasses.asdict(req.sampling),
                                    engine=engine.name, engine_version=engine.version, revision=self.cfg.revision,
                                    **where)
            records.append(rec)
            if parsed.status == OK or req.attempt >= self.cfg.max_retries:
                done[req.key] = rec
            else:
                retry.append(dataclasses.replace(req, attempt=req.attempt + 1))
        log.debug("batch of %d in %.1fs, %d output tokens", len(batch), time.perf_counter() - t0,
                  sum(g.n_output_tokens for g in gens))
        return BatchResult(records, done, retry)
