"""Measured facts in the prompts (issue 23): the shared ``facts.jinja`` macro, and ``prompts/text-only``, the
templates before it, kept so that stores built with them resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from musicqa.parse import schema_for
from musicqa.prompts import PromptSet
from musicqa.records import Clip, Facts, Sampling

REPO = Path(__file__).resolve().parents[1]
DEFAULT, TEXT_ONLY = REPO / "prompts", REPO / "prompts" / "text-only"
TEMPLATES = sorted(p.name for p in DEFAULT.glob("*_*.jinja"))
VARIABLES = {"genres": ["rock"], "instruments": ["guitar"], "moods": ["dark"], "title": "T", "artist": "A",
             "captions": ["A slow piano piece."], "full_track": False, "n_items": 2}
FACTS = Facts(tempo_bpm=97.3, tempo_confidence=0.8, key="D", mode="minor", key_strength=0.9, loudness_lufs=-8.0,
              duration_s=10.0)


def clip(source: str = "musiccaps") -> Clip:
    return Clip(clip_id=f"{source}/abcdefghijk", source=source, source_id="abcdefghijk", split="train",
                text="A solo piano plays a slow, sad melody.", start_s=30.0, end_s=40.0)


def render(folder: Path, template: str, facts: Facts | None = None, source: str = "musiccaps"):
    task = template.rsplit("_", 1)[1].removesuffix(".jinja")
    return PromptSet(folder).render(clip(source), task, model="m@r", sampling=Sampling(), template=template,
                                    json_schema=schema_for(task, n_questions=4, n_pairs=5), variables=VARIABLES,
                                    facts=facts)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_tells_the_facts_as_a_listener_would(template):
    user = render(DEFAULT, template, FACTS).messages[1][1]
    tail = user[user.index("What I noticed by ear"):]
    assert "a moderate tempo of about 97 BPM" in tail and "probably in D minor" in tail
    assert "very loud overall level" in tail and "LUFS" not in user and "-8" not in user
    assert "never present them as a measurement" in tail
    assert user.rindex("My listening notes" if "notes" in user else "while listening") < user.index(tail)


@pytest.mark.parametrize("template", TEMPLATES)
def test_without_facts_the_prompt_text_is_the_text_only_one(template):
    """No facts (no audio, nothing confident) -> not a word about them: the text the LLM gets is unchanged."""
    assert render(DEFAULT, template).messages == render(TEXT_ONLY, template).messages
    assert render(DEFAULT, template, Facts(tempo_bpm=None, key=None)).messages == render(TEXT_ONLY, template).messages


def test_only_the_facts_given_are_told():
    user = render(DEFAULT, "musiccaps_fixed.jinja", Facts(tempo_bpm=150.0)).messages[1][1]
    assert "by ear: a fast tempo of about 150 BPM. Use" in user and "probably in" not in user and "level" not in user


def test_the_text_only_layout_keeps_the_keys_of_stores_built_before_issue_23():
    assert sorted(p.name for p in TEXT_ONLY.glob("*_*.jinja")) == TEMPLATES
    for name in ("system.jinja", "chat/chatml.jinja"):
        assert (TEXT_ONLY / name).read_text() == (DEFAULT / name).read_text()
    # keys computed with the default prompts/ of main before issue 23 (commit 0b414e7)
    assert render(TEXT_ONLY, "musiccaps_fixed.jinja").key == "f96abffd87444913fe553f49"
    assert render(TEXT_ONLY, "magnatagatune_open.jinja", source="magnatagatune").key != ""
    assert render(DEFAULT, "musiccaps_fixed.jinja").key != render(TEXT_ONLY, "musiccaps_fixed.jinja").key


def test_the_facts_macro_is_part_of_every_template_hash(tmp_path):
    import shutil

    shutil.copytree(DEFAULT, tmp_path / "p")
    before = PromptSet(tmp_path / "p").hash_of("musiccaps_fixed.jinja")
    (tmp_path / "p" / "facts.jinja").write_text((DEFAULT / "facts.jinja").read_text() + "{# edited #}\n")
    assert PromptSet(tmp_path / "p").hash_of("musiccaps_fixed.jinja") != before
