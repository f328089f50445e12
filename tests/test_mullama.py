import json

import pytest
from conftest import SAMPLE_DATA

from musicqa import mullama
from musicqa.errors import InputError


def test_written_records_read_back_and_the_seeds_eval_file_reads():
    records = [mullama.record("abc.wav", "What is the tempo?", "Slow."),
               {"audio_name": "x.wav", "conversation": mullama.conversation([("Q1", "A1"), ("Q2", "A2")])},
               {"audio_name": "y.wav", "conversation": [{"from": "user", "value": "Q"},
                                                        {"from": "assistant", "value": "A"}]}]
    assert records[0] == {"audio_name": "abc.wav", "conversation": [
        {"from": "human", "value": "What is the tempo?"}, {"from": "gpt", "value": "Slow."}]}
    assert [mullama.pairs_of(r) for r in records] == [[("What is the tempo?", "Slow.")], [("Q1", "A1"), ("Q2", "A2")],
                                                      [("Q", "A")]]
    seed = mullama.read(SAMPLE_DATA / "EvalMusicQA.json")
    assert len(seed) == 5040 and all(name.endswith(".wav") and q and a for name, q, a in seed)


def test_a_record_without_an_answer_names_its_item(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([mullama.record("a.wav", "Q", "A"),
                                {"audio_name": "b.wav", "conversation": [{"from": "human", "value": "Q"}]}]))
    with pytest.raises(InputError, match=r"bad.json: item 1: record has no answer"):
        mullama.read(path)
    assert mullama.pairs_of({"audio_name": "c.wav", "conversation": "nope"}) == "'conversation' is not a list of turns"
