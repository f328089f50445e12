"""The seed's generation method (MU-LLaMA's ``MusicQA/musiccaps_process.py``), re-implemented for timing only.

Not musicqa code and not a pattern to copy: prompts as strings, a regex over a numbered list and a retry loop are
exactly what musicqa replaces (STYLE.md section 12). ``bench/generation.py`` runs it on the same model as
musicqa's engine: transformers ``generate`` on one ChatML string at a time, the KV cache on, every reply forced to
the same length as the engine's (``min_new_tokens = max_new_tokens``), up to 5 attempts per prompt.
"""

from __future__ import annotations

import gc
import re
import time
from collections import Counter
from pathlib import Path

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

    def __init__(self, model: Path, device: str, threads: int, dtype: str = "float32") -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteria

        torch.set_num_threads(threads)
        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(model)
        self.model = AutoModelForCausalLM.from_pretrained(model, dtype=getattr(torch, dtype)).to(device).eval()
        self.device = device
        self.stop_ids = self.tok.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
        stop_ids = self.stop_ids

        class StopOnTokens(StoppingCriteria):  # the seed's stopping rule: the last token is a stop token
            def __call__(self, input_ids, scores, **kwargs) -> bool:
                return int(input_ids[0][-1]) in stop_ids

        self.stopping = StopOnTokens()

    def attempt(self, system: str, caption: str, temperature: float, max_tokens: int) -> tuple[str, int, int]:
        """One ``generate`` call: the decoded text, prompt tokens, output tokens (always ``max_tokens``)."""
        from transformers import StoppingCriteriaList

        ids = self.tok(seed_prompt(system, caption), return_tensors="pt").input_ids.to(self.device)
        with self.torch.inference_mode():
            out = self.model.generate(
                input_ids=ids, do_sample=temperature > 0, temperature=temperature, top_p=1.0, top_k=4,
                repetition_penalty=1.0, stopping_criteria=StoppingCriteriaList([self.stopping]),
                # same output length as the engine under test: min = max, with both stop tokens held back
                # (the seed's max_new_tokens was 8192). The KV cache is on (transformers' default).
                max_new_tokens=max_tokens, min_new_tokens=max_tokens, eos_token_id=self.stop_ids,
                pad_token_id=self.tok.pad_token_id, use_cache=True)
        text = self.tok.batch_decode(out, skip_special_tokens=True)[0]
        return text, ids.shape[1], out.shape[1] - ids.shape[1]

    def _ask(self, system: str, caption: str, temperature: float, pattern: re.Pattern[str], max_tokens: int,
             stats: Counter) -> tuple[str, ...] | None:
        for _ in range(SEED_TRIES):
            text, n_in, n_out = self.attempt(system, caption, temperature, max_tokens)
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

    def run(self, captions: list[str], max_tokens: int) -> Counter:
        """Both of the seed's prompts for every caption, in order, as its main loop does."""
        stats: Counter = Counter()
        t0 = time.perf_counter()
        for caption in captions:
            self._ask(SEED_FIXED_SYSTEM, caption, 0.5, _SEED_FIXED, max_tokens, stats)
            self._ask(SEED_OPEN_SYSTEM, caption, 0.4, _SEED_OPEN, max_tokens, stats)
        stats["seconds"] = time.perf_counter() - t0
        return stats

    def attempt_seconds(self, caption: str, fixed_tokens: int, open_tokens: int) -> dict[str, float]:
        """Seconds of one attempt at each of the seed's prompts, with replies as long as musicqa's."""
        out = {}
        for task, system, temperature, n in (("fixed", SEED_FIXED_SYSTEM, 0.5, fixed_tokens),
                                             ("open", SEED_OPEN_SYSTEM, 0.4, open_tokens)):
            t0 = time.perf_counter()
            self.attempt(system, caption, temperature, n)
            out[task] = time.perf_counter() - t0
        return out

    def close(self) -> None:
        del self.model
        gc.collect()
