"""``--engine.dtype auto`` on CPU: chosen by the CPU's features or a probe, with the reason; explicit dtypes win."""

from __future__ import annotations

import logging

import pytest

from musicqa.engines import machine
from musicqa.engines.machine import FLAGS_ENV, PROBE_MARGIN, choose_cpu_dtype, cpu_flags, resolve_dtype


def no_probe():
    raise AssertionError("the probe ran although the CPU's flags decide")


def probe(bf16: float, fp32: float = 100.0):
    return lambda: {"float32": fp32, "bfloat16": bf16}


def test_amx_computes_in_bf16_without_a_probe():
    choice = choose_cpu_dtype(frozenset({"avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}), probe=no_probe)
    assert choice.dtype == "bfloat16" and "AMX" in choice.reason


def test_no_native_bf16_computes_in_fp32_without_a_probe():
    choice = choose_cpu_dtype(frozenset({"avx2", "avx512f"}), probe=no_probe)
    assert choice.dtype == "float32" and "neither AMX nor avx512_bf16" in choice.reason


@pytest.mark.parametrize(("bf16", "dtype"), [
    (3.0 * 100, "bfloat16"),
    (PROBE_MARGIN * 100, "bfloat16"),  # at the margin: bf16
    (PROBE_MARGIN * 100 - 1, "float32"),  # near miss: a small matmul gain is lost on the rest of the step
    (50.0, "float32"),
])
def test_avx512_bf16_without_amx_is_decided_by_the_probe(bf16, dtype):
    choice = choose_cpu_dtype(frozenset({"avx512f", "avx512_bf16"}), probe=probe(bf16))
    assert choice.dtype == dtype
    assert f"probe {bf16:.0f} GFLOP/s bf16 vs 100 fp32 ({bf16 / 100:.2f}x; bf16 needs >= {PROBE_MARGIN:g}x)" \
        in choice.reason


def test_the_env_override_simulates_the_other_cpu_kind(monkeypatch):
    monkeypatch.setenv(FLAGS_ENV, "")
    assert cpu_flags() == frozenset()
    choice = choose_cpu_dtype(probe=no_probe)
    assert choice.dtype == "float32" and f"({FLAGS_ENV})" in choice.reason
    monkeypatch.setenv(FLAGS_ENV, "avx2 amx_bf16")
    assert choose_cpu_dtype(probe=no_probe).dtype == "bfloat16"
    monkeypatch.delenv(FLAGS_ENV)
    assert "flags" not in cpu_flags()  # the real flags, parsed into names


def test_an_explicit_dtype_wins_and_a_gpu_keeps_the_engines_auto(monkeypatch):
    monkeypatch.setattr(machine, "choose_cpu_dtype", no_probe)
    assert resolve_dtype("float32", cpu=True).dtype == "float32"
    assert resolve_dtype("bfloat16", cpu=True).reason == "--engine.dtype"
    assert resolve_dtype("auto", cpu=False).dtype == "auto"


def test_auto_on_cpu_is_logged_with_its_reason(monkeypatch, caplog):
    monkeypatch.setenv(FLAGS_ENV, "avx2")
    with caplog.at_level(logging.INFO, logger="musicqa.engines.machine"):
        assert resolve_dtype("auto", cpu=True).dtype == "float32"
    assert "engine dtype float32: CPU has neither AMX nor avx512_bf16 (MUSICQA_CPU_FLAGS)" in caplog.text


def test_the_real_probe_measures_both_dtypes():
    rates = machine.matmul_rates(seconds=0.05)  # a few calls each; its time is not asserted on a shared machine
    assert set(rates) == {"float32", "bfloat16"} and all(r > 0 for r in rates.values())
