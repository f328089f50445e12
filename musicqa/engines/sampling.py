"""Seeded temperature / top-k / top-p sampling of a whole batch in a few tensor ops.

Why: a reply must be a function of its own request (its seed), not of whatever else shares its batch, so that a
killed build resumes to the same dataset and Ray replicas agree with one process. vLLM gives that with one
``torch.Generator`` per seeded request: a Python loop that draws a vocabulary-sized noise row per request per
step, single-threaded (256 requests decode 1.6x slower with it than with this module on 2 CPU cores, see
bench/README.md). Here the noise is a counter-based hash of (request seed, output position, token id), drawn
only for the top-k candidates of every row at once. The draw is Gumbel-max over softmax(logits / temperature)
restricted to the top-k, then the top-p, candidates: the distribution vLLM samples from, with other random numbers.
"""

from __future__ import annotations

import torch

_GOLDEN = -0x61C8864680B583EB  # 0x9E3779B97F4A7C15 as a signed int64: splitmix64's increment
_M1 = -0x40A7B892E31B1A47  # 0xBF58476D1CE4E5B9
_M2 = -0x6B2FB644ECCEEE15  # 0x94D049BB133111EB


def _shr(z: torch.Tensor, bits: int) -> torch.Tensor:
    """Logical right shift of int64 (torch shifts arithmetically, copying the sign bit)."""
    return (z >> bits) & ((1 << (64 - bits)) - 1)


def _mix(z: torch.Tensor) -> torch.Tensor:
    """splitmix64's finaliser: int64 in, well-mixed int64 out (multiplication wraps modulo 2**64)."""
    z = (z ^ _shr(z, 30)) * _M1
    z = (z ^ _shr(z, 27)) * _M2
    return z ^ _shr(z, 31)


def uniform(seed: torch.Tensor, position: torch.Tensor, token: torch.Tensor) -> torch.Tensor:
    """A float64 in (0, 1) per (seed, position, token), broadcast: the same numbers on any device, in any batch."""
    z = _mix(_mix(seed.long() + _GOLDEN * (position.long() + 1)) + _GOLDEN * (token.long() + 1))
    return (_shr(z, 11).double() + 0.5) * 2.0**-53


def sample(logits: torch.Tensor, seed: torch.Tensor, position: torch.Tensor, temperature: torch.Tensor,
           top_k: torch.Tensor, top_p: torch.Tensor) -> torch.Tensor:
    """Token id per row of ``logits`` [rows, vocab]; every other argument is one value per row.

    ``top_k`` 0 means the whole vocabulary (a full sort: correct, not fast); ``temperature`` must be > 0 (greedy
    rows need no noise). Tokens masked to -inf (structured outputs) are never drawn while any other remains.
    """
    vocab = logits.shape[-1]
    k = torch.where(top_k > 0, top_k, vocab).clamp(max=vocab)
    values, ids = logits.float().topk(int(k.max()), dim=-1)  # best first
    values = values / temperature.unsqueeze(1)
    rank = torch.arange(values.shape[1], device=logits.device)
    values = values.masked_fill(rank >= k.unsqueeze(1), float("-inf"))
    if bool((top_p < 1).any()):
        probs = values.softmax(dim=-1)
        better = probs.cumsum(dim=-1) - probs  # mass of the candidates ranked above each one; 0 for the best
        values = values.masked_fill(better >= top_p.unsqueeze(1), float("-inf"))
    gumbel = -torch.log(-torch.log(uniform(seed.unsqueeze(1), position.unsqueeze(1), ids)))
    choice = (values.double() + gumbel).argmax(dim=-1, keepdim=True)
    return ids.gather(1, choice).squeeze(1)
