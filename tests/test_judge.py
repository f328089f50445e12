"""The LLM judge's own parts (musicqa/judge.py): verdicts, the prompt and its resume key, the config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from musicqa.errors import InputError
from musicqa.judge import (
    JUDGE_CITES_SOURCE,
    JUDGE_EVASIVE,
    JUDGE_UNANSWERED,
    JUDGE_UNSUPPORTED,
    OK,
    REASONS,
    UNPARSED,
    JudgeConfig,
    JudgePrompt,
    parse_verdict,
    verdict_schema,
)
from musicqa.records import Clip, Facts, QAPair

GOOD = {"evasive": False, "cites_source": False, "answers_question": True, "supported": True,
        "reason": "It names the piano the caption gives."}
CHAT = (REPO / "prompts" / "chat" / "chatml.jinja").read_text()


def reply(**over) -> str:
    return json.dumps({**GOOD, **over})


@pytest.mark.parametrize(("over", "reason"), [
    ({"evasive": True, "reason": "It hands the question back."}, JUDGE_EVASIVE),
    ({"cites_source": True, "reason": "It quotes the tags."}, JUDGE_CITES_SOURCE),
    ({"answers_question": False, "reason": "It talks of the mood when asked for the tempo."}, JUDGE_UNANSWERED),
    ({"supported": False, "reason": "The caption gives no year."}, JUDGE_UNSUPPORTED),
])
def test_each_failing_check_drops_the_pair_with_its_cause_and_the_models_reason(over, reason):
    judgement = parse_verdict(reply(**over))
    assert judgement.status == OK and not judgement.verdict.keep
    assert judgement.verdict.reason == reason and reason in REASONS
    assert judgement.note == over["reason"]


def test_a_passing_verdict_keeps_the_pair():
    judgement = parse_verdict(reply())
    assert judgement.status == OK and judgement.verdict.keep and judgement.note == GOOD["reason"]


def test_an_evasive_answer_is_named_evasive_before_unanswered_and_the_reason_is_one_line():
    judgement = parse_verdict(reply(evasive=True, answers_question=False, supported=False,
                                    reason="Music is\n  subjective, it says."))
    assert judgement.verdict.reason == JUDGE_EVASIVE and judgement.note == "Music is subjective, it says."


@pytest.mark.parametrize(("text", "finish", "detail"), [
    ('{"evasive": false, "cites_sou', "length", "cut off"),
    ("Looks fine to me.", "stop", "Expecting value"),
    (json.dumps({**GOOD, "supported": "yes"}), "stop", "expected booleans"),
    (json.dumps([GOOD]), "stop", "expected booleans"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "reason"}), "stop", "reason string"),
])
def test_a_reply_that_is_no_verdict_keeps_the_pair_as_unparsed(text, finish, detail):
    judgement = parse_verdict(text, finish)
    assert judgement.status == UNPARSED and judgement.verdict.keep and detail in judgement.note


def test_the_schema_asks_for_every_check_and_a_bounded_reason():
    schema = verdict_schema(80)
    assert schema["required"] == ["evasive", "cites_source", "answers_question", "supported", "reason"]
    assert schema["properties"]["reason"]["maxLength"] == 80 and schema["additionalProperties"] is False


CLIP = Clip("musiccaps/x", "musiccaps", "x", "train", "A slow piano ballad {{ 7*7 }} with soft strings.",
            labels=("piano",))
PAIR = QAPair("musiccaps/x", "What is the tempo?", "Slow, about 60 BPM.", "open", "musiccaps_open.jinja", 0)
FACTS = Facts(tempo_bpm=61.4, tempo_confidence=0.9, key="D", mode="minor", key_strength=0.8, loudness_lufs=-18.2)


def prompt(folder: Path = REPO / "prompts" / "judge", model: str = "m@default+xgrammar") -> JudgePrompt:
    return JudgePrompt(folder, CHAT, model=model, max_tokens=128, max_reason_chars=200)


def test_the_request_quotes_the_context_facts_and_pair_literally_and_asks_for_the_schema():
    req = prompt().request(PAIR, CLIP, FACTS)
    system, user = req.messages
    assert system[0] == "system" and user[0] == "user"
    assert '"A slow piano ballad {{ 7*7 }} with soft strings."' in user[1]  # a value, never evaluated
    assert "tempo about 61 BPM" in user[1] and "key probably D minor" in user[1] and "-18 LUFS" in user[1]
    assert '"What is the tempo?"' in user[1] and '"Slow, about 60 BPM."' in user[1]
    assert req.task == "judge" and req.sampling.temperature == 0.0 and req.sampling.max_tokens == 128
    assert json.loads(req.json_schema) == verdict_schema(200)
    assert "Measured" not in prompt().request(PAIR, CLIP, None).messages[1][1]


def test_the_key_changes_with_the_pair_context_facts_model_and_prompt_but_not_otherwise(tmp_path):
    base = prompt().request(PAIR, CLIP, FACTS).key
    assert prompt().request(PAIR, CLIP, FACTS).key == base
    from dataclasses import replace

    folder = tmp_path / "judge"
    shutil.copytree(REPO / "prompts" / "judge", folder)
    assert prompt(folder).request(PAIR, CLIP, FACTS).key == base  # the same bytes are the same version
    (folder / "verdict.jinja").write_text((folder / "verdict.jinja").read_text() + "Be strict.\n")
    others = [prompt(folder).request(PAIR, CLIP, FACTS).key,
              prompt(model="other@default+xgrammar").request(PAIR, CLIP, FACTS).key,
              prompt().request(replace(PAIR, answer="Fast."), CLIP, FACTS).key,
              prompt().request(PAIR, replace(CLIP, text="A fast drum solo."), FACTS).key,
              prompt().request(PAIR, CLIP, replace(FACTS, tempo_bpm=140.0)).key,
              prompt().request(PAIR, CLIP, None).key]
    assert len({base, *others}) == 1 + len(others)


def test_a_missing_or_broken_template_is_one_line_naming_the_file(tmp_path):
    with pytest.raises(InputError, match="system.jinja: judge prompt template not found"):
        prompt(tmp_path)
    shutil.copytree(REPO / "prompts" / "judge", tmp_path / "j")
    (tmp_path / "j" / "verdict.jinja").write_text("{{ nothing_here }}")
    with pytest.raises(InputError, match="verdict.jinja: undefined template variable"):
        prompt(tmp_path / "j").request(PAIR, CLIP, None)


def test_the_judge_is_off_by_default_and_its_flags_are_checked_by_name():
    assert JudgeConfig().enabled is False and JudgeConfig().model is None
    with pytest.raises(ValueError, match="--filters.judge.max-tokens"):
        JudgeConfig(max_tokens=0)
    with pytest.raises(ValueError, match="--filters.judge.revision needs --filters.judge.model"):
        JudgeConfig(revision="abc")
    with pytest.raises(ValueError, match="--filters.judge.model: ./no-such-judge: no such folder"):
        JudgeConfig(model="./no-such-judge")
    assert JudgeConfig(model="org/judge-7b").model == "org/judge-7b"  # a hub id is not checked here


def test_every_judge_flag_has_help():
    import argparse

    from musicqa.cli import build as cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    text = parser._subparsers._group_actions[0].choices["build"].format_help()
    for flag in ("--filters.judge.enabled", "--no-filters.judge.enabled", "--filters.judge.model",
                 "--filters.judge.revision", "--filters.judge.chat-template", "--filters.judge.prompts-dir",
                 "--filters.judge.max-tokens", "--filters.judge.max-reason-chars", "--filters.judge.batch-size"):
        assert flag in text, flag
    assert "rate every pair the filters kept with an LLM" in " ".join(text.split())


def test_audit_refuses_the_judge_naming_the_flag(tmp_path):
    from musicqa.audit import AuditConfig
    from musicqa.filters import FiltersConfig

    with pytest.raises(ValueError, match="--filters.judge.enabled: the LLM judge runs in `build` only"):
        AuditConfig(out=tmp_path / "o.jsonl", filters=FiltersConfig(judge=JudgeConfig(enabled=True)))
