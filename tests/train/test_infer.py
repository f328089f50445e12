"""``python -m musicqa.infer`` answers with a trained checkpoint: one file, and a folder as JSON lines."""

from __future__ import annotations

import json

from musicqa import infer
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
