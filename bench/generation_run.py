"""One engine setup (or the seed's method) of ``bench/generation.py``, run in its own process.

The parent starts one child per engine setup: vLLM reads ``LD_PRELOAD`` and the OpenMP binding variables when a
process starts, keeps global state, and cannot hold two in-process engines at once, so each setup gets a clean
process and the memory of the last one is returned before the next loads. The child reads a JSON spec, times
its passes and writes a JSON result::

    python -m bench.generation_run SPEC.json RESULT.json
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import read_musiccaps_rows
from bench.roofline import generation_flops, model_shape

# The one piece of prompt text the bench adds: the reply line of the fixed+open variant's combined request.
COMBINED_REPLY = ('Reply with JSON only: {"answers": [4 answer strings, one per question, in order], '
                  '"pairs": [{"question": "...", "answer": "..."}, ...]}')


def tree_cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process and its live descendants (vLLM's engine core).

    Beside wall time it tells a busy machine from a slow engine: CPU seconds / (wall x cores) well under 1
    means other processes had the cores.
    """
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    mine = {os.getpid()}
    grew = True
    while grew:
        new = {pid for pid, ppid in parents.items() if ppid in mine} - mine
        grew = bool(new)
        mine |= new
    return sum(times.get(pid, 0.0) for pid in mine)


class StructuredCost:
    """CPU seconds vLLM spends on structured outputs, by wrapping its three per-step hooks (in-process engines).

    Building the token masks (scheduler), advancing each request's matcher by its new token, and applying the
    masks to the logits: thread CPU time, so other processes on the machine do not inflate it. This is what
    picks the backend on a busy machine, where wall-clock differences between two runs drown in the noise.
    """

    def __init__(self) -> None:
        import threading

        from vllm.v1.core.sched.scheduler import Scheduler
        from vllm.v1.structured_output import StructuredOutputManager
        from vllm.v1.structured_output.backend_guidance import GuidanceGrammar
        from vllm.v1.structured_output.backend_xgrammar import XgrammarGrammar
        from vllm.v1.worker import gpu_model_runner

        self.seconds = 0.0
        main = threading.main_thread()

        def timed(fn, only_off_main: bool = False):
            def wrapper(*args, **kwargs):
                if only_off_main and threading.current_thread() is main:
                    return fn(*args, **kwargs)  # already inside a timed call on the main thread
                t0 = time.thread_time()
                try:
                    return fn(*args, **kwargs)
                finally:
                    self.seconds += time.thread_time() - t0
            return wrapper

        Scheduler.get_grammar_bitmask = timed(Scheduler.get_grammar_bitmask)
        # vLLM fills large batches' masks in a thread pool: that time is not on the main thread's clock
        StructuredOutputManager._fill_bitmasks = timed(StructuredOutputManager._fill_bitmasks, only_off_main=True)
        gpu_model_runner.apply_grammar_bitmask = timed(gpu_model_runner.apply_grammar_bitmask)
        for cls in (XgrammarGrammar, GuidanceGrammar):
            cls.accept_tokens = timed(cls.accept_tokens)


# --------------------------------------------------------------------------------------------------
# Requests: exactly what ``musicqa build`` renders, and the request-side variants.
# --------------------------------------------------------------------------------------------------

def build_requests(rows: list[dict[str, str]], model: str, max_tokens: int | None, max_chars: int,
                   backend: str = "xgrammar", prompts_dir: str = "prompts"):
    """The requests ``musicqa build`` sends for these MusicCaps rows (fixed + open per clip), and the chat template.

    ``max_tokens`` None keeps the build's defaults (768 fixed, 1024 open).
    """
    from musicqa.build_config import BuildConfig, PromptsConfig, SamplingConfig
    from musicqa.engines.base import EngineConfig
    from musicqa.pipeline import Build
    from musicqa.records import Clip
    from musicqa.sources.musiccaps import MusicCapsConfig, parse_aspect_list

    lengths = {} if max_tokens is None else {"fixed": SamplingConfig(temperature=0.5, max_tokens=max_tokens),
                                             "open": SamplingConfig(temperature=0.4, max_tokens=max_tokens)}
    cfg = BuildConfig(sources=["musiccaps"], musiccaps=MusicCapsConfig(csv=Path("musiccaps-public.csv")),
                      prompts_dir=Path(prompts_dir),
                      engine=EngineConfig(model=model, structured_backend=backend), report=False,
                      prompts=PromptsConfig(max_answer_chars=max_chars), **lengths)
    clips = [Clip(clip_id=f"musiccaps/{r['ytid']}", source="musiccaps", source_id=r["ytid"],
                  split="test" if r["is_audioset_eval"] == "True" else "train", text=r["caption"],
                  start_s=float(r["start_s"]), end_s=float(r["end_s"]),
                  labels=parse_aspect_list(r["aspect_list"]) or ()) for r in rows]
    render = Build(cfg).render
    return render(clips), render.prompts.chat_template


