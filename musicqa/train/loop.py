"""The training loop: plain, seeded, resumable; everything it does is written out below.

Data order is a pure function of (seed, epoch), and micro-batch k of the run is always the same
examples, so a resumed run replays exactly the batches the uninterrupted run would have seen. A
checkpoint is ``OUT/step-NNNNNN/``: the phase's trainable tensors (LoRA through peft), the
optimizer state, and ``checkpoint.json`` (config, step, parent checkpoint, tensor shapes). Base
weights are never saved; they are reloaded by id + revision.

Multi-GPU: launch with ``torchrun --nproc-per-node N -m musicqa.train ...``; each process takes
every N-th example of the epoch's permutation and DistributedDataParallel averages the gradients.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

import torch

from musicqa.atomic import atomic_folder, write_atomic
from musicqa.config import to_dict, to_toml
from musicqa.errors import InputError
from musicqa.store import JsonlStore
from musicqa.train import data, features
from musicqa.train import model as mdl
from musicqa.train.checkpoint import read_meta, write_meta
from musicqa.train.config import TrainConfig

log = logging.getLogger(__name__)

LATEST = "latest"  # text file in OUT naming the newest checkpoint folder
METRICS = "metrics.jsonl"


def lr_at(step: int, peak: float, floor: float, warmup: int, total: int, from_zero: bool = False) -> float:
    """Linear warmup to ``peak``, then a half-cycle cosine down to ``floor`` at ``total``.

    ``from_zero``: step k of the warmup runs at k / warmup x peak, so the first step has lr 0, as the
    reference's schedule on fractional epochs does; otherwise (k + 1) / warmup, so no step is wasted.
    """
    if step < warmup:
        return peak * (step + (0 if from_zero else 1)) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def pick_device(name: str, local_rank: int) -> torch.device:
    if name == "auto":
        return torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class Batches:
    """Micro-batch k of the run, for any k: epoch k // per_epoch, shuffled by (seed, epoch), sharded by rank."""

    def __init__(self, items: list[data.Tokenized], batch_size: int, seed: int, rank: int = 0, world: int = 1):
        self.items, self.batch_size, self.seed, self.rank, self.world = items, batch_size, seed, rank, world
        self.per_rank = len(items) // world if world > 1 else len(items)
        if self.per_rank < 1:
            raise InputError(f"{len(items)} examples cannot be shared by {world} processes")
        self.per_epoch = math.ceil(self.per_rank / batch_size)
        self._perm: tuple[int, list[int]] | None = None

    def _order(self, epoch: int) -> list[int]:
        if self._perm is None or self._perm[0] != epoch:
            g = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
            perm = torch.randperm(len(self.items), generator=g).tolist()
            self._perm = (epoch, perm[self.rank::self.world][:self.per_rank])
        return self._perm[1]

    def __call__(self, k: int) -> tuple[int, list[data.Tokenized]]:
        epoch, i = divmod(k, self.per_epoch)
        idx = self._order(epoch)[i * self.batch_size:(i + 1) * self.batch_size]
        return epoch, [self.items[j] for j in idx]


def save_checkpoint(out: Path, model: mdl.MusicLlama, optimizer: torch.optim.Optimizer, cfg: TrainConfig,
                    step: int, total: int, parent: Path | None, scaler: Any = None) -> Path:
    """Write OUT/step-NNNNNN atomically (``atomic_folder``), point OUT/latest at it, prune old ones.

    A kill during the save leaves the previous checkpoint (and ``latest``) as they were.
    """
    final = out / f"step-{step:06d}"
    with atomic_folder(final) as tmp:
        _fill_checkpoint(tmp, model, optimizer, cfg, step, total, parent, scaler)
    write_atomic(out / LATEST, final.name + "\n")
    if cfg.keep_checkpoints:
        for old in sorted(out.glob("step-*"))[:-cfg.keep_checkpoints]:
            shutil.rmtree(old)
    log.info("saved %s", final)
    return final


def _fill_checkpoint(tmp: Path, model: mdl.MusicLlama, optimizer: torch.optim.Optimizer, cfg: TrainConfig,
                     step: int, total: int, parent: Path | None, scaler: Any) -> None:
    mdl.save_trainable(model, cfg.phase, tmp)
    state = {"optimizer": optimizer.state_dict(), "step": step}
    if scaler is not None and scaler.is_enabled():
        state["scaler"] = scaler.state_dict()
    torch.save(state, tmp / "optimizer.pt")
    meta = {"phase": cfg.phase, "step": step, "total_steps": total,
            "parent": str(parent.resolve()) if parent else None, "model": to_dict(cfg.model),
            "dims": mdl.dims_dict(model), "prompt_template": data.template_name(cfg.data.prompt),
            "prompt_template_hash": data.template_hash(data.template_name(cfg.data.prompt)),
            "tokenize": cfg.data.tokenize, "train_config": to_dict(cfg),
            "trainable": {n: list(t.shape) for n, t in mdl.trainable_state(model, cfg.phase).items()}}
    write_meta(tmp, meta)


