"""The released MU-LLaMA checkpoint format converts, and the converted model computes the reference's logits."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch
from transformers import LlamaForCausalLM

from musicqa.train import convert
from musicqa.train import model as mdl
from musicqa.train.config import ModelConfig
from tests.train import reference

N_PREFIX = 3  # of tiny-llama's 4 layers: the first layer's gate exists but is never used


@pytest.fixture(scope="module")
def tiny(tiny_models, tiny_mert):
    from safetensors.torch import load_file

    llm = LlamaForCausalLM.from_pretrained(tiny_models / "tiny-llama").eval()
    return llm, load_file(str(tiny_mert / "model.safetensors"))


def _save(tmp: Path, sd: dict) -> Path:
    path = tmp / "checkpoint.pth"
    torch.save({"model": sd, "optimizer": {}, "epoch": 19, "scaler": {},
                "args": argparse.Namespace(blr=1e-3, max_words=512, llama_type="7B")}, path)
    return path


def _convert(tiny_models, tiny_mert, path: Path, out: Path, *extra: str) -> int:
    return convert.main(["--from-mullama", str(path), "--out", str(out), "--llm", str(tiny_models / "tiny-llama"),
                         "--encoder", str(tiny_mert), "--dtype", "float32", *extra])


def _musicqa_logits(ckpt: Path, ids, feats, **overrides):
    meta = json.loads((ckpt / "checkpoint.json").read_text())
    cfg = ModelConfig(**{**meta["model"], **overrides})
    model, _ = mdl.build(cfg, meta["phase"], mdl.checkpoint_chain(ckpt))
    with torch.no_grad():
        return model.eval()(ids, torch.ones_like(ids), feats).logits


def _inputs(vocab: int):
    g = torch.Generator().manual_seed(1)
    return torch.randint(5, vocab, (2, 11), generator=g), torch.randn(2, 4, 32, generator=g)


@pytest.mark.parametrize("phase", ["pretrain", "finetune"])
def test_converted_checkpoint_gives_the_reference_logits(phase, tiny, tiny_models, tiny_mert, tmp_path):
    llm, mert_state = tiny
    sd = reference.state_dict(llm, mert_state, num_states=4, enc_dim=32, n_prefix=N_PREFIX, phase=phase)
    assert _convert(tiny_models, tiny_mert, _save(tmp_path, sd), tmp_path / "out") == 0
    ckpt = tmp_path / "out" / phase
    meta = json.loads((ckpt / "checkpoint.json").read_text())
    assert meta["prompt_template"] == "mullama.jinja" and meta["model"]["adapter_value"] == "base"
    assert meta["converted_from"]["ignored"]["unused gates of the first layers"] == 1
    assert meta["converted_from"]["epoch"] == 19 and meta["converted_from"]["args"]["max_words"] == 512

    ids, feats = _inputs(llm.config.vocab_size)
    expected = reference.forward(sd, ids, feats, heads=llm.config.num_attention_heads, eps=llm.config.rms_norm_eps)
    ours = _musicqa_logits(ckpt, ids, feats)
    assert (ours - expected).abs().max().item() < 1e-5
    if phase == "finetune":  # the musicqa value path (v_proj with LoRA and bias) is measurably another model
        other = _musicqa_logits(ckpt, ids, feats, adapter_value="v_proj")
        assert (other - expected).abs().max().item() > 1e-3


def test_verify_base_catches_a_different_llama(tiny, tiny_models, tiny_mert, tmp_path, capsys):
    llm, mert_state = tiny
    sd = reference.state_dict(llm, mert_state, num_states=4, enc_dim=32, n_prefix=N_PREFIX, phase="pretrain")
    assert _convert(tiny_models, tiny_mert, _save(tmp_path, sd), tmp_path / "ok", "--verify-base") == 0
    sd["llama.layers.2.feed_forward.w2.weight"] = sd["llama.layers.2.feed_forward.w2.weight"] + 0.01
    assert _convert(tiny_models, tiny_mert, _save(tmp_path, sd), tmp_path / "bad", "--verify-base") == 2
    assert "model.layers.2.mlp.down_proj.weight" in capsys.readouterr().err


def test_a_checkpoint_of_another_size_or_format_is_a_one_line_error(tiny, tiny_models, tiny_mert, tmp_path, capsys):
    llm, mert_state = tiny
    sd = reference.state_dict(llm, mert_state, num_states=4, enc_dim=32, n_prefix=N_PREFIX, phase="finetune")
    sd["llama.layers.4.attention.gate"] = torch.zeros(1, 2, 1, 1)  # a 5th layer tiny-llama does not have
    assert _convert(tiny_models, tiny_mert, _save(tmp_path, sd), tmp_path / "out") == 2
    assert "does not fit --llm" in capsys.readouterr().err

    (tmp_path / "not.pth").write_text("hello")
    assert _convert(tiny_models, tiny_mert, tmp_path / "not.pth", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --from-mullama") and err.count("\n") == 1


class _Payload:  # an object a safe loader must refuse to unpickle
    pass


def test_a_pickle_with_arbitrary_objects_is_refused(tiny, tiny_models, tiny_mert, tmp_path, capsys):
    path = tmp_path / "evil.pth"
    torch.save({"model": {"llama.norm.weight": torch.ones(2)}, "extra": _Payload()}, path)
    assert _convert(tiny_models, tiny_mert, path, tmp_path / "out") == 2
    assert "safe loader" in capsys.readouterr().err


@pytest.mark.parametrize(("fault", "message"), [
    ("missing adapted gate", "checkpoint has no llama.layers.2.attention.gate, expected a gate in each of the last 3"),
    ("wrong-shape gate", r"checkpoint tensor llama.layers.3.attention.gate has shape \[1, 3, 1, 1\], expected "
                         r"\[1, 2, 1, 1\]"),
    ("missing prefix_query", "checkpoint has no 'prefix_query.weight', which every MU-LLaMA checkpoint has"),
    ("missing mu_mert_agg", "checkpoint has no 'mu_mert_agg.weight'"),
    ("missing tok_embeddings", "checkpoint has no 'llama.tok_embeddings.weight'"),
    ("corrupt prefix", r"checkpoint tensor prefix.weight holds 5.7e\+29, expected trained weights below 10000: "
                       "the file is corrupt"),
    ("nan in a lora", r"checkpoint tensor .*lora_A.default.weight holds nan, expected trained weights below"),
])
def test_a_broken_reference_checkpoint_is_one_line_not_a_silent_zero(tiny, fault, message):
    from musicqa.errors import InputError

    llm, mert_state = tiny
    sd = reference.state_dict(llm, mert_state, num_states=4, enc_dim=32, n_prefix=N_PREFIX, phase="finetune")
    heads = sd["llama.layers.3.attention.gate"].shape[1]
    if fault == "missing adapted gate":
        del sd["llama.layers.2.attention.gate"]
    elif fault == "wrong-shape gate":
        sd["llama.layers.3.attention.gate"] = torch.zeros(1, heads + 1, 1, 1)
    elif fault.startswith("missing"):
        key = {"prefix_query": "prefix_query.weight", "mu_mert_agg": "mu_mert_agg.weight",
               "tok_embeddings": "llama.tok_embeddings.weight"}[fault.split()[1]]
        del sd[key]
    elif fault == "corrupt prefix":
        sd["prefix_query.weight"][1, 5] = 5.7e29  # what a few flipped bytes did in a real copy
    else:
        sd["llama.layers.1.attention.lora_wv_l1.weight"][0, 0] = float("nan")
    with pytest.raises(InputError, match=message):
        convert.convert(sd, ModelConfig())


def test_an_unused_gate_of_a_first_layer_may_be_missing(tiny):
    llm, mert_state = tiny  # the near miss: layer 0 is not adapted, its gate is never used
    sd = reference.state_dict(llm, mert_state, num_states=4, enc_dim=32, n_prefix=N_PREFIX, phase="pretrain")
    del sd["llama.layers.0.attention.gate"]
    conv = convert.convert(sd, ModelConfig())
    assert conv.pretrain["gates"].shape == (N_PREFIX, sd["llama.layers.3.attention.gate"].shape[1])
