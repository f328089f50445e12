"""Fallback engine on plain transformers: batched ``generate`` with left padding.

For machines without vLLM. Same interface and records as the vLLM engine; JSON is constrained
with xgrammar's logits processor when xgrammar is installed, otherwise replies are only validated.
"""

from __future__ import annotations

import logging
from itertools import groupby

from musicqa.engines.base import EngineConfig, request_seed
from musicqa.records import Generation, PromptRequest, Sampling

log = logging.getLogger(__name__)


class SeededSampling:
    """A transformers logits processor that leaves each row one token: its seeded draw (musicqa/engines/sampling.py).

    ``generate`` then decodes greedily. One generator for a micro-batch would make a reply depend on its
    batch-mates; this makes it a function of its own request, as in the vLLM engine.
    """

    def __init__(self, seeds: list[int], sampling: Sampling, prompt_len: int, device: str) -> None:
        import torch

        self.prompt_len = prompt_len
        n = len(seeds)
        self.seed = torch.tensor(seeds, dtype=torch.long, device=device)
        self.temperature = torch.full((n,), sampling.temperature, device=device)
        self.top_k = torch.full((n,), sampling.top_k, dtype=torch.long, device=device)
        self.top_p = torch.full((n,), sampling.top_p, device=device)
        self.rows = torch.arange(n, device=device)

    def __call__(self, input_ids, scores):
        import torch

        from musicqa.engines.sampling import sample

        position = torch.full_like(self.seed, input_ids.shape[1] - self.prompt_len)
        tokens = sample(scores, self.seed, position, self.temperature, self.top_k, self.top_p)
        out = torch.full_like(scores, float("-inf"))
        out[self.rows, tokens] = 0.0
        return out


class TransformersEngine:
    """Holds one model + tokenizer; ``generate`` is a pure function of a batch of requests."""

    name = "transformers"

    def __init__(self, cfg: EngineConfig, chat_template: str, micro_batch: int = 16) -> None:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from musicqa.engines.machine import resolve_dtype

        self.version = transformers.__version__
        self.cfg = cfg
        self.chat_template = chat_template
        self.micro_batch = micro_batch
        device = cfg.device if cfg.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
        self.dtype_choice = resolve_dtype(cfg.dtype, cpu=device == "cpu")  # on CPU, auto is chosen by the machine
        dtype = {"auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16,
                 "float16": torch.float16}[self.dtype_choice.dtype]
        self.tok = AutoTokenizer.from_pretrained(cfg.tokenizer or cfg.model, revision=cfg.revision,
                                                 trust_remote_code=cfg.trust_remote_code)
        self.tok.padding_side = "left"  # decoder-only batching: pad on the left so replies start aligned
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(cfg.model, revision=cfg.revision, dtype=dtype,
                                                          trust_remote_code=cfg.trust_remote_code).to(device)
        self.model.eval()
        self.device = device
        self._grammar = self._make_compiler()

    def _make_compiler(self):
        try:
            import xgrammar as xgr
        except ImportError:
            log.warning("xgrammar not installed: replies are not constrained to the JSON schema")
            return None
        info = xgr.TokenizerInfo.from_huggingface(self.tok, vocab_size=self.model.config.vocab_size)
        return xgr.GrammarCompiler(info)

    def _processor(self, schema: str):
        if self._grammar is None:
            return []
        import xgrammar.contrib.hf as xgr_hf

        compiled = self._grammar.compile_json_schema(
            schema, any_whitespace=not self.cfg.disable_any_whitespace)
        return [xgr_hf.LogitsProcessor(compiled)]

    def generate(self, requests: list[PromptRequest]) -> list[Generation]:
        """Micro-batches of requests that share sampling params and schema, outputs in input order."""
        import torch

        results: dict[int, Generation] = {}
        order = sorted(range(len(requests)), key=lambda i: (requests[i].sampling, requests[i].json_schema))
        for _, group in groupby(order, key=lambda i: (requests[i].sampling, requests[i].json_schema)):
            idx = list(group)
            for start in range(0, len(idx), self.micro_batch):
                chunk = idx[start:start + self.micro_batch]
                for i, gen in zip(chunk, self._generate_chunk([requests[i] for i in chunk], torch), strict=True):
                    results[i] = gen
        return [results[i] for i in range(len(requests))]

    def _generate_chunk(self, reqs: list[PromptRequest], torch) -> list[Generation]:
        prompts = [self.tok.apply_chat_template([{"role": r, "content": c} for r, c in req.messages],
                                                chat_template=self.chat_template, add_generation_prompt=True,
                                                tokenize=False) for req in reqs]
        enc = self.tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        s = reqs[0].sampling
        n_in = enc["input_ids"].shape[1]
        processors = self._processor(reqs[0].json_schema)
        if s.temperature > 0:  # after the JSON mask: draws per row, by each request's own seed (sampling.py)
            processors.append(SeededSampling([request_seed(r, self.cfg.seed) for r in reqs], s, n_in, self.device))
        with torch.inference_mode():
            out = self.model.generate(
                **enc, do_sample=False, max_new_tokens=s.max_tokens, logits_processor=processors,
                pad_token_id=self.tok.pad_token_id, eos_token_id=self.tok.eos_token_id)
        gens = []
        for req, row in zip(reqs, out, strict=True):
            new = row[n_in:]
            ended = (new == self.tok.eos_token_id).nonzero()
            n_out = int(ended[0]) + 1 if len(ended) else int((new != self.tok.pad_token_id).sum())
            text = self.tok.decode(new[:n_out], skip_special_tokens=True)
            finish = "stop" if len(ended) else "length"
            gens.append(Generation(key=req.key, clip_id=req.clip_id, task=req.task, text=text, finish_reason=finish,
                                   model=self.cfg.model, attempt=req.attempt,
                                   n_prompt_tokens=int(enc["attention_mask"][0].sum()), n_output_tokens=n_out))
        return gens

    def close(self) -> None:
        del self.model


