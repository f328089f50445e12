"""The trainer's configs: shipped TOML files resolve, bad combinations fail naming the flag."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from musicqa.config import from_args
from musicqa.errors import InputError
from musicqa.train.__main__ import main
from musicqa.train.config import LLAMA_REVISION, MERT_REVISION, TrainConfig

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("name", ["train_pretrain", "train_finetune", "train_smoke"])
def test_shipped_configs_resolve(name):
    cfg = from_args(TrainConfig, argparse.Namespace(), CONFIGS / f"{name}.toml")
    assert cfg.model.trust_remote_code is False
    if name != "train_smoke":  # real ids are pinned
        assert (cfg.model.llm_revision, cfg.model.encoder_revision) == (LLAMA_REVISION, MERT_REVISION)
        assert cfg.weight_decay == 0.05 and cfg.betas == [0.9, 0.95]
        assert cfg.learning_rate() == pytest.approx(1e-3 * 32 / 256)


@pytest.mark.parametrize("flags, message", [
    (["--phase", "warmup"], "--phase"),
    (["--model.dtype", "bfloat16"], "--precision bf16"),
    (["--init-from", "x"], "--init-from"),
    (["--eval-every", "5"], "--data.eval-split"),
])
def test_bad_combinations_name_the_flag(flags, message, capsys):
    assert main([*flags, "--data.dataset", "x"]) == 2
    assert message in capsys.readouterr().err


def test_finetune_without_a_pretrain_checkpoint_is_refused(tmp_path, capsys):
    from musicqa.train.loop import run

    cfg = TrainConfig(phase="finetune", out=tmp_path)
    with pytest.raises(InputError, match="--init-from"):
        run(cfg)
