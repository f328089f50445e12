import json

import soundfile as sf

from musicqa.cli.__main__ import main


def test_export_mullama_writes_the_seeds_format_with_audio_named_by_source_id(built_dataset, tmp_path):
    out = tmp_path / "mullama"
    assert main(["export", str(built_dataset), "--format", "mullama", "--out", str(out)]) == 0
    pretrain = json.loads((out / "PretrainMusicQA.json").read_text())
    finetune = json.loads((out / "FinetuneMusicQA.json").read_text())
    assert pretrain and finetune
    for rec in pretrain + finetune:
        assert set(rec) == {"audio_name", "conversation"}
        human, gpt = rec["conversation"]
        assert human["from"] == "human" and gpt["from"] == "gpt" and isinstance(human["value"], str)
        assert isinstance(gpt["value"], str)
        info = sf.info(out / "audios" / rec["audio_name"])
        assert info.samplerate == 24000 and info.channels == 1
    summary = json.loads((built_dataset / "summary.json").read_text())
    assert len(pretrain) == sum(summary["pairs"]["musiccaps"].values())
    assert len(finetune) == summary["pairs"]["magnatagatune"].get("train", 0)
    ytids = {r["audio_name"].removesuffix(".wav") for r in pretrain}
    assert all(len(y) == 11 for y in ytids)  # YouTube ids, not 000000.wav
