"""``python -m musicqa.train.convert --from-mullama checkpoint.pth --out DIR``: the released MU-LLaMA weights.

The reference saves ``LLaMA_adapter.state_dict()`` (under ``"model"``): MERT's weights
(``mert_model.*``), the bridge (``mu_mert_*``), ``prefix_query``, and its own LLaMA in Meta's layout
(``llama.layers.N.attention.wq`` ...), with a ``gate`` [1, heads, 1, 1] in every layer, and in the
finetune phase biases on wq, wo, w1, w2, w3 plus unscaled LoRA pairs ``lora_<w>_l1``/``_l2``.

Every key is accounted for: MERT is reloaded by id + revision, the frozen LLaMA weights by
``--llm`` (``--verify-base`` compares them), the gates of the first layers are unused (zero), and
everything else lands in a musicqa checkpoint: ``DIR/pretrain`` (bridge, prefix, gates) and, for
a finetune checkpoint, ``DIR/finetune`` (norms, biases, LoRA; its parent is ``DIR/pretrain``).
Meta's wq/wk rows are interleaved per rotary pair; transformers' are split in halves, so every
tensor indexed by wq/wk output rows (``wq.bias``, ``lora_wq_l2``, ``lora_wk_l2``) is permuted the
way transformers' conversion script permutes the weights. The model config is the mullama preset's.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

import torch

from musicqa.atomic import atomic_folder
from musicqa.config import to_dict
from musicqa.errors import InputError
from musicqa.train import data
from musicqa.train import model as mdl
from musicqa.train.checkpoint import write_meta
from musicqa.train.config import LLAMA_ID, LLAMA_REVISION, MERT_ID, MERT_REVISION, ModelConfig
from musicqa.train.presets import MULLAMA_BIASES, MULLAMA_MODEL

log = logging.getLogger(__name__)

_LAYER = re.compile(r"llama\.layers\.(\d+)\.(.+)")
# Meta module name -> transformers module name inside a decoder layer
_LINEAR = {"attention.wq": "self_attn.q_proj", "attention.wk": "self_attn.k_proj", "attention.wv": "self_attn.v_proj",
           "attention.wo": "self_attn.o_proj", "feed_forward.w1": "mlp.gate_proj", "feed_forward.w2": "mlp.down_proj",
           "feed_forward.w3": "mlp.up_proj"}
_NORMS = {"attention_norm.weight": "input_layernorm.weight", "ffn_norm.weight": "post_attention_layernorm.weight"}
_LORA = {"attention.lora_wq": "self_attn.q_proj", "attention.lora_wk": "self_attn.k_proj",
         "attention.lora_wv": "self_attn.v_proj", "attention.lora_wo": "self_attn.o_proj",
         "feed_forward.lora_w1": "mlp.gate_proj", "feed_forward.lora_w2": "mlp.down_proj",
         "feed_forward.lora_w3": "mlp.up_proj"}


def hf_rows(t: torch.Tensor, heads: int) -> torch.Tensor:
    """Reorder the output rows of a q/k tensor from Meta's rotary layout (pairs) to transformers' (halves)."""
    head_dim = t.shape[0] // heads
    return t.reshape(heads, head_dim // 2, 2, *t.shape[1:]).transpose(1, 2).reshape(t.shape)


def read_state(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The reference's state_dict and what else the file holds (epoch, args), loaded without executing pickle code."""
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):  # the reference pickles its args
            try:
                obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
            except RuntimeError:  # files from torch < 1.6 cannot be memory-mapped
                obj = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as err:
        raise InputError(f"--from-mullama {path}: file not found") from err
    except (IsADirectoryError, RuntimeError, EOFError, OSError) as err:
        raise InputError(f"--from-mullama {path}: not a torch checkpoint ({type(err).__name__}: {err})") from err
    except Exception as err:  # pickle.UnpicklingError and friends: the file wants globals we do not allow
        raise InputError(f"--from-mullama {path}: refused by torch's safe loader ({err})".splitlines()[0]) from err
    state = obj.get("model", obj) if isinstance(obj, dict) else None
    if not isinstance(state, dict) or not any(k.startswith("llama.") for k in state):
        raise InputError(f"--from-mullama {path}: no MU-LLaMA state_dict (no 'llama.*' keys under 'model')")
    extra = {"epoch": obj.get("epoch")} if "model" in obj else {}
    if isinstance(obj.get("args"), argparse.Namespace):
        extra["args"] = {k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
                         for k, v in vars(obj["args"]).items()}
    return state, extra


