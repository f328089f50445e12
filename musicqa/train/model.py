"""MU-LLaMA on transformers + peft: frozen MERT -> bridge -> one music token -> gated adapters in LLaMA.

Read top to bottom:

1. ``MusicEncoder``: frozen MERT (eval mode, no grad). A clip becomes its hidden states averaged
   over time, [25, 1024] for MERT-v1-330M. Training reads these from the feature cache.
2. ``Bridge``: Conv1d(25 -> 1, kernel 1) over the layer axis, L2-normalise, Linear 1024 -> 4096,
   then residual SwiGLU blocks (RMSNorm; 4096 -> 16384 -> 4096, no bias): one music token.
3. ``MusicLlama``: a learned prefix Embedding(20, 4096); the adapter of the i-th of the last 20
   LLaMA layers is music token + prefix[i]. Inside that layer's attention, just before ``o_proj``,
   ``out += tanh(gate_i) * v_proj(adapter)`` with one gate per head (LLaMA-Adapter with a single
   adapter token, where the softmax over one key is 1). Gates start at zero, so an untrained model
   computes exactly what plain LLaMA computes. ``--model.adapter-value base`` takes the value
   through the frozen W_v alone (no LoRA, no bias), as the reference does.
4. ``is_trainable``: the one predicate that sets ``requires_grad`` and decides what a checkpoint holds.

The injection is a forward pre-hook on each ``o_proj``: LLaMA's own modules, parameter names and
weights stay untouched, so peft's LoRA and ``from_pretrained`` work on the model as they would on
plain LLaMA, and the hooks are re-installed after peft wraps ``o_proj``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from musicqa.errors import InputError
from musicqa.train import mert
from musicqa.train.checkpoint import META, read_meta
from musicqa.train.config import ModelConfig

log = logging.getLogger(__name__)

TRAINABLE_FILE = "trainable.safetensors"
ADAPTER_DIR = "adapter"  # peft's save_pretrained output: the LoRA tensors and adapter_config.json


# 1. The frozen music encoder ------------------------------------------------------------------------

class MusicEncoder:
    """Frozen MERT: mono audio at any rate -> float32 [num_states, hidden] averaged over the whole clip."""

    def __init__(self, cfg: ModelConfig, device: str | torch.device = "cpu") -> None:
        dtype = getattr(torch, cfg.dtype)
        self.model, self.spec = mert.load(cfg.encoder, cfg.encoder_revision,
                                          trust_remote_code=cfg.trust_remote_code, dtype=dtype)
        self.model.to(device)
        self.chunk_seconds = cfg.chunk_seconds
        self.encode_seconds = cfg.encode_seconds

    def __call__(self, wave: np.ndarray, sample_rate: int) -> np.ndarray:
        from musicqa import audio

        wave = audio.resample(wave, sample_rate, self.spec.sample_rate)
        if self.encode_seconds is not None:  # the reference's chunk loop only ever reached its first 60 s
            wave = wave[:int(self.encode_seconds * self.spec.sample_rate)]
        return mert.encode(self.model, wave, self.spec, self.chunk_seconds)


# 2. The bridge: encoder states -> one music token -----------------------------------------------------

class SwiGLUBlock(nn.Module):
    """x + W2(silu(W1 n) * W3 n), n = RMSNorm(x): LLaMA's feed-forward as a residual block, no biases."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.RMSNorm(dim, eps=1e-6)
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.norm(x)
        return x + self.w2(F.silu(self.w1(n)) * self.w3(n))


