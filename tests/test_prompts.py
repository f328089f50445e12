import dataclasses
from pathlib import Path

import pytest

from musicqa.errors import InputError
from musicqa.parse import schema_for
from musicqa.prompts import PAPER_QUESTIONS, PromptSet
from musicqa.records import Clip, Sampling

REPO = Path(__file__).resolve().parents[1]


def clip(text: str = "A solo piano plays a slow, sad melody.", source: str = "musiccaps") -> Clip:
    return Clip(clip_id=f"{source}/abcdefghijk", source=source, source_id="abcdefghijk", split="train", text=text,
                start_s=30.0, end_s=40.0)


def render(ps: PromptSet, c: Clip, task: str = "fixed", **kw):
    return ps.render(c, task, model="m@r", sampling=Sampling(), json_schema=schema_for(task, n_questions=4, n_pairs=5),
                     **kw)


def test_fixed_prompt_holds_caption_and_the_four_paper_questions():
    req = render(PromptSet(REPO / "prompts"), clip())
    (role0, system), (role1, user) = req.messages
    assert (role0, role1) == ("system", "user")
    assert "A solo piano plays a slow, sad melody." in user
    for i, q in enumerate(PAPER_QUESTIONS, 1):
        assert f"{i}. {q}" in user
    assert req.questions == PAPER_QUESTIONS
    assert "10-second" in user


def test_jinja_syntax_inside_a_caption_is_rendered_literally():
    req = render(PromptSet(REPO / "prompts"), clip("Drums {{ 7*7 }} and {% if x %}bass{% endif %}"))
    user = req.messages[1][1]
    assert "{{ 7*7 }}" in user and "{% if x %}bass{% endif %}" in user
    assert "49" not in user


def test_open_prompt_asks_for_n_pairs_and_mtt_template_is_used_for_mtt():
    ps = PromptSet(REPO / "prompts")
    req = render(ps, clip("piano, classical, slow", source="magnatagatune"), task="open", n_pairs=3)
    assert req.template == "magnatagatune_open.jinja"
    assert "Write 3 question-answer pairs" in req.messages[1][1]
    assert req.questions == ()


def test_key_changes_with_template_content_but_not_with_unrelated_templates(tmp_path):
    import shutil

    shutil.copytree(REPO / "prompts", tmp_path / "p")
    a_fixed, a_open = render(PromptSet(tmp_path / "p"), clip()), render(PromptSet(tmp_path / "p"), clip(), "open")
    path = tmp_path / "p" / "musiccaps_fixed.jinja"
    path.write_text(path.read_text() + "Be concise.\n")
    b_fixed, b_open = render(PromptSet(tmp_path / "p"), clip()), render(PromptSet(tmp_path / "p"), clip(), "open")
    assert a_fixed.key != b_fixed.key and a_fixed.template_hash != b_fixed.template_hash
    assert a_open.key == b_open.key  # only the edited template's requests rerun


def test_undefined_variable_and_syntax_error_name_the_template(tmp_path):
    import shutil

    shutil.copytree(REPO / "prompts", tmp_path / "p")
    (tmp_path / "p" / "musiccaps_fixed.jinja").write_text("{{ no_such_variable }}")
    with pytest.raises(InputError, match="musiccaps_fixed.jinja: undefined template variable"):
        render(PromptSet(tmp_path / "p"), clip())
    (tmp_path / "p" / "musiccaps_fixed.jinja").write_text("{% for %}")
    with pytest.raises(InputError, match=r"musiccaps_fixed.jinja:1: template syntax error"):
        render(PromptSet(tmp_path / "p"), clip())


def test_sandbox_blocks_attribute_escapes_in_one_line_naming_the_template(tmp_path):
    import shutil

    from jinja2.exceptions import SecurityError

    shutil.copytree(REPO / "prompts", tmp_path / "p")
    (tmp_path / "p" / "musiccaps_fixed.jinja").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(InputError, match=r"p/musiccaps_fixed.jinja: template blocked by the sandbox: access to "
                                         r"attribute '__class__'") as err:
        render(PromptSet(tmp_path / "p"), clip())
    assert isinstance(err.value.__cause__, SecurityError) and "\n" not in str(err.value)


def test_missing_template_is_an_error_before_any_work(tmp_path):
    import shutil

    shutil.copytree(REPO / "prompts", tmp_path / "p")
    (tmp_path / "p" / "magnatagatune_open.jinja").unlink()
    with pytest.raises(InputError, match="magnatagatune_open.jinja: prompt template not found"):
        PromptSet(tmp_path / "p").template_names(["musiccaps", "magnatagatune"], ["fixed", "open"])


# the mcq task came after the caption-first layout (no store of it predates issue 12), so it has no old layout
LAYOUTS = sorted(p.name for p in (REPO / "prompts").glob("*_*.jinja") if not p.name.endswith("_mcq.jinja"))
MCQ_TEMPLATES = sorted(p.name for p in (REPO / "prompts").glob("*_mcq.jinja"))
# what a source's reader gives a template besides the text: two clips that differ in all of it
CLIP_VARIABLES = (
    {"genres": ["jazz"], "instruments": ["piano"], "moods": ["sad"], "full_track": False,
     "captions": ["Solo piano, slow and sad."]},
    {"genres": ["metal", "punk"], "instruments": ["guitar", "drums"], "moods": ["angry"], "full_track": True,
     "captions": ["Distorted guitars, fast drums.", "Shouted vocals over a wall of guitars."]},
)


