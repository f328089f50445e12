"""The engine contract: a pure function of a batch of requests, so it scales out unchanged.

``generate(requests) -> generations`` holds no state between calls beyond the loaded model, which
is what a Ray Data ``map_batches`` stage (or ``ray.data.llm``) needs: any worker can take any batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from musicqa.config import field
from musicqa.records import Generation, PromptRequest

log = logging.getLogger(__name__)


@dataclass
class EngineConfig:
    """Which model generates the QA pairs, and how it is run."""

    name: str = field("vllm", help="engine: 'vllm' (batched offline inference) or 'transformers' (fallback)")
    model: str = field("mosaicml/mpt-7b-chat", help="model id on the hub, or a local folder")
    revision: str | None = field(None, help="model revision (commit hash) to pin; recorded in provenance")
    tokenizer: str | None = field(None, help="tokenizer id or folder when it differs from the model's")
    trust_remote_code: bool = field(False, help="run the model repo's own Python code (off: security)")
    dtype: str = field("auto", help="dtype the engine computes in: auto, float32, bfloat16, float16; auto on CPU is "
                       "chosen by the machine (bf16 with AMX, fp32 without native bf16, else a 1-s matmul probe; "
                       "logged with the reason; MUSICQA_CPU_FLAGS overrides the CPU's flags), on GPU the checkpoint's")
    max_model_len: int = field(2048, help="context length (prompt + reply) in tokens")
    batch_size: int = field(256, help="requests per engine call; also how often progress is saved")
    max_retries: int = field(2, help="re-generations (new seed) of a reply that fails to parse")
    seed: int = field(0, help="base seed; each request's seed derives from it, its key and its attempt")
    prefix_caching: bool = field(True, help="vLLM: reuse the KV cache of the shared system prompt")
    enforce_eager: bool | None = field(
        None, help="vLLM: skip graph capture/compilation; default on for CPU (torch.compile costs minutes at start-up "
        "and gained nothing per CPU-second in bench/generation.py), off for GPU (CUDA graphs)")
    in_process: bool | None = field(
        None, help="vLLM: run the engine core in this process; default on for CPU (in its own process vLLM binds the "
        "model's OpenMP threads to all cores but one, kept for the scheduler: 1 of 2 cores), off for GPU")
    gpu_memory_utilization: float = field(0.9, help="vLLM: fraction of GPU memory for weights and KV cache")
    chunked_prefill: bool | None = field(
        None, help="vLLM: chunked prefill; default on for GPU, off on CPU, where vLLM 0.28 crashes with its own "
        "per-request seeds, --engine.sampler vllm ('CPU Generator does not use offset')")
    tensor_parallel_size: int = field(1, help="vLLM: GPUs to shard the model over")
    max_num_seqs: int | None = field(None, help="vLLM: most sequences decoded together (default: vLLM's, 256 on CPU)")
    block_size: int | None = field(
        None, help="vLLM: KV cache block in tokens, the unit prefix caching reuses (only full blocks of the ~250-350 "
        "prompt tokens all requests of a task share); default 32 on CPU (vLLM's 128 left a third of them unreused), "
        "vLLM's 16 on GPU")
    cpu_kvcache_gb: int = field(4, help="vLLM CPU backend: KV cache size in GiB (VLLM_CPU_KVCACHE_SPACE)")
    structured_backend: str = field("xgrammar", help="structured-output backend for JSON schemas")
    sampler: str = field(
        "musicqa", help="vLLM: who draws seeded samples: 'musicqa' (one batched, counter-based draw over the top-k "
        "per step, musicqa/engines/sampling.py) or 'vllm' (vLLM's per-request torch generators, a loop per request: "
        "the same distribution, other random numbers, 1.6x slower on CPU at 256 requests in bench/generation.py); the "
        "transformers engine always uses musicqa's")
    disable_any_whitespace: bool = field(True, help="forbid free whitespace in JSON (keeps small models on track)")
    device: str = field("auto", help="transformers engine: 'cpu', 'cuda' or 'auto'")

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("--engine.batch-size must be >= 1")
        if self.max_retries < 0:
            raise ValueError("--engine.max-retries must be >= 0")
        if self.sampler not in ("musicqa", "vllm"):
            raise ValueError(f"--engine.sampler must be 'musicqa' or 'vllm', got {self.sampler!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"--engine.dtype: {self.dtype!r} invalid, expected one of {', '.join(DTYPES)}")
        for flag, value in (("model", self.model), ("tokenizer", self.tokenizer)):
            if value is not None and looks_local(value) and not Path(value).expanduser().exists():
                raise ValueError(f"--engine.{flag}: {value}: no such folder (a local path; a hub id is 'org/name')")
        if not 0 < self.gpu_memory_utilization <= 1:
            raise ValueError(f"--engine.gpu-memory-utilization: {self.gpu_memory_utilization} invalid, expected "
                             "0 < value <= 1")
        if self.trust_remote_code:
            log.warning("trust_remote_code is on: %s's own Python code will run", self.model)


DTYPES = ("auto", "float32", "bfloat16", "float16")


def looks_local(model: str) -> bool:
    """True for a model given as a path rather than a hub id ('org/name'): absolute, ./ ../ ~, or deeper than one /.

    Such a path must exist: otherwise vLLM or transformers spend 15 s starting before they fail with a traceback.
    """
    return model.startswith(("/", ".", "~")) or model.count("/") > 1


class Engine(Protocol):
    """What the build needs from an engine."""

    name: str
    version: str

    def generate(self, requests: list[PromptRequest]) -> list[Generation]:
        """One Generation per request, in input order."""
        ...

    def close(self) -> None:
        """Free the model."""
        ...


def request_seed(req: PromptRequest, base_seed: int) -> int:
    """Seed of one request: stable across runs and batchings, new for every retry attempt."""
    return (int(req.key[:8], 16) + 1_000_003 * req.attempt + base_seed + req.sampling.seed) % (2**31 - 1)