class Bridge(nn.Module):
    """[B, num_states, enc_dim] -> [B, llm_dim]: aggregate the layers, L2-normalise, project, refine."""

    def __init__(self, num_states: int, enc_dim: int, llm_dim: int, blocks: int, ffn_mult: int) -> None:
        super().__init__()
        self.aggregate = nn.Conv1d(num_states, 1, kernel_size=1)  # a learned weighting of the layers
        self.proj = nn.Linear(enc_dim, llm_dim)
        self.blocks = nn.ModuleList(SwiGLUBlock(llm_dim, llm_dim * ffn_mult) for _ in range(blocks))

    def forward(self, states: torch.Tensor, knn: Any = None) -> torch.Tensor:
        """``knn``: optional callable on the normalised [B, enc_dim] vector (the reference's inference cache)."""
        x = F.normalize(self.aggregate(states).squeeze(1), dim=-1)
        if knn is not None:
            x = knn(x)
        x = self.proj(x)
        for block in self.blocks:
            x = block(x)
        return x


# 3. LLaMA with gated music adapters --------------------------------------------------------------------

@dataclass(frozen=True)
class Dims:
    """Sizes read from the encoder and LLaMA configs; stored in checkpoints to rebuild the same bridge."""

    num_states: int
    enc_dim: int
    llm_dim: int
    llm_layers: int
    heads: int
    kv_heads: int
    head_dim: int

    @classmethod
    def of(cls, spec: mert.EncoderSpec, llm_config: Any) -> Dims:
        heads = llm_config.num_attention_heads
        return cls(spec.num_states, spec.hidden_size, llm_config.hidden_size, llm_config.num_hidden_layers, heads,
                   getattr(llm_config, "num_key_value_heads", None) or heads,
                   getattr(llm_config, "head_dim", None) or llm_config.hidden_size // heads)


def decoder_layers(llm: nn.Module) -> nn.ModuleList:
    """LLaMA's decoder layers, whether or not peft has wrapped the model."""
    base = llm.get_base_model() if hasattr(llm, "get_base_model") else llm
    return base.model.layers


class MusicLlama(nn.Module):
    """LlamaForCausalLM + bridge + prefix + per-head gates on the last ``adapter_layers`` layers."""

    def __init__(self, llm: nn.Module, dims: Dims, cfg: ModelConfig) -> None:
        super().__init__()
        if cfg.adapter_layers > dims.llm_layers:
            raise InputError(f"--model.adapter-layers {cfg.adapter_layers} > LLaMA's {dims.llm_layers} layers")
        self.cfg, self.dims = cfg, dims
        self.llm = llm
        self.bridge = Bridge(dims.num_states, dims.enc_dim, dims.llm_dim, cfg.bridge_blocks, cfg.bridge_ffn_mult)
        self.prefix = nn.Embedding(cfg.adapter_layers, dims.llm_dim)
        self.gates = nn.Parameter(torch.zeros(cfg.adapter_layers, dims.heads))  # zero: step 0 == plain LLaMA
        self.knn: Any = None  # inference only: musicqa.train.knn.KnnCache, mixed in before the projection
        self._adapters: torch.Tensor | None = None  # [B, adapter_layers, llm_dim] while a forward runs
        self._hooks: list[Any] = []
        self.install_hooks()

    def install_hooks(self) -> None:
        """(Re)attach the gated injection to the current ``o_proj`` of each of the last N layers."""
        for h in self._hooks:
            h.remove()
        layers = decoder_layers(self.llm)
        first = len(layers) - self.cfg.adapter_layers
        self._hooks = [layer.self_attn.o_proj.register_forward_pre_hook(self._injector(i, layer.self_attn))
                       for i, layer in enumerate(layers[first:])]

    def _injector(self, i: int, attn: nn.Module):
        d = self.dims
        base_value = self.cfg.adapter_value == "base"

        def inject(_o_proj: nn.Module, args: tuple) -> tuple | None:
            if self._adapters is None:  # a plain LLaMA call (no music): leave it untouched
                return None
            x = args[0]  # attention output before o_proj: [B, T, heads * head_dim]
            adapter = self._adapters[:, i].to(x.dtype)
            if base_value:  # the reference: adapter_v = self.wv(adapter), wv frozen, bias-free and outside LoRA
                v = F.linear(adapter, getattr(attn.v_proj, "base_layer", attn.v_proj).weight)
            else:  # [B, kv_heads * head_dim], LoRA/bias included
                v = attn.v_proj(adapter)
            v = v.view(v.shape[0], d.kv_heads, d.head_dim).repeat_interleave(d.heads // d.kv_heads, dim=1)
            v = torch.tanh(self.gates[i]).to(v.dtype)[None, :, None] * v
            return (x + v.reshape(v.shape[0], 1, -1), *args[1:])
        return inject

    def music_adapters(self, features: torch.Tensor) -> torch.Tensor:
        """[B, num_states, enc_dim] -> [B, adapter_layers, llm_dim]: music token + prefix_i for each layer."""
        token = self.bridge(features.to(self.prefix.weight.dtype), self.knn)
        return token[:, None, :] + self.prefix.weight[None]

    @contextlib.contextmanager
    def music(self, features: torch.Tensor | None) -> Iterator[None]:
        """Within this block, every LLaMA call (forward or generate) hears ``features``.

        None: no music at all (no token, no prefix): the language model's text prior, the no-audio control.
        """
        self._adapters = None if features is None else self.music_adapters(features)
        try:
            yield
        finally:
            self._adapters = None

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, features: torch.Tensor | None,
                labels: torch.Tensor | None = None):
        """LLaMA's CausalLMOutput (``.loss`` is the mean over answer tokens when ``labels`` is given)."""
        with self.music(features):
            return self.llm(input_ids=input_ids, attention_mask=attention_mask, labels=labels)

    @torch.no_grad()
    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, features: torch.Tensor | None,
                 **kwargs: Any) -> torch.Tensor:
        with self.music(features):
            return self.llm.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)

    @property
    def is_peft(self) -> bool:
        from peft import PeftModel

        return isinstance(self.llm, PeftModel)

    def enable_finetune(self) -> None:
        """Finetune phase: zero-initialised biases on ``cfg.biased_layers()``, then peft LoRA."""
        from peft import LoraConfig, get_peft_model

        biased = self.cfg.biased_layers()
        if biased:
            for layer in decoder_layers(self.llm):
                for name, module in layer.named_modules():
                    if name.split(".")[-1] in biased and isinstance(module, nn.Linear) \
                            and module.bias is None:
                        module.bias = nn.Parameter(torch.zeros(module.out_features, dtype=module.weight.dtype,
                                                               device=module.weight.device))
        lora = LoraConfig(r=self.cfg.lora_rank, lora_alpha=self.cfg.lora_alpha, lora_dropout=0.0,
                          target_modules=list(self.cfg.lora_targets), bias="none", task_type="CAUSAL_LM")
        self.llm = get_peft_model(self.llm, lora)
        self.install_hooks()


