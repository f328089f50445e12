"""The one reader of a dataset folder that audit, export and the report share."""

import pytest

from musicqa import dataset_folder
from musicqa.bundle import features_for, make_row, write_split
from musicqa.errors import InputError
from musicqa.records import Clip, QAPair
from musicqa.sources import get


def folder(tmp_path):
    source = get("musiccaps")
    for split, ids in (("train", ["aaaaaaaaaaa", "bbbbbbbbbbb"]), ("test", ["ccccccccccc"])):
        rows = [make_row(Clip(f"musiccaps/{i}", "musiccaps", i, split, "A calm piano.", start_s=0.0, end_s=10.0),
                         [QAPair(f"musiccaps/{i}", "What is heard?", "A piano.", "fixed")], None, source)
                for i in ids]
        write_split(tmp_path, "musiccaps", split, rows, features_for(source, 24000), clips_per_shard=1)
    return tmp_path


def test_shards_rows_and_sources_of_a_bundled_folder(tmp_path):
    root = folder(tmp_path)
    assert [(s.config, s.split) for s in dataset_folder.shards(root)] == [("musiccaps", "test"),
                                                                          ("musiccaps", "train"),
                                                                          ("musiccaps", "train")]
    assert dataset_folder.configs(root) == {"musiccaps": ["test", "train"]}
    rows = list(dataset_folder.iter_rows(root, "musiccaps", "train", ["clip_id", "qa"]))
    assert rows == [{"clip_id": "musiccaps/aaaaaaaaaaa", "qa": [{"question": "What is heard?", "answer": "A piano.",
                                                                  "task": "fixed"}]},
                    {"clip_id": "musiccaps/bbbbbbbbbbb", "qa": [{"question": "What is heard?", "answer": "A piano.",
                                                                  "task": "fixed"}]}]
    assert dataset_folder.source_of(root, "musiccaps") == "musiccaps"


def test_not_a_dataset_folder_is_one_line_naming_what_is_wrong(tmp_path):
    with pytest.raises(InputError, match=r"no data/<config>/<split>-\*\.parquet files found"):
        dataset_folder.shards(tmp_path)
    root = folder(tmp_path)
    shard = dataset_folder.shards(root)[0].path
    with pytest.raises(InputError, match="missing column\\(s\\) caption_typo"):
        dataset_folder.read_rows(shard, ["clip_id", "caption_typo"])
    shard.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="cannot read as Parquet"):
        dataset_folder.read_rows(shard)


def test_audio_bytes_of_chosen_rows_and_whole_tables(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    shard = tmp_path / "train-00000-of-00001.parquet"
    audio = pa.array([{"bytes": b"fLaC-one", "path": None}, {"bytes": None, "path": "x.flac"},
                      {"bytes": b"fLaC-three", "path": None}])
    pq.write_table(pa.table({"audio": audio, "clip_id": ["a", "b", "c"]}), shard, row_group_size=1)
    assert dataset_folder.read_audio_bytes(shard, [2, 1]) == {1: None, 2: b"fLaC-three"}  # only two row groups
    assert dataset_folder.read_table(shard).column("clip_id").to_pylist() == ["a", "b", "c"]
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(InputError, match=r"bad\.parquet: cannot read"):
        dataset_folder.read_table(tmp_path / "bad.parquet")
    with pytest.raises(InputError, match=r"bad\.parquet: cannot read the audio column"):
        dataset_folder.read_audio_bytes(tmp_path / "bad.parquet", [0])