def fixed_and_open_in_one(reqs):
    """One request per clip asking for the 4 fixed answers and the open pairs together, 2x the output tokens.

    It has to use one temperature for both tasks (the fixed task's 0.5; the paper used 0.4 for open pairs).
    """
    by_clip: dict[str, dict] = {}
    for r in reqs:
        by_clip.setdefault(r.clip_id, {})[r.task] = r
    out = []
    for pair in by_clip.values():
        fixed, open_ = pair["fixed"], pair["open"]
        f_paras, o_paras = fixed.messages[1][1].split("\n\n"), open_.messages[1][1].split("\n\n")
        user = "\n\n".join([f_paras[0], *f_paras[1:-1], *o_paras[1:-1], COMBINED_REPLY])
        schema = {"type": "object", "additionalProperties": False, "required": ["answers", "pairs"],
                  "properties": {"answers": json.loads(fixed.json_schema)["properties"]["answers"],
                                 "pairs": json.loads(open_.json_schema)["properties"]["pairs"]}}
        out.append(dataclasses.replace(
            fixed, task="fixed+open", messages=(fixed.messages[0], ("user", user)), json_schema=json.dumps(schema),
            sampling=dataclasses.replace(fixed.sampling, max_tokens=fixed.sampling.max_tokens * 2)))
    return out


PREPARE = {"one_request": fixed_and_open_in_one}
# the layout before issue 12 (the caption first, so requests share only the system prompt): for the comparison
CAPTION_FIRST = "prompts/caption-first"


def shared_prefix_tokens(engine, reqs) -> dict[str, int]:
    """Longest prompt-token prefix shared by all requests of each task: what prefix caching can reuse."""
    tok = engine.llm.get_tokenizer()
    out: dict[str, int] = {}
    for task in sorted({r.task for r in reqs}):
        # as LLM.chat does: render the chat template to text, then tokenise without adding special tokens
        texts = [tok.apply_chat_template([{"role": a, "content": b} for a, b in r.messages], tokenize=False,
                                         chat_template=engine.chat_template, add_generation_prompt=True)
                 for r in reqs if r.task == task]
        ids = [tok(t, add_special_tokens=False).input_ids for t in texts]
        first, n = ids[0], len(ids[0])
        for other in ids[1:]:
            n = min(n, next((i for i, (a, b) in enumerate(zip(first, other)) if a != b), min(len(first), len(other))))
        out[task] = n
    return out


# --------------------------------------------------------------------------------------------------
# Passes
# --------------------------------------------------------------------------------------------------

def _patched_params(engine, params: str):
    """The engine's SamplingParams builder with one feature removed (bench-only, to price that feature)."""
    original = engine._params

    def build(req):
        p = original(req)
        if params == "no_json":
            p.structured_outputs = None
        elif params == "no_seed":  # vLLM's own sampler, unseeded: nothing ties a reply to its request
            from vllm import SamplingParams

            s = req.sampling
            p = SamplingParams(temperature=s.temperature, top_k=s.top_k if s.top_k > 0 else -1, top_p=s.top_p,
                               max_tokens=s.max_tokens, structured_outputs=p.structured_outputs)
        return p

    return build


def _timed(engine, sent, batch_size: int, params: str):
    """Generations, wall seconds, CPU seconds, and the prompt tokens vLLM's prefix cache served (per request)."""
    original_params, original_chat = engine._params, engine.llm.chat
    cached: list[int] = []

    def chat(*args, **kwargs):  # bench-only: read the prefix-cache hits that Generation records do not carry
        outputs = original_chat(*args, **kwargs)
        cached.extend(o.num_cached_tokens or 0 for o in outputs)
        return outputs

    engine.llm.chat = chat
    if params:
        engine._params = _patched_params(engine, params)
    try:
        cpu0, t0 = tree_cpu_seconds(), time.perf_counter()
        gens = []
        for start in range(0, len(sent), batch_size):  # as build.generate sends them: one call per batch
            gens += engine.generate(sent[start:start + batch_size])
        return gens, time.perf_counter() - t0, tree_cpu_seconds() - cpu0, sum(cached)
    finally:
        engine._params, engine.llm.chat = original_params, original_chat