# 4. What trains, and what a checkpoint holds ----------------------------------------------------------

def is_trainable(name: str, phase: str) -> bool:
    """True for the parameters ``phase`` trains; also exactly the tensors its checkpoint holds.

    pretrain: bridge, prefix and gates (LLaMA and MERT frozen). finetune: LLaMA's RMSNorm weights,
    the added biases and LoRA (bridge, prefix and gates frozen), as the seed's name filter did, but
    without its substring match that would also catch ``gate_proj``.
    """
    if phase == "pretrain":
        return name.startswith(("bridge.", "prefix.")) or name == "gates"
    if phase == "finetune":
        if not name.startswith("llm."):
            return False
        return ".lora_" in name or name.endswith(".bias") or name.endswith("norm.weight")
    raise ValueError(f"unknown phase {phase!r}")


def mark_trainable(model: MusicLlama, phase: str) -> dict[str, int]:
    """Set requires_grad from ``is_trainable`` (trainable tensors become float32); log and return the counts."""
    counts = {"trainable": 0, "frozen": 0}
    for name, p in model.named_parameters():
        train = is_trainable(name, phase)
        p.requires_grad_(train)
        if train and p.dtype != torch.float32:
            p.data = p.data.float()
        counts["trainable" if train else "frozen"] += p.numel()
    log.info("phase %s: %s trainable parameters, %s frozen", phase, f"{counts['trainable']:,}",
             f"{counts['frozen']:,}")
    return counts


