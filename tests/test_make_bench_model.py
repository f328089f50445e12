"""The benchmark model is MPT-7B's architecture at ~95M parameters, built offline, and its FLOP count is exact."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench_model(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench-models")
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_bench_model.py"), str(out)], check=True,
                   capture_output=True, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    return out / "mpt-95m-chat"


def test_bench_model_has_mpt7b_layout_at_95m_parameters(bench_model):
    cfg = json.loads((bench_model / "config.json").read_text())
    manifest = json.loads((bench_model.parent / "mpt-95m-chat.manifest.json").read_text())
    assert cfg["model_type"] == "mpt" and cfg["no_bias"] and cfg["attn_config"]["alibi"]
    assert cfg["d_model"] // cfg["n_heads"] == 128 and cfg["expansion_ratio"] == 4  # MPT-7B's head and MLP
    assert 90e6 < manifest["parameters"] < 100e6
    assert cfg["dtype"] == "float32"  # dtype "auto" then runs fp32, the rate the bench's roofline measures
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(bench_model)
    assert len(tok) > 10_000  # trained on all of sample_data's text, not the tiny model's 2k vocabulary
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert prompt == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"  # MPT-7B-chat's ChatML


def test_flops_formula_counts_exactly_the_models_matmul_weights(bench_model):
    import torch
    from transformers import AutoModelForCausalLM

    from bench.roofline import matmul_params, model_shape

    model = AutoModelForCausalLM.from_pretrained(bench_model, dtype=torch.float32)
    linear = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    assert model.config.tie_word_embeddings  # the LM head is the embedding matrix, counted once as a matmul
    assert matmul_params(model_shape(bench_model)) == linear


def test_generation_flops_adds_attention_over_the_growing_context():
    from bench.roofline import generation_flops

    shape = {"d_model": 8, "layers": 2, "ffn": 32, "vocab": 100, "gated": 0}
    weights = 2 * (4 * 8 * 8 + 2 * 8 * 32) + 100 * 8  # 2 layers of QKV + out and MLP, then the LM head
    # 3 output tokens after a 5-token prompt attend to 5, 6 and 7 tokens
    assert generation_flops(shape, [5], [3]) == 3 * 2 * weights + 4 * 2 * 8 * (5 + 6 + 7)
    assert generation_flops(shape, [5, 5], [3, 3]) == 2 * generation_flops(shape, [5], [3])