def render_layout(folder: Path, template: str, n: int):
    c = dataclasses.replace(clip(("Solo piano, slow and sad.", "Distorted guitars, fast drums, shouted vocals.")[n]),
                            clip_id=f"musiccaps/{'ab'[n] * 11}", end_s=(40.0, 75.0)[n])
    task = template.rsplit("_", 1)[1].removesuffix(".jinja")
    return render(PromptSet(folder), c, task, template=template, variables=CLIP_VARIABLES[n])


def test_the_caption_first_layout_has_a_template_for_every_default_one():
    """--prompts-dir prompts/caption-first (the layout before issue 12) builds any source the default folder builds,
    so a store built with it resumes (it ships in the wheel too)."""
    first = REPO / "prompts" / "caption-first"
    assert sorted(p.name for p in first.glob("*_*.jinja")) == LAYOUTS
    assert (first / "system.jinja").read_text() == (REPO / "prompts" / "system.jinja").read_text()
    assert (first / "chat" / "chatml.jinja").read_text() == (REPO / "prompts" / "chat" / "chatml.jinja").read_text()


@pytest.mark.parametrize("template", LAYOUTS)
def test_default_requests_share_their_instructions_and_keep_the_clip_text(template):
    """With the clip's text after the instructions, two clips' prompts differ only in their last paragraph: vLLM's
    prefix cache computes the rest once. The clip-specific text is all there, as in the caption-first layout."""
    a, b = (render_layout(REPO / "prompts", template, n) for n in (0, 1))
    user_a, user_b = a.messages[1][1], b.messages[1][1]
    shared = user_a[:user_a.rindex("\n\n")]
    assert user_b.startswith(shared + "\n\n") and a.messages[0] == b.messages[0]
    for n, req in enumerate((a, b)):
        old = render_layout(REPO / "prompts" / "caption-first", template, n).messages[1][1]
        tail = req.messages[1][1][len(shared):]
        for detail in (*CLIP_VARIABLES[n]["captions"], *CLIP_VARIABLES[n]["genres"], "-second"):
            assert (detail in old) == (detail in tail) and detail not in shared, detail
    for req in (a, b):  # the same questions and reply format as the caption-first layout
        assert req.questions == render_layout(REPO / "prompts" / "caption-first", template, 0).questions
        assert 'Reply with JSON only: {"' in shared


def test_the_caption_first_layout_keeps_the_resume_keys_of_stores_built_before_issue_12():
    """Stores built with the old default templates (the caption first) resume with --prompts-dir prompts/caption-first:
    its keys are the ones computed before the default changed; the default layout's keys differ."""
    ps = PromptSet(REPO / "prompts" / "caption-first")
    assert render(ps, clip()).messages[1][1].startswith('My listening notes on a 10-second music clip:\n"A solo piano')
    assert render(ps, clip()).key == "e68d3a96e3bd460798867734"
    assert render(ps, clip(source="magnatagatune"), "open").key == "0332f789b354deb85320b564"
    assert render(PromptSet(REPO / "prompts"), clip()).key != render(ps, clip()).key


def test_there_is_an_mcq_template_per_source_kind():
    opens = sorted(n for n in LAYOUTS if n.endswith("_open.jinja"))
    assert [n.replace("_mcq", "_open") for n in MCQ_TEMPLATES] == opens


@pytest.mark.parametrize("template", MCQ_TEMPLATES)
def test_mcq_requests_share_their_instructions_and_end_with_the_clip_text(template):
    """As the fixed and open templates: the instructions (with the three distractor kinds) first, for the prefix
    cache, and all of the clip's text in the last paragraph."""
    a, b = (render(PromptSet(REPO / "prompts"), dataclasses.replace(
        clip(("Solo piano, slow and sad.", "Distorted guitars, fast drums, shouted vocals.")[n]),
        clip_id=f"musiccaps/{'ab'[n] * 11}", end_s=(40.0, 75.0)[n]), "mcq", template=template,
        variables={**CLIP_VARIABLES[n], "n_items": 2}) for n in (0, 1))
    user_a, user_b = a.messages[1][1], b.messages[1][1]
    shared = user_a[:user_a.rindex("\n\n")]
    assert user_b.startswith(shared + "\n\n")
    assert user_a.startswith("Write 2 multiple-choice questions")
    for kind in ("incorrect_but_related", "correct_but_unrelated", "incorrect_and_unrelated"):
        assert kind in shared
    for n, req in enumerate((a, b)):
        tail = req.messages[1][1][len(shared):]
        text = ("Solo piano, slow and sad.", "Distorted guitars, fast drums, shouted vocals.")[n]
        assert any(d in tail for d in (text, *CLIP_VARIABLES[n]["captions"], *CLIP_VARIABLES[n]["genres"]))