def trainable_state(model: MusicLlama, phase: str) -> dict[str, torch.Tensor]:
    return {n: p.detach() for n, p in model.named_parameters() if is_trainable(n, phase)}


def save_trainable(model: MusicLlama, phase: str, folder: Path) -> None:
    """Write the phase's trainable tensors: LoRA through peft's save_pretrained, the rest as safetensors."""
    from safetensors.torch import save_file

    state = trainable_state(model, phase)
    plain = {n: t.contiguous().cpu() for n, t in state.items() if ".lora_" not in n}
    save_file(plain, str(folder / TRAINABLE_FILE), metadata={"phase": phase})
    if phase == "finetune":
        model.llm.save_pretrained(str(folder / ADAPTER_DIR))


def load_trainable(model: MusicLlama, phase: str, folder: Path) -> None:
    """Load what ``save_trainable`` wrote into a model built for ``phase``; every tensor must land."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    expected = set(trainable_state(model, phase))
    plain = load_file(str(folder / TRAINABLE_FILE))
    params = dict(model.named_parameters())
    unknown = sorted(set(plain) - expected)
    if unknown:
        raise InputError(f"{folder / TRAINABLE_FILE}: tensors not trainable in phase {phase}: {unknown[:5]}")
    with torch.no_grad():
        for name, tensor in plain.items():
            params[name].copy_(tensor)
    loaded = set(plain)
    if phase == "finetune":
        adapter = load_file(str(folder / ADAPTER_DIR / "adapter_model.safetensors"))
        result = set_peft_model_state_dict(model.llm, adapter)
        if result.unexpected_keys:
            raise InputError(f"{folder / ADAPTER_DIR}: unexpected LoRA tensors {result.unexpected_keys[:5]}")
        loaded |= {n for n in expected if ".lora_" in n}
    missing = sorted(expected - loaded)
    if missing:
        raise InputError(f"{folder}: checkpoint lacks trainable tensors {missing[:5]}")


# Building -----------------------------------------------------------------------------------------------

def load_llm(cfg: ModelConfig, device: str | torch.device = "cpu"):
    """(LlamaForCausalLM, tokenizer) from the configured id/folder and revision."""
    from transformers import AutoTokenizer, LlamaForCausalLM

    revision = None if Path(cfg.llm).is_dir() else cfg.llm_revision
    llm = LlamaForCausalLM.from_pretrained(cfg.llm, revision=revision, dtype=getattr(torch, cfg.dtype))
    tok = AutoTokenizer.from_pretrained(cfg.llm, revision=revision)
    return llm.to(device).eval(), tok


def encoder_spec(cfg: ModelConfig) -> mert.EncoderSpec:
    """The encoder's sizes from its config files alone (no weights are fetched or loaded)."""
    return mert.spec(mert.resolve(cfg.encoder, cfg.encoder_revision, weights=False))


def checkpoint_chain(ckpt: Path) -> list[Path]:
    """``ckpt`` and the checkpoints it was initialised from, oldest first (pretrain, then finetune)."""
    chain: list[Path] = []
    while ckpt is not None:
        meta = read_meta(ckpt)
        chain.insert(0, Path(ckpt))
        ckpt = Path(meta["parent"]) if meta.get("parent") else None
        if len(chain) > 8:
            raise InputError(f"{Path(ckpt) / META}: checkpoint parents form a cycle")
    return chain


