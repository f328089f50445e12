"""Generation throughput: the seed's method against musicqa's vLLM engine, same model, captions and output length.

One run, one process, on the tiny MPT chat model (``scripts/make_tiny_models.py``) and the first N real
MusicCaps captions, every reply forced to the same number of tokens:

- **reference**: the seed's method, re-implemented below and labelled as such: transformers ``generate`` on
  one prompt at a time, a system prompt asking for a numbered list, regex parsing of that list, and up to
  5 attempts per prompt when the regex does not match (the seed's ``for _ in range(5)`` loop);
- **musicqa**: ``musicqa.engines.make_engine`` -> ``VllmEngine`` (in-process, eager on CPU) on the exact
  requests ``musicqa.build.make_requests`` renders, JSON schema and per-request seeds included, sent in
  batches the way ``build.generate`` sends them; then variants: prefix caching off/on, request order,
  batch size, the caption moved after the shared instructions, fixed+open in one request, and the
  llguidance structured-output backend; two informational rows price the per-request seeds and the schema.

Output length: the reference gets ``min_new_tokens = max_new_tokens = --max-tokens``; the musicqa requests
keep the build's long JSON string limit (1,200 characters), so a random-weight model's reply runs to
``max_tokens`` (the table shows the share that did). Throughput is output tokens per second of wall time in
the generate calls, model loading excluded, best of ``--repeats`` (the machine may be shared).

    python -m bench.generation                         # ~5 min on 2 CPU cores
    python -m bench.generation --scales 1,4,16 --variants plain,default,guidance --repeats 1   # growth
    python -m bench.generation --device cuda           # the same on a GPU (needs the CUDA vllm build; untested)
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    REPO,
    machine,
    machine_line,
    parse_scales,
    read_musiccaps_rows,
    scaled_rows,
    table,
    warn_if_busy,
    write_json,
)

# ==================================================================================================
# The reference: the seed's method (MU-LLaMA's MusicQA/musiccaps_process.py), re-implemented for timing.
# Not musicqa code and not a pattern to copy: prompts as strings, a regex over a numbered list and a
# retry loop are exactly what musicqa replaces (STYLE.md section 12).
# ==================================================================================================

# The seed's two system prompts, in its structure (a bullet list; the 4 paper questions numbered), sent in
# ChatML built by string concatenation as the seed does.
SEED_FIXED_SYSTEM = (
    "- You are given a caption describing an audio\n"
    "- You will give answers from the audio to these questions based on the caption\n"
    "    1. Describe the audio\n    2. Describe the audio in detail\n    3. What do you hear in the audio\n"
    "    4. What can be inferred from the audio\n"
    "- The answers should be numbered "
)
SEED_OPEN_SYSTEM = (
    "- You are given a caption describing an audio\n"
    "- You will create 5 questions and answers related to the audio based on the caption\n"
    "- The answers should be long form\n- The question answers should be numbered "
)
SEED_TRIES = 5  # the seed gives up on a caption after 5 unparsable replies
# After the special tokens are stripped, the reply follows "assistant\n": 4 lines "N. answer" (fixed) or
# 5 blocks "N. question\nAnswer: answer" (open).
_SEED_FIXED = re.compile(r"assistant\n" + r"\n".join([r"\d\. (.*)"] * 4))
_SEED_OPEN = re.compile(r"assistant\n" + r"\n".join([r"\d\. (.*)\nAnswer: (.*)"] * 5))


def seed_prompt(system: str, caption: str) -> str:
    return f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{caption}<|im_end|><|im_start|>assistant\n"


class SeedReference:
    """The seed's generation loop on a transformers model: one prompt per ``generate`` call."""

    def __init__(self, model: Path, device: str, max_tokens: int, threads: int) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteria

        torch.set_num_threads(threads)
        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(model)
        self.model = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32).to(device).eval()
        self.device = device
        self.max_tokens = max_tokens
        self.stop_ids = self.tok.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
        stop_ids = self.stop_ids

        class StopOnTokens(StoppingCriteria):  # the seed's stopping rule: the last token is a stop token
            def __call__(self, input_ids, scores, **kwargs) -> bool:
                return int(input_ids[0][-1]) in stop_ids

        self.stopping = StopOnTokens()

    def _generate(self, prompt: str, temperature: float) -> tuple[str, int, int]:
        from transformers import StoppingCriteriaList

        ids = self.tok(prompt, return_tensors="pt").input_ids.to(self.device)
        with self.torch.inference_mode():
            out = self.model.generate(
                input_ids=ids, do_sample=temperature > 0, temperature=temperature, top_p=1.0, top_k=4,
                repetition_penalty=1.0, stopping_criteria=StoppingCriteriaList([self.stopping]),
                # same output length as the engine under test: min = max, with both stop tokens held back
                # (the seed's max_new_tokens was 8192). The KV cache is on (transformers' default).
                max_new_tokens=self.max_tokens, min_new_tokens=self.max_tokens, eos_token_id=self.stop_ids,
                pad_token_id=self.tok.pad_token_id, use_cache=True)
        text = self.tok.batch_decode(out, skip_special_tokens=True)[0]
        return text, ids.shape[1], out.shape[1] - ids.shape[1]

    def _ask(self, system: str, caption: str, temperature: float, pattern: re.Pattern[str], stats: Counter):
        for _ in range(SEED_TRIES):
            text, n_in, n_out = self._generate(seed_prompt(system, caption), temperature)
            stats["calls"] += 1
            stats["prompt_tokens"] += n_in
            stats["output_tokens"] += n_out
            match = pattern.search(text)
            if match is not None:
                stats["parsed"] += 1
                return match.groups()
            stats["retries"] += 1
        stats["gave_up"] += 1
        return None

    def run(self, captions: list[str]) -> Counter:
        """Both of the seed's prompts for every caption, in order, as its main loop does."""
        stats: Counter = Counter()
        t0 = time.perf_counter()
        for caption in captions:
            self._ask(SEED_FIXED_SYSTEM, caption, 0.5, _SEED_FIXED, stats)
            self._ask(SEED_OPEN_SYSTEM, caption, 0.4, _SEED_OPEN, stats)
        stats["seconds"] = time.perf_counter() - t0
        return stats

    def close(self) -> None:
        del self.model
        gc.collect()


