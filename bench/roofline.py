"""The machine's measured matmul rate per dtype, and the FLOPs a decoder spends per generated token.

A tokens/s figure means little across machines and model sizes; the share of the machine's own matmul rate
it reaches does. The rate is measured, not taken from a data sheet: the best of a few large ``torch.matmul``
calls on all the cores this process may use, in the same run as the figures it divides, in the dtype the
method under test computes in (CPUs with AMX multiply bf16 ~5x faster than fp32, so an fp32 rate would
flatter a bf16 engine).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


def matmul_gflops(n: int = 4096, repeats: int = 5, threads: int | None = None, dtype: str = "float32") -> float:
    """Best GFLOP/s of an ``n x n @ n x n`` ``torch.matmul`` in ``dtype`` over ``repeats`` calls (2 n^3 FLOPs each)."""
    import torch

    threads = threads or len(os.sched_getaffinity(0))
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        gen = torch.Generator().manual_seed(0)
        a = torch.randn(n, n, generator=gen).to(getattr(torch, dtype))
        b = torch.randn(n, n, generator=gen).to(getattr(torch, dtype))
        torch.matmul(a, b)  # warm-up: first-call allocation and kernel selection are not the rate
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            torch.matmul(a, b)
            best = min(best, time.perf_counter() - t0)
    finally:
        torch.set_num_threads(before)
    return 2 * n**3 / best / 1e9


def model_shape(model_dir: Path) -> dict[str, int]:
    """d_model, layers, MLP width and vocabulary of an MPT (or Llama/GPT-2-style) ``config.json``."""
    cfg = json.loads((model_dir / "config.json").read_text())
    if cfg.get("model_type") == "mpt":
        d, layers = cfg["d_model"], cfg["n_layers"]
        return {"d_model": d, "layers": layers, "ffn": d * cfg["expansion_ratio"], "vocab": cfg["vocab_size"],
                "gated": 0}
    d = cfg["hidden_size"]
    return {"d_model": d, "layers": cfg["num_hidden_layers"], "ffn": cfg.get("intermediate_size", 4 * d),
            "vocab": cfg["vocab_size"], "gated": int("intermediate_size" in cfg)}


def matmul_params(shape: dict[str, int]) -> int:
    """Weights every token is multiplied by: QKV + output projection, the MLP, and the LM head.

    The input embedding is a lookup (no FLOPs); with tied embeddings the same matrix is the LM head, which is
    a matmul and counted once here.
    """
    d, ffn = shape["d_model"], shape["ffn"]
    mlp = (3 if shape["gated"] else 2) * d * ffn
    return shape["layers"] * (4 * d * d + mlp) + shape["vocab"] * d


def flops_per_token_formula(shape: dict[str, int]) -> str:
    p = matmul_params(shape)
    return (f"2 x {p / 1e6:.1f}M matmul weights + 4 x {shape['layers']} layers x {shape['d_model']} d_model x "
            "context (QK^T and AV over the tokens before it)")


def generation_flops(shape: dict[str, int], prompt_tokens: list[int], output_tokens: list[int]) -> float:
    """FLOPs to generate the output tokens of these requests, each attending to its prompt and earlier tokens.

    Output token i of a request with p prompt tokens costs 2 P + 4 L d (p + i): two FLOPs per weight, and
    2 d FLOPs for each of QK^T and AV per layer per token attended to. Prompt processing (prefill) is not
    counted: it is work the output rate has to absorb, so the share it gives is conservative.
    """
    p2 = 2 * matmul_params(shape)
    att = 4 * shape["layers"] * shape["d_model"]
    total = 0.0
    for p, n in zip(prompt_tokens, output_tokens, strict=True):
        total += n * p2 + att * (n * p + n * (n - 1) / 2)
    return total
