"""FLOPs of one full-size training example, and what the MERT feature cache can save at most.

    python bench/train_flops.py [--tokens 96 300 512] [--seconds 10 30]

Counts with torch's FlopCounterMode on the meta device (no weights, no GPU): MERT-v1-330M's forward
over a clip at 24 kHz, and musicqa's MERT-adapter-LLaMA-2-7B forward + backward for one example
of N tokens in each phase, with exactly the trainable set of that phase (pretrain: gradients flow
back through the last 20 LLaMA layers to the adapters; finetune: LoRA in every layer). The
feature cache removes the MERT forward (and the audio decoding, which is CPU time, not FLOPs), so
(step + MERT) / step bounds its compute gain. Matmul FLOPs only (FlopCounterMode's rules).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def mert_flops(seconds: float) -> float:
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import HubertModel

    from musicqa.train import mert
    from musicqa.train.model import MERT_V1_330M

    with torch.device("meta"):
        model = HubertModel(mert.hubert_config(MERT_V1_330M)).eval()
        wave = torch.zeros(1, int(seconds * 24000))
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(wave)
    return fc.get_total_flops()


def step_flops(phase: str, tokens: int) -> float:
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import LlamaConfig, LlamaForCausalLM

    from musicqa.train import mert
    from musicqa.train import model as mdl
    from musicqa.train.config import ModelConfig
    from musicqa.train.presets import MULLAMA_MODEL

    cfg = ModelConfig(**{k: v for k, v in MULLAMA_MODEL.items() if k != "dtype"})
    with torch.device("meta"):
        llm = LlamaForCausalLM(LlamaConfig(**mdl.LLAMA2_7B))
        spec = mert.EncoderSpec(24000, 1024, 25, True)
        model = mdl.MusicLlama(llm, mdl.Dims.of(spec, llm.config), cfg)
        if phase == "finetune":
            model.enable_finetune()
        mdl.mark_trainable(model, phase)
        ids = torch.zeros(1, tokens, dtype=torch.long)
        feats = torch.zeros(1, 25, 1024)
    with FlopCounterMode(display=False) as fc:
        loss = model(ids, None, feats, labels=ids).loss  # no mask: its all-ones check reads a value
        loss.backward()
    return fc.get_total_flops()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, nargs="+", default=[96, 300, 512], help="tokens per example")
    ap.add_argument("--seconds", type=float, nargs="+", default=[10.0, 30.0], help="clip lengths for MERT")
    args = ap.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    merts = {s: mert_flops(s) for s in args.seconds}
    for s, f in merts.items():
        print(f"MERT-v1-330M forward, {s:g} s clip: {f / 1e12:.2f} TFLOP")
    print(f"{'phase':9s} {'tokens':>6s} {'step TFLOP':>10s} " + " ".join(f"{f'max gain {s:g}s':>12s}" for s in merts))
    for phase in ("pretrain", "finetune"):
        for n in args.tokens:
            f = step_flops(phase, n)
            gains = " ".join(f"{(f + m) / f:>11.2f}x" for m in merts.values())
            print(f"{phase:9s} {n:>6d} {f / 1e12:>10.2f} {gains}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