# ==================================================================================================
# musicqa: the real requests and the real engine, plus variants.
# ==================================================================================================

# The one piece of prompt text the bench adds: the reply line of the fixed+open variant's combined request.
COMBINED_REPLY = ('Reply with JSON only: {"answers": [4 answer strings, one per question, in order], '
                  '"pairs": [{"question": "...", "answer": "..."}, ...]}')


def build_requests(rows: list[dict[str, str]], model: str, max_tokens: int):
    """Exactly the requests ``musicqa build`` sends for these MusicCaps rows (fixed + open per clip)."""
    from musicqa.build_config import BuildConfig, SamplingConfig
    from musicqa.engines.base import EngineConfig
    from musicqa.pipeline import Build
    from musicqa.records import Clip
    from musicqa.sources.musiccaps import MusicCapsConfig, parse_aspect_list

    cfg = BuildConfig(sources=["musiccaps"], musiccaps=MusicCapsConfig(csv=Path("musiccaps-public.csv")),
                      engine=EngineConfig(model=model), report=False,
                      fixed=SamplingConfig(temperature=0.5, max_tokens=max_tokens),
                      open=SamplingConfig(temperature=0.4, max_tokens=max_tokens))
    clips = [Clip(clip_id=f"musiccaps/{r['ytid']}", source="musiccaps", source_id=r["ytid"],
                  split="test" if r["is_audioset_eval"] == "True" else "train", text=r["caption"],
                  start_s=float(r["start_s"]), end_s=float(r["end_s"]),
                  labels=parse_aspect_list(r["aspect_list"]) or ()) for r in rows]
    render = Build(cfg).render
    return render(clips), render.prompts.chat_template


def _paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def caption_last(reqs):
    """The user message with the caption paragraph moved after the instructions (a proposed template change).

    musicqa's templates open with the caption, so two requests share only the system prompt and the first
    line (120 tokens with the tiny tokenizer): less than one KV block of vLLM's CPU backend (128 tokens), so
    prefix caching reuses nothing. With the caption last, all of a task's requests share 355 tokens.
    """
    out = []
    for r in reqs:
        (sys_role, system), (user_role, user) = r.messages
        paras = _paragraphs(user)
        user = "\n\n".join(paras[1:] + paras[:1])
        out.append(dataclasses.replace(r, messages=((sys_role, system), (user_role, user))))
    return out


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
        f_paras, o_paras = _paragraphs(fixed.messages[1][1]), _paragraphs(open_.messages[1][1])
        user = "\n\n".join([f_paras[0], *f_paras[1:-1], *o_paras[1:-1], COMBINED_REPLY])
        schema = {"type": "object", "additionalProperties": False, "required": ["answers", "pairs"],
                  "properties": {"answers": json.loads(fixed.json_schema)["properties"]["answers"],
                                 "pairs": json.loads(open_.json_schema)["properties"]["pairs"]}}
        out.append(dataclasses.replace(
            fixed, task="fixed+open", messages=(fixed.messages[0], ("user", user)), json_schema=json.dumps(schema),
            sampling=dataclasses.replace(fixed.sampling, max_tokens=fixed.sampling.max_tokens * 2)))
    return out