def build(cfg: ModelConfig, phase: str, chain: list[Path], device: str | torch.device = "cpu",
          seed: int = 0) -> tuple[MusicLlama, Any]:
    """The model for ``phase`` with the checkpoints in ``chain`` (oldest first: pretrain, then finetune) loaded.

    New parameters are initialised from ``seed``; base weights always come from ``cfg.llm``.
    """
    llm, tok = load_llm(cfg, device)
    torch.manual_seed(seed)
    model = MusicLlama(llm, Dims.of(encoder_spec(cfg), llm.config), cfg).to(device)
    for ckpt in chain:
        ckpt_phase = read_meta(ckpt)["phase"]
        if ckpt_phase == "finetune" and not model.is_peft:
            model.enable_finetune()
        load_trainable(model, ckpt_phase, ckpt)
        log.info("loaded %s tensors from %s", ckpt_phase, ckpt)
    if phase == "finetune" and not model.is_peft:
        model.enable_finetune()
    mark_trainable(model, phase)
    return model, tok


# Full-size parameter counts (meta device: nothing is allocated) ------------------------------------------

# config.json fields of the pinned revisions (LLAMA_REVISION, MERT_REVISION in config.py).
LLAMA2_7B = {"hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 32, "vocab_size": 32000, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
             "tie_word_embeddings": False}
MERT_V1_330M = {"model_type": "mert_model", "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
                "intermediate_size": 4096, "conv_dim": [512] * 7, "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
                "conv_stride": [5, 2, 2, 2, 2, 2, 2], "conv_bias": False, "feat_extract_norm": "group",
                "feat_proj_layer_norm": True, "do_stable_layer_norm": True, "num_conv_pos_embeddings": 128,
                "num_conv_pos_embedding_groups": 16, "mask_time_prob": 0.05, "feature_extractor_cqt": False,
                "deepnorm": False, "attention_relax": 32.0, "sample_rate": 24000}


def parameter_counts(cfg: ModelConfig | None = None, llama: dict | None = None,
                     encoder: dict | None = None) -> dict[str, int]:
    """Parameter counts of every part at full size (MERT-v1-330M + LLaMA-2-7B unless configs are given)."""
    from peft import LoraConfig, get_peft_model
    from transformers import HubertModel, LlamaConfig, LlamaForCausalLM

    cfg = cfg or ModelConfig()
    with torch.device("meta"):
        llm = LlamaForCausalLM(LlamaConfig(**(llama or LLAMA2_7B)))
        enc = HubertModel(mert.hubert_config(encoder or MERT_V1_330M))
        enc_cfg = encoder or MERT_V1_330M
        spec = mert.EncoderSpec(24000, enc_cfg["hidden_size"], enc_cfg["num_hidden_layers"] + 1, True)
        model = MusicLlama(llm, Dims.of(spec, llm.config), cfg)
        n = lambda params: sum(p.numel() for p in params)  # noqa: E731
        counts = {"encoder (MERT, frozen)": n(enc.parameters()), "llama (frozen)": n(llm.parameters()),
                  "bridge": n(model.bridge.parameters()), "prefix": model.prefix.weight.numel(),
                  "gates": model.gates.numel()}
        counts["pretrain trainable (bridge+prefix+gates)"] = counts["bridge"] + counts["prefix"] + counts["gates"]
        norms = sum(p.numel() for name, p in llm.named_parameters() if name.endswith("norm.weight"))
        per_layer_bias = sum(m.out_features for name, m in decoder_layers(llm)[0].named_modules()
                             if name.split(".")[-1] in cfg.biased_layers() and isinstance(m, nn.Linear))
        peft_llm = get_peft_model(llm, LoraConfig(r=cfg.lora_rank, lora_alpha=cfg.lora_alpha,
                                                  target_modules=list(cfg.lora_targets)))
        counts["lora"] = sum(p.numel() for name, p in peft_llm.named_parameters() if ".lora_" in name)
    counts["llama norms"] = norms
    counts["biases (bias tuning)"] = per_layer_bias * len(decoder_layers(llm))
    counts["finetune trainable (lora+norms+biases)"] = counts["lora"] + norms + counts["biases (bias tuning)"]
    return counts


def dims_dict(model: MusicLlama) -> dict[str, int]:
    return asdict(model.dims)
