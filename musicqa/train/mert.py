"""Load MERT through transformers' own ``HubertModel``: no hub code is executed unless asked for.

MERT-v1's hub repo ships ``modeling_MERT.py`` (``MERTModel(HubertModel)``), so the usual route is
``AutoModel.from_pretrained(..., trust_remote_code=True)``. Reading that code against MERT-v1-330M's
``config.json`` (feature_extractor_cqt: false, deepnorm: false, do_stable_layer_norm: true,
feat_extract_norm: "group", feat_proj_layer_norm: true) shows the remote model is then exactly:

- ``HubertFeatureEncoder`` (the 7-layer conv front end, unchanged),
- a feature projection equal to ``HubertFeatureProjection`` (LayerNorm over the conv features, Linear),
- ``HubertEncoderStableLayerNorm`` (its ``attention_relax`` is only read by the deepnorm encoder).

So ``HubertModel`` built from the same fields computes the same function, and its parameter names
match the checkpoint's. ``check_config`` refuses the variants where that stops being true (CQT
features, deepnorm) with a message that names ``--model.trust-remote-code``.

Hidden states are read with forward pre-hooks (the input of each transformer layer) plus the
encoder's final output: N + 1 = 25 states for MERT-v1-330M. That is what ``output_hidden_states``
returned in the transformers 4.x the seed ran on; transformers 5 records layer outputs instead, whose
last entry skips the final LayerNorm, so relying on it would silently change the features.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musicqa.errors import InputError

log = logging.getLogger(__name__)

# Fields of MERT's config that HubertConfig does not have; each is checked or known to be inert.
_MERT_ONLY = {"feature_extractor_cqt", "feature_extractor_cqt_bins", "deepnorm", "attention_relax", "sample_rate",
              "auto_map", "mask_channel_length", "mask_channel_min_space", "mask_channel_other",
              "mask_channel_prob", "mask_channel_selection", "hidden_dropout_prob", "feat_extract_dropout",
              "gradient_checkpointing"}
_CONFIG_FILES = ["config.json", "preprocessor_config.json"]
_WEIGHT_FILES = ["*.safetensors", "*.safetensors.index.json", "pytorch_model*.bin", "pytorch_model.bin.index.json"]


@dataclass(frozen=True, slots=True)
class EncoderSpec:
    """What the rest of the trainer needs to know about an encoder without loading its weights."""

    sample_rate: int  # MERT-v1: 24000
    hidden_size: int  # 1024 for MERT-v1-330M
    num_states: int  # transformer layers + 1 (25 for MERT-v1-330M)
    do_normalize: bool  # zero-mean unit-variance input, as Wav2Vec2FeatureExtractor does


def resolve(name_or_path: str, revision: str | None, weights: bool = True) -> Path:
    """Return a local folder holding the encoder: the folder itself, or a hub snapshot at ``revision``."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    from huggingface_hub import snapshot_download

    patterns = _CONFIG_FILES + (_WEIGHT_FILES if weights else [])
    try:
        return Path(snapshot_download(name_or_path, revision=revision, allow_patterns=patterns))
    except Exception as err:  # hub errors come in many classes; all mean "cannot get these files"
        raise InputError(f"--model.encoder {name_or_path!r} (revision {revision}): not a folder and not "
                         f"downloadable ({type(err).__name__}: {err})") from err


def read_config(folder: Path) -> dict[str, Any]:
    """config.json of an encoder folder, with a one-line error when missing or broken."""
    path = folder / "config.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as err:
        raise InputError(f"{path}: encoder config not found") from err
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: invalid JSON ({err})") from err


def check_config(cfg: dict[str, Any], where: str) -> None:
    """Raise InputError if this MERT/HuBERT config needs MERT's own code to be computed faithfully."""
    kind = cfg.get("model_type")
    if kind not in ("mert_model", "hubert"):
        raise InputError(f"{where}: model_type {kind!r} is not a MERT or HuBERT encoder")
    if cfg.get("feature_extractor_cqt", False):
        raise InputError(f"{where}: feature_extractor_cqt is true (a CQT-feature MERT); HubertModel cannot compute "
                         "it, use --model.trust-remote-code with a pinned --model.encoder-revision")
    if cfg.get("deepnorm", False):
        raise InputError(f"{where}: deepnorm is true; HubertModel has no deepnorm encoder, use "
                         "--model.trust-remote-code with a pinned --model.encoder-revision")


def spec(folder: Path) -> EncoderSpec:
    """Sample rate, width and number of hidden states of the encoder in ``folder``."""
    cfg = read_config(folder)
    pre_path = folder / "preprocessor_config.json"
    pre = json.loads(pre_path.read_text()) if pre_path.exists() else {}
    rate = int(pre.get("sampling_rate", cfg.get("sample_rate", 16000)))
    return EncoderSpec(sample_rate=rate, hidden_size=int(cfg["hidden_size"]),
                       num_states=int(cfg["num_hidden_layers"]) + 1, do_normalize=bool(pre.get("do_normalize", True)))


