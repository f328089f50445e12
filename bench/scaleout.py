"""Scale-out of generation: requests/s of the local executor and of Ray engine replicas, on the same requests.

    python -m bench.scaleout                                  # 64 MusicCaps captions -> 128 requests
    python -m bench.scaleout --clips 128 --variants local,1x1,2x1,1x2

Every variant is a real text-only build (``run_build``) of the first ``--clips`` MusicCaps rows with the tiny MPT
model (``scripts/make_tiny_models.py``, or ``--model``), on a fresh output folder:

- ``local``: the local executor in this process, its engine loaded before the clock starts, with
  ``--local-threads`` torch threads (1 by default, as a 1-CPU replica: with 2 OpenMP threads on 2 busy cores the
  engine spends its time in barrier waits, 15-60x slower here, which would make any Ray variant look good);
- ``RxC``: ``--executor ray`` on a local Ray cluster of this machine's cores, R engine replicas of C CPUs each
  (Ray gives each actor C OpenMP threads).

Requests/s counts engine time only: for ``local`` the generate stage with a loaded engine, for Ray the span from
the first batch an actor starts (every actor has loaded its engine by then: the executor waits for all of them)
to the last one it finishes, from ``RayExecutor.batches``. Start-up (cluster, actors, engine loads) is the rest of
the build's wall time, reported apart. The replies are the same in every variant (same engine calls, per-request
seeds): the bench checks it and says so, since a figure from a build that differs would compare nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import MUSICCAPS_CSV, OUT, REPO, machine, machine_line, table, warn_if_busy, write_json

VARIANT_HELP = "local (this process) or RxC: R Ray engine replicas of C CPUs each"


def parse_variants(text: str) -> list[tuple[str, int, float]]:
    """``"local,1x1,2x1"`` -> [("local", 0, 0), ("1x1", 1, 1.0), ("2x1", 2, 1.0)]."""
    out = []
    for name in (v.strip() for v in text.split(",") if v.strip()):
        if name == "local":
            out.append((name, 0, 0.0))
            continue
        r, sep, c = name.partition("x")
        try:
            out.append((name, int(r), float(c)))
        except ValueError:
            raise SystemExit(f"--variants: {name!r} is not {VARIANT_HELP}") from None
        if not sep or int(r) < 1 or float(c) <= 0:
            raise SystemExit(f"--variants: {name!r} is not {VARIANT_HELP}")
    return out


def build_config(out: Path, model: Path, args: argparse.Namespace, audio_dir: Path, replicas: int, cpus: float):
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values: dict[str, Any] = {
        "out": str(out), "sources": ["musiccaps"], "report": False,
        "musiccaps": {"csv": str(MUSICCAPS_CSV), "audio_dir": str(audio_dir), "limit": args.clips},
        "audio": {"text_only": True},  # the engine is what is measured; no audio files are needed
        "engine": {"name": "vllm", "model": str(model), "dtype": "float32", "enforce_eager": True,
                   "in_process": True, "cpu_kvcache_gb": 1, "batch_size": args.batch_size, "max_retries": 0},
        "prompts": {"max_answer_chars": 160},  # as configs/smoke.toml: the random model closes its JSON strings
        "fixed": {"max_tokens": args.max_tokens}, "open": {"max_tokens": args.max_tokens},
        "filters": {"enabled": ["duplicate"], "classifier": False},
    }
    if replicas:
        values["executor"] = "ray"
        values["ray"] = {"engine_replicas": replicas, "cpus_per_engine": cpus}
    return build(BuildConfig, values, "bench.scaleout")


def run_local(cfg, chat_template: str, threads: int) -> dict[str, Any]:
    import torch

    from musicqa.engines import make_engine
    from musicqa.pipeline.local import LocalExecutor

    class Timed(LocalExecutor):
        def map_generate(self, build, batches):
            t0 = time.perf_counter()
            yield from super().map_generate(build, batches)
            self.span = time.perf_counter() - t0

    torch.set_num_threads(threads)  # before vLLM loads: its CPU worker refuses changes afterwards
    t0 = time.perf_counter()
    engine = make_engine(cfg.engine, chat_template)
    executor = Timed(engine)
    executor.run(cfg)
    wall = time.perf_counter() - t0
    engine.close()
    gc.collect()
    return {"span_s": executor.span, "wall_s": wall, "workers": 1, "threads": threads}


def run_ray(cfg) -> dict[str, Any]:
    from musicqa.pipeline.ray import RayExecutor

    executor = RayExecutor()
    t0 = time.perf_counter()
    executor.run(cfg)
    wall = time.perf_counter() - t0
    first = min(b["started"] for b in executor.batches)
    last = max(b["started"] + b["seconds"] for b in executor.batches)
    return {"span_s": last - first, "wall_s": wall, "workers": len({(b["node"], b["pid"]) for b in executor.batches}),
            "batches_per_worker": sorted(sum(1 for b in executor.batches if b["pid"] == p)
                                         for p in {b["pid"] for b in executor.batches})}


def replies(out: Path) -> tuple[list[tuple[str, str]], int]:
    """The stored (key, text) pairs, sorted, and their output tokens."""
    recs = [json.loads(line) for line in (out / "work" / "generations.jsonl").read_text().splitlines()]
    return sorted((r["key"], r["text"]) for r in recs), sum(r["n_output_tokens"] for r in recs)


def tiny_model(path: Path | None) -> Path:
    if path is not None:
        return path
    models = Path(os.environ.get("MUSICQA_TINY_MODELS", OUT / "tiny-models"))
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_tiny_models.py"), str(models)], check=True,
                   capture_output=True)
    return models / "tiny-mpt-chat"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=64, help="first N MusicCaps rows; 2 requests each (fixed + open)")
    ap.add_argument("--batch-size", type=int, default=8, help="--engine.batch-size: requests per engine call")
    ap.add_argument("--max-tokens", type=int, default=128, help="--fixed/--open.max-tokens")
    ap.add_argument("--variants", default="local,1x1,2x1,1x2", help=f"comma-separated: {VARIANT_HELP}")
    ap.add_argument("--local-threads", type=int, default=1, help="torch threads of the local variant")
    ap.add_argument("--model", type=Path, default=None, help="tiny MPT chat model folder (default: build one)")
    ap.add_argument("--work", type=Path, default=OUT / "scaleout", help="scratch folder for the builds (emptied)")
    ap.add_argument("--out-dir", type=Path, default=OUT, help="where the figures JSON goes")
    ap.add_argument("--json", default="scaleout", help="name of the figures file")
    args = ap.parse_args(argv)
    variants = parse_variants(args.variants)
    for key, value in {"VLLM_ENABLE_V1_MULTIPROCESSING": "0", "HF_HUB_OFFLINE": "1",
                       "TOKENIZERS_PARALLELISM": "false", "VLLM_LOGGING_LEVEL": "WARNING"}.items():
        os.environ.setdefault(key, value)  # inherited by the local Ray cluster's workers too
    logging.basicConfig(level=logging.WARNING)
    info = machine()
    warn_if_busy(info["cores"])
    model = tiny_model(args.model)
    shutil.rmtree(args.work, ignore_errors=True)
    audio_dir = args.work / "no-audio"
    audio_dir.mkdir(parents=True)
    chat_template = (REPO / "prompts" / "chat" / "chatml.jinja").read_text()

    results: dict[str, dict[str, Any]] = {}
    reference = None
    for name, replicas, cpus in variants:
        out = args.work / name
        cfg = build_config(out, model, args, audio_dir, replicas, cpus)
        print(f"  {name} ...", file=sys.stderr, flush=True)
        run = run_ray(cfg) if replicas else run_local(cfg, chat_template, args.local_threads)
        got, tokens = replies(out)
        reference = reference or got
        run.update(requests=len(got), output_tokens=tokens, same_replies=got == reference,
                   req_s=len(got) / run["span_s"], load_avg_after=round(os.getloadavg()[0], 2))
        results[name] = run
        print(f"  {name}: {run['req_s']:.1f} req/s over {run['span_s']:.1f} s, {run['wall_s']:.1f} s wall",
              file=sys.stderr, flush=True)

    base_name = "1x1" if "1x1" in results else next(iter(results))
    base = results[base_name]["req_s"]
    def engines(replicas: int, cpus: float) -> str:
        return f"{replicas} × {cpus:g} CPU" if replicas else f"local, {args.local_threads} thread(s)"

    rows = [(name, engines(replicas, cpus), r["workers"], r["requests"], r["span_s"], r["req_s"],
             r["output_tokens"] / r["span_s"], f"{r['req_s'] / base:.2f}×", r["wall_s"] - r["span_s"],
             "yes" if r["same_replies"] else "NO")
            for (name, replicas, cpus), r in zip(variants, results.values())]
    print()
    print(f"scale-out: {args.clips} MusicCaps captions, {len(reference)} requests, batches of {args.batch_size}, "
          f"{args.max_tokens} max tokens, tiny MPT (random weights), CPU")
    print(table(["variant", "engines", "processes", "requests", "engine s", "req/s", "tokens/s",
                 f"vs {base_name}", "start-up s", "same replies"], rows))
    cmd = "python -m bench.scaleout " + " ".join(sys.argv[1:] if argv is None else argv)
    path = write_json(args.json, {"machine": info, "command": cmd,
                                  "args": {k: str(v) for k, v in vars(args).items()}, "results": results},
                      args.out_dir)
    parts = [f"{n} {r['req_s']:.1f} req/s" for n, r in results.items()]
    best = max((n for n in results if n != "local"), key=lambda n: results[n]["req_s"], default=base_name)
    print()
    print(f"scaleout: {', '.join(parts)}; best Ray variant {best} = {results[best]['req_s'] / base:.2f}x {base_name}; "
          f"replies identical: {'yes' if all(r['same_replies'] for r in results.values()) else 'NO'}  "
          f"[{machine_line(info)}; figures in {path}]")
    return 0 if all(r["same_replies"] for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
