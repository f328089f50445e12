"""Native MERT loading: the tiny encoder is read through the same code path as MERT-v1-330M."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from transformers import HubertModel

from musicqa import audio
from musicqa.errors import InputError
from musicqa.train import mert
from musicqa.train.tiny import TINY_MERT
from tests.train.conftest import CLIPS


def test_tiny_mert_loads_every_tensor_faithfully(tiny_mert):
    model, spec = mert.load(str(tiny_mert))
    torch.manual_seed(0)
    reference = HubertModel(mert.hubert_config(TINY_MERT))  # what make_tiny_mert saved
    ours = model.state_dict()
    for name, tensor in reference.state_dict().items():
        assert torch.equal(ours[name], tensor), name
    assert spec == mert.EncoderSpec(24000, 32, 4, True)
    assert not model.training and not any(p.requires_grad for p in model.parameters())


def test_features_are_layer_inputs_plus_final_output_averaged_over_the_clip(tiny_mert):
    model, spec = mert.load(str(tiny_mert))
    wave = audio.load(CLIPS[0], sample_rate=24000)[: 24000 * 4]
    feats = mert.encode(model, wave, spec, chunk_seconds=60)
    assert feats.shape == (4, 32) and feats.dtype == np.float32
    x = torch.from_numpy((wave - wave.mean()) / np.sqrt(wave.var() + 1e-7))[None]
    with torch.no_grad():
        out = model(x)
    assert np.allclose(feats[-1], out.last_hidden_state[0].mean(0).numpy(), atol=1e-5)
    # the whole clip counts: two 2-second chunks give the frame-weighted mean of the halves
    halves = [mert.encode(model, wave[i * 48000:(i + 1) * 48000], spec, 60) for i in range(2)]
    assert np.allclose(mert.encode(model, wave, spec, chunk_seconds=2), (halves[0] + halves[1]) / 2, atol=1e-5)


def test_cqt_or_deepnorm_variants_need_remote_code(tiny_mert, tmp_path):
    for field in ("feature_extractor_cqt", "deepnorm"):
        folder = tmp_path / field
        shutil.copytree(tiny_mert, folder)
        cfg = json.loads((folder / "config.json").read_text())
        cfg[field] = True
        (folder / "config.json").write_text(json.dumps(cfg))
        with pytest.raises(InputError, match="trust-remote-code"):
            mert.load(str(folder))


def test_a_checkpoint_that_does_not_fit_is_an_error(tiny_mert, tmp_path):
    folder = tmp_path / "wider"
    shutil.copytree(tiny_mert, folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["num_hidden_layers"] = 4  # one layer more than the weights have
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(InputError, match="missing"):
        mert.load(str(folder))
