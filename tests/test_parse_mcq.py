"""The mcq task's schema and parsing: items with MuChoMusic's distractor kinds, or a parse_* reason."""

import json

import pytest

from musicqa.parse import OK, PARSE_INVALID_JSON, PARSE_SCHEMA, PARSE_TRUNCATED, parse, schema_for
from musicqa.parse_mcq import mcq_schema
from musicqa.records import DISTRACTOR_KINDS, Generation, PromptRequest, Sampling

ITEM = {"question": "Which instrument plays the solo?", "correct_answer": "Acoustic guitar",
        "incorrect_but_related": "Piano", "correct_but_unrelated": "A live concert hall recording",
        "incorrect_and_unrelated": "A soprano singer"}


def req(n_items: int = 2) -> PromptRequest:
    return PromptRequest(key="k" * 24, clip_id="musiccaps/abcdefghijk", task="mcq", template="musiccaps_mcq.jinja",
                         template_hash="h", messages=(), sampling=Sampling(),
                         json_schema=schema_for("mcq", n_questions=4, n_pairs=5, max_chars=300, n_items=n_items))


def gen(text: str, finish: str = "stop") -> Generation:
    return Generation(key="k" * 24, clip_id="musiccaps/abcdefghijk", task="mcq", text=text, finish_reason=finish,
                      model="m")


def test_items_parse_into_frozen_records_with_the_kinds_in_muchomusic_order():
    reply = json.dumps({"items": [ITEM, {**ITEM, "question": "What mood?", "correct_answer": "Heartfelt"}]})
    parsed = parse(gen(reply), req())
    assert parsed.status == OK and parsed.pairs == ()
    first, second = parsed.items
    assert first.options == ("Acoustic guitar", "Piano", "A live concert hall recording", "A soprano singer")
    assert first.distractor_kinds == DISTRACTOR_KINDS == (
        "incorrect_but_related", "correct_but_unrelated", "incorrect_and_unrelated")
    assert (second.index, second.correct_answer, second.template) == (1, "Heartfelt", "musiccaps_mcq.jinja")
    with pytest.raises(AttributeError):
        first.question = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("items", [
    [ITEM],  # one item where the schema asks for two
    [ITEM, {k: v for k, v in ITEM.items() if k != "correct_but_unrelated"}],  # a distractor kind left out
    [ITEM, {**ITEM, "incorrect_and_unrelated": "  "}],  # an empty option
    [ITEM, {**ITEM, "question": 3}],
])
def test_a_reply_breaking_the_schema_is_parse_schema(items):
    parsed = parse(gen(json.dumps({"items": items})), req())
    assert parsed.status == PARSE_SCHEMA and parsed.items == ()
    assert "expected 2 objects" in parsed.detail


def test_bad_json_and_truncation_keep_their_reasons():
    assert parse(gen('{"items": [', finish="length"), req()).status == PARSE_TRUNCATED
    assert parse(gen("not json"), req()).status == PARSE_INVALID_JSON


def test_schema_is_valid_and_accepts_exactly_the_shape_parse_accepts():
    jsonschema = pytest.importorskip("jsonschema")
    schema = mcq_schema(2, 300, 50)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate({"items": [ITEM, ITEM]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"items": [ITEM]}, schema)
    with pytest.raises(jsonschema.ValidationError):  # an option over --mcq.max-option-chars
        jsonschema.validate({"items": [ITEM, {**ITEM, "correct_but_unrelated": "x" * 51}]}, schema)


def test_fixed_and_open_schemas_are_unchanged_by_the_mcq_options():
    """Resume keys hash the schema text: adding the mcq task must not rerun fixed/open requests."""
    assert schema_for("open", n_questions=4, n_pairs=5, n_items=7) == schema_for("open", n_questions=4, n_pairs=5)
    assert schema_for("fixed", n_questions=4, n_pairs=5, max_option_chars=9) == schema_for(
        "fixed", n_questions=4, n_pairs=5)


def test_the_schema_asks_for_the_question_first_and_the_kinds_in_muchomusic_order():
    """A constrained decoder writes keys in schema order: the question must come before its answers."""
    props = json.loads(schema_for("mcq", n_questions=4, n_pairs=5))["properties"]["items"]["items"]["properties"]
    assert list(props) == ["question", "correct_answer", *DISTRACTOR_KINDS]