@dataclasses.dataclass
class Converted:
    """The reference's tensors under musicqa's names, split by the phase whose checkpoint holds them."""

    phase: str  # the reference checkpoint's phase: pretrain, or finetune (which includes the pretrain part)
    cfg: ModelConfig
    pretrain: dict[str, torch.Tensor]
    finetune: dict[str, torch.Tensor]
    base: dict[str, torch.Tensor]  # frozen LLaMA weights, transformers names (for --verify-base)
    ignored: dict[str, int]  # what was not converted, and how many keys
    layers: int  # LLaMA layers the checkpoint has


# Trained adapter weights are small (prefix, bridge, gates, LoRA: |x| < 10 in the released checkpoints); random bytes
# read as float32 are NaN, inf or huge about half the time, so a corrupt tensor trips this bound.
MAX_TRAINED_ABS = 1e4


def convert(state: dict[str, torch.Tensor], cfg: ModelConfig) -> Converted:
    """Map every key of the reference state_dict; a missing, unknown, misshapen or corrupt tensor is one line."""
    try:
        conv = _convert(state, cfg)
    except KeyError as err:
        raise InputError(f"checkpoint has no {err.args[0]!r}, which every MU-LLaMA checkpoint has") from err
    except (IndexError, ValueError) as err:  # no layers at all, or a tensor of another rank than the reference's
        raise InputError(f"checkpoint is not shaped like MU-LLaMA's LLaMA_adapter state_dict ({err})") from err
    for name, t in (*conv.pretrain.items(), *conv.finetune.items()):
        peak = t.float().abs().max().item() if t.numel() else 0.0
        if not peak < MAX_TRAINED_ABS:  # also NaN
            raise InputError(f"checkpoint tensor {name} holds {peak:.3g}, expected trained weights below "
                             f"{MAX_TRAINED_ABS:g}: the file is corrupt")
    return conv


