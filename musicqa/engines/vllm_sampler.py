"""musicqa's seeded sampler inside vLLM: a batch-level logits processor (vLLM's V1 interface).

A request carries ``extra_args={"musicqa_sampling": [seed, temperature, top_k, top_p]}`` and vLLM's own
sampling is greedy: this processor draws each such row's token (musicqa/engines/sampling.py) after the
structured-output mask, and leaves it the only finite logit, which vLLM's argmax then takes. Imported by
musicqa/engines/vllm.py once vLLM's logging is set up, and by vLLM's engine core process by name.
"""

from __future__ import annotations

import torch
from vllm import SamplingParams
from vllm.v1.sample.logits_processor import BatchUpdate, LogitsProcessor
from vllm.v1.sample.logits_processor.builtin import process_dict_updates

from musicqa.engines.sampling import sample

KEY = "musicqa_sampling"
Spec = tuple[int, float, int, float]  # seed, temperature, top_k, top_p


def sampling_args(seed: int, temperature: float, top_k: int, top_p: float) -> dict:
    """The ``extra_args`` a request needs to be sampled here."""
    return {KEY: [seed, temperature, top_k, top_p]}


class SeededSampler(LogitsProcessor):
    """Draws the next token of every row that asked for it, in one vectorised call per step."""

    @classmethod
    def validate_params(cls, sampling_params: SamplingParams) -> None:
        spec = (sampling_params.extra_args or {}).get(KEY)
        if spec is None:
            return
        seed, temperature, top_k, top_p = spec
        if sampling_params.temperature != 0:
            raise ValueError(f"{KEY}: vLLM's own temperature must be 0 (greedy), got {sampling_params.temperature}")
        if not (temperature > 0 and top_k >= 0 and 0 < top_p <= 1 and isinstance(seed, int)):
            raise ValueError(f"{KEY}: need an int seed, temperature > 0, top_k >= 0, 0 < top_p <= 1; got {spec}")

    def __init__(self, vllm_config, device: torch.device, is_pin_memory: bool) -> None:
        # batch row -> (spec, the request's running output token list: its length is the position sampled next)
        self.rows: dict[int, tuple[Spec, list[int]]] = {}

    def is_argmax_invariant(self) -> bool:
        return False  # it picks the token: it must run for greedy requests too

    def update_state(self, batch_update: BatchUpdate | None) -> None:
        def new_state(params: SamplingParams, _prompt: list[int] | None, output: list[int]):
            spec = (params.extra_args or {}).get(KEY)
            return None if spec is None else (tuple(spec), output)

        process_dict_updates(self.rows, batch_update, new_state)

    def apply(self, logits: torch.Tensor) -> torch.Tensor:
        if not self.rows:
            return logits
        index = sorted(i for i in self.rows if i < logits.shape[0])
        specs = [self.rows[i][0] for i in index]

        def column(j: int, dtype: torch.dtype) -> torch.Tensor:
            return torch.tensor([s[j] for s in specs], dtype=dtype, device=logits.device)

        position = torch.tensor([len(self.rows[i][1]) for i in index], dtype=torch.long, device=logits.device)
        whole = len(index) == logits.shape[0]
        tokens = sample(logits if whole else logits[index], column(0, torch.long), position, column(1, torch.float32),
                        column(2, torch.long), column(3, torch.float32))
        rows = torch.tensor(index, dtype=torch.long, device=logits.device)
        if whole:
            logits.fill_(float("-inf"))
        else:
            logits.index_fill_(0, rows, float("-inf"))
        logits[rows, tokens] = 0.0
        return logits
