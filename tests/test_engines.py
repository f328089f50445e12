"""Both engines on the tiny MPT chat model: same interface, valid JSON by construction, input order kept."""

import json
from pathlib import Path

import pytest

from musicqa.engines.base import EngineConfig, request_seed
from musicqa.parse import OK, parse, schema_for
from musicqa.prompts import PromptSet
from musicqa.records import Clip, Sampling

REPO = Path(__file__).resolve().parents[1]


def requests(n: int, max_tokens: int = 200, prompts: Path = REPO / "prompts"):
    ps = PromptSet(prompts)
    out = []
    for i in range(n):
        clip = Clip(clip_id=f"musiccaps/clip{i:07d}", source="musiccaps", source_id=f"clip{i:07d}", split="train",
                    text=f"A slow piano ballad number {i} with soft female vocals.", start_s=0.0, end_s=10.0)
        task = "fixed" if i % 2 == 0 else "open"
        out.append(ps.render(clip, task, model="tiny", sampling=Sampling(max_tokens=max_tokens),
                             json_schema=schema_for(task, n_questions=4, n_pairs=5, max_chars=120)))
    return out


def test_vllm_engine_returns_schema_valid_json_in_input_order(vllm_engine):
    reqs = requests(6, max_tokens=600)
    gens = vllm_engine.generate(reqs)
    assert [g.key for g in gens] == [r.key for r in reqs]
    assert vllm_engine.version.startswith("0.28")
    closed = [g for g in gens if g.finish_reason == "stop"]
    assert closed, "no reply finished within max_tokens"
    for g, r in zip(gens, reqs):
        assert g.n_prompt_tokens > 0 and g.n_output_tokens > 0
        if g.finish_reason == "stop":
            parsed = parse(g, r)
            assert parsed.status == OK, (parsed.detail, g.text[:200])
            assert len(parsed.pairs) == (4 if r.task == "fixed" else len(json.loads(g.text, strict=False)["pairs"]))


def test_vllm_engine_is_deterministic_per_request_whatever_the_batch(vllm_engine):
    reqs = requests(4)
    alone = vllm_engine.generate(reqs[1:2])[0]
    together = vllm_engine.generate(reqs)[1]
    assert alone.text == together.text


def test_unknown_sampler_is_a_one_line_error():
    with pytest.raises(ValueError, match="--engine.sampler must be 'musicqa' or 'vllm', got 'numpy'"):
        EngineConfig(sampler="numpy")


def test_retry_attempt_changes_the_seed():
    r = requests(1)[0]
    import dataclasses

    assert request_seed(r, 0) != request_seed(dataclasses.replace(r, attempt=1), 0)
    assert request_seed(r, 0) == request_seed(r, 0)


def test_transformers_engine_same_records_with_left_padding(tiny_models):
    pytest.importorskip("xgrammar", reason="xgrammar (comes with vLLM) is needed to constrain the fallback engine")
    from musicqa.engines import make_engine

    cfg = EngineConfig(name="transformers", model=str(tiny_models / "tiny-mpt-chat"), dtype="float32", device="cpu")
    engine = make_engine(cfg, (REPO / "prompts" / "chat" / "chatml.jinja").read_text())
    assert engine.tok.padding_side == "left"
    reqs = requests(3, max_tokens=400)
    gens = engine.generate(reqs)
    assert [g.key for g in gens] == [r.key for r in reqs]
    stopped = [(g, r) for g, r in zip(gens, reqs) if g.finish_reason == "stop"]
    assert stopped
    for g, r in stopped:
        assert parse(g, r).status == OK, g.text[:200]
    # each row is drawn by its own request's seed: a reply does not depend on its micro-batch mates
    assert engine.generate(reqs[2:3])[0].text == gens[2].text  # reqs[0] and reqs[2] share a micro-batch


@pytest.mark.parametrize(("prompts", "least"), [("prompts", 320), ("prompts/caption-first", 96)])
def test_every_request_reuses_the_shared_prompt_from_the_prefix_cache(vllm_engine, prompts, least):
    from vllm import SamplingParams

    reqs = requests(6, prompts=REPO / prompts)
    conversations = [[{"role": r, "content": c} for r, c in req.messages] for req in reqs]

    def cached(convs):
        outs = vllm_engine.llm.chat(convs, SamplingParams(max_tokens=1), chat_template=vllm_engine.chat_template,
                                    add_generation_prompt=True, use_tqdm=False)
        return [o.num_cached_tokens for o in outs]

    cached(conversations[:2])  # one request per task computes the shared part once
    later = cached(conversations[2:])
    # 32-token KV blocks: vLLM reuses every full block of the shared prefix. The default templates put the caption
    # after the instructions, so requests share ~350 tokens; the caption-first layout (--prompts-dir
    # prompts/caption-first) shares only the system prompt and the first words (~120 tokens: 96 reused; vLLM's CPU
    # default of 128-token blocks would reuse none).
    assert vllm_engine.llm.llm_engine.vllm_config.cache_config.block_size == 32
    assert min(later) >= least, later


@pytest.mark.slow
def test_default_engine_on_cpu_runs_in_process_and_eager(tiny_models):
    """A CPU user without flags gets an engine that starts in seconds: no engine-core process, no torch.compile."""
    import os
    import subprocess
    import sys

    code = (
        "import json, multiprocessing, os\n"
        "from musicqa.engines import make_engine\n"
        "from musicqa.engines.base import EngineConfig\n"
        f"engine = make_engine(EngineConfig(model={str(tiny_models / 'tiny-mpt-chat')!r}, cpu_kvcache_gb=1),\n"
        "                     open('prompts/chat/chatml.jinja').read())\n"
        "cfg = engine.llm.llm_engine.vllm_config\n"
        "print(json.dumps({'children': len(multiprocessing.active_children()),\n"
        "                  'eager': cfg.model_config.enforce_eager, 'block': cfg.cache_config.block_size}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("VLLM_ENABLE_V1_MULTIPROCESSING", "VLLM_CPU_KVCACHE_SPACE")}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("{")))
    assert got == {"children": 0, "eager": True, "block": 32}  # no engine-core process, no torch.compile
