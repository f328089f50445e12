"""The LLM judge through the whole build (``--filters.judge.enabled``): on a scripted engine (fast) it drops the
pairs its verdicts fail as judge_<cause> with the model's reason, resumes without judging a pair twice, and is
off by default; on the tiny model (real vLLM, constrained to the verdict schema) it gives the same verdicts under
the Ray executor as under the local one."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import MTT_FIXTURE, REPO, SAMPLE_DATA, override, read_jsonl, smoke_config

from musicqa.build import run_build
from musicqa.records import Generation

# Answers the scripted writer gives (per clip, made unique by its key) and what the scripted judge says of each.
OPEN_ANSWERS = {
    "Slow and even, with a steady pulse": None,
    "Hard to say, music is subjective": ("evasive", "It commits to nothing about the clip."),
    "The tags list a piano and strings": ("cites_source", "It reads out the tags."),
    "Recorded in 1987 by a string quartet": ("supported", "Neither the year nor the players are given."),
    "Garbled verdict follows for this one": "not json",
}
UNANSWERED = ("answers_question", "It describes the mood, not what was asked.")


def config(out: Path, **over):
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values = {"out": str(out), "sources": ["musiccaps", "magnatagatune"], "prompts_dir": str(REPO / "prompts"),
              "musiccaps": {"csv": str(SAMPLE_DATA / "musiccaps-public.csv"), "limit": 2},
              "magnatagatune": {"annotations": str(MTT_FIXTURE / "annotations_final.csv"), "limit": 2},
              "audio": {"text_only": True}, "engine": {"max_retries": 0}, "report": False,
              "filters": {"enabled": ["duplicate"], "classifier": False, "judge": {"enabled": True}}}
    override(values, over)
    return build(BuildConfig, values, "test")


def answer_of(user_message: str) -> str:
    return re.search(r'^Answer: "(.*)"$', user_message, re.MULTILINE).group(1)


class Scripted:
    """Writes the answers above for every clip, and judges them as the table above says (the last of the
    fixed task's answers does not answer its question). ``crash_on`` = n: the n-th judge call raises."""

    name, version = "scripted", "0"

    def __init__(self, crash_on: int = 0) -> None:
        self.crash_on = crash_on
        self.judge_calls = 0
        self.judged: list[str] = []  # keys of the judge requests, in the order they came
        self.generated: list[str] = []

    def generate(self, requests):
        if requests and requests[0].task == "judge":
            return self.judge(requests)
        out = []
        for r in requests:
            self.generated.append(r.key)
            if r.task == "fixed":
                answers = [f"A calm piano piece, part {i} of {r.key[:6]}." for i in range(len(r.questions) - 1)]
                text = json.dumps({"answers": [*answers, f"It feels wistful overall, {r.key[:6]}."]})
            else:
                pairs = [{"question": f"Question {i}?", "answer": f"{a}, {r.key[:6]}."}
                         for i, a in enumerate(OPEN_ANSWERS)]
                text = json.dumps({"pairs": pairs})
            out.append(Generation(r.key, r.clip_id, r.task, text, "stop", "scripted", r.attempt))
        return out

    def judge(self, requests):
        self.judge_calls += 1
        if self.judge_calls == self.crash_on:
            raise RuntimeError("killed mid-stage")
        out = []
        for r in requests:
            assert r.task == "judge" and json.loads(r.json_schema)["required"][-1] == "reason"
            self.judged.append(r.key)
            answer = answer_of(r.messages[-1][1])
            said = UNANSWERED if "wistful" in answer else next(
                (v for k, v in OPEN_ANSWERS.items() if answer.startswith(k)), None)
            if said == "not json":
                text = "I think this pair is fine"
            else:
                verdict = {"evasive": False, "cites_source": False, "answers_question": True, "supported": True,
                           "reason": "Fits the caption."}
                if said:
                    verdict[said[0]] = said[0] in ("evasive", "cites_source")
                    verdict["reason"] = said[1]
                text = json.dumps(verdict)
            out.append(Generation(r.key, r.clip_id, r.task, text, "stop", "scripted", r.attempt))
        return out

    def close(self) -> None:
        pass



CLIPS = 4
EXPECTED = {"judge_evasive": CLIPS, "judge_cites_source": CLIPS, "judge_unsupported": CLIPS,
            "judge_unanswered": CLIPS}


def test_the_judge_drops_failing_pairs_as_judge_cause_with_the_models_reason(tmp_path):
    from datasets import load_dataset

    out = tmp_path / "out"
    engine = Scripted()
    summary = run_build(config(out), engine=engine)
    assert {r: n for r, n in summary.drops.items() if r.startswith("judge_")} == EXPECTED
    pairs = CLIPS * (4 + len(OPEN_ANSWERS))
    assert summary.pairs_generated == pairs and summary.pairs_kept == pairs - 4 * CLIPS
    assert summary.judge == {"model": "mosaicml/mpt-7b-chat@default+xgrammar", "pairs": pairs,
                             "kept": pairs - 4 * CLIPS, "dropped": EXPECTED, "unparsed": CLIPS,
                             "judged_now": pairs}
    assert json.loads((out / "summary.json").read_text())["judge"] == summary.judge

    rejected = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"].startswith("judge_")]
    assert len(rejected) == 4 * CLIPS
    said = {r["reason"]: r["judge_reason"] for r in rejected}
    assert said == {"judge_evasive": "It commits to nothing about the clip.",
                    "judge_cites_source": "It reads out the tags.",
                    "judge_unsupported": "Neither the year nor the players are given.",
                    "judge_unanswered": UNANSWERED[1]}

    kept = [p["answer"] for c in ("musiccaps", "magnatagatune")
            for split in load_dataset(str(out), c).values() for qa in split["qa"] for p in qa]
    assert len(kept) == pairs - 4 * CLIPS
    assert not any(a.startswith(("Hard to say", "The tags", "Recorded in", "It feels wistful")) for a in kept)
    assert sum(a.startswith("Garbled") for a in kept) == CLIPS  # a reply that is no verdict keeps its pair

    stored = read_jsonl(out / "work" / "judgements.jsonl")
    assert len(stored) == pairs and {r["key"] for r in stored} == set(engine.judged)
    assert all(r["question"] and r["answer"] and r["prompt_version"] for r in stored)
    card = (out / "README.md").read_text()
    assert "`judge_cites_source`: the LLM judge found the answer citing a text source" in card
    assert f"mosaicml/mpt-7b-chat@default+xgrammar rated the\n{pairs} pairs the filters kept" in card
    from musicqa.cli.build import summary_lines

    assert f"judge: {pairs - 4 * CLIPS} of {pairs} pairs kept by mosaicml/mpt-7b-chat@default+xgrammar ({pairs} " \
        f"judged now, {CLIPS} replies were no verdict)" in "\n".join(summary_lines(out, summary))


def test_the_judge_is_off_by_default(tmp_path):
    out = tmp_path / "out"
    engine = Scripted()
    summary = run_build(config(out, filters__judge__enabled=False), engine=engine)
    assert engine.judge_calls == 0 and summary.judge == {} and not (out / "work" / "judgements.jsonl").exists()
    assert not any(r.startswith("judge_") for r in summary.drops)


def test_a_build_killed_mid_judge_resumes_without_judging_a_pair_twice(tmp_path):
    reference = run_build(config(tmp_path / "whole", filters__judge__batch_size=5), engine=Scripted())

    out = tmp_path / "out"
    first = Scripted(crash_on=3)  # two batches of five stored, the third lost with the process
    with pytest.raises(RuntimeError, match="killed mid-stage"):
        run_build(config(out, filters__judge__batch_size=5), engine=first)
    assert len(read_jsonl(out / "work" / "judgements.jsonl")) == 10

    second = Scripted()
    summary = run_build(config(out, filters__judge__batch_size=5), engine=second)
    assert second.generated == []  # the replies were stored before the judge started
    assert set(first.judged) & set(second.judged) == set()
    assert len(second.judged) == reference.judge["pairs"] - 10 == summary.judge["judged_now"]
    stored = [r["key"] for r in read_jsonl(out / "work" / "judgements.jsonl")]
    assert len(stored) == len(set(stored)) == reference.judge["pairs"]
    assert {**summary.judge, "judged_now": 0} == {**reference.judge, "judged_now": 0}
    assert read_jsonl(out / "rejected.jsonl") == read_jsonl(tmp_path / "whole" / "rejected.jsonl")

    third = Scripted()
    run_build(config(out, filters__judge__batch_size=5), engine=third)
    assert third.judged == [] and third.generated == []  # a finished build judges nothing again


def test_a_new_judge_prompt_judges_again(tmp_path):
    out = tmp_path / "out"
    run_build(config(out), engine=Scripted())
    prompts = tmp_path / "judge-prompts"
    shutil.copytree(REPO / "prompts" / "judge", prompts)
    (prompts / "verdict.jinja").write_text((prompts / "verdict.jinja").read_text() + "Be brief.\n")
    engine = Scripted()
    summary = run_build(config(out, filters__judge__prompts_dir=str(prompts)), engine=engine)
    assert len(engine.judged) == summary.judge["pairs"] and engine.generated == []


def test_another_judge_model_is_loaded_on_its_own_engine(tiny_models, tmp_path):
    """--filters.judge.model: generation stays on the build's (scripted) engine, the judge loads the tiny model on
    the transformers engine; without xgrammar its replies are unconstrained word salad, kept as unparsed."""
    pytest.importorskip("transformers", reason="transformers is a dependency: pip install -e .")
    out = tmp_path / "out"
    engine = Scripted()
    model = str(tiny_models / "tiny-mpt-chat")
    summary = run_build(config(out, musiccaps__limit=1, magnatagatune__limit=0, engine__name="transformers",
                               filters__judge__model=model, filters__judge__max_tokens=8), engine=engine)
    assert engine.judge_calls == 0 and engine.generated  # the scripted engine only generated
    stored = read_jsonl(out / "work" / "judgements.jsonl")
    assert len(stored) == summary.judge["pairs"] == summary.pairs_generated > 0
    assert {r["model"] for r in stored} == {model} and {r["engine"] for r in stored} == {"transformers"}
    assert summary.judge["model"] == f"{model}@default+xgrammar"
    assert summary.judge["kept"] + sum(summary.judge["dropped"].values()) == summary.judge["pairs"]


def judged_by_tiny_model(out: Path) -> dict[str, str]:
    return {r["key"]: r["text"] for r in read_jsonl(out / "work" / "judgements.jsonl")}


TINY = {"filters__enabled": [], "filters__judge__enabled": True, "filters__judge__max_reason_chars": 24,
        "filters__judge__max_tokens": 96, "musiccaps__limit": 1, "magnatagatune__limit": 1,
        "filters__judge__batch_size": 4}


class KilledOnJudgeCall:
    """The real engine, with the process "killed" (an exception) at its ``n``-th judge call: fault injection."""

    def __init__(self, engine, n: int) -> None:
        self.engine, self.n, self.calls = engine, n, 0
        self.name, self.version = engine.name, engine.version

    def generate(self, requests):
        if requests and requests[0].task == "judge":
            self.calls += 1
            if self.calls == self.n:
                raise RuntimeError("killed mid-judge")
        return self.engine.generate(requests)

    def close(self) -> None:
        pass


def test_the_tiny_model_judges_under_the_schema_and_resumes_after_a_kill(tiny_models, smoke_dirs, vllm_engine,
                                                                       tmp_path):
    """Real vLLM on the tiny random MPT: its verdicts are word salad, so this checks the mechanics (every kept pair
    judged once, stored, parsed into a keep or a judge_<cause>, the same after a kill), not their quality."""
    from musicqa.judge import parse_verdict

    out = tmp_path / "dataset"
    with pytest.raises(RuntimeError, match="killed mid-judge"):
        run_build(smoke_config(tiny_models, smoke_dirs, out, **TINY), engine=KilledOnJudgeCall(vllm_engine, 2))
    assert len(judged_by_tiny_model(out)) == TINY["filters__judge__batch_size"]  # the first batch was stored
    summary = run_build(smoke_config(tiny_models, smoke_dirs, out, **TINY), engine=vllm_engine)
    stored = [r["key"] for r in read_jsonl(out / "work" / "judgements.jsonl")]
    assert len(stored) == len(set(stored)) == summary.judge["pairs"] == summary.pairs_generated > 4
    assert summary.judge["judged_now"] == summary.judge["pairs"] - 4

    judged = judged_by_tiny_model(out)
    parsed = [parse_verdict(t) for t in judged.values()]
    assert sum(j.status == "ok" for j in parsed) >= len(parsed) // 2  # the schema holds the decoder to booleans
    rejected = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"].startswith("judge_")]
    assert len(rejected) == sum(summary.judge["dropped"].values()) == sum(not j.verdict.keep for j in parsed)

    (tmp_path / "whole" / "work").mkdir(parents=True)  # the same replies, judged in one uninterrupted run
    shutil.copy(out / "work" / "generations.jsonl", tmp_path / "whole" / "work" / "generations.jsonl")
    whole = run_build(smoke_config(tiny_models, smoke_dirs, tmp_path / "whole", **TINY), engine=vllm_engine)
    assert whole.generated_now == 0 and whole.judge["judged_now"] == whole.judge["pairs"]
    assert judged_by_tiny_model(tmp_path / "whole") == judged  # the kill changed no verdict
    assert {**whole.judge, "judged_now": 0} == {**summary.judge, "judged_now": 0}


@pytest.mark.slow
def test_the_ray_executor_gives_the_same_verdicts_as_the_local_one(tiny_models, smoke_dirs, vllm_engine, tmp_path):
    pytest.importorskip("ray", reason="ray is not installed: bash scripts/install.sh test installs the [ray] extra")
    import ray

    local = run_build(smoke_config(tiny_models, smoke_dirs, tmp_path / "local", **TINY), engine=vllm_engine)
    remote = run_build(smoke_config(tiny_models, smoke_dirs, tmp_path / "ray", executor="ray", **TINY))
    assert not ray.is_initialized()
    assert judged_by_tiny_model(tmp_path / "ray") == judged_by_tiny_model(tmp_path / "local")
    assert len(judged_by_tiny_model(tmp_path / "local")) == local.judge["pairs"] > 0
    assert remote.judge == local.judge
    assert {r["pid"] for r in read_jsonl(tmp_path / "ray" / "work" / "judgements.jsonl")} != {os.getpid()}  # on actors
    assert read_jsonl(tmp_path / "ray" / "rejected.jsonl") == read_jsonl(tmp_path / "local" / "rejected.jsonl")
