import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_tiny_models_are_rebuilt_byte_identical_and_offline(tiny_models, tmp_path):
    again = tmp_path / "again"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_tiny_models.py"), str(again), "--force"], check=True,
                   capture_output=True, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    first = json.loads((tiny_models / "manifest.json").read_text())
    assert json.loads((again / "manifest.json").read_text()) == first
    assert set(first) == {"tokenizer", "tiny-mpt-chat", "tiny-llama", "tiny-mert"}
    cfg = json.loads((again / "tiny-mpt-chat" / "config.json").read_text())
    assert cfg["model_type"] == "mpt" and cfg["d_model"] // cfg["n_heads"] >= 32  # vLLM CPU attention head size
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(again / "tiny-mpt-chat")
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert prompt == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"  # MPT-7B-chat's ChatML
    assert tok.convert_tokens_to_ids("<|im_end|>") == cfg["eos_token_id"]
