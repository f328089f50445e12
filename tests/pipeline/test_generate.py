"""Engine batches: every executor makes the same engine calls, and a resumed build makes the rest of them.

A reply is reproducible only from the same engine call (vLLM's arithmetic may depend on the rest of the batch),
so these tests pin down the calls themselves: which requests, at which attempt, in which order.
"""

from __future__ import annotations

import json
from pathlib import Path

from test_stages import Scripted, clips_of, config

from musicqa.pipeline import Build
from musicqa.pipeline.generate import engine_batches, resume_state
from musicqa.pipeline.local import LocalExecutor


class Recording(Scripted):
    """``Scripted`` (fixed-task replies parse only from attempt 1) that remembers every call's requests."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[tuple[str, int]]] = []

    def generate(self, requests):
        self.calls.append([(r.key, r.attempt) for r in requests])
        return super().generate(requests)


def calls_and_records(build: Build, final=None, attempts=None) -> tuple[list, list[list[dict]]]:
    """The engine calls a local build makes from this store state, and each call's stored records."""
    engine = Recording()
    build.generate._engine = engine
    requests = build.render(clips_of(build))
    batches = engine_batches(requests, final or {}, attempts or {}, build.cfg.engine.batch_size)
    stored = [result.records for result in LocalExecutor().map_generate(build, batches)]
    return engine.calls, stored


def test_a_batch_is_a_fixed_slice_and_its_retries_are_calls_of_their_own(tmp_path):
    build = Build(config(tmp_path / "out", engine={"max_retries": 1, "batch_size": 5}))
    requests = build.render(clips_of(build))
    calls, _ = calls_and_records(build)
    slices = [[(r.key, 0) for r in requests[i:i + 5]] for i in range(0, len(requests), 5)]
    expected = []
    for s in slices:  # each slice, then its own fixed-task requests again at attempt 1, before the next slice
        expected.append(s)
        expected.append([(k, 1) for k, _ in s if any(r.key == k and r.task == "fixed" for r in requests)])
    assert calls == [c for c in expected if c]


def test_a_build_killed_after_any_call_resumes_with_exactly_the_calls_it_had_left(tmp_path):
    build = Build(config(tmp_path / "out", engine={"max_retries": 1, "batch_size": 4}))
    calls, stored = calls_and_records(build)
    assert len(calls) > 4 and any(a for call in calls for _, a in call)  # some calls are retries
    for done in range(len(calls) + 1):  # the store as a kill after `done` calls leaves it
        final, attempts = resume_state([rec for call in stored[:done] for rec in call], max_retries=1)
        rest, _ = calls_and_records(Build(build.cfg), final, attempts)
        assert rest == calls[done:], f"after {done} calls"


def test_stored_replies_say_which_machine_and_process_made_them(tmp_path):
    import os
    import socket

    build = Build(config(tmp_path / "out"))
    _, stored = calls_and_records(build)
    assert {(r["node"], r["pid"]) for call in stored for r in call} == {(socket.gethostname(), os.getpid())}
    build.generate.node = "ray-node-1"
    _, stored = calls_and_records(build)
    assert {r["node"] for call in stored for r in call} == {"ray-node-1"}
    json.dumps(stored)  # plain JSON, as the store writes it


def test_a_stage_copied_to_a_worker_in_another_folder_finds_relative_paths_from_the_build_folder(tmp_path,
                                                                                                 monkeypatch):
    import pickle

    from musicqa.pipeline.stages import AudioStage
    from musicqa.sources import get

    model = tmp_path / "models" / "tiny"
    model.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    build = Build(config(Path("out"), engine={"model": "models/tiny", "tokenizer": "hub-org/tokenizer"}))
    stage = AudioStage(Path("out"), 24000, 1.0, {"musiccaps": get("musiccaps")})
    elsewhere = tmp_path / "worker"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a Ray worker runs in its node's folder
    gen = pickle.loads(pickle.dumps(build.generate))
    cfg = gen._portable(gen.cfg)
    assert cfg.model == str(model) and cfg.tokenizer == "hub-org/tokenizer"  # a hub id stays an id
    audio = pickle.loads(pickle.dumps(stage))
    assert audio.at_root(Path("out") / "work") == tmp_path / "out" / "work"
    monkeypatch.chdir(tmp_path)
    assert gen._portable(gen.cfg) is gen.cfg and audio.at_root(Path("out")) == Path("out")  # at home: unchanged
