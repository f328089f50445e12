"""Reading the dataset folder: one example per QA pair, loss on answers, the seed's prompt bug gone."""

from __future__ import annotations

import numpy as np
import pytest
from transformers import AutoTokenizer

from musicqa.errors import InputError
from musicqa.train import data, features


def test_examples_are_the_qa_pairs_of_the_split(musicqa_dataset):
    import pyarrow.parquet as pq

    table = pq.read_table(sorted((musicqa_dataset / "data" / "musiccaps").glob("train-*.parquet")),
                          columns=["clip_id", "qa"])
    examples, clips = data.load_split(str(musicqa_dataset), "musiccaps", "train")
    assert len(clips) == table.num_rows
    assert len(examples) == sum(len(qa) for qa in table.column("qa").to_pylist())
    assert {e.task for e in examples} <= {"fixed", "open"}
    assert all(e.clip_key in clips and e.clip_id.startswith("musiccaps/") for e in examples)
    wave = data.wave_loader(clips[examples[0].clip_key].data, 24000)()
    assert wave.ndim == 1 and abs(len(wave) / 24000 - 10.0) < 0.05


def test_prompt_is_alpaca_without_the_seeds_input_bug():
    prompt = data.render_prompt("Describe the audio")
    assert "### Instruction:\nDescribe the audio" in prompt and prompt.rstrip().endswith("### Response:")
    assert "### Input" not in prompt and "built-in" not in prompt


def test_loss_is_on_answer_tokens_only(musicqa_dataset, tiny_models):
    tok = AutoTokenizer.from_pretrained(tiny_models / "tokenizer")
    examples, _ = data.load_split(str(musicqa_dataset), "musiccaps", "train")
    items = data.tokenize(examples, tok, max_tokens=96)
    for ex, item in zip(examples, items):
        answer = [t for t, label in zip(item.input_ids, item.labels) if label != data.IGNORE]
        if len(item.input_ids) < 96:  # not truncated: the whole answer, then EOS
            assert answer[-1] == tok.eos_token_id
            assert tok.decode(answer[:-1]).strip() == ex.answer.strip()
        else:  # truncated answers keep no EOS, so the model is not taught to stop mid-sentence
            assert ex.answer.strip().startswith(tok.decode(answer).strip())
        assert item.input_ids[:len(data.prompt_ids(tok, ex.question))] == tuple(data.prompt_ids(tok, ex.question))
    batch = data.collate(items[:3], lambda k: np.zeros((4, 32), np.float32), tok.pad_token_id)
    assert batch["features"].shape == (3, 4, 32)
    assert ((batch["attention_mask"] == 0) <= (batch["labels"] == data.IGNORE)).all()


def test_missing_split_names_the_dataset(musicqa_dataset):
    with pytest.raises(InputError, match="musiccaps/validation"):
        data.load_split(str(musicqa_dataset), "musiccaps", "validation")


def test_feature_cache_is_keyed_by_audio_content_and_encoder(tmp_path, tiny_mert):
    key_a = features.encoder_key(str(tiny_mert), None, 60.0)
    assert key_a == features.encoder_key(str(tiny_mert), None, 60.0)
    assert key_a != features.encoder_key(str(tiny_mert), None, 30.0)
    assert key_a != features.encoder_key("m-a-p/MERT-v1-330M", "abc", 60.0)
    cache = features.FeatureCache(tmp_path, key_a)
    calls = []

    def encode(wave):
        calls.append(1)
        return np.full((4, 32), wave.sum(), np.float32)

    clips = [(features.audio_key(b"clip-a"), lambda: np.ones(10, np.float32)),
             (features.audio_key(b"clip-b"), lambda: np.zeros(10, np.float32))]
    assert features.fill(cache, clips, encode) == (0, 2)
    assert features.fill(cache, clips, encode) == (2, 0) and len(calls) == 2  # never recomputed
    assert cache.get(features.audio_key(b"clip-a"))[0, 0] == 10.0


