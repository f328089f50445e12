"""The model: step 0 equals plain LLaMA, one predicate decides what trains, full-size counts on meta."""

from __future__ import annotations

import pytest
import torch
from transformers import LlamaForCausalLM

from musicqa.train import model as mdl
from musicqa.train.config import ModelConfig


@pytest.fixture(scope="module")
def cfg(tiny_models, tiny_mert) -> ModelConfig:
    return ModelConfig(llm=str(tiny_models / "tiny-llama"), llm_revision=None, encoder=str(tiny_mert),
                       encoder_revision=None, adapter_layers=3)


def _inputs(vocab: int):
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, vocab, (2, 12), generator=g)
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0
    return ids, mask, torch.randn(2, 4, 32, generator=g)


@pytest.mark.parametrize("phase", ["pretrain", "finetune"])
def test_untrained_model_gives_plain_llamas_logits(cfg, phase):
    model, _ = mdl.build(cfg, phase, [], seed=3)
    plain = LlamaForCausalLM.from_pretrained(cfg.llm).eval()
    ids, mask, feats = _inputs(plain.config.vocab_size)
    with torch.no_grad():
        ours = model(ids, mask, feats).logits
        base = plain(input_ids=ids, attention_mask=mask).logits
        assert torch.equal(ours, base)
        model.gates.data.fill_(0.5)  # the same music through open gates must change the answer
        assert not torch.allclose(model(ids, mask, feats).logits, base, atol=1e-4)


def test_only_the_phase_parameters_are_trainable(cfg):
    model, _ = mdl.build(cfg, "pretrain", [])
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith(("bridge.", "prefix.")) or n == "gates" for n in trainable)
    model.enable_finetune()
    mdl.mark_trainable(model, "finetune")
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert any(".lora_A." in n for n in trainable) and any(n.endswith("norm.weight") for n in trainable)
    assert any(n.endswith("v_proj.base_layer.bias") for n in trainable)  # bias tuning
    assert not any("gate_proj.base_layer.weight" in n or n.startswith("bridge.") or n == "gates" for n in trainable)


def test_is_trainable_does_not_mistake_gate_proj_for_a_gate():
    assert mdl.is_trainable("gates", "pretrain")
    assert not mdl.is_trainable("llm.model.layers.0.mlp.gate_proj.weight", "pretrain")
    assert not mdl.is_trainable("llm.base_model.model.model.layers.0.mlp.gate_proj.base_layer.weight", "finetune")
    assert mdl.is_trainable("llm.base_model.model.model.layers.0.mlp.gate_proj.lora_B.default.weight", "finetune")
    assert mdl.is_trainable("llm.base_model.model.model.norm.weight", "finetune")


def test_full_size_parameter_counts_on_the_meta_device():
    counts = mdl.parameter_counts()
    assert counts["llama (frozen)"] == 6_738_415_616  # LLaMA-2-7B
    assert counts["encoder (MERT, frozen)"] == 315_428_992  # MERT-v1-330M without its (unused) CTC head
    # bridge: Conv1d(25->1) + Linear(1024->4096) + 3 x (RMSNorm + 3 x 4096x16384)
    assert counts["bridge"] == 26 + 1024 * 4096 + 4096 + 3 * (4096 + 3 * 4096 * 16384)
    assert counts["prefix"] == 20 * 4096 and counts["gates"] == 20 * 32
    per_layer_lora = 16 * (4 * (4096 + 4096) + 2 * (4096 + 11008) + (11008 + 4096))
    assert counts["lora"] == 32 * per_layer_lora
