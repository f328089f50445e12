"""The training proofs issue 5 asks for, on the tiny models and a contract-shaped dataset folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from safetensors.torch import load_file

from musicqa.train.loop import Batches, lr_at, run
from tests.train.conftest import losses, train_config


def test_pretrain_then_finetune_cuts_the_loss_by_half(pretrained, finetuned):
    pre, fine = losses(pretrained), losses(finetuned)
    assert len(pre) == 20 and len(fine) == 20
    assert pre[-1] < pre[0] - 0.2, f"pretrain did not learn: {pre}"  # LLaMA frozen: only the music path moves
    assert fine[-1] <= 0.5 * pre[0], f"loss {pre[0]:.3f} -> {fine[-1]:.3f} is not a 50% cut: {pre + fine}"


def test_resume_continues_the_same_loss_curve(pretrained, tiny_llama_lm, tiny_mert, musicqa_dataset, tmp_path):
    # A fresh OUT whose only checkpoint is step 10 of the 20-step run: resuming must replay steps 11..20.
    out = tmp_path / "resumed"
    out.mkdir()
    shutil.copytree(pretrained / "step-000010", out / "step-000010")
    (out / "latest").write_text("step-000010\n")
    (out / "metrics.jsonl").write_text("".join(
        line + "\n" for line in (pretrained / "metrics.jsonl").read_text().splitlines()[:13]))  # 3 torn extra
    run(train_config(out, tiny_llama_lm, tiny_mert, musicqa_dataset, pretrained.parent / "features",
                     max_steps=20, resume="auto"))
    full, resumed = losses(pretrained), losses(out)
    assert len(resumed) == 20  # the 3 lines past the checkpoint were dropped, not duplicated
    assert resumed[:10] == full[:10]
    for a, b in zip(resumed[10:], full[10:]):
        assert abs(a - b) <= 1e-5 * abs(b), (resumed, full)


def _checkpoint_tensors(ckpt) -> dict:
    tensors = dict(load_file(str(ckpt / "trainable.safetensors")))
    if (ckpt / "adapter").exists():
        tensors.update({f"adapter:{k}": v for k, v in load_file(str(ckpt / "adapter" / "adapter_model.safetensors"))
                        .items()})
    return tensors


def test_pretrain_checkpoint_holds_only_bridge_prefix_and_gates(pretrained):
    ckpt = pretrained / "step-000020"
    meta = json.loads((ckpt / "checkpoint.json").read_text())
    tensors = _checkpoint_tensors(ckpt)
    assert set(tensors) == set(meta["trainable"])
    assert all(n.startswith(("bridge.", "prefix.")) or n == "gates" for n in tensors)
    assert not (ckpt / "adapter").exists()
    assert {n: list(t.shape) for n, t in tensors.items()} == meta["trainable"]
    assert {"optimizer.pt", "checkpoint.json", "trainable.safetensors"} == {p.name for p in ckpt.iterdir()}


def test_finetune_checkpoint_holds_lora_norms_and_biases_only(finetuned):
    ckpt = finetuned / "step-000020"
    meta = json.loads((ckpt / "checkpoint.json").read_text())
    plain = load_file(str(ckpt / "trainable.safetensors"))
    lora = load_file(str(ckpt / "adapter" / "adapter_model.safetensors"))
    assert plain and all(n.endswith((".bias", "norm.weight")) for n in plain)
    assert lora and all("lora_" in n for n in lora)
    expected = {n for n in meta["trainable"] if ".lora_" not in n}
    assert set(plain) == expected
    assert len(lora) == sum(1 for n in meta["trainable"] if ".lora_" in n)
    # nothing of LLaMA's own weights: every saved tensor is small next to the base model
    assert not any(n.endswith(("q_proj.weight", "embed_tokens.weight", "lm_head.weight")) for n in plain)
    assert meta["parent"].endswith("step-000020") and meta["phase"] == "finetune"


def test_batches_are_a_function_of_the_micro_batch_index():
    items = list(range(10))
    a, b = Batches(items, 3, seed=7), Batches(items, 3, seed=7)
    assert [a(k) for k in range(8)] == [b(k) for k in reversed(range(8))][::-1]
    epoch0 = [x for k in range(a.per_epoch) for x in a(k)[1]]
    assert sorted(epoch0) == items  # one epoch sees every example once
    assert a(a.per_epoch)[0] == 1


def test_lr_schedule_warms_up_then_decays_to_the_floor():
    lrs = [lr_at(s, 1.0, 0.1, 5, 50) for s in range(50)]
    assert lrs[0] == 0.2 and lrs[4] == 1.0
    assert all(x >= y for x, y in zip(lrs[4:], lrs[5:]))
    assert abs(lr_at(50, 1.0, 0.1, 5, 50) - 0.1) < 1e-9


def test_a_finetune_checkpoint_rebuilds_the_trained_model(finetuned, pretrained):
    import torch

    from musicqa.train import model as mdl
    from musicqa.train.config import ModelConfig

    ckpt = finetuned / "step-000020"
    chain = mdl.checkpoint_chain(ckpt)
    assert chain == [pretrained / "step-000020", ckpt]
    meta = json.loads((ckpt / "checkpoint.json").read_text())
    model, _ = mdl.build(ModelConfig(**meta["model"]), "finetune", chain)
    params = dict(model.named_parameters())
    saved = load_file(str(ckpt / "trainable.safetensors"))
    saved_pre = load_file(str(pretrained / "step-000020" / "trainable.safetensors"))
    for name, tensor in {**saved, **saved_pre}.items():
        assert torch.equal(params[name].detach().float(), tensor.float()), name
    lora = {n: p for n, p in params.items() if ".lora_B." in n}
    assert lora and any(p.abs().sum() > 0 for p in lora.values())  # trained LoRA-B, not peft's zero init
    assert torch.count_nonzero(model.gates) > 0


# Resumes a 1-step run for a second step and SIGKILLs itself just before the finished checkpoint folder is
# renamed into place: what a kill or a power cut between the write and the swap leaves behind.
_KILLED_SAVE = """
import os, signal, sys
from pathlib import Path
from musicqa import atomic
from musicqa.train.loop import run
from tests.train.conftest import train_config