def test_a_real_build_output_reads_and_trains(build_output, tiny_models, tiny_mert, tmp_path):
    """The folder `musicqa build` wrote (not our fixture): every split reads, and a few steps train."""
    import json
    import math

    from musicqa.train.loop import run
    from tests.train.conftest import losses, train_config

    readme = (build_output / "README.md").read_text()
    subsets = [s for s in ("musiccaps", "magnatagatune") if f"config_name: {s}" in readme]
    assert subsets, "README.md has no musiccaps/magnatagatune config"
    for subset in subsets:
        examples, clips = data.load_split(str(build_output), subset, "train")
        assert examples and all(e.clip_key in clips for e in examples)
    out = tmp_path / "run"
    cfg = train_config(out, tiny_models / "tiny-llama", tiny_mert, build_output, tmp_path / "features",
                       max_steps=3, save_every=3)
    cfg.data.subset = subsets[0]
    run(cfg)
    assert len(losses(out)) == 3 and all(math.isfinite(x) for x in losses(out))
    assert json.loads((out / "step-000003" / "checkpoint.json").read_text())["step"] == 3


def test_the_reference_prompt_and_joint_tokenisation(tiny_models):
    tok = AutoTokenizer.from_pretrained(tiny_models / "tokenizer")
    prompt = data.render_prompt("Describe the audio", "mullama.jinja")
    assert prompt.endswith("### Input:\n<built-in function input>\n\n### Response:")  # as the weights were trained
    ex = data.Example("c", "k", "Describe the audio", "A slow piano ballad.", "fixed")
    (item,) = data.tokenize([ex], tok, 512, "mullama.jinja", "joint")
    whole = tok(prompt + ex.answer, add_special_tokens=False)["input_ids"]
    assert list(item.input_ids) == [tok.bos_token_id, *whole, tok.eos_token_id]
    n_prompt = len(data.prompt_ids(tok, ex.question, "mullama.jinja"))
    assert item.labels[:n_prompt] == (data.IGNORE,) * n_prompt and item.labels[n_prompt:] == item.input_ids[n_prompt:]
    (cut,) = data.tokenize([ex], tok, n_prompt + 2, "mullama.jinja", "joint")  # max_words cuts the answer, EOS too
    assert len(cut.input_ids) == n_prompt + 2 and cut.input_ids[-1] != tok.eos_token_id


def test_alpaca_rows_are_text_with_one_second_of_silence(tmp_path):
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "alpaca" / "alpaca_data.json"
    examples, clip = data.load_alpaca(fixture)
    assert len(examples) == 4 and all(e.clip_key == clip.clip_key and e.task == "alpaca" for e in examples)
    assert examples[1].question == "Classify the following instrument by family.\nOboe"
    wave = data.wave_loader(clip.data, 24000)()
    assert wave.shape == (24000,) and not wave.any()
    assert data.load_alpaca(fixture, limit=2)[0] == examples[:2]
    (tmp_path / "bad.json").write_text('[{"instruction": "x", "output": "y"}, {"prompt": "z"}]')
    with pytest.raises(InputError, match="bad.json: item 1"):
        data.load_alpaca(tmp_path / "bad.json")


def test_alpaca_in_mullama_form_is_read_by_the_mullama_reader_assistant_turns_included(tmp_path):
    import json

    rows = [{"conversation": [{"from": "human", "value": "Name a scale."}, {"from": "gpt", "value": "C major."}]},
            {"conversation": [{"from": "user", "value": "Name a mode."}, {"from": "assistant", "value": "Dorian."}]}]
    (tmp_path / "a.json").write_text(json.dumps(rows))
    examples, _ = data.load_alpaca(tmp_path / "a.json")
    assert [(e.question, e.answer) for e in examples] == [("Name a scale.", "C major."), ("Name a mode.", "Dorian.")]
    (tmp_path / "b.json").write_text(json.dumps([{"conversation": [{"from": "human", "value": "Q?"}]}]))
    with pytest.raises(InputError, match=r"b\.json: item 0: record has no answer \(no 'gpt' turn after a 'human' "):
        data.load_alpaca(tmp_path / "b.json")
