"""``--preset mullama``: the reference MU-LLaMA recipe (crypto-code/MU-LLaMA) as config values.

A preset is a layer of values between the dataclass defaults and the TOML file/flags, so anything
it sets can still be overridden, and every override is logged. The values are read from the
reference's ``pretrain.sh``/``finetune.sh``, ``main_*.py``, ``llama/llama.py`` and
``llama_adapter.py``; the README's table lists each one beside musicqa's default.

Epochs: the reference pretrains for 150 "epochs" of a sampler that splits each pass over the data
50 ways (a new permutation every 50), with a 5-epoch warmup: 3 passes with a 0.1-pass warmup, which
is what the values below say in musicqa's units. Finetuning: 20 full passes, 1 warmup pass.
Learning rate: ``blr x batch x accum x GPUs / 256``, as in the reference (1e-4 x 4 / 256 = 1.56e-6
for pretraining on one GPU; 1e-3 x 32 / 256 = 1.25e-4 for finetuning).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# The reference's LLaMA has biases on wq, wo, w1, w2, w3 only (llama.py); in transformers' names:
MULLAMA_BIASES = ["q_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

# The model of llama_adapter.py: value path through the plain wv, its biases, unscaled rank-16 LoRA.
MULLAMA_MODEL: dict[str, Any] = {"adapter_value": "base", "bias_tuning": True, "bias_targets": MULLAMA_BIASES,
                                 "lora_rank": 16, "lora_alpha": 16.0, "adapter_layers": 20, "encode_seconds": 60.0,
                                 "dtype": "float16"}
_TRAIN_COMMON: dict[str, Any] = {
    "batch_size": 1, "weight_decay": 0.05, "decay_gates": True, "betas": [0.9, 0.95], "min_lr": 0.0,
    "grad_clip": 0.0, "precision": "fp16", "warmup_from_zero": True, "model": MULLAMA_MODEL,
    "data": {"prompt": "mullama", "tokenize": "joint"},
}
_TRAIN_PHASE: dict[str, dict[str, Any]] = {
    "pretrain": {"epochs": 3, "warmup_epochs": 0.1, "blr": 1e-4, "accum_steps": 4,
                 "data": {"max_tokens": 96, "subset": "musiccaps"}},
    "finetune": {"epochs": 20, "warmup_epochs": 1.0, "blr": 1e-3, "accum_steps": 32,
                 "data": {"max_tokens": 512, "subset": "magnatagatune"}},
}
# The paper's evaluation generation (ModelEvaluations/generate_mullama.py): sampling and the kNN cache.
_INFER: dict[str, Any] = {"temperature": 0.6, "top_p": 0.8, "max_new_tokens": 1024, "knn_size": 100,
                          "knn_temperature": 20.0, "knn_weight": 0.2}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _overridden(preset: dict[str, Any], given: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys the preset sets that the TOML file or flags set too (to a different value)."""
    out = []
    for key, value in preset.items():
        mine = given.get(key, given.get(key.replace("_", "-")))
        if mine is None:
            continue
        if isinstance(value, dict) and isinstance(mine, dict):
            out += _overridden(value, mine, f"{prefix}{key}.")
        elif mine != value:
            out.append(f"{prefix}{key}")
    return out


def train_values(given: dict[str, Any]) -> dict[str, Any]:
    """The preset layer for TrainConfig, chosen by the ``preset`` and ``phase`` of the TOML + flags."""
    if given.get("preset", "musicqa") != "mullama":
        return {}
    phase = given.get("phase", "pretrain")
    values = _merge(_TRAIN_COMMON, _TRAIN_PHASE.get(phase, {}))
    over = _overridden(values, given)
    if over:
        log.warning("--preset mullama (%s): overridden by the config/flags: %s", phase, ", ".join(over))
    split = (given.get("data") or {}).get("split", "train")
    if "+" not in split and phase in _ALL_DATA:
        log.warning("--preset mullama (%s): training on the %r split only, where the reference trained on %s, test "
                    "clips included; pass --data.split %s to match it", phase, split, *_ALL_DATA[phase])
    return values


# What the reference trained each phase on, and the split expression that reads the same clips from our folder.
_ALL_DATA = {"pretrain": ("every MusicCaps clip", "train+test"),
             "finetune": ("the MTT folders 0-f", "train+validation+test")}


def infer_values(given: dict[str, Any]) -> dict[str, Any]:
    """The preset layer for InferConfig/EvalConfig: the paper's sampling and kNN settings."""
    if given.get("preset", "musicqa") != "mullama":
        return {}
    over = _overridden(_INFER, given)
    if over:
        log.warning("--preset mullama: overridden by the config/flags: %s", ", ".join(over))
    return dict(_INFER)


def eval_values(given: dict[str, Any]) -> dict[str, Any]:
    """The preset layer for EvalConfig: only the kNN cache settings (the benchmark decodes greedily)."""
    return {k: v for k, v in infer_values(given).items() if k.startswith("knn_")}
