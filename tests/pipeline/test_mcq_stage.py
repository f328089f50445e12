"""The mcq task through the whole local build, on a scripted engine (fast, no model): items are generated under
the schema, checked, bundled into the ``mcq`` column, counted with the length cue, shown by the card and report."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import MTT_FIXTURE, REPO, SAMPLE_DATA, read_jsonl, smoke_config

from musicqa.build import run_build
from musicqa.parse_mcq import n_items_of
from musicqa.records import DISTRACTOR_KINDS, Generation


def config(out: Path, tasks: list[str], **over):
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values = {"out": str(out), "sources": ["musiccaps", "magnatagatune"], "prompts_dir": str(REPO / "prompts"),
              "musiccaps": {"csv": str(SAMPLE_DATA / "musiccaps-public.csv"), "limit": 3},
              "magnatagatune": {"annotations": str(MTT_FIXTURE / "annotations_final.csv"), "limit": 3},
              "audio": {"text_only": True}, "engine": {"max_retries": 1}, "report": False,
              "filters": {"enabled": ["leak", "duplicate"], "classifier": False},
              "prompts": {"tasks": tasks}, **over}
    return build(BuildConfig, values, "test")


def clip_text(user_message: str) -> str:
    """The clip's caption or tags: the last line of the user prompt (the templates put them last)."""
    last = user_message.strip().splitlines()[-1]
    return last.rsplit("clip: ", 1)[-1].strip('".')


class Scripted:
    """Per clip: a good item built from the clip's own words, and an item with two equal options. Clips whose
    text has "bad" in ``broken`` get a reply breaking the schema on every attempt."""

    name, version = "scripted", "0"

    def __init__(self, broken: str = "") -> None:
        self.broken = broken
        self.requests: list = []

    def generate(self, requests):
        out = []
        for r in requests:
            self.requests.append(r)
            if r.task == "fixed":
                answers = [f"A calm piano piece, part {i} of {r.key[:6]}." for i in range(len(r.questions))]
                text = json.dumps({"answers": answers})
            elif r.task == "open":
                pair = {"question": "What is the tempo?", "answer": f"Slow and even, {r.key[:6]}."}
                text = json.dumps({"pairs": [pair]})
            elif self.broken and self.broken in r.clip_id:
                text = json.dumps({"items": [{"question": "Which instrument?", "correct_answer": "Piano"}]})
            else:
                # the clip's own words, as prose (a tag list recited verbatim is a leak: mcq_leak)
                w = [x.strip(",.") for x in clip_text(r.messages[-1][1]).split()]
                words = f"Mostly {w[0]} with {w[1]} and {w[2]}"
                good = {"question": "What stands out in this clip?", "correct_answer": words,
                        "incorrect_but_related": "A kazoo ensemble", "correct_but_unrelated": f"Heard: {words}",
                        "incorrect_and_unrelated": "Bagpipes"}
                dup = {**good, "incorrect_and_unrelated": words.upper()}
                text = json.dumps({"items": [good, dup][:n_items_of(r)]})
            out.append(Generation(r.key, r.clip_id, r.task, text, "stop", "scripted", r.attempt))
        return out

    def close(self) -> None:
        pass



