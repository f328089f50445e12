"""``python -m musicqa.infer`` answers with a trained checkpoint: one file, and a folder as JSON lines."""

from __future__ import annotations

import json

from musicqa.train import infer
from tests.train.conftest import CLIPS


def test_infer_answers_one_file_and_a_folder(finetuned, tmp_path, capsys):
    ckpt = finetuned / "step-000020"
    assert infer.main(["--checkpoint", str(ckpt), "--audio", str(CLIPS[0]), "--temperature", "0",
                       "--max-new-tokens", "12"]) == 0
    assert capsys.readouterr().out.strip()  # some answer text (the tiny model's words, not a stack trace)

    folder = tmp_path / "clips"
    folder.mkdir()
    for clip in CLIPS[:3]:
        (folder / clip.name).symlink_to(clip)
    out = tmp_path / "answers.jsonl"
    assert infer.main(["--checkpoint", str(ckpt), "--audio", str(folder), "--out", str(out), "--max-new-tokens", "12",
                       "--batch-size", "2", "--question", "What instruments can you hear?"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["audio"] for r in rows] == [str(folder / c.name) for c in CLIPS[:3]]
    assert all(r["answer"] and r["question"] == "What instruments can you hear?" for r in rows)


def test_infer_rejects_a_folder_that_is_not_a_checkpoint(tmp_path, capsys):
    assert infer.main(["--checkpoint", str(tmp_path), "--audio", str(CLIPS[0])]) == 2
    assert "checkpoint.json missing" in capsys.readouterr().err


def test_a_converted_checkpoint_answers_under_the_mullama_preset(converted_checkpoint, tmp_path, capsys):
    import numpy as np

    index = tmp_path / "knn.npy"
    np.save(index, np.random.default_rng(0).standard_normal((8, 32)).astype(np.float32))
    assert infer.main(["--checkpoint", str(converted_checkpoint), "--audio", str(CLIPS[0]), "--preset", "mullama",
                       "--knn-index", str(index), "--max-new-tokens", "6"]) == 0
    assert capsys.readouterr().out.strip()


def test_option_log_probs_are_the_models_own(finetuned):
    """Each option's score is the mean log-prob of its tokens after the prompt, from one plain forward pass."""
    import torch

    from musicqa.train import data

    answerer = infer.Answerer(finetuned / "step-000020", "cpu")
    feats = answerer.features([CLIPS[0]])
    options = ["A slow piano ballad.", "Drums"]
    scores = answerer.option_logprobs(feats, "Describe the audio", options)
    for option, score in zip(options, scores):
        p = data.prompt_ids(answerer.tok, "Describe the audio", answerer.template)
        a = answerer.tok(option, add_special_tokens=False)["input_ids"]
        ids = torch.tensor([p + a])
        with torch.no_grad():
            logits = answerer.model(ids, torch.ones_like(ids), feats).logits[0]
        logp = logits[len(p) - 1:-1].log_softmax(-1).gather(-1, torch.tensor(a)[:, None])
        assert abs(logp.mean().item() - score) < 1e-4


def test_audio_controls_replace_what_the_model_hears_the_same_way_every_run(converted_checkpoint):
    """noise: seeded per clip (same seed and file -> same features); silence differs; no-audio: plain LLaMA."""
    import numpy as np
    import torch

    answerer = infer.Answerer(converted_checkpoint, "cpu")
    real = answerer.features([CLIPS[0]]).numpy()
    noise = answerer.features([CLIPS[0]], control="noise", seed=0).numpy()
    assert np.array_equal(noise, answerer.features([CLIPS[0]], control="noise", seed=0).numpy())
    assert not np.allclose(noise, answerer.features([CLIPS[0]], control="noise", seed=1).numpy())
    assert not np.allclose(noise, real)
    assert not np.allclose(answerer.features([CLIPS[0]], control="silence").numpy(), real)
    assert answerer.features([CLIPS[0]], control="no-audio") is None
    ids = torch.tensor([answerer.tok("A slow piano ballad")["input_ids"]])
    with torch.no_grad():  # without music the model is its language model alone: no token, no prefix, no gate
        plain = answerer.model.llm(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
        none = answerer.model(ids, torch.ones_like(ids), None).logits
        heard = answerer.model(ids, torch.ones_like(ids), torch.from_numpy(real)).logits
    assert torch.equal(plain, none) and not torch.allclose(plain, heard)


def test_infer_writes_control_predictions_that_evaluate_pairs_with_the_real_ones(converted_checkpoint, tmp_path,
                                                                                  capsys):
    from musicqa.train import evaluate

    folder = tmp_path / "clips"
    folder.mkdir()
    for clip in CLIPS[:2]:
        (folder / clip.name).symlink_to(clip)
    answers = {}
    for control in ("noise", "no-audio"):
        out = tmp_path / f"{control}.jsonl"
        assert infer.main(["--checkpoint", str(converted_checkpoint), "--audio", str(folder), "--out", str(out),
                           "--max-new-tokens", "4", "--temperature", "0", "--audio-control", control]) == 0
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["audio"] for r in rows] == [str(folder / c.name) for c in CLIPS[:2]]
        assert all(r["audio_control"] == control and isinstance(r["answer"], str) for r in rows)
        answers[control] = evaluate.read_pairs(out)
    assert answers["noise"].keys() == answers["no-audio"].keys()  # the same (audio, question) keys as real ones
    capsys.readouterr()
    assert infer.main(["--checkpoint", str(converted_checkpoint), "--audio", str(folder), "--audio-control",
                       "pink"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--audio-control: unknown control 'pink'" in err
