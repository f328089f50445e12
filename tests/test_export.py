import csv
import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import soundfile as sf

from musicqa.cli.__main__ import main
from musicqa.export import DISTRACTOR_KINDS, distractor_columns
from musicqa.train import muchomusic
from tests.mcq_dataset import add_mcq_column, make_mcq_dataset


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


# MuChoMusic -------------------------------------------------------------------------------------------

BENCHMARK_CSV = Path(__file__).resolve().parent / "fixtures" / "muchomusic" / "muchomusic.csv"


@pytest.fixture(scope="module")
def mcq_dataset(tmp_path_factory) -> Path:
    return make_mcq_dataset(tmp_path_factory.mktemp("mcq") / "dataset")


def _items(dataset: Path) -> list[tuple[str, dict]]:
    return [(row["source_id"], item) for shard in sorted(dataset.glob("data/*/*.parquet"))
            for row in pq.read_table(shard, columns=["source_id", "mcq"]).to_pylist() for item in row["mcq"]]


def test_the_muchomusic_export_round_trips_through_the_benchmark_reader(mcq_dataset, tmp_path, capsys):
    out = tmp_path / "bench"
    assert main(["export", str(mcq_dataset), "--format", "muchomusic", "--out", str(out)]) == 0
    assert "6 questions on 3 clips" in capsys.readouterr().out
    with open(out / "muchomusic.csv", newline="") as fh:
        header = next(csv.reader(fh))
    with open(BENCHMARK_CSV, newline="") as fh:
        assert header == next(csv.reader(fh))  # the released benchmark's columns, in its order
    questions = muchomusic.read_questions(out / "muchomusic.csv")
    items = _items(mcq_dataset)
    assert len(questions) == len(items) == 6 and len({q.qid for q in questions}) == 6
    files = muchomusic.index_audio(out / "audio")
    for q, (source_id, item) in zip(questions, items):
        assert (q.question, q.options[0], q.dataset, q.identifier) == (item["question"], item["correct_answer"],
                                                                      "musiccaps", source_id)
        # distractor_N_answer holds the paper's Nth kind, whatever order the item listed them in
        by_kind = dict(zip(item["distractor_kinds"], item["distractors"]))
        assert list(q.options[1:]) == [by_kind[k] for k in DISTRACTOR_KINDS]
        assert (q.knowledge, q.reasoning, q.genre) == ((), (), "")
        path = next(files[s] for s in muchomusic.audio_stems(q) if s in files)
        assert sf.info(path).samplerate == 24000 and path.suffix == ".flac"  # the bundle's FLAC, not re-encoded
    assert len(files) == 3


def test_only_the_splits_asked_for_are_exported_and_rows_without_items_are_skipped(tmp_path, capsys):
    dataset = make_mcq_dataset(tmp_path / "dataset", n_train=2, n_test=2)
    for shard in dataset.glob("data/*/*.parquet"):  # redo the column: no items for the test split's first row
        pq.write_table(pq.read_table(shard).drop(["mcq"]), shard)
    add_mcq_column(dataset, per_clip=1, empty_rows=1)
    assert main(["export", str(dataset), "--format", "muchomusic", "--out", str(tmp_path / "a")]) == 0
    assert len(muchomusic.read_questions(tmp_path / "a" / "muchomusic.csv")) == 3
    assert len(list((tmp_path / "a" / "audio").iterdir())) == 3  # no audio for the clip without items
    assert main(["export", str(dataset), "--format", "muchomusic", "--out", str(tmp_path / "b"),
                 "--splits", "test"]) == 0
    assert [q.identifier for q in muchomusic.read_questions(tmp_path / "b" / "muchomusic.csv")] == \
        [pq.read_table(dataset / "data" / "musiccaps" / "test-00000-of-00001.parquet").column("source_id")[1].as_py()]
    capsys.readouterr()
    assert main(["export", str(dataset), "--format", "muchomusic", "--out", str(tmp_path / "c"),
                 "--splits", "validation"]) == 2
    assert "--splits validation" in capsys.readouterr().err


def test_a_dataset_without_an_mcq_column_is_a_one_line_error(tmp_path, capsys):
    from musicqa.train.tiny import make_tiny_dataset

    dataset = make_tiny_dataset(tmp_path / "plain", Path(__file__).resolve().parents[1] / "sample_data", 1, 1)
    capsys.readouterr()
    assert main(["export", str(dataset), "--format", "muchomusic", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no 'mcq' column" in err and "-00000-of-00001.parquet: no" in err
    assert not (tmp_path / "x" / "muchomusic.csv").exists()


def test_an_item_without_three_distractors_is_a_one_line_error_naming_row_and_field(mcq_dataset, tmp_path, capsys):
    import pyarrow as pa

    from tests.mcq_dataset import mcq_type

    bad = tmp_path / "bad"
    shutil.copytree(mcq_dataset, bad)
    shard = bad / "data" / "musiccaps" / "test-00000-of-00001.parquet"
    table = pq.read_table(shard)
    rows = table.column("mcq").to_pylist()
    rows[0][1]["distractors"] = rows[0][1]["distractors"][:2]
    table = table.set_column(table.schema.get_field_index("mcq"), "mcq", pa.array(rows, type=mcq_type()))
    pq.write_table(table, shard)
    assert main(["export", str(bad), "--format", "muchomusic", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "test-00000-of-00001.parquet: row 0 field 'mcq'[1]" in err
    assert "field 'distractors'" in err and "three" in err


def test_distractors_go_to_their_kinds_column_only_when_the_kinds_name_each_column_once():
    kinds = ["correct but unrelated", "Incorrect-and-unrelated", "incorrect_but_related"]  # spelling normalised
    assert distractor_columns(["x", "y", "z"], kinds) == (["z", "x", "y"], True)
    # near miss of a permutation: one kind twice, one missing -> the item's order, reported as unmapped
    twice = ["incorrect_but_related", "incorrect_but_related", "incorrect_and_unrelated"]
    assert distractor_columns(["x", "y", "z"], twice) == (["x", "y", "z"], False)