def hubert_config(cfg: dict[str, Any]):
    """The HubertConfig that computes the same function as this MERT config (dropouts off: frozen encoder)."""
    from transformers import HubertConfig

    known = {k: v for k, v in cfg.items()
             if k not in _MERT_ONLY and not k.startswith("_") and k not in ("architectures", "model_type",
                                                                             "transformers_version", "torch_dtype")}
    known.update(hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0, feat_proj_dropout=0.0,
                 layerdrop=0.0, final_dropout=0.0)
    return HubertConfig(**known)


def load(name_or_path: str, revision: str | None = None, *, trust_remote_code: bool = False, dtype: Any = None):
    """Return ``(model, spec)``: the frozen encoder in eval mode, and its EncoderSpec.

    Native path: ``HubertModel.from_pretrained`` with the HubertConfig above; a checkpoint whose
    tensors do not all land in the model (or leave a parameter uninitialised) is an error, never a
    warning. The remote-code path exists for MERT variants HubertModel cannot express.
    """
    from transformers import AutoModel, HubertModel

    folder = resolve(name_or_path, revision)
    cfg = read_config(folder)
    where = str(folder / "config.json")
    if trust_remote_code:
        log.warning("loading %s with trust_remote_code=True: executing the repository's own Python code",
                    name_or_path)
        model = AutoModel.from_pretrained(str(folder), trust_remote_code=True, dtype=dtype)
    else:
        check_config(cfg, where)
        model, info = HubertModel.from_pretrained(str(folder), config=hubert_config(cfg), dtype=dtype,
                                                  output_loading_info=True)
        # masked_spec_embed only matters for SpecAugment during pretraining; a checkpoint may lack it.
        missing = [k for k in info["missing_keys"] if k != "masked_spec_embed"]
        problems = {"missing": missing, "unexpected": list(info["unexpected_keys"]),
                    "mismatched": [str(m) for m in info.get("mismatched_keys", [])]}
        if any(problems.values()):
            raise InputError(f"{folder}: checkpoint does not match HubertModel: "
                             + "; ".join(f"{k} {v[:5]}" for k, v in problems.items() if v))
    model.eval().requires_grad_(False)
    log.info("encoder %s: %d layers, hidden %d, %.1fM parameters", name_or_path, cfg["num_hidden_layers"],
             cfg["hidden_size"], sum(p.numel() for p in model.parameters()) / 1e6)
    return model, spec(folder)


def encode(model, wave: np.ndarray, enc: EncoderSpec, chunk_seconds: float) -> np.ndarray:
    """Return the time-averaged hidden states of a mono clip at ``enc.sample_rate``: float32 [num_states, hidden].

    The whole clip is encoded in chunks of ``chunk_seconds`` (each normalised on its own, as
    Wav2Vec2FeatureExtractor would be called per chunk) and the frame means are weighted by frame
    count, so the result is the mean over every frame of the clip. A trailing chunk shorter than one
    second joins the one before it, as a few hundred samples give no frame at all.
    """
    import torch

    wave = np.asarray(wave, dtype=np.float32)
    if wave.ndim != 1 or len(wave) < enc.sample_rate // 10:
        raise ValueError(f"expected at least 0.1 s of mono audio, got shape {wave.shape}")
    step = int(chunk_seconds * enc.sample_rate)
    bounds = list(range(0, len(wave), step))
    if len(bounds) > 1 and len(wave) - bounds[-1] < enc.sample_rate:
        bounds.pop()
    bounds.append(len(wave))
    layers = _transformer_layers(model)
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    total, frames = None, 0
    for start, stop in zip(bounds[:-1], bounds[1:]):
        chunk = wave[start:stop]
        if enc.do_normalize:  # Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm
            chunk = (chunk - chunk.mean()) / np.sqrt(chunk.var() + 1e-7)
        states = _hidden_states(model, layers, torch.from_numpy(chunk)[None].to(device, dtype))
        n = states.shape[1]
        part = states.float().sum(dim=1)  # [num_states, hidden]
        total = part if total is None else total + part
        frames += n
    return (total / frames).cpu().numpy().astype(np.float32)


def _transformer_layers(model):
    encoder = getattr(model, "encoder", None)
    if encoder is None or not hasattr(encoder, "layers"):
        raise TypeError(f"{type(model).__name__} has no encoder.layers; not a HuBERT-like encoder")
    return encoder.layers


def _hidden_states(model, layers, x):
    """[num_states, frames, hidden]: each transformer layer's input, then the encoder's final output."""
    import torch

    inputs = []
    hooks = [layer.register_forward_pre_hook(lambda _m, args, kwargs: inputs.append(
        args[0] if args else kwargs["hidden_states"]), with_kwargs=True) for layer in layers]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for h in hooks:
            h.remove()
    return torch.cat([*inputs, out.last_hidden_state], dim=0)
