"""Epoch time with cached MERT features vs recomputing MERT at every step (the seed's way).

    python bench/train_features.py [--models DIR] [--dataset DIR] [--epochs 9]

Both arms run the same pretrain steps on the same tiny models and examples; the only difference is
where a batch's features come from: the feature cache (one .npy read per example), or decoding the
clip's FLAC, resampling and running the encoder over the whole clip, as the seed did every step.
Without --models/--dataset, tiny models and a dataset folder are built in a temp folder first.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, help="folder with tiny-llama/ and tiny-mert/ (make_tiny_models.py)")
    ap.add_argument("--dataset", type=Path, help="musicqa dataset folder (default: a tiny one from sample_data/)")
    ap.add_argument("--epochs", type=int, default=9, help="epochs timed per arm (median reported)")
    ap.add_argument("--batch-size", type=int, default=4)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    import torch

    from musicqa.train import data, features
    from musicqa.train import model as mdl
    from musicqa.train.config import ModelConfig
    from musicqa.train.loop import Batches
    from musicqa.train.tiny import make_tiny_dataset, make_tiny_mert

    torch.manual_seed(0)
    tmp = Path(tempfile.mkdtemp(prefix="bench-train-features-"))
    models = args.models
    if models is None:
        models = tmp / "models"
        subprocess.run([sys.executable, str(REPO / "scripts" / "make_tiny_models.py"), str(models)], check=True)
    if not (models / "tiny-mert" / "config.json").exists():
        make_tiny_mert(models / "tiny-mert")
    dataset = args.dataset or make_tiny_dataset(tmp / "dataset", REPO / "sample_data")

    cfg = ModelConfig(llm=str(models / "tiny-llama"), llm_revision=None, encoder=str(models / "tiny-mert"),
                      encoder_revision=None, adapter_layers=4)
    examples, clips = data.load_split(str(dataset), "musiccaps", "train")
    model, tok = mdl.build(cfg, "pretrain", [])
    items = data.tokenize(examples, tok, 256)
    batches = Batches(items, args.batch_size, seed=0)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    encoder = mdl.MusicEncoder(cfg)
    rate = encoder.spec.sample_rate

    cache = features.FeatureCache(tmp / "features", features.encoder_key(cfg.encoder, None, cfg.chunk_seconds))
    t0 = time.perf_counter()
    features.fill(cache, ((c.clip_key, data.wave_loader(c.data, rate)) for c in clips.values()),
                  lambda w: encoder(w, rate), total=len(clips))
    fill_s = time.perf_counter() - t0

    def recompute(clip_key: str):
        return encoder(data.wave_loader(clips[clip_key].data, rate)(), rate)

    def epoch_time(get_features, epoch: int) -> float:
        started = time.perf_counter()
        for k in range(epoch * batches.per_epoch, (epoch + 1) * batches.per_epoch):
            batch = data.collate(batches(k)[1], get_features, tok.pad_token_id)
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return time.perf_counter() - started

    epoch_time(cache.get, 0)  # warm-up: first-call allocations must not count against either arm
    epoch_time(recompute, 0)
    # Alternate the arms epoch by epoch and take medians, so load from other processes hits both alike.
    cached, fresh = [], []
    for epoch in range(args.epochs):
        cached.append(epoch_time(cache.get, epoch))
        fresh.append(epoch_time(recompute, epoch))
    cached_s, fresh_s = statistics.median(cached), statistics.median(fresh)
    print(f"examples {len(items)}, clips {len(clips)}, batch {args.batch_size}, epochs timed {args.epochs} per arm")
    print(f"one-off feature cache fill: {fill_s:.2f} s for {len(clips)} clips")
    print(f"epoch (median), cached features: {cached_s:.3f} s")
    print(f"epoch (median), MERT every step: {fresh_s:.3f} s")
    print(f"speed-up: {fresh_s / cached_s:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
