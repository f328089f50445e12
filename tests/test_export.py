import json
import os
import shutil

import soundfile as sf

from musicqa.cli.__main__ import main


def test_export_mullama_writes_the_seeds_format_with_audio_named_by_source_id(built_dataset, tmp_path):
    out = tmp_path / "mullama"
    assert main(["export", str(built_dataset), "--format", "mullama", "--out", str(out)]) == 0
    pretrain = json.loads((out / "MusicQA" / "PretrainMusicQA.json").read_text())
    finetune = json.loads((out / "MusicQA" / "FinetuneMusicQA.json").read_text())
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
    # the seed finetuned on every MTT clip; its EvalMusicQA.json is MTG-Jamendo's, not in this build
    assert len(finetune) == sum(summary["pairs"]["magnatagatune"].values())
    assert not (out / "MusicQA" / "EvalMusicQA.json").exists()
    ytids = {r["audio_name"].removesuffix(".wav") for r in pretrain}
    assert all(len(y) == 11 for y in ytids)  # YouTube ids, not 000000.wav


def test_the_reference_loader_finds_every_file_from_its_own_working_folder(built_dataset, tmp_path, monkeypatch):
    # The reference repo: MU-LLaMA/ (its trainer's working folder), ModelEvaluations/, and MusicQA/ = our OUT.
    repo = tmp_path / "MU-LLaMA-repo"
    (repo / "MU-LLaMA").mkdir(parents=True)
    (repo / "ModelEvaluations").mkdir()
    assert main(["export", str(built_dataset), "--out", str(repo / "MusicQA")]) == 0
    monkeypatch.chdir(repo / "MU-LLaMA")
    # the META paths of configs/{pretrain,finetune}.yaml
    for meta in ("../MusicQA/MusicQA/PretrainMusicQA.json", "../MusicQA/MusicQA/FinetuneMusicQA.json"):
        for rec in json.load(open(meta)):
            assert os.path.isfile(os.path.join("../MusicQA/audios", rec["audio_name"]))  # data/dataset.py
    monkeypatch.chdir(repo / "ModelEvaluations")
    for meta in ("../MusicQA/MusicQA/PretrainMusicQA.json", "../MusicQA/MusicQA/FinetuneMusicQA.json"):
        for rec in json.load(open(meta)):  # generate_mullama.py reads EvalMusicQA.json (MTG-Jamendo) the same way
            assert os.path.isfile(os.path.join("../MusicQA/MusicQA/audios", rec["audio_name"]))


def _without_audio(dataset, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    copy = tmp_path / "no-audio"
    shutil.copytree(dataset, copy)
    for shard in copy.glob("data/*/*.parquet"):
        table = pq.read_table(shard)
        i = table.schema.get_field_index("audio")
        table = table.set_column(i, "audio", pa.nulls(table.num_rows, table.schema.field("audio").type))
        pq.write_table(table, shard)
    return copy


def test_a_dataset_without_audio_fails_in_one_line_unless_text_only(built_dataset, tmp_path, capsys):
    dataset = _without_audio(built_dataset, tmp_path)
    assert main(["export", str(dataset), "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 0" in err and "--text-only" in err
    assert main(["export", str(dataset), "--out", str(tmp_path / "b"), "--text-only"]) == 0
    assert json.loads((tmp_path / "b" / "MusicQA" / "PretrainMusicQA.json").read_text())
    assert not (tmp_path / "b" / "audios").exists()
