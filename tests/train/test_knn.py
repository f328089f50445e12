"""The kNN cache of the paper's evaluation: the numpy index searches as a flat inner-product index would."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from musicqa.errors import InputError
from musicqa.train.knn import KnnCache, NumpyIndex


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_numpy_index_returns_the_nearest_by_inner_product():
    rng = np.random.default_rng(0)
    vectors = _unit(rng.standard_normal((50, 8))).astype(np.float32)
    index = NumpyIndex(vectors)
    query = vectors[[7, 21]] + 0.01
    sims, ids = index.search(query, 3)
    assert ids[:, 0].tolist() == [7, 21]
    brute = query @ vectors.T
    assert np.allclose(sims, -np.sort(-brute, axis=1)[:, :3])


def test_cache_blends_the_neighbours_mix_with_the_given_weight(tmp_path):
    rng = np.random.default_rng(1)
    vectors = _unit(rng.standard_normal((20, 8))).astype(np.float32)
    np.save(tmp_path / "knn.npy", vectors)
    x = torch.from_numpy(_unit(rng.standard_normal((2, 8))).astype(np.float32))
    assert torch.allclose(KnnCache.load(tmp_path / "knn.npy", 5, 20.0, 0.0)(x), x, atol=1e-6)
    full = KnnCache.load(tmp_path / "knn.npy", 5, 20.0, 1.0)(x)
    sims, ids = NumpyIndex(vectors).search(x.numpy(), 5)
    w = torch.softmax(torch.from_numpy(sims) * 20.0, dim=-1)
    mix = (w[:, :, None] * torch.from_numpy(vectors[ids])).sum(1)
    assert torch.allclose(full, mix / mix.norm(dim=-1, keepdim=True), atol=1e-5)
    half = KnnCache.load(tmp_path / "knn.npy", 100, 20.0, 0.2)(x)  # size > N: every vector
    assert torch.allclose(half.norm(dim=-1), torch.ones(2), atol=1e-5) and not torch.allclose(half, x)


def test_bad_indexes_are_one_line_errors(tmp_path):
    np.save(tmp_path / "flat.npy", np.zeros(8, np.float32))
    with pytest.raises(InputError, match=r"expected an array \[N, dim\]"):
        KnnCache.load(tmp_path / "flat.npy")
    np.save(tmp_path / "wide.npy", np.ones((4, 16), np.float32))
    with pytest.raises(InputError, match="dim 16"):
        KnnCache.load(tmp_path / "wide.npy")(torch.ones(1, 8))
    with pytest.raises(InputError, match="no such file"):
        KnnCache.load(tmp_path / "none.index")
    (tmp_path / "knn.index").write_bytes(b"\0" * 16)
    try:
        import faiss  # noqa: F401
    except ImportError:
        with pytest.raises(InputError, match="faiss-cpu"):
            KnnCache.load(tmp_path / "knn.index")