def resolve_resume(cfg: TrainConfig) -> Path | None:
    """--resume as a folder; 'auto' means OUT/latest if present (a fresh start otherwise)."""
    if cfg.resume is None:
        return None
    if str(cfg.resume) == "auto":
        latest = cfg.out / LATEST
        if not latest.exists():
            log.info("--resume auto: no checkpoint in %s yet, starting fresh", cfg.out)
            return None
        return cfg.out / latest.read_text().strip()
    read_meta(cfg.resume, "--resume")
    return cfg.resume


def _truncate_metrics(metrics: JsonlStore, step: int) -> None:
    """Drop metric lines past the resumed step (written after the checkpoint by the interrupted run)."""
    if metrics.path.exists():
        metrics.rewrite([r for r in metrics.read() if r["step"] <= step])


def _features_for(cfg: TrainConfig, clips: dict[str, data.Clip], device: torch.device) -> features.FeatureCache:
    """The feature cache for this encoder, filled for ``clips``; the encoder is loaded only on a miss."""
    m = cfg.model
    cache = features.FeatureCache(cfg.data.feature_cache,
                                  features.encoder_key(m.encoder, m.encoder_revision, m.chunk_seconds,
                                                       m.trust_remote_code, m.encode_seconds))
    missing = [c for c in clips.values() if not cache.has(c.clip_key)]
    if missing:
        encoder = mdl.MusicEncoder(m, device)
        rate = encoder.spec.sample_rate
        features.fill(cache, ((c.clip_key, data.wave_loader(c.data, rate)) for c in missing),
                      lambda wave: encoder(wave, rate), total=len(missing))
        del encoder
    else:
        log.info("features: all %d clips cached in %s", len(clips), cache.dir)
    return cache


def _mean_loss(model: mdl.MusicLlama, items: list[data.Tokenized], cache: features.FeatureCache, pad: int,
               batch_size: int, device: torch.device, autocast: Any) -> float:
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(items), batch_size):
            batch = {k: v.to(device) for k, v in data.collate(items[i:i + batch_size], cache.get, pad).items()}
            with autocast():
                loss = model(**batch).loss
            total += loss.item() * len(batch["input_ids"])
            n += len(batch["input_ids"])
    model.train()
    return total / max(1, n)