def by_prompt_length(reqs):
    return sorted(reqs, key=lambda r: -sum(len(text) for _, text in r.messages))


def by_task(reqs):
    return sorted(reqs, key=lambda r: r.task)  # stable: clip order within each task


@dataclass(frozen=True)
class Variant:
    name: str
    what: str
    engine: tuple[tuple[str, Any], ...] = ()  # EngineConfig fields that differ from musicqa's defaults
    batch_size: int = 256  # EngineConfig's default: requests per engine call
    prepare: Callable | None = None  # requests -> requests sent
    params: str = ""  # "no_json" / "no_seed": informational, not proposals


NO_PREFIX = (("prefix_caching", False),)
VARIANTS = (
    Variant("plain", "batched, prefix caching off, build order", NO_PREFIX),
    Variant("default", "musicqa's defaults: + prefix caching"),
    Variant("sorted", "+ requests sorted by prompt length", prepare=by_prompt_length),
    Variant("by-task", "+ requests grouped by task", prepare=by_task),
    Variant("batch-8", "--engine.batch-size 8", batch_size=8),
    Variant("batch-32", "--engine.batch-size 32", batch_size=32),
    Variant("caption-last", "caption after the instructions (template change)", prepare=caption_last),
    Variant("one-request", "fixed + open in one request per clip (2x tokens)", prepare=fixed_and_open_in_one),
    Variant("guidance", "--engine.structured-backend guidance (llguidance)", (("structured_backend", "guidance"),)),
    Variant("no-seed", "info: no per-request seed (not reproducible)", params="no_seed"),
    Variant("no-json", "info: no JSON schema (unconstrained)", params="no_json"),
)


def shared_prefix_tokens(engine, reqs) -> dict[str, int]:
    """Longest prompt-token prefix shared by all requests of each task: what prefix caching could reuse."""
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


def run_variant(engine, variant: Variant, reqs) -> dict[str, Any]:
    """Send the requests as ``build.generate`` does (batches of batch_size, one engine call each); time it."""
    sent = variant.prepare(reqs) if variant.prepare else list(reqs)
    original = engine._params
    if variant.params:  # bench-only: change the SamplingParams the engine builds, to price a feature
        def params(req):
            p = original(req)
            if variant.params == "no_json":
                p.structured_outputs = None
            else:
                p.seed = None
            return p
        engine._params = params
    try:
        t0 = time.perf_counter()
        gens = []
        for start in range(0, len(sent), variant.batch_size):
            gens += engine.generate(sent[start:start + variant.batch_size])
        seconds = time.perf_counter() - t0
    finally:
        engine._params = original
    out_tokens = sum(g.n_output_tokens for g in gens)
    full = sum(g.n_output_tokens == r.sampling.max_tokens for g, r in zip(gens, sent))
    return {"seconds": seconds, "requests": len(sent), "output_tokens": out_tokens,
            "prompt_tokens": sum(g.n_prompt_tokens for g in gens), "full_length": full,
            "finish": dict(Counter(g.finish_reason for g in gens)), "load_avg": os.getloadavg()[0]}


def engine_config(model: Path, device: str, overrides: tuple[tuple[str, Any], ...]):
    """musicqa's EngineConfig defaults for the tiny model (eager + in-process on CPU, as configs/smoke.toml)."""
    from musicqa.engines.base import EngineConfig

    cpu = device == "cpu"
    return EngineConfig(name="vllm", model=str(model), dtype="float32", enforce_eager=cpu, in_process=cpu,
                        cpu_kvcache_gb=2, gpu_memory_utilization=0.3, **dict(overrides))


