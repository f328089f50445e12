"""Engine defaults chosen by the machine: the dtype ``--engine.dtype auto`` computes in on a CPU, with the reason.

vLLM's own ``auto`` runs an fp32 checkpoint in bf16 on any CPU, which is right for one CPU kind only. Measured with
``python -m bench.generation``: on an Intel Xeon with AMX a 4096^3 bf16 matmul is ~5x an fp32 one and the engine
2.5x faster in bf16; on a Xeon without AMX or avx512_bf16 bf16 is emulated (57 vs 259 GFLOP/s) and the engine ran
2.8x slower in bf16. CPUs with avx512_bf16 but no AMX (e.g. AMD EPYC Zen 4) sit in between, so there the choice is
made by a short probe: the same decoding-shaped matmul timed in both dtypes.

``MUSICQA_CPU_FLAGS`` (space-separated, e.g. ``""`` or ``"amx_bf16"``) replaces the flags read from /proc/cpuinfo,
so a test or a bench can simulate the other CPU kind; an explicit ``--engine.dtype`` skips all of this.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FLAGS_ENV = "MUSICQA_CPU_FLAGS"
# bf16 must beat fp32 by this much in the probe: the engine's non-matmul work (attention kernels, sampling, the
# JSON mask) does not speed up with the dtype, so a small matmul gain is lost on the rest of the step
PROBE_MARGIN = 1.25
PROBE_SECONDS = 0.4  # per dtype: the probe costs under a second at start-up, next to ~15 s of engine loading
PROBE_SHAPE = (256, 768, 3072)  # 256 sequences in flight x an MLP projection of the bench model (MPT-shaped)


@dataclass(frozen=True, slots=True)
class DtypeChoice:
    """The dtype an engine computes in and why (the reason is logged and recorded by the bench)."""

    dtype: str
    reason: str


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (``MUSICQA_CPU_FLAGS`` if set, else /proc/cpuinfo's; empty where neither exists)."""
    override = os.environ.get(FLAGS_ENV)
    if override is not None:
        return frozenset(override.split())
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:  # not Linux: no flags known, so the probe decides
        return frozenset()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def matmul_rates(seconds: float = PROBE_SECONDS) -> dict[str, float]:
    """GFLOP/s of one decoding-shaped matmul in fp32 and in bf16, best call of ~``seconds`` each."""
    import torch

    m, k, n = PROBE_SHAPE
    rates = {}
    for name, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
        a, b = torch.randn(m, k, dtype=dtype), torch.randn(k, n, dtype=dtype)
        a @ b  # first call: oneDNN picks and caches its kernel
        best, end = float("inf"), time.perf_counter() + seconds
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t0)
        rates[name] = 2 * m * k * n / best / 1e9
    return rates


def choose_cpu_dtype(flags: frozenset[str] | None = None, probe=matmul_rates) -> DtypeChoice:
    """bf16 on AMX, fp32 without native bf16, else whichever the probe finds faster (bf16 by PROBE_MARGIN)."""
    flags = cpu_flags() if flags is None else flags
    source = f" ({FLAGS_ENV})" if FLAGS_ENV in os.environ else ""
    if "amx_bf16" in flags:
        return DtypeChoice("bfloat16", f"CPU has AMX{source}: native bf16 matmul, ~5x fp32")
    if "avx512_bf16" not in flags:
        return DtypeChoice("float32", f"CPU has neither AMX nor avx512_bf16{source}: bf16 would be emulated, "
                                      "~4.5x slower than fp32")
    rates = probe()
    ratio = rates["bfloat16"] / rates["float32"]
    dtype = "bfloat16" if ratio >= PROBE_MARGIN else "float32"
    return DtypeChoice(dtype, f"CPU has avx512_bf16 but no AMX{source}: probe {rates['bfloat16']:.0f} GFLOP/s bf16 "
                              f"vs {rates['float32']:.0f} fp32 ({ratio:.2f}x; bf16 needs >= {PROBE_MARGIN:g}x)")


def resolve_dtype(dtype: str, cpu: bool) -> DtypeChoice:
    """What ``--engine.dtype`` means on this machine: an explicit dtype as given, ``auto`` chosen by the CPU.

    On a GPU ``auto`` stays the engine's own (the checkpoint's dtype, fp32 checkpoints in bf16/fp16).
    """
    if dtype != "auto":
        return DtypeChoice(dtype, "--engine.dtype")
    if not cpu:
        return DtypeChoice("auto", "GPU: the engine's own auto (the checkpoint's dtype)")
    choice = choose_cpu_dtype()
    log.info("engine dtype %s: %s (--engine.dtype overrides)", choice.dtype, choice.reason)
    return choice
