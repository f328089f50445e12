"""``--preset mullama``: the reference recipe resolves, flags still override it, and a run trains with it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from musicqa.config import from_args
from musicqa.train.__main__ import main, parser
from musicqa.train.config import TrainConfig
from musicqa.train.presets import train_values

ALPACA = Path(__file__).resolve().parents[1] / "fixtures" / "alpaca" / "alpaca_data.json"


def _resolve(*flags: str) -> TrainConfig:
    return from_args(TrainConfig, parser().parse_args(list(flags)), None, preset=train_values)


def test_the_reference_recipe_per_phase():
    pre = _resolve("--preset", "mullama")
    assert pre.learning_rate() == pytest.approx(1e-4 * 4 / 256)  # pretrain.sh: blr 1e-4, batch 1, accum 4
    assert (pre.epochs, pre.warmup_epochs, pre.data.max_tokens, pre.grad_clip) == (3, 0.1, 96, 0.0)
    assert (pre.precision, pre.model.dtype, pre.decay_gates, pre.warmup_from_zero) == ("fp16", "float16", True, True)
    assert pre.model.adapter_value == "base" and pre.model.biased_layers() == [
        "q_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    assert (pre.data.prompt, pre.data.tokenize) == ("mullama", "joint")
    fine = _resolve("--preset", "mullama", "--phase", "finetune", "--init-from", "x")
    assert fine.learning_rate() == pytest.approx(1e-3 * 32 / 256) and fine.epochs == 20
    assert fine.data.max_tokens == 512 and fine.data.subset == "magnatagatune"
    plain = _resolve()
    assert plain.model.adapter_value == "v_proj" and plain.grad_clip == 1.0 and plain.data.prompt == "alpaca"


def test_flags_override_the_preset_and_say_so(caplog):
    with caplog.at_level("WARNING"):
        cfg = _resolve("--preset", "mullama", "--precision", "bf16", "--model.dtype", "bfloat16")
    assert cfg.precision == "bf16" and cfg.model.adapter_value == "base"
    assert any("overridden" in r.getMessage() and "precision" in r.getMessage() for r in caplog.records)


def test_the_preset_says_loudly_that_it_trains_on_one_split_unlike_the_reference(caplog):
    with caplog.at_level("WARNING"):
        _resolve("--preset", "mullama")
    said = [r.getMessage() for r in caplog.records if "split only" in r.getMessage()]
    assert said and "every MusicCaps clip" in said[0] and "--data.split train+test" in said[0]
    caplog.clear()
    with caplog.at_level("WARNING"):
        cfg = _resolve("--preset", "mullama", "--phase", "finetune", "--init-from", "x",
                       "--data.split", "train+validation+test")
    assert cfg.data.split == "train+validation+test"  # the near miss: matching the reference is silent
    assert not [r for r in caplog.records if "split only" in r.getMessage()]


def test_param_counts_under_the_preset_match_the_reference(capsys):
    assert main(["--param-counts", "--preset", "mullama"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("finetune trainable"))
    assert line.split()[-1] == "41,340,928"  # llama_adapter.py's finetune trainables, counted by hand in the README
    pre = next(ln for ln in out.splitlines() if ln.startswith("pretrain trainable")).split()[-1]
    assert pre == "608,273,050"  # what the reference trains; it prints 384 more (gates it never trains), said below
    assert "note: the reference prints 608,273,434 pretrain trainables: 384 more, the gates of its first" in out


def test_a_mullama_run_trains_with_alpaca_rows_fp16_and_a_zero_first_lr(tiny_models, tiny_mert, musicqa_dataset,
                                                                           tmp_path):
    from musicqa.train.loop import run
    from tests.train.conftest import losses

    out = tmp_path / "run"
    cfg = from_args(TrainConfig, argparse.Namespace(**{
        "preset": "mullama", "out": str(out), "max_steps": 3, "warmup_epochs": 1.0, "accum_steps": 1,
        "batch_size": 4, "device": "cpu", "save_every": 3, "model.llm": str(tiny_models / "tiny-llama"),
        "model.llm_revision": "none", "model.encoder": str(tiny_mert), "model.encoder_revision": "none",
        "model.adapter_layers": 4, "model.dtype": "float32", "data.dataset": str(musicqa_dataset),
        "data.max_tokens": 256,
        "data.feature_cache": str(tmp_path / "features"), "data.alpaca": str(ALPACA)}), None, preset=train_values)
    assert cfg.precision == "fp16" and cfg.data.alpaca == ALPACA
    run(cfg)  # the tiny tokenizer spends ~110 tokens on the reference's prompt: 256, not the preset's 96
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert metrics[0]["lr"] == 0.0 and metrics[1]["lr"] > 0  # the reference's warmup starts at 0
    assert all(m["loss"] == m["loss"] for m in metrics) and len(losses(out)) == 3
    meta = json.loads((out / "step-000003" / "checkpoint.json").read_text())
    assert (meta["prompt_template"], meta["tokenize"]) == ("mullama.jinja", "joint")
    assert meta["model"]["adapter_value"] == "base"
