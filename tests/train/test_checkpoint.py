"""checkpoint.json's one owner: what a save writes is what every reader accepts, and a bad folder is one line."""

from __future__ import annotations

import json

import pytest

from musicqa.errors import InputError
from musicqa.train.checkpoint import META, SCHEMA, is_checkpoint, read_meta, write_meta


def test_what_a_save_writes_every_reader_reads(tmp_path):
    write_meta(tmp_path, {"phase": "pretrain", "step": 10, "parent": None})
    assert is_checkpoint(tmp_path)
    assert read_meta(tmp_path) == {"schema": SCHEMA, "phase": "pretrain", "step": 10, "parent": None}


def test_a_folder_without_metadata_is_one_line_naming_the_flag(tmp_path):
    with pytest.raises(InputError, match=rf"^--checkpoint {tmp_path}: not a checkpoint folder \({META} missing\)$"):
        read_meta(tmp_path, "--checkpoint")
    assert not is_checkpoint(tmp_path)


def test_another_schema_or_broken_json_is_refused(tmp_path):
    (tmp_path / META).write_text(json.dumps({"schema": SCHEMA + 1, "phase": "pretrain"}))
    with pytest.raises(InputError, match=rf"field 'schema' = {SCHEMA + 1}, expected {SCHEMA} "):
        read_meta(tmp_path)
    (tmp_path / META).write_text('{"schema": 1, "phase": ')
    with pytest.raises(InputError, match="unreadable"):
        read_meta(tmp_path)