def throughput(engine, reqs, shape, batch_size: int, params: str = "") -> dict[str, Any]:
    """Output tokens per second over the whole request list (every reply runs to max_tokens)."""
    gens, seconds, cpu, cached = _timed(engine, reqs, batch_size, params)
    prompt = [g.n_prompt_tokens for g in gens]
    output = [g.n_output_tokens for g in gens]
    return {"seconds": seconds, "cpu_seconds": cpu, "requests": len(reqs), "output_tokens": sum(output),
            "prompt_tokens": sum(prompt), "cached_prompt_tokens": cached,
            "flops": generation_flops(shape, prompt, output),
            "full_length": sum(g.n_output_tokens == r.sampling.max_tokens for g, r in zip(gens, reqs)),
            "finish": dict(Counter(g.finish_reason for g in gens)), "load_avg": os.getloadavg()[0]}


def end_to_end(engine, reqs, shape, batch_size: int, max_retries: int) -> dict[str, Any]:
    """Rendered requests -> parsed, accepted pairs, with ``build.generate``'s retry rule; every reply parsed.

    A reply that fails to parse is regenerated with the next attempt's seed, at most ``max_retries`` times,
    ahead of the requests not yet sent, as the build does (the build also appends each batch to its store:
    ~20 microseconds a record, measured in bench/pipeline.py, left out here).
    """
    from musicqa.parse import OK, parse

    by_key = {r.key: r for r in reqs}
    pending = list(reqs)
    status: Counter = Counter()
    first_status: Counter = Counter()
    accepted: dict[str, int] = {}
    first_tokens: dict[str, list[int]] = {}
    prompt, output = [], []
    calls = 0
    cpu0, t0 = tree_cpu_seconds(), time.perf_counter()
    while pending:
        batch, pending = pending[:batch_size], pending[batch_size:]
        gens = engine.generate(batch)
        retry = []
        for req, gen in zip(batch, gens, strict=True):
            calls += 1
            prompt.append(gen.n_prompt_tokens)
            output.append(gen.n_output_tokens)
            parsed = parse(gen, req)
            status[parsed.status] += 1
            if req.attempt == 0:
                first_status[parsed.status] += 1
                first_tokens.setdefault(req.task, []).append(gen.n_output_tokens)
            if parsed.status == OK:
                accepted[req.key] = len(parsed.pairs)
            elif req.attempt < max_retries:
                retry.append(dataclasses.replace(by_key[req.key], attempt=req.attempt + 1))
        pending = retry + pending
    seconds, cpu = time.perf_counter() - t0, tree_cpu_seconds() - cpu0
    tasks = Counter(r.clip_id for r in reqs)
    done = Counter(by_key[k].clip_id for k in accepted)
    clips_done = sum(done[c] == n for c, n in tasks.items())
    return {"seconds": seconds, "cpu_seconds": cpu, "clips": len(tasks), "clips_accepted": clips_done,
            "requests": len(reqs), "calls": calls, "pairs": sum(accepted.values()), "status": dict(status),
            "first_attempt_status": dict(first_status), "output_tokens": sum(output), "prompt_tokens": sum(prompt),
            "flops": generation_flops(shape, prompt, output),
            "mean_output_tokens": {t: sum(v) / len(v) for t, v in sorted(first_tokens.items())},
            "load_avg": os.getloadavg()[0]}


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------