def _convert(state: dict[str, torch.Tensor], cfg: ModelConfig) -> Converted:
    phase = "finetune" if any("lora_" in k or k.endswith(".bias") for k in state if k.startswith("llama.")) \
        else "pretrain"
    legacy = [k for k in state if k.startswith(("mu_mert_norm", "mu_mert_f")) and k.endswith(".bias")]
    if legacy:
        raise InputError(f"checkpoint has a legacy LayerNorm bridge ({legacy[0]}): musicqa builds the RMSNorm one")
    layers = 1 + max(int(m.group(1)) for k in state if (m := _LAYER.match(k)))
    dim = state["llama.tok_embeddings.weight"].shape[1]
    gate = next((t for k, t in state.items() if k.endswith(".attention.gate")), None)  # any: a first one may lack
    heads = (gate if gate is not None else state["llama.layers.0.attention.gate"]).shape[1]
    kv_heads = state["llama.layers.0.attention.wk.weight"].shape[0] // (dim // heads)
    n_prefix = state["prefix_query.weight"].shape[0]
    blocks = sum(1 for k in state if re.fullmatch(r"mu_mert_norm_\d+\.weight", k))
    ffn_mult = state["mu_mert_f1_1.weight"].shape[0] // dim if blocks else cfg.bridge_ffn_mult
    lora_rank = state["llama.layers.0.attention.lora_wq_l1.weight"].shape[0] if phase == "finetune" \
        else cfg.lora_rank
    cfg = dataclasses.replace(cfg, adapter_layers=n_prefix, bridge_blocks=blocks, bridge_ffn_mult=ffn_mult,
                              lora_rank=lora_rank, lora_alpha=float(lora_rank))  # alpha = rank: unscaled LoRA
    first = layers - n_prefix
    pre: dict[str, torch.Tensor] = {"prefix.weight": state["prefix_query.weight"],
                                    "bridge.aggregate.weight": state["mu_mert_agg.weight"],
                                    "bridge.aggregate.bias": state["mu_mert_agg.bias"],
                                    "bridge.proj.weight": state["mu_mert_proj.weight"],
                                    "bridge.proj.bias": state["mu_mert_proj.bias"]}
    for b in range(blocks):
        pre[f"bridge.blocks.{b}.norm.weight"] = state[f"mu_mert_norm_{b + 1}.weight"]
        for w in ("w1", "w2", "w3"):
            pre[f"bridge.blocks.{b}.{w}.weight"] = state[f"mu_mert_f{w[1]}_{b + 1}.weight"]
    gates = torch.zeros(n_prefix, heads)
    adapted: set[int] = set()
    fine: dict[str, torch.Tensor] = {}
    base: dict[str, torch.Tensor] = {}
    ignored = {"mert_model (MERT, reloaded by id + revision)": 0, "unused gates of the first layers": 0}
    peft = "llm.base_model.model."
    used = {"prefix_query.weight", "mu_mert_agg.weight", "mu_mert_agg.bias", "mu_mert_proj.weight",
            "mu_mert_proj.bias"} | {k for k in state if re.fullmatch(r"mu_mert_(norm|f\d)_\d+\.weight", k)}
    for key, t in state.items():
        if key in used:
            continue
        if key.startswith("mert_model."):
            ignored["mert_model (MERT, reloaded by id + revision)"] += 1
            continue
        top = {"llama.tok_embeddings.weight": "model.embed_tokens.weight", "llama.output.weight": "lm_head.weight",
               "llama.norm.weight": "model.norm.weight"}
        if key in top:
            if key == "llama.norm.weight" and phase == "finetune":
                fine[peft + top[key]] = t
            base[top[key]] = t
            continue
        m = _LAYER.match(key)
        if not m:
            raise InputError(f"checkpoint key {key!r} is not a MU-LLaMA key musicqa knows")
        i, rest = int(m.group(1)), m.group(2)
        hf = f"model.layers.{i}."
        if rest == "attention.gate":
            if t.numel() != heads:
                raise InputError(f"checkpoint tensor {key} has shape {list(t.shape)}, expected [1, {heads}, 1, 1]")
            if i >= first:
                gates[i - first] = t.reshape(-1).float()
                adapted.add(i)
            else:
                ignored["unused gates of the first layers"] += 1
                if t.abs().max() > 0:
                    log.warning("%s is not zero but the reference never uses it (layer %d < %d)", key, i, first)
        elif rest in _NORMS:
            if phase == "finetune":
                fine[peft + hf + _NORMS[rest]] = t
            base[hf + _NORMS[rest]] = t
        elif rest.endswith((".weight", ".bias")) and rest.rsplit(".", 1)[0] in _LINEAR:
            module, kind = rest.rsplit(".", 1)
            name = hf + _LINEAR[module]
            rotary = module in ("attention.wq", "attention.wk")
            n = heads if module == "attention.wq" else kv_heads
            if kind == "weight":
                base[f"{name}.weight"] = hf_rows(t, n) if rotary else t
            else:
                fine[f"{peft}{name}.base_layer.bias"] = hf_rows(t, n) if rotary else t
        elif (lora := re.fullmatch(r"(.+)_l([12])\.weight", rest)) and lora.group(1) in _LORA:
            module, which = lora.group(1), lora.group(2)
            name = f"{peft}{hf}{_LORA[module]}"
            if which == "1":
                fine[f"{name}.lora_A.default.weight"] = t
            else:
                n = heads if module == "attention.lora_wq" else kv_heads
                rotary = module in ("attention.lora_wq", "attention.lora_wk")
                fine[f"{name}.lora_B.default.weight"] = hf_rows(t, n) if rotary else t
        else:
            raise InputError(f"checkpoint key {key!r} is not a MU-LLaMA key musicqa knows")
    missing = [i for i in range(first, layers) if i not in adapted]
    if missing:  # a zero gate would silently switch the layer's music path off
        raise InputError(f"checkpoint has no llama.layers.{missing[0]}.attention.gate, expected a gate in each of "
                         f"the last {n_prefix} layers ({len(missing)} missing)")
    pre["gates"] = gates
    biased = sorted({k.split(".")[-3] for k in fine if k.endswith(".base_layer.bias")})
    if phase == "finetune" and set(biased) != set(MULLAMA_BIASES):
        cfg = dataclasses.replace(cfg, bias_targets=biased)
    return Converted(phase, cfg, pre, fine, base, ignored, layers)


