"""vLLM offline inference: one ``LLM``, many requests per call, JSON-schema structured outputs.

The only module that imports vllm. Pinned to vLLM 0.28 (the last release with MPT, the paper's
model); 0.28 names structured outputs ``StructuredOutputsParams`` (older: ``GuidedDecodingParams``).
"""

from __future__ import annotations

import json
import logging
import os

from musicqa.engines.base import EngineConfig, request_seed
from musicqa.records import Generation, PromptRequest

log = logging.getLogger(__name__)

# vLLM warnings about choices musicqa makes on purpose: nothing for a user to act on, so they are dropped
# (``-v`` shows every vLLM line). Warnings not listed here, e.g. libtcmalloc/libiomp advice, come through.
EXPECTED_WARNINGS = (
    "The global random seed is set to",  # in_process=True runs the engine in this process, by design
    "does not officially support disabling chunked prefill",  # --engine.chunked-prefill defaults to off on CPU
    "Enforce eager set",  # --engine.enforce-eager: on by default on CPU
    "Inductor compilation was disabled",  # follows from enforce_eager
    "Reset SSM cache type",  # Mamba models only
    "Model Runner V2 requires Triton",  # scripts/install.sh removes triton on CPU (its exit-time leak wall)
    "doesn't allow to use `torch.set_num_threads`",  # vLLM's CPU worker binds its threads itself
)


class _DropExpected(logging.Filter):
    """Drops vLLM records whose message contains one of EXPECTED_WARNINGS."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(w in message for w in EXPECTED_WARNINGS)


def quiet_vllm_logs() -> None:
    """vLLM logs WARNING and up, minus EXPECTED_WARNINGS, unless musicqa logs DEBUG (``-v``).

    Call before importing vllm: it reads VLLM_LOGGING_LEVEL once, at import. Values set in the shell win.
    """
    verbose = log.isEnabledFor(logging.DEBUG)
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    if not verbose:
        # torch's C++ side prints vLLM's CPU NUMA-binding notice as "[W...] Warning:"; read when torch loads
        os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")
    import vllm  # noqa: F401 - configures the "vllm" logger and its handler

    if not verbose:
        for handler in logging.getLogger("vllm").handlers:  # child loggers reach these; a logger filter would not
            if not any(isinstance(f, _DropExpected) for f in handler.filters):
                handler.addFilter(_DropExpected())


class VllmEngine:
    """Holds one ``vllm.LLM``; ``generate`` is a pure function of a batch of requests."""

    name = "vllm"

    def __init__(self, cfg: EngineConfig, chat_template: str) -> None:
        # vLLM reads these when the engine starts; setdefault lets users override them from the shell
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(cfg.cpu_kvcache_gb))
        quiet_vllm_logs()
        import vllm
        from vllm import LLM
        from vllm.platforms import current_platform

        from musicqa.engines.machine import resolve_dtype
        from musicqa.engines.vllm_sampler import SeededSampler

        cpu = current_platform.is_cpu()
        self.dtype_choice = resolve_dtype(cfg.dtype, cpu)  # vLLM's own auto picks bf16 on every CPU (machine.py)
        if cfg.in_process if cfg.in_process is not None else cpu:
            os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        self.version = vllm.__version__
        self.cfg = cfg
        self.chat_template = chat_template
        chunked = cfg.chunked_prefill if cfg.chunked_prefill is not None else not cpu
        eager = cfg.enforce_eager if cfg.enforce_eager is not None else cpu
        block = cfg.block_size if cfg.block_size is not None else (32 if cpu else None)
        log.info("loading %s (revision %s) on vLLM %s", cfg.model, cfg.revision or "default", self.version)
        self.llm = LLM(
            model=cfg.model, revision=cfg.revision, tokenizer=cfg.tokenizer, trust_remote_code=cfg.trust_remote_code,
            dtype=self.dtype_choice.dtype, max_model_len=cfg.max_model_len, seed=cfg.seed, enforce_eager=eager,
            enable_prefix_caching=cfg.prefix_caching, gpu_memory_utilization=cfg.gpu_memory_utilization,
            tensor_parallel_size=cfg.tensor_parallel_size, enable_chunked_prefill=chunked,
            max_num_seqs=cfg.max_num_seqs, block_size=block,
            logits_processors=[SeededSampler] if cfg.sampler == "musicqa" else None,
            structured_outputs_config={"backend": cfg.structured_backend,
                                       "disable_any_whitespace": cfg.disable_any_whitespace},
        )

    def _params(self, req: PromptRequest):
        from vllm import SamplingParams
        from vllm.sampling_params import StructuredOutputsParams

        from musicqa.engines.vllm_sampler import sampling_args

        s = req.sampling
        schema = StructuredOutputsParams(json=json.loads(req.json_schema))
        seed = request_seed(req, self.cfg.seed)
        if self.cfg.sampler == "musicqa" and s.temperature > 0:
            # vLLM decodes greedily; SeededSampler has already left one token per row (vllm_sampler.py)
            return SamplingParams(temperature=0.0, max_tokens=s.max_tokens, structured_outputs=schema,
                                  extra_args=sampling_args(seed, s.temperature, s.top_k, s.top_p))
        return SamplingParams(temperature=s.temperature, top_k=s.top_k if s.top_k > 0 else -1, top_p=s.top_p,
                              max_tokens=s.max_tokens, seed=seed, structured_outputs=schema)

    def generate(self, requests: list[PromptRequest]) -> list[Generation]:
        """Generate all requests in one call; vLLM schedules and batches them itself."""
        if not requests:
            return []
        conversations = [[{"role": role, "content": text} for role, text in r.messages] for r in requests]
        if self.cfg.prefix_caching and not self.llm.reset_prefix_cache():
            # a hit would reuse KV computed in an earlier call, in another batch: emptied, the cache is shared only
            # within this call, so replies depend on this batch alone (musicqa/pipeline/generate.py says why)
            log.warning("vLLM did not empty its prefix cache; replies may depend on earlier batches")
        outputs = self.llm.chat(conversations, [self._params(r) for r in requests], use_tqdm=False,
                                chat_template=self.chat_template, add_generation_prompt=True)
        # vLLM returns outputs in input order; the zip() below relies on it
        return [
            Generation(key=r.key, clip_id=r.clip_id, task=r.task, text=o.outputs[0].text,
                       finish_reason=str(o.outputs[0].finish_reason), model=self.cfg.model, attempt=r.attempt,
                       n_prompt_tokens=len(o.prompt_token_ids or ()), n_output_tokens=len(o.outputs[0].token_ids))
            for r, o in zip(requests, outputs, strict=True)
        ]

    def close(self) -> None:
        del self.llm
