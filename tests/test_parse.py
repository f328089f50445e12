import json

from musicqa.parse import OK, PARSE_INVALID_JSON, PARSE_SCHEMA, PARSE_TRUNCATED, parse, schema_for
from musicqa.prompts import PAPER_QUESTIONS
from musicqa.records import Generation, PromptRequest, Sampling


def req(task: str) -> PromptRequest:
    return PromptRequest(key="k" * 24, clip_id="musiccaps/abcdefghijk", task=task, template=f"musiccaps_{task}.jinja",
                         template_hash="h", messages=(), sampling=Sampling(),
                         json_schema=schema_for(task, n_questions=4, n_pairs=5),
                         questions=PAPER_QUESTIONS if task == "fixed" else ())


def gen(text: str, finish: str = "stop", task: str = "fixed") -> Generation:
    return Generation(key="k" * 24, clip_id="musiccaps/abcdefghijk", task=task, text=text, finish_reason=finish,
                      model="m")


def test_fixed_answers_map_to_the_questions_in_order():
    answers = ["A slow piano piece.", "Soft piano, sad mood.", "A piano.", "It suits a rainy evening."]
    out = parse(gen(json.dumps({"answers": answers})), req("fixed"))
    assert out.status == OK
    assert [(p.question, p.answer, p.index) for p in out.pairs] == [
        (q, a, i) for i, (q, a) in enumerate(zip(PAPER_QUESTIONS, answers))]


def test_open_pairs_are_parsed_and_stripped():
    text = json.dumps({"pairs": [{"question": " What is the tempo? ", "answer": " Slow. "}]})
    out = parse(gen(text, task="open"), req("open"))
    assert out.status == OK and out.pairs[0].question == "What is the tempo?" and out.pairs[0].answer == "Slow."


def test_literal_newline_inside_a_string_is_accepted():
    out = parse(gen('{"answers": ["a\nb", "c", "d", "e"]}'), req("fixed"))
    assert out.status == OK and out.pairs[0].answer == "a\nb"


def test_rejections_have_reasons():
    assert parse(gen('{"answers": ["a", "b"', finish="length"), req("fixed")).status == PARSE_TRUNCATED
    assert parse(gen("1. Describe the audio: piano"), req("fixed")).status == PARSE_INVALID_JSON
    assert parse(gen('{"answers": ["only one"]}'), req("fixed")).status == PARSE_SCHEMA
    assert parse(gen('["a", "b", "c", "d"]'), req("fixed")).status == PARSE_SCHEMA
    assert parse(gen('{"pairs": []}', task="open"), req("open")).status == PARSE_SCHEMA
    assert parse(gen('{"pairs": [{"question": "q"}]}', task="open"), req("open")).status == PARSE_SCHEMA
