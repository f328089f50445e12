"""Tiny stand-ins for tests and benches: a MERT-like encoder saved as MERT-v1 is, and a dataset folder.

``scripts/make_tiny_models.py`` calls ``make_tiny_mert(OUT / "tiny-mert")``. The folder has MERT's
``config.json`` fields (model_type "mert_model", feature_extractor_cqt false, deepnorm false,
attention_relax, sample_rate 24000), a Wav2Vec2FeatureExtractor ``preprocessor_config.json`` and
weights whose positional-conv tensors use the pre-parametrisation names ``weight_g``/``weight_v``
that MERT-v1's checkpoints carry, so tests run the same loading code as the real 330M model.

``make_tiny_dataset`` writes a musicqa dataset folder exactly as the contract describes (README.md
``configs:`` header, Parquet shards with an embedded 24 kHz FLAC Audio column) from the real shared
clips and real MusicCaps captions, until a real ``musicqa build`` output is at hand.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

# Same conv front end as MERT-v1 (stride product 320: 75 frames per second at 24 kHz), everything else tiny.
TINY_MERT = {
    "model_type": "mert_model",
    "architectures": ["MERTModel"],
    "hidden_size": 32,
    "num_hidden_layers": 3,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "conv_dim": [32] * 7,
    "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
    "conv_stride": [5, 2, 2, 2, 2, 2, 2],
    "conv_bias": False,
    "feat_extract_norm": "group",
    "feat_extract_activation": "gelu",
    "feat_proj_layer_norm": True,
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 4,
    "do_stable_layer_norm": True,
    "layer_norm_eps": 1e-5,
    "hidden_dropout": 0.0,
    "attention_dropout": 0.0,
    "activation_dropout": 0.0,
    "feat_proj_dropout": 0.0,
    "layerdrop": 0.0,
    "mask_time_prob": 0.05,
    "feature_extractor_cqt": False,
    "feature_extractor_cqt_bins": 336,
    "deepnorm": False,
    "attention_relax": 32.0,
    "sample_rate": 24000,
    "vocab_size": 32,
}
PREPROCESSOR = {
    "feature_extractor_type": "Wav2Vec2FeatureExtractor",
    "feature_size": 1,
    "sampling_rate": 24000,
    "padding_value": 0.0,
    "padding_side": "right",
    "do_normalize": True,
    "return_attention_mask": True,
}


def legacy_weight_norm_names(state: dict) -> dict:
    """Rename ``parametrizations.weight.original0/1`` to ``weight_g``/``weight_v`` (torch's old weight_norm)."""
    out = {}
    for key, value in state.items():
        key = key.replace("parametrizations.weight.original0", "weight_g")
        key = key.replace("parametrizations.weight.original1", "weight_v")
        out[key] = value
    return out


def make_tiny_mert(out: Path) -> None:
    """Write a deterministic tiny MERT-like encoder folder to ``out``."""
    import torch
    from safetensors.torch import save_file
    from transformers import HubertModel

    from musicqa.train.mert import hubert_config

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model = HubertModel(hubert_config(TINY_MERT))
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(legacy_weight_norm_names(state), str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(TINY_MERT, indent=2, sort_keys=True) + "\n")
    (out / "preprocessor_config.json").write_text(json.dumps(PREPROCESSOR, indent=2, sort_keys=True) + "\n")


CLIPS_GLOB = "asc-*-*0s.mp3"  # the six real 10-second clips in sample_data/audio
DATASET_README = """---
configs:
- config_name: musiccaps
  default: true
  data_files:
  - split: train
    path: data/musiccaps/train-*.parquet
  - split: test
    path: data/musiccaps/test-*.parquet
---

# musicqa tiny dataset

Real music (sample_data/audio) with QA pairs written from real MusicCaps captions.
"""


def captions(shared: Path, n: int) -> list[dict]:
    """The first ``n`` rows of the real MusicCaps CSV in ``shared``."""
    with open(Path(shared) / "musiccaps-public.csv", newline="", encoding="utf-8") as fh:
        return [row for _, row in zip(range(n), csv.DictReader(fh))]


def flac_24k(path: Path) -> bytes:
    """The clip as the build stores it: mono 16-bit FLAC at 24 kHz (musicqa.audio: soundfile + soxr)."""
    import soundfile as sf

    from musicqa import audio

    buf = io.BytesIO()
    sf.write(buf, audio.load(path, sample_rate=24000), 24000, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def make_tiny_dataset(out: Path, shared: Path, n_train: int = 4, n_test: int = 2) -> Path:
    """Write OUT/README.md and OUT/data/musiccaps/{train,test}-00000-of-00001.parquet; return OUT.

    Two QA pairs per clip: the caption's first sentence ("fixed") and three of its aspects ("open").
    """
    import datasets

    from musicqa.bundle import features_for
    from musicqa.sources import get

    features = features_for(get("musiccaps"), 24000)  # the build's own schema, not a copy of it
    clips = sorted((Path(shared) / "audio").glob(CLIPS_GLOB))[:n_train + n_test]
    rows: dict[str, list[dict]] = {"train": [], "test": []}
    for i, (clip, cap) in enumerate(zip(clips, captions(shared, len(clips)))):
        split = "train" if i < n_train else "test"
        aspects = [a.strip(" '\"") for a in cap["aspect_list"].strip("[]").split(",") if a.strip()]
        first = cap["caption"].split(". ")[0].rstrip(".") + "."
        rows[split].append({
            "audio": {"bytes": flac_24k(clip), "path": f"{cap['ytid']}.flac"},
            "clip_id": f"musiccaps/{cap['ytid']}", "source": "musiccaps", "source_id": cap["ytid"], "split": split,
            "context": cap["caption"],
            "qa": [{"question": "Describe the audio", "answer": first, "task": "fixed"},
                   {"question": "What instruments can you hear?", "answer": ", ".join(aspects[:3]) + ".",
                    "task": "open"}],
            "analysis": None,  # not measured: the train side must read folders without facts too
            "ytid": cap["ytid"], "start_s": float(cap["start_s"]), "end_s": float(cap["end_s"]),
            "caption": cap["caption"], "aspect_list": aspects, "is_audioset_eval": cap["is_audioset_eval"] == "True",
        })
    folder = Path(out) / "data" / "musiccaps"
    folder.mkdir(parents=True, exist_ok=True)
    for split, split_rows in rows.items():
        datasets.Dataset.from_list(split_rows, features=features).to_parquet(
            str(folder / f"{split}-00000-of-00001.parquet"))
    (Path(out) / "README.md").write_text(DATASET_README)
    return Path(out)