out, llm, mert, dataset, cache = map(Path, sys.argv[1:6])
real = os.replace

def replace(src, dst):
    if Path(dst).name == "step-000002":
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)

atomic.os.replace = replace
run(train_config(out, llm, mert, dataset, cache, max_steps=2, save_every=1, resume="auto"))
"""


def test_a_kill_during_a_checkpoint_save_leaves_the_previous_one_loadable(tiny_models, tiny_mert, musicqa_dataset,
                                                                           tmp_path):
    import signal
    import subprocess
    import sys

    from musicqa.atomic import recover_folder
    from musicqa.train import model as mdl
    from musicqa.train.loop import resolve_resume

    out, llm, cache = tmp_path / "killed", tiny_models / "tiny-llama", tmp_path / "features"
    first = run(train_config(out, llm, tiny_mert, musicqa_dataset, cache, max_steps=1, save_every=1))
    assert first == out / "step-000001"
    saved = {n: t.tolist() for n, t in _checkpoint_tensors(first).items()}
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(out), str(llm), str(tiny_mert),
                           str(musicqa_dataset), str(cache)], capture_output=True, cwd=repo,
                          env={**os.environ, "PYTHONPATH": str(repo)})
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert any(p.name.startswith(".step-000002.new-") for p in out.iterdir())  # the save had been written
    assert [json.loads(ln)["step"] for ln in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2]
    ckpt = resolve_resume(train_config(out, llm, tiny_mert, musicqa_dataset, cache, resume="auto"))
    assert ckpt == out / "step-000001" and mdl.checkpoint_chain(ckpt) == [ckpt]  # latest still names step 1
    assert {n: t.tolist() for n, t in _checkpoint_tensors(ckpt).items()} == saved
    recover_folder(out / "step-000002")  # what the next save does first: the dead writer's folder goes
    assert sorted(p.name for p in out.iterdir() if p.name.startswith((".", "step-"))) == ["step-000001"]
