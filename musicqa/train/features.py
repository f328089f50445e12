"""MERT features computed once per clip and cached on disk, so training never runs MERT again.

The seed ran the 330M-parameter encoder on every clip at every step of every epoch. Here a clip's
features (the time-averaged hidden states, [25, 1024] for MERT-v1-330M) are keyed by the sha256 of
its audio bytes and by the encoder's identity (id, revision, chunk length), and written once as
``<cache>/<encoder key>/<aa>/<sha256>.npy``. A different encoder or chunking gets a different
folder, so a cache can never hand features of one encoder to a model trained on another.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from musicqa.atomic import atomic_path

log = logging.getLogger(__name__)


def audio_key(data: bytes) -> str:
    """sha256 of the encoded audio bytes: the same clip in two datasets shares one cache entry."""
    return hashlib.sha256(data).hexdigest()


def encoder_key(encoder: str, revision: str | None, chunk_seconds: float, trust_remote_code: bool = False,
                encode_seconds: float | None = None) -> str:
    """A short, stable folder name for everything that changes an encoder's output for the same audio.

    A local folder is identified by the hash of its config and weight files, so rebuilding a tiny
    model with different weights cannot reuse stale features.
    """
    ident: dict = {"encoder": encoder, "revision": revision, "chunk_seconds": chunk_seconds,
                   "remote_code": trust_remote_code}
    if encode_seconds is not None:  # only when set, so caches written before the option keep their key
        ident["encode_seconds"] = encode_seconds
    folder = Path(encoder)
    if folder.is_dir():
        h = hashlib.sha256()
        for p in sorted(folder.iterdir()):
            if p.is_file() and (p.suffix in (".json", ".safetensors", ".bin")):
                h.update(p.name.encode())
                h.update(p.read_bytes())
        ident = {**ident, "encoder": folder.name, "content": h.hexdigest()}
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(encoder).name)
    return f"{name}-{digest}"


class FeatureCache:
    """One .npy file per (encoder, clip); written atomically, so a crash never leaves a torn entry."""

    def __init__(self, root: Path, key: str) -> None:
        self.dir = Path(root) / key

    def path(self, clip_key: str) -> Path:
        return self.dir / clip_key[:2] / f"{clip_key}.npy"

    def has(self, clip_key: str) -> bool:
        return self.path(clip_key).is_file()

    def get(self, clip_key: str) -> np.ndarray:
        """The cached float32 [num_states, hidden] array; KeyError if it was never computed."""
        try:
            return np.load(self.path(clip_key))
        except FileNotFoundError as err:
            raise KeyError(f"no cached features for clip {clip_key} in {self.dir}") from err

    def put(self, clip_key: str, feats: np.ndarray) -> None:
        dst = self.path(clip_key)
        with atomic_path(dst) as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.asarray(feats, dtype=np.float32))


def fill(cache: FeatureCache, clips: Iterable[tuple[str, Callable[[], np.ndarray]]],
         encode: Callable[[np.ndarray], np.ndarray] | None, total: int | None = None) -> tuple[int, int]:
    """Compute and cache features for every ``(clip_key, load_wave)`` not cached yet; return (cached, computed).

    ``encode`` may be None when everything is expected to be cached already (then a miss is an error),
    so a fully cached run never loads the encoder at all.
    """
    from tqdm import tqdm

    hit = done = 0
    for clip_key, load_wave in tqdm(clips, total=total, unit="clip", desc="features"):
        if cache.has(clip_key):
            hit += 1
            continue
        if encode is None:
            raise RuntimeError(f"clip {clip_key} has no cached features and no encoder was given")
        cache.put(clip_key, encode(load_wave()))
        done += 1
    log.info("features: %d clips, %d cached already, %d computed, in %s", hit + done, hit, done, cache.dir)
    return hit, done