def run_engines(model: Path, device: str, reqs, chat_template: str, variants: list[Variant], repeats: int,
                info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each variant ``repeats`` times, round-robin within an engine so a busy spell hits all of them."""
    from musicqa.engines import make_engine

    results: dict[str, dict[str, Any]] = {}
    groups: dict[tuple, list[Variant]] = {}
    for v in variants:
        groups.setdefault(v.engine, []).append(v)
    for overrides, group in groups.items():
        t0 = time.perf_counter()
        engine = make_engine(engine_config(model, device, overrides), chat_template)
        info.setdefault("engine_load_s", {})[",".join(v.name for v in group)] = round(time.perf_counter() - t0, 1)
        info.setdefault("block_size", engine.llm.llm_engine.vllm_config.cache_config.block_size)
        info.setdefault("shared_prefix_tokens", shared_prefix_tokens(engine, reqs))
        if "caption-last" in {v.name for v in group}:
            info["shared_prefix_tokens_caption_last"] = shared_prefix_tokens(engine, caption_last(reqs))
        for v in group:  # warm-up: one-off costs (a new schema's grammar, first-call paths) are not throughput
            run_variant(engine, v, reqs[:4])
        for _ in range(repeats):
            for v in group:
                run = run_variant(engine, v, reqs)
                best = results.get(v.name)
                if best is None or run["seconds"] < best["seconds"]:
                    results[v.name] = {**run, "all_seconds": (best or {}).get("all_seconds", [])}
                results[v.name]["all_seconds"].append(round(run["seconds"], 2))
                print(f"  {v.name:<13} {run['seconds']:7.2f} s  {run['output_tokens'] / run['seconds']:8.0f} tok/s",
                      file=sys.stderr, flush=True)
        engine.close()
        gc.collect()
    return results


def tiny_model(path: Path | None) -> Path:
    """The tiny MPT chat model: the given folder, else built once into bench/out/tiny-models."""
    if path is not None:
        return path
    models = Path(os.environ.get("MUSICQA_TINY_MODELS", OUT / "tiny-models"))
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_tiny_models.py"), str(models)], check=True,
                   capture_output=True)
    return models / "tiny-mpt-chat"


def measure(args, model: Path, rows: list[dict[str, str]], variants: list[Variant], info: dict[str, Any],
            with_reference: bool) -> dict[str, Any]:
    """One scale: the reference (first: vLLM pins its threads once it starts), then the engines."""
    reqs, chat_template = build_requests(rows, str(model), args.max_tokens)
    out: dict[str, Any] = {"clips": len(rows), "requests": len(reqs)}
    if with_reference:
        ref = SeedReference(model, args.device, args.max_tokens, args.ref_threads)
        ref.run([rows[0]["caption"]])  # warm-up
        best = None
        for _ in range(args.repeats):
            stats = ref.run([r["caption"] for r in rows])
            print(f"  {'reference':<13} {stats['seconds']:7.2f} s  {stats['output_tokens'] / stats['seconds']:8.0f} "
                  "tok/s", file=sys.stderr, flush=True)
            if best is None or stats["seconds"] < best["seconds"]:
                best = stats
        ref.close()
        out["reference"] = {k: best.get(k, 0) for k in ("calls", "parsed", "retries", "gave_up", "prompt_tokens",
                                                          "output_tokens", "seconds")}
    out["vllm"] = run_engines(model, args.device, reqs, chat_template, variants, args.repeats, info)
    return out


def tok_s(run: dict[str, Any]) -> float:
    return run["output_tokens"] / run["seconds"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=32, help="MusicCaps captions (first N rows); 2 requests each")
    ap.add_argument("--max-tokens", type=int, default=128, help="output tokens of every reply (forced equal)")
    ap.add_argument("--repeats", type=int, default=3, help="timed passes per method; the best is reported")
    ap.add_argument("--scales", default="1", help="input multiples of --clips, e.g. 1,4,16")
    ap.add_argument("--variants", default=",".join(v.name for v in VARIANTS),
                    help=f"engine variants to run (of {', '.join(v.name for v in VARIANTS)})")
    ap.add_argument("--ref-max-clips", type=int, default=128,
                    help="skip the reference at scales with more clips (it is one prompt at a time: linear)")
    ap.add_argument("--ref-threads", type=int, default=1,
                    help="torch threads of the reference: 1 is its fastest for the tiny model here, and 2 threads "
                         "slow to a crawl when another process shares the cores (OpenMP barriers)")
    ap.add_argument("--model", type=Path, default=None, help="tiny MPT chat model folder (default: build one)")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                    help="cuda: reference on the GPU and the vLLM engine with CUDA graphs (untested here)")
    ap.add_argument("--out-dir", type=Path, default=OUT, help="where the figures JSON goes")
    ap.add_argument("--json", default="generation", help="name of the figures file")
    args = ap.parse_args(argv)
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")  # keep the tables readable; errors still show
    scales = parse_scales(args.scales)
    wanted = args.variants.split(",")
    unknown = sorted(set(wanted) - {v.name for v in VARIANTS})
    if unknown:
        ap.error(f"--variants: unknown {', '.join(unknown)}")
    variants = [v for v in VARIANTS if v.name in wanted]
    info = machine()
    warn_if_busy(info["cores"])
    model = tiny_model(args.model)
    all_rows = read_musiccaps_rows()

    results = []
    for scale in scales:
        n = args.clips * scale
        rows = all_rows[:n] if n <= len(all_rows) else scaled_rows(all_rows, -(-n // len(all_rows)))[:n]
        with_ref = n <= args.ref_max_clips
        print(f"x{scale}: {n} clips, {2 * n} requests x {args.max_tokens} tokens", file=sys.stderr, flush=True)
        results.append({"scale": scale, **measure(args, model, rows, variants, info, with_ref)})

    first = results[0]
    ref = first.get("reference")
    print()
    print(f"generation at x{first['scale']}: {first['clips']} MusicCaps captions, {args.max_tokens} output tokens per "
          f"reply, tiny MPT (random weights), {args.device}, best of {args.repeats}")
    rows_out = []
    if ref:
        rows_out.append(("reference", f"seed: HF generate, 1 prompt/call, regex, <=5 tries; {args.ref_threads} thread",
                         ref["calls"],
                         ref["output_tokens"], ref["seconds"], tok_s(ref), "1.0×",
                         f"{ref['parsed']}/{ref['calls']} parsed"))
    for v in variants:
        run = first["vllm"].get(v.name)
        if run is None:
            continue
        ratio = f"{tok_s(run) / tok_s(ref):.1f}×" if ref else "-"
        rows_out.append((v.name, v.what, run["requests"], run["output_tokens"], run["seconds"], tok_s(run), ratio,
                         f"{run['full_length']}/{run['requests']} full length"))
    print(table(["method", "what", "calls", "out tokens", "seconds", "tokens/s", "vs ref", "notes"], rows_out))
    bs = info.get("block_size")
    if "shared_prefix_tokens" in info:
        shared = info["shared_prefix_tokens"]
        line = (f"prompt tokens shared by every request of a task: {shared}; the KV block is {bs} tokens, so prefix "
                f"caching can reuse {({k: v // bs for k, v in shared.items()})} blocks per request")
        if "shared_prefix_tokens_caption_last" in info:
            last = info["shared_prefix_tokens_caption_last"]
            line += f"; caption last: {last} tokens = {({k: v // bs for k, v in last.items()})} blocks"
        print(line)
    if len(results) > 1:
        print()
        print("scaling (same model and output length; time relative to x1):")
        base = results[0]
        srows = []
        for r in results:
            ref_r = r.get("reference")
            for name, run in r["vllm"].items():
                srows.append((f"{r['scale']}×", r["clips"], name, run["seconds"],
                              f"{run['seconds'] / base['vllm'][name]['seconds']:.1f}×", tok_s(run),
                              ref_r["seconds"] if ref_r else "-",
                              f"{ref_r['seconds'] / base['reference']['seconds']:.1f}×" if ref_r and
                              base.get("reference") else "-",
                              f"{tok_s(run) / tok_s(ref_r):.1f}×" if ref_r else "-"))
        print(table(["scale", "clips", "engine", "seconds", "time ×", "tokens/s", "ref seconds", "ref time ×",
                     "vs ref"], srows))
    cmd = "python -m bench.generation " + " ".join(sys.argv[1:] if argv is None else argv)
    path = write_json(args.json, {"machine": info, "command": cmd, "args": {k: str(v) for k, v in vars(args).items()},
                                  "results": results}, args.out_dir)
    default = first["vllm"].get("default") or next(iter(first["vllm"].values()))
    plain = first["vllm"].get("plain")
    if ref:
        line = (f"generation: musicqa vLLM engine {tok_s(default):,.0f} tok/s vs the seed's method "
                f"{tok_s(ref):,.0f} tok/s = {tok_s(default) / tok_s(ref):.1f}x")
        if plain:
            line += f" (plain batching {tok_s(plain) / tok_s(ref):.1f}x)"
    else:
        line = f"generation: musicqa vLLM engine {tok_s(default):,.0f} tok/s (reference skipped)"
    print()
    print(f"{line}  [{machine_line(info)}; {args.device}; figures in {path}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