def run(cfg: TrainConfig) -> Path:
    """Train one phase as ``cfg`` says; return the final checkpoint folder."""
    from tqdm import tqdm

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(cfg.device, local_rank)
    if world > 1:
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    main = rank == 0
    cfg.out.mkdir(parents=True, exist_ok=True)

    # Which checkpoints the model starts from: a resumed run's own chain, else the pretrain one for finetune.
    resume = resolve_resume(cfg)
    chain = mdl.checkpoint_chain(resume) if resume else (mdl.checkpoint_chain(cfg.init_from) if cfg.init_from
                                                         else [])
    if resume:
        meta = read_meta(resume, "--resume")
        if meta["phase"] != cfg.phase:
            raise InputError(f"--resume {resume}: a {meta['phase']} checkpoint, but --phase is {cfg.phase}")
    parent = chain[-2] if resume and len(chain) > 1 else (chain[-1] if chain and not resume else None)
    if cfg.phase == "finetune" and not any(
            read_meta(c)["phase"] == "pretrain" for c in chain):
        raise InputError("--phase finetune needs --init-from PRETRAIN_CHECKPOINT: with zero, frozen gates the "
                         "music token would have no effect")
    if main:
        write_atomic(cfg.out / "train_config.toml", to_toml(cfg))

    examples, clips = data.load_split(cfg.data.dataset, cfg.data.subset, cfg.data.split, cfg.data.revision,
                                      cfg.data.tasks)
    if cfg.data.max_examples:
        examples = examples[:cfg.data.max_examples]
        clips = {k: c for k, c in clips.items() if k in {e.clip_key for e in examples}}
    if cfg.data.alpaca:
        text_only, silence = data.load_alpaca(cfg.data.alpaca, cfg.data.alpaca_max)
        examples = examples + text_only
        clips = {**clips, silence.clip_key: silence}
    elif cfg.preset == "mullama" and cfg.phase == "pretrain":
        log.warning("--preset mullama: the reference pretrained on the dataset mixed with the 52k Alpaca rows; "
                    "give --data.alpaca alpaca_data.json to do the same")
    eval_examples: list[data.Example] = []
    if cfg.data.eval_split:
        eval_examples, eval_clips = data.load_split(cfg.data.dataset, cfg.data.subset, cfg.data.eval_split,
                                                    cfg.data.revision, cfg.data.tasks)
        clips = {**clips, **eval_clips}
    cache = _features_for(cfg, clips, device)

    model, tok = mdl.build(cfg.model, cfg.phase, chain, device, seed=cfg.seed)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    template = data.template_name(cfg.data.prompt)
    items = data.tokenize(examples, tok, cfg.data.max_tokens, template, cfg.data.tokenize)
    eval_items = data.tokenize(eval_examples, tok, cfg.data.max_tokens, template, cfg.data.tokenize) \
        if eval_examples else []
    batches = Batches(items, cfg.batch_size, cfg.seed, rank, world)

    # AdamW: no weight decay on 1-D tensors (norms, biases), as the reference; nor on the gates unless
    # --decay-gates (the reference decays them: its gates are [1, heads, 1, 1], so its 1-D rule misses them).
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]

    def decays(name: str, p: torch.Tensor) -> bool:
        return p.ndim >= 2 and (cfg.decay_gates or name != "gates")

    decay = [p for n, p in named if decays(n, p)]
    no_decay = [p for n, p in named if not decays(n, p)]
    peak = cfg.learning_rate(world)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=peak, betas=tuple(cfg.betas))
    total = cfg.max_steps or max(1, cfg.epochs * batches.per_epoch // cfg.accum_steps)
    warmup = round(cfg.warmup_epochs * batches.per_epoch / cfg.accum_steps)

    step = 0
    metrics = JsonlStore(cfg.out / METRICS, schema=None) if main else None  # a torn last line is cut here
    if resume:
        state = torch.load(resume / "optimizer.pt", map_location=device, weights_only=True)
        optimizer.load_state_dict(state["optimizer"])
        step = state["step"]
        if main:
            _truncate_metrics(metrics, step)
        log.info("resumed from %s at step %d", resume, step)
    train_model: torch.nn.Module = model
    if world > 1:
        train_model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)

    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(cfg.precision)
    # fp16 needs loss scaling (the reference's NativeScaler); bf16 has fp32's exponent range and does not.
    scaler = torch.amp.GradScaler(device.type, enabled=cfg.precision == "fp16")
    if resume and "scaler" in state:
        scaler.load_state_dict(state["scaler"])

    def autocast():
        return torch.autocast(device.type, dtype=half or torch.float32, enabled=half is not None)

    log.info("%d examples, %d micro-batches of %d per epoch, %d steps (accum %d, world %d), lr %.3g, warmup %d",
             len(items), batches.per_epoch, cfg.batch_size, total, cfg.accum_steps, world, peak, warmup)
    model.train()
    last_ckpt = resume
    started = time.perf_counter()
    bar = tqdm(total=total, initial=step, unit="step", desc=f"train {cfg.phase}", disable=not main)
    while step < total:
        lr = lr_at(step, peak, cfg.min_lr, warmup, total, cfg.warmup_from_zero)
        for group in optimizer.param_groups:
            group["lr"] = lr
        losses = []
        for micro in range(cfg.accum_steps):
            epoch, batch_items = batches(step * cfg.accum_steps + micro)
            batch = {k: v.to(device) for k, v in data.collate(batch_items, cache.get, pad).items()}
            sync = world == 1 or micro == cfg.accum_steps - 1  # DDP: all-reduce once per optimizer step
            with train_model.no_sync() if not sync else contextlib.nullcontext():
                with autocast():
                    loss = train_model(**batch).loss
                scaler.scale(loss / cfg.accum_steps).backward()
            losses.append(loss.item())
        grad_norm = None
        if cfg.grad_clip > 0:
            scaler.unscale_(optimizer)
            grad_norm = torch.nn.utils.clip_grad_norm_([p for _, p in named], cfg.grad_clip).item()
        scaler.step(optimizer)  # skips the step if fp16 gradients overflowed, then lowers the scale
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        record: dict[str, Any] = {"step": step, "epoch": epoch, "loss": sum(losses) / len(losses), "lr": lr}
        if grad_norm is not None:
            record["grad_norm"] = grad_norm
        if cfg.eval_every and step % cfg.eval_every == 0 and eval_items:
            record["eval_loss"] = _mean_loss(model, eval_items, cache, pad, cfg.batch_size, device, autocast)
        if main:
            metrics.append([record])
            bar.update(1)
            bar.set_postfix(loss=f"{record['loss']:.4f}", lr=f"{lr:.2e}")
            if step % cfg.log_every == 0 or step == total:
                log.info("step %d/%d epoch %d loss %.4f lr %.3g%s", step, total, epoch, record["loss"], lr,
                         f" eval_loss {record['eval_loss']:.4f}" if "eval_loss" in record else "")
            if step % cfg.save_every == 0 or step == total:
                last_ckpt = save_checkpoint(cfg.out, model, optimizer, cfg, step, total, parent, scaler)
    bar.close()
    if main:
        log.info("train %s: %d steps in %.1f s; final checkpoint %s", cfg.phase, total,
                 time.perf_counter() - started, last_ckpt)
    if world > 1:
        torch.distributed.destroy_process_group()
    return last_ckpt if last_ckpt is not None else cfg.out