def run_engine(spec: dict[str, Any]) -> dict[str, Any]:
    from musicqa.engines import make_engine
    from musicqa.engines.base import EngineConfig

    model = spec["model"]
    shape = model_shape(Path(model))
    rows = read_musiccaps_rows(limit=spec["clips"])
    cfg = EngineConfig(model=model, **spec["engine"])
    reqs, chat_template = build_requests(rows, model, spec["max_tokens"], spec["long_chars"], cfg.structured_backend)
    first_reqs, _ = build_requests(rows, model, spec["max_tokens"], spec["long_chars"], cfg.structured_backend,
                                   CAPTION_FIRST)
    t0 = time.perf_counter()
    engine = make_engine(cfg, chat_template)
    cost = StructuredCost() if os.environ.get("VLLM_ENABLE_V1_MULTIPROCESSING") == "0" else None
    vcfg = engine.llm.llm_engine.vllm_config
    info = {"load_seconds": time.perf_counter() - t0, "block_size": vcfg.cache_config.block_size,
            # what "auto" resolved to: vLLM computes an fp32 checkpoint in bf16 where the CPU supports it
            "dtype": str(vcfg.model_config.dtype).removeprefix("torch."),
            "dtype_reason": engine.dtype_choice.reason,  # why musicqa's auto chose it (musicqa/engines/machine.py)
            "max_num_seqs": vcfg.scheduler_config.max_num_seqs,
            "max_num_batched_tokens": vcfg.scheduler_config.max_num_batched_tokens,
            "kv_blocks": vcfg.cache_config.num_gpu_blocks, "shared_prefix_tokens": shared_prefix_tokens(engine, reqs),
            "shared_prefix_tokens_caption_first": shared_prefix_tokens(engine, first_reqs),
            "engine": dataclasses.asdict(cfg), "vllm": engine.version,
            "env": {k: os.environ.get(k) for k in ("LD_PRELOAD", "VLLM_CPU_OMP_THREADS_BIND",
                                                    "VLLM_CPU_KVCACHE_SPACE", "VLLM_ENABLE_V1_MULTIPROCESSING")}}
    passes: dict[str, Any] = {}
    engine.generate(reqs[:4])  # warm-up: first-call paths and the schemas' grammars are one-off costs
    for _ in range(spec["repeats"]):
        for p in spec["passes"]:
            if p["kind"] == "e2e":
                e2e_reqs, _ = build_requests(rows, model, None, p["max_chars"], cfg.structured_backend)
                run = end_to_end(engine, e2e_reqs, shape, p["batch_size"], cfg.max_retries)
            else:
                sent = first_reqs if p.get("prompts") == CAPTION_FIRST else reqs
                sent = PREPARE[p["prepare"]](sent) if p.get("prepare") else sent
                before = cost.seconds if cost else 0.0
                run = throughput(engine, sent, shape, p["batch_size"], p.get("params", ""))
                run["structured_cpu_seconds"] = cost.seconds - before if cost else None
            best = passes.get(p["name"])
            if best is None or run["seconds"] < best["seconds"]:
                passes[p["name"]] = {**run, "all_seconds": (best or {}).get("all_seconds", [])}
            passes[p["name"]]["all_seconds"].append(round(run["seconds"], 2))
            print(f"  {p['name']:<16} {run['seconds']:7.1f} s  {run['output_tokens'] / run['seconds']:7.0f} tok/s  "
                  f"cpu {run['cpu_seconds'] / run['seconds']:.2f} cores", file=sys.stderr, flush=True)
    engine.close()
    return {"info": info, "passes": passes}


def run_seed(spec: dict[str, Any]) -> dict[str, Any]:
    """The seed's method at its fastest thread count and dtype (probed here), then one attempt per task at e2e
    lengths."""
    from bench.seed_method import SEED_FIXED_SYSTEM, SeedReference

    model = Path(spec["model"])
    shape = model_shape(model)
    captions = [r["caption"] for r in read_musiccaps_rows(limit=spec["clips"])]
    settings = [(n, d) for n in spec["threads"] for d in spec.get("dtypes", ["float32"])]
    probe = {}
    if len(settings) > 1:  # the seed gets its best setting: 1 thread can beat 2 on a shared machine, and at one
        for n, dtype in settings:  # prompt per call fp32 can beat bf16 (no batch for AMX to fill)
            ref = SeedReference(model, "cpu", n, dtype)
            ref.attempt(SEED_FIXED_SYSTEM, captions[0], 0.5, 8)  # warm-up
            t0 = time.perf_counter()
            ref.attempt(SEED_FIXED_SYSTEM, captions[0], 0.5, 32)
            probe[f"{n} threads, {dtype}"] = (time.perf_counter() - t0, n, dtype)
            ref.close()
    threads, dtype = min(probe.values())[1:] if probe else settings[0]
    ref = SeedReference(model, "cpu", threads, dtype)
    ref.attempt(SEED_FIXED_SYSTEM, captions[0], 0.5, 8)  # warm-up
    cpu0 = tree_cpu_seconds()
    stats = ref.run(captions, spec["max_tokens"])
    cpu = tree_cpu_seconds() - cpu0
    # every seed call here has the same prompt layout, so FLOPs follow from the mean prompt length
    mean_prompt = stats["prompt_tokens"] // stats["calls"]
    flops = generation_flops(shape, [mean_prompt] * stats["calls"], [spec["max_tokens"]] * stats["calls"])
    out = {"threads": threads, "dtype": dtype, "probe_seconds": {k: v[0] for k, v in probe.items()}, **dict(stats),
           "cpu_seconds": cpu, "flops": flops, "load_avg": os.getloadavg()[0]}
    if spec.get("attempt_tokens"):
        out["attempt_seconds"] = ref.attempt_seconds(captions[0], *spec["attempt_tokens"])
    ref.close()
    return out


def main(argv: list[str] | None = None) -> int:
    spec_path, out_path = (argv or sys.argv[1:])[:2]
    spec = json.loads(Path(spec_path).read_text())
    result = run_seed(spec) if spec["kind"] == "seed" else run_engine(spec)
    Path(out_path).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
