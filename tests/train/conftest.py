"""Fixtures for the trainer: a dataset folder per the contract, tiny models, and two short training runs.

``musicqa_dataset`` is written from the real shared clips and real MusicCaps captions exactly as the
contract describes (README.md ``configs:`` header, Parquet shards, embedded 24 kHz FLAC). The
loss-reduction proof runs on it because its answers are real English; ``build_output`` is a real
``musicqa build`` folder (MUSICQA_TRAIN_DATASET, else the session's real vLLM build from tests/conftest.py),
on which the reading and training code must also work.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from musicqa.train.tiny import CLIPS_GLOB, captions, make_tiny_dataset

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATA = REPO / "sample_data"
CLIPS = sorted((SAMPLE_DATA / "audio").glob(CLIPS_GLOB))  # the six 10-second clips

@pytest.fixture(scope="session")
def musicqa_dataset(tmp_path_factory) -> Path:
    """A dataset folder per the contract: 4 train + 2 test clips, two QA pairs each."""
    return make_tiny_dataset(tmp_path_factory.mktemp("musicqa-dataset"), SAMPLE_DATA)


@pytest.fixture(scope="session")
def build_output(built_dataset) -> Path:
    """A real `musicqa build` output folder (MUSICQA_TRAIN_DATASET, else this session's vLLM smoke build)."""
    folder = os.environ.get("MUSICQA_TRAIN_DATASET")
    return Path(folder) if folder else built_dataset


@pytest.fixture(scope="session")
def tiny_mert(tiny_models, tmp_path_factory) -> Path:
    """tiny-mert/ from make_tiny_models.py, or built here if the models folder predates it."""
    path = tiny_models / "tiny-mert"
    if (path / "config.json").exists():
        return path
    from musicqa.train.tiny import make_tiny_mert

    path = tmp_path_factory.mktemp("tiny-mert")
    make_tiny_mert(path)
    return path


def lm_pretrain(src: Path, dst: Path, steps: int = 120, lr: float = 3e-3, batch: int = 32) -> Path:
    """tiny-llama trained briefly as a language model on MusicCaps captions (rows the dataset does not use).

    A random-initialised LLaMA's frozen output head (std 0.02) caps every logit near 1, so no adapter can
    lower its loss much; LLaMA-2 is a trained LM, and this stands in for it at tiny size.
    """
    import torch
    from transformers import AutoTokenizer, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(src)
    caps = [row["caption"] for row in captions(SAMPLE_DATA, 2000)[len(CLIPS) + 10:]]
    torch.manual_seed(0)
    model = LlamaForCausalLM.from_pretrained(src)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        idx = torch.randint(len(caps), (batch,), generator=g).tolist()
        enc = tok([caps[i] for i in idx], return_tensors="pt", padding=True, truncation=True, max_length=64)
        model(**enc, labels=enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)).loss.backward()
        opt.step()
        opt.zero_grad()
    model.save_pretrained(dst)
    tok.save_pretrained(dst)
    return dst


@pytest.fixture(scope="session")
def tiny_llama_lm(tiny_models, tmp_path_factory) -> Path:
    return lm_pretrain(tiny_models / "tiny-llama", tmp_path_factory.mktemp("tiny-llama-lm"))


def train_config(out: Path, llm: Path, encoder: Path, dataset: Path, cache: Path, **overrides):
    """A TrainConfig for the tiny models: full-batch (4 x 2 accumulation), no warmup, CPU."""
    from musicqa.train.config import DataConfig, ModelConfig, TrainConfig

    model = ModelConfig(llm=str(llm), llm_revision=None, encoder=str(encoder), encoder_revision=None,
                        adapter_layers=4, chunk_seconds=4.0)
    data = DataConfig(dataset=str(dataset), feature_cache=cache, max_tokens=96)
    kw = dict(out=out, batch_size=4, accum_steps=2, lr=1e-2, warmup_epochs=0.0, log_every=5, save_every=10,
              keep_checkpoints=0, device="cpu", model=model, data=data)
    kw.update(overrides)
    return TrainConfig(**kw)


def losses(out: Path) -> list[float]:
    import json

    return [json.loads(line)["loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="session")
def pretrained(tiny_llama_lm, tiny_mert, musicqa_dataset, tmp_path_factory) -> Path:
    """OUT of a 20-step pretrain run (checkpoints at steps 10 and 20)."""
    from musicqa.train.loop import run

    out = tmp_path_factory.mktemp("pretrain")
    run(train_config(out, tiny_llama_lm, tiny_mert, musicqa_dataset, out.parent / "features", max_steps=20))
    return out


@pytest.fixture(scope="session")
def finetuned(pretrained, tiny_llama_lm, tiny_mert, musicqa_dataset, tmp_path_factory) -> Path:
    """OUT of a 20-step finetune run initialised from the pretrain run's final checkpoint."""
    from musicqa.train.loop import run

    out = tmp_path_factory.mktemp("finetune")
    run(train_config(out, tiny_llama_lm, tiny_mert, musicqa_dataset, pretrained.parent / "features",
                     phase="finetune", init_from=pretrained / "step-000020", max_steps=20))
    return out
