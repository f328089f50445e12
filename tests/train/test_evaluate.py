"""musicqa.train.evaluate (`-m musicqa.evaluate`): BLEU-1..4 and B-U, METEOR, ROUGE-L, BERTScore; --compat mullama."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musicqa.train import evaluate as ev

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def tiny_bert(tiny_models, tmp_path_factory) -> Path:
    """A random-initialised 2-layer BERT with the tiny tokenizer: BERTScore's code path without a hub."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    tok = AutoTokenizer.from_pretrained(tiny_models / "tokenizer")
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny-bert")
    BertModel(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, pad_token_id=tok.pad_token_id)).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def _cfg(tiny_bert: Path, **kw) -> ev.EvalConfig:
    return ev.EvalConfig(bertscore_model=str(tiny_bert), bertscore_layers=2, **kw)


def test_identical_answers_score_perfectly(tiny_bert):
    text = ["a slow piano ballad with soft female vocals", "fast electronic drums and a deep bass line"]
    result = ev.score(text, text, _cfg(tiny_bert))
    for key in ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "bleu_u", "rouge_l"):
        assert result[key] == pytest.approx(1.0), key
    assert result["bertscore_f1"] == pytest.approx(1.0, abs=1e-5)
    if result["meteor"] is not None:
        assert result["meteor"] > 0.99


def test_bleu_is_word_level_and_b_u_is_the_mean_of_bleu_1_to_4(tiny_bert):
    cands, refs = ["the piano plays a slow melody"], ["the piano plays a fast melody"]
    result = ev.bleu(cands, refs)
    assert result["bleu_1"] == pytest.approx(5 / 6)
    assert result["bleu_4"] == pytest.approx((5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25)
    assert result["bleu_u"] == pytest.approx(sum(result[f"bleu_{n}"] for n in range(1, 5)) / 4)


def test_compat_mullama_uses_character_bleu_and_recalls(tiny_bert):
    from nltk.translate.bleu_score import sentence_bleu

    cands, refs = ["slower guitars"], ["slow guitar music"]
    ours = ev.score(cands, refs, _cfg(tiny_bert))
    seed = ev.score(cands, refs, _cfg(tiny_bert, compat="mullama"))
    assert ours["bleu_4"] == 0.0 and seed["sentence_bleu_char"] > 0.3  # characters overlap where words do not
    assert seed["sentence_bleu_char"] == pytest.approx(sentence_bleu([refs[0]], cands[0]))  # the paper's B-U
    assert seed["sentence_bleu_char_4gram"] == pytest.approx(sentence_bleu([refs[0]], cands[0], weights=(0, 0, 0, 1)))
    assert "rouge_l_recall" in seed and "bertscore_recall" in seed and "bleu_u" not in seed


def test_meteor_credits_wordnet_synonyms():
    wn = ev.wordnet()
    if wn is None:
        pytest.skip("no WordNet: apt-get install wordnet-base (the CI installs it)")
    with_syn = ev.meteor(["a quick song"], ["a fast song"], wn)
    without = ev.meteor(["a blue song"], ["a fast song"], wn)
    assert with_syn > without


def test_meteor_is_null_without_wordnet(monkeypatch, tmp_path):
    import nltk

    monkeypatch.setattr(ev, "DEBIAN_WORDNET", tmp_path / "none")
    monkeypatch.setattr(nltk.data, "find", lambda *a, **k: (_ for _ in ()).throw(LookupError("no")))
    assert ev.wordnet() is None
    assert ev.meteor(["a"], ["a"], None) is None


def test_cli_scores_infer_output_against_musicqa_json(tiny_bert, tmp_path, capsys):
    rows = json.loads((SAMPLE_DATA / "EvalMusicQA.json").read_text())[:12]
    preds = tmp_path / "predictions.jsonl"
    preds.write_text("".join(json.dumps({"audio": f"clips/{r['audio_name']}", "question": r["conversation"][0]["value"],
                                         "answer": " ".join(r["conversation"][1]["value"].split()[:8])}) + "\n"
                             for r in rows))
    out = tmp_path / "metrics.json"
    code = ev.main(["--predictions", str(preds), "--references", str(SAMPLE_DATA / "EvalMusicQA.json"),
                    "--bertscore-model", str(tiny_bert), "--bertscore-layers", "2", "--out", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["n"] == 12 and 0 < result["bleu_u"] <= 1 and 0 < result["rouge_l"] < 1
    assert "bleu_u" in capsys.readouterr().out


def test_no_matching_pairs_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "p.jsonl").write_text(json.dumps({"audio": "a.wav", "question": "q", "answer": "x"}) + "\n")
    (tmp_path / "r.jsonl").write_text(json.dumps({"audio": "b.wav", "question": "q", "answer": "x"}) + "\n")
    assert ev.main(["--predictions", str(tmp_path / "p.jsonl"), "--references", str(tmp_path / "r.jsonl"),
                    "--bertscore-model", "none"]) == 2
    assert "no prediction matches" in capsys.readouterr().err


@pytest.mark.parametrize("compat", ["none", "mullama"])
def test_an_empty_prediction_scores_zero_instead_of_crashing(tiny_bert, compat):
    """bert-score's empty-candidate path crashes on transformers 5 tokenizers; an empty answer must score 0."""
    refs = ["a slow piano ballad", "fast drums and bass", "a solo violin"]
    cands = ["", "   ", "a solo violin"]
    result = ev.score(cands, refs, _cfg(tiny_bert, compat=compat))
    alone = ev.score(cands[2:], refs[2:], _cfg(tiny_bert, compat=compat))
    key = "bertscore_recall" if compat == "mullama" else "bertscore_f1"
    assert result[key] == pytest.approx(alone[key] / 3)  # two zeros and the one real pair
    rouge = "rouge_l_recall" if compat == "mullama" else "rouge_l"
    assert result[rouge] == pytest.approx(alone[rouge] / 3)


def _run(tmp_path, preds: Path, refs: Path | None = None) -> int:
    refs = refs or SAMPLE_DATA / "EvalMusicQA.json"
    return ev.main(["--predictions", str(preds), "--references", str(refs), "--bertscore-model", "none"])


def test_every_bad_file_is_a_one_line_error(tmp_path, capsys):
    line = '{"audio": "a.wav", "question": "q", "answer": "caf\xe9"}\n'
    (tmp_path / "latin1.jsonl").write_bytes(line.encode("latin-1"))
    (tmp_path / "empty.jsonl").write_text("\n  \n")
    (tmp_path / "folder").mkdir()
    for name, message in (("latin1.jsonl", "not UTF-8"), ("empty.jsonl", "file is empty"),
                          ("folder", "is a folder"), ("missing.jsonl", "file not found")):
        assert _run(tmp_path, tmp_path / name) == 2, name
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and name in err, err


def test_references_without_a_prediction_are_named(tmp_path, caplog):
    rows = json.loads((SAMPLE_DATA / "EvalMusicQA.json").read_text())[:3]
    refs = tmp_path / "refs.json"
    refs.write_text(json.dumps(rows))
    preds = tmp_path / "p.jsonl"
    first = rows[0]
    preds.write_text(json.dumps({"audio": first["audio_name"], "question": first["conversation"][0]["value"],
                                 "answer": "a guitar"}) + "\n")
    with caplog.at_level("WARNING"):
        assert _run(tmp_path, preds, refs) == 0
    warning = next(r.getMessage() for r in caplog.records if "no prediction" in r.getMessage())
    assert warning.startswith("2 of 3 references") and Path(rows[1]["audio_name"]).stem in warning