def test_mcq_items_reach_the_dataset_card_and_report(tmp_path):
    from datasets import Audio, load_dataset

    from musicqa.report import write_report

    out = tmp_path / "out"
    summary = run_build(config(out, ["fixed", "open", "mcq"]), engine=Scripted())
    clips = sum(sum(s.values()) for s in summary.clips.values())
    assert summary.mcq["items_generated"] == 2 * clips
    assert summary.mcq["items_kept"] == clips  # every duplicate-option item dropped, every good one kept
    assert summary.drops["mcq_duplicate_option"] == clips
    assert summary.mcq["correct_longest_share_kept"] == 0.0  # "Heard: <words>" is longer than the answer
    assert json.loads((out / "summary.json").read_text())["mcq"] == summary.mcq

    ds = load_dataset(str(out), "musiccaps", split="train").cast_column("audio", Audio(decode=False))
    item = ds[0]["mcq"][0]
    assert item["question"] == "What stands out in this clip?"
    assert item["distractors"][0] == "A kazoo ensemble" and item["distractor_kinds"] == list(DISTRACTOR_KINDS)
    assert {p["task"] for p in ds[0]["qa"]} == {"fixed", "open"}

    rejected = [r for r in read_jsonl(out / "rejected.jsonl") if r["task"] == "mcq"]
    assert {r["reason"] for r in rejected} == {"mcq_duplicate_option"} and len(rejected[0]["distractors"]) == 3
    card = (out / "README.md").read_text()
    assert "## Multiple-choice items" in card and "the correct option is strictly the longest" in card
    assert "`mcq_duplicate_option`" in card

    from musicqa.cli.build import summary_lines

    assert f"mcq: {clips} multiple-choice items kept of {2 * clips}; the correct option is the longest in 0% of them" \
        in "\n".join(summary_lines(out, summary))
    page = write_report(out).read_text()
    assert "A kazoo ensemble" in page and "incorrect but related" in page


def test_adding_mcq_to_a_built_folder_generates_only_the_mcq_requests(tmp_path):
    out = tmp_path / "out"
    first = run_build(config(out, ["fixed", "open"]), engine=Scripted())
    assert first.mcq == {}
    from datasets import load_dataset

    assert "mcq" not in load_dataset(str(out), "musiccaps", split="train").column_names
    engine = Scripted()
    second = run_build(config(out, ["fixed", "open", "mcq"], mcq={"per_clip": 1}), engine=engine)
    assert {r.task for r in engine.requests} == {"mcq"}  # fixed/open keys unchanged: their replies are reused
    assert second.generated_now == sum(sum(s.values()) for s in second.clips.values())
    assert second.mcq["items_generated"] == second.mcq["items_kept"]  # one item per clip: the good one


def test_a_reply_breaking_the_schema_is_retried_then_recorded_as_failed(tmp_path):
    out = tmp_path / "out"
    summary = run_build(config(out, ["mcq"]), engine=Scripted(broken="musiccaps/"))
    failed = [f for f in read_jsonl(out / "failed_generations.jsonl") if f["task"] == "mcq"]
    assert failed and {f["status"] for f in failed} == {"parse_schema"}
    assert {f["attempts"] for f in failed} == {2}  # the first try and --engine.max-retries 1
    assert summary.failed["parse_schema"] == len(failed)
    assert "musiccaps" not in summary.clips and summary.clips["magnatagatune"]  # mcq-only rows still bundle


def test_smoke_build_with_the_tiny_model_gives_an_mcq_column(tiny_models, smoke_dirs, vllm_engine, tmp_path):
    """`--tasks fixed open mcq` as configs/smoke.toml runs it (vLLM, tiny random MPT). Its word salad rarely
    passes the schema (an option of spaces breaks it), so this checks the column and the counts, not the items."""
    from datasets import load_dataset

    out = tmp_path / "dataset"
    cfg = smoke_config(tiny_models, smoke_dirs, out, prompts__tasks=["fixed", "open", "mcq"], musiccaps__limit=2,
                       magnatagatune__limit=2, mcq__per_clip=1)
    summary = run_build(cfg, engine=vllm_engine)
    first_tries = [r for r in read_jsonl(out / "work" / "generations.jsonl") if r["attempt"] == 0]
    assert sum(r["task"] == "mcq" for r in first_tries) == summary.requests // 3 > 0  # one key per clip and task
    config = next(iter(summary.clips))
    ds = load_dataset(str(out), config, split=next(iter(summary.clips[config])))
    assert "mcq" in ds.column_names
    assert sum(len(r) for r in ds["mcq"]) <= summary.mcq["items_kept"] <= summary.mcq["items_generated"]
    assert set(summary.mcq) == {"per_clip", "items_generated", "items_kept", "correct_longest_share_generated",
                                "correct_longest_share_kept"}