def _meta_model(cfg: ModelConfig, state: dict[str, torch.Tensor], llama_config: dict, phase: str):
    """A musicqa model on the meta device with the checkpoint's sizes: its trainable names and shapes."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from musicqa.train import mert

    with torch.device("meta"):
        llm = LlamaForCausalLM(LlamaConfig(**llama_config))
        spec = mert.EncoderSpec(24000, state["mu_mert_proj.weight"].shape[1], state["mu_mert_agg.weight"].shape[1],
                                True)
        model = mdl.MusicLlama(llm, mdl.Dims.of(spec, llm.config), cfg)
        if phase == "finetune":
            model.enable_finetune()
    return model


def llama_config(cfg: ModelConfig) -> dict:
    """LLaMA's config.json fields: the pinned LLaMA-2-7B's without a download, else the folder's or the hub's."""
    if cfg.llm == LLAMA_ID and cfg.llm_revision == LLAMA_REVISION:
        return dict(mdl.LLAMA2_7B)
    folder = Path(cfg.llm)
    if not folder.is_dir():
        from huggingface_hub import hf_hub_download

        folder = Path(hf_hub_download(cfg.llm, "config.json", revision=cfg.llm_revision)).parent
    raw = json.loads((folder / "config.json").read_text())
    skip = ("architectures", "transformers_version")
    return {k: v for k, v in raw.items() if not k.startswith("_") and k not in skip}


def check_shapes(conv: Converted, state: dict[str, torch.Tensor], llama: dict) -> None:
    """Every converted tensor must have the name and shape the musicqa model for ``--llm`` expects."""
    if conv.layers != llama["num_hidden_layers"]:
        raise InputError(f"checkpoint does not fit --llm {conv.cfg.llm}: {conv.layers} layers, "
                         f"--llm has {llama['num_hidden_layers']}")
    for phase, tensors in (("pretrain", conv.pretrain), ("finetune", conv.finetune), ("base", conv.base)):
        if phase == "finetune" and conv.phase != "finetune":
            continue
        model = _meta_model(conv.cfg, state, llama, "pretrain" if phase == "base" else phase)
        if phase == "base":  # the frozen LLaMA: every weight the checkpoint has, transformers' names and shapes
            expected = {n.removeprefix("llm."): tuple(p.shape) for n, p in model.named_parameters()
                        if n.startswith("llm.")}
        else:
            expected = {n: tuple(p.shape) for n, p in model.named_parameters() if mdl.is_trainable(n, phase)}
        got = {n: tuple(t.shape) for n, t in tensors.items()}
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        wrong = sorted(n for n in set(got) & set(expected) if got[n] != expected[n])
        if missing or extra or wrong:
            detail = "; ".join(f"{what} {names[:3]}" for what, names in
                               (("missing", missing), ("unexpected", extra), ("shape differs", wrong)) if names)
            raise InputError(f"checkpoint does not fit --llm {conv.cfg.llm} ({phase}): {detail}")


def verify_base(conv: Converted, device: str = "cpu") -> None:
    """Compare the checkpoint's frozen LLaMA weights with --llm's: a different base model is an error."""
    llm, _tok = mdl.load_llm(dataclasses.replace(conv.cfg, dtype="float32"), device)
    params = dict(llm.named_parameters())
    bad = []
    for name, t in conv.base.items():
        if name.endswith("norm.weight") and conv.phase == "finetune":
            continue  # trained in the finetune phase
        ours = params[name].detach().float()
        if ours.shape != t.shape or not torch.allclose(ours, t.float(), rtol=1e-3, atol=1e-4):
            bad.append(name)
    if bad:
        raise InputError(f"--verify-base: {len(bad)} of {len(conv.base)} frozen LLaMA tensors differ from "
                         f"--llm {conv.cfg.llm} (e.g. {bad[0]}): the checkpoint was trained on another base model")
    log.info("--verify-base: all %d frozen LLaMA tensors equal --llm %s", len(conv.base), conv.cfg.llm)


def _write(folder: Path, phase: str, tensors: dict[str, torch.Tensor], conv: Converted, dims: dict,
           parent: Path | None, source: dict) -> None:
    with atomic_folder(folder) as tmp:
        _fill(tmp, phase, tensors, conv, dims, parent, source)


def _fill(tmp: Path, phase: str, tensors: dict[str, torch.Tensor], conv: Converted, dims: dict,
          parent: Path | None, source: dict) -> None:
    from peft import LoraConfig
    from safetensors.torch import save_file

    plain = {n: t.float().contiguous() for n, t in tensors.items() if ".lora_" not in n}
    save_file(plain, str(tmp / mdl.TRAINABLE_FILE), metadata={"phase": phase})
    if phase == "finetune":  # peft's save_pretrained layout: names without "llm." and the adapter name
        adapter = {n.removeprefix("llm.").replace(".default.", "."): t.float().contiguous()
                   for n, t in tensors.items() if ".lora_" in n}
        (tmp / mdl.ADAPTER_DIR).mkdir()
        save_file(adapter, str(tmp / mdl.ADAPTER_DIR / "adapter_model.safetensors"), metadata={"format": "pt"})
        LoraConfig(r=conv.cfg.lora_rank, lora_alpha=conv.cfg.lora_alpha, lora_dropout=0.0,
                   target_modules=list(conv.cfg.lora_targets), bias="none", task_type="CAUSAL_LM",
                   base_model_name_or_path=conv.cfg.llm).save_pretrained(str(tmp / mdl.ADAPTER_DIR))
    template = data.template_name("mullama")
    meta = {"phase": phase, "step": 0, "total_steps": 0,
            "parent": str(parent.resolve()) if parent else None, "model": to_dict(conv.cfg), "dims": dims,
            "prompt_template": template, "prompt_template_hash": data.template_hash(template), "tokenize": "joint",
            "train_config": None, "trainable": {n: list(t.shape) for n, t in tensors.items()},
            "converted_from": source}
    write_meta(tmp, meta)


def run(path: Path, out: Path, cfg: ModelConfig, verify: bool = False) -> Path:
    """Convert ``path`` into ``out/pretrain`` (+ ``out/finetune``); return the folder to pass to infer."""
    state, extra = read_state(path)
    conv = convert(state, cfg)
    llama = llama_config(conv.cfg)
    check_shapes(conv, state, llama)
    if verify:
        verify_base(conv)
    model = _meta_model(conv.cfg, state, llama, "pretrain")
    dims = mdl.dims_dict(model)
    source = {"path": str(path), "format": "MU-LLaMA LLaMA_adapter state_dict", "phase": conv.phase,
              "keys": len(state), "ignored": conv.ignored, **extra}
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "pretrain", "pretrain", conv.pretrain, conv, dims, None, source)
    final = out / "pretrain"
    if conv.phase == "finetune":
        _write(out / "finetune", "finetune", conv.finetune, conv, dims, out / "pretrain", source)
        final = out / "finetune"
    converted = len(conv.pretrain) + len(conv.finetune)
    log.info("%s (%s, %d keys): %d tensors converted, %d frozen LLaMA tensors left to --llm, ignored %s",
             path, conv.phase, len(state), converted, len(conv.base), conv.ignored)
    return final


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m musicqa.train.convert", description=__doc__.splitlines()[0])
    ap.add_argument("--from-mullama", type=Path, required=True, metavar="CHECKPOINT_PTH",
                    help="the reference's checkpoint.pth (pretrain or finetune)")
    ap.add_argument("--out", type=Path, required=True, help="output folder: OUT/pretrain and OUT/finetune")
    ap.add_argument("--llm", default=LLAMA_ID, help=f"LLaMA-2-7B in transformers format (default: {LLAMA_ID})")
    ap.add_argument("--llm-revision", default=LLAMA_REVISION, help="hub revision of --llm; ignored for folders")
    ap.add_argument("--encoder", default=MERT_ID, help=f"MERT (default: {MERT_ID})")
    ap.add_argument("--encoder-revision", default=MERT_REVISION, help="hub revision of --encoder")
    ap.add_argument("--dtype", default="float16", choices=("float32", "bfloat16", "float16"),
                    help="dtype of the frozen base weights at inference (the reference ran float16)")
    ap.add_argument("--verify-base", action="store_true",
                    help="load --llm and check the checkpoint's frozen LLaMA weights equal it")
    ap.add_argument("-v", "--verbose", action="store_true", help="log DEBUG messages")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    cfg = ModelConfig(**{**MULLAMA_MODEL, "llm": args.llm, "llm_revision": args.llm_revision,
                         "encoder": args.encoder, "encoder_revision": args.encoder_revision, "dtype": args.dtype})
    try:
        final = run(args.from_mullama, args.out, cfg, args.verify_base)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(final)
    return 0


if __name__ == "__main__":
    sys.exit(main())
