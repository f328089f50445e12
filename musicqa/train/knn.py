"""The kNN cache of the paper's evaluation: pull a clip's music vector towards its nearest stored vectors.

MU-LLaMA's inference (``forward_audio`` with ``knn=True``) searches an index for the ``size``
nearest vectors of the L2-normalised, aggregated MERT vector, weights them by
``softmax(similarity x temperature)``, normalises the mix, and blends it in with ``weight``
(the paper's evaluation: size 100, temperature 20, weight 0.2) before the bridge's projection.

The index is a faiss index file (the reference's ``knn.index``; needs ``pip install faiss-cpu``)
or, without faiss, a ``.npy`` array [N, dim] of stored vectors searched by inner product, which is
what a flat inner-product faiss index computes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from musicqa.errors import InputError

log = logging.getLogger(__name__)


class KnnCache:
    """Callable on a [B, dim] batch of normalised vectors; returns the blended, re-normalised batch."""

    def __init__(self, index, size: int, temperature: float, weight: float) -> None:
        self.index, self.size, self.temperature, self.weight = index, size, temperature, weight

    @classmethod
    def load(cls, path: Path, size: int = 100, temperature: float = 20.0, weight: float = 0.2) -> KnnCache:
        """A .npy array of vectors (numpy search), else a faiss index file (faiss must be installed)."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"--knn-index {path}: no such file")
        if path.suffix == ".npy":
            try:
                vectors = np.load(path, allow_pickle=False)
            except ValueError as err:
                raise InputError(f"--knn-index {path}: not a numeric .npy array ({err})") from err
            if vectors.ndim != 2 or len(vectors) == 0:
                raise InputError(f"--knn-index {path}: expected an array [N, dim], got shape {vectors.shape}")
            index = NumpyIndex(vectors.astype(np.float32))
        else:
            try:
                import faiss
            except ImportError as err:
                raise InputError(f"--knn-index {path}: reading a faiss index needs faiss (pip install faiss-cpu); "
                                 "or give a .npy array of the vectors") from err
            index = faiss.read_index(str(path))
        log.info("kNN cache: %d vectors of dim %d from %s (size %d, temperature %g, weight %g)", index.ntotal,
                 index.d, path, size, temperature, weight)
        return cls(index, size, temperature, weight)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.index.d:
            raise InputError(f"--knn-index holds vectors of dim {self.index.d}, the model's music vector has "
                             f"{x.shape[-1]}")
        k = min(self.size, self.index.ntotal)
        sims, ids = self.index.search(x.detach().float().cpu().numpy(), k)
        protos = np.stack([self.index.reconstruct(int(i)) for i in ids.reshape(-1)]).reshape(len(x), k, -1)
        weights = (torch.from_numpy(sims).to(x) * self.temperature).softmax(dim=-1)
        mixed = (weights[:, None, :] @ torch.from_numpy(protos).to(x)).squeeze(1)
        mixed = mixed / mixed.norm(dim=-1, keepdim=True)
        out = (1 - self.weight) * x + self.weight * mixed
        return out / out.norm(dim=-1, keepdim=True)


class NumpyIndex:
    """The part of faiss' IndexFlatIP that the cache uses: ``d``, ``ntotal``, ``search``, ``reconstruct``."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors
        self.ntotal, self.d = vectors.shape

    def search(self, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, ids), each [B, k], best first."""
        sims = x @ self.vectors.T
        ids = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(sims, ids, axis=1), ids

    def reconstruct(self, i: int) -> np.ndarray:
        return self.vectors[i]
