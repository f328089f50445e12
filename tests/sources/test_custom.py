"""musicqa.sources.custom: your own JSON-lines/CSV table of captions or tags next to a folder of audio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musicqa.errors import InputError
from musicqa.records import Clip
from musicqa.sources import RowError, get
from musicqa.sources.custom import CustomConfig, read_custom

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "custom"
AUDIO = REPO / "sample_data" / "audio"


def cfg(path: Path = FIXTURE / "clips.jsonl", **kw) -> CustomConfig:
    return CustomConfig(path=path, audio_dir=kw.pop("audio_dir", AUDIO), **kw)


def clips(items) -> dict[str, Clip]:
    return {i.source_id: i for i in items if isinstance(i, Clip)}


def errors(items) -> list[RowError]:
    return [i for i in items if isinstance(i, RowError)]


def jsonl(tmp_path: Path, *rows: dict | str, name: str = "mine.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


GOOD = {"id": "a1", "audio": "asc-frontiers-30s.mp3", "text": "A calm piano piece.", "split": "test"}


def test_captions_from_json_lines_with_splits_and_audio() -> None:
    items = list(read_custom(cfg(split_field="split")))
    assert errors(items) == []
    got = clips(items)
    assert list(got) == ["frontiers-30", "machine-wars-30", "time-to-strike-120", "frontiers-long"]
    assert [c.split for c in got.values()] == ["train", "train", "test", "validation"]
    c = got["frontiers-30"]
    assert c.clip_id == "custom/frontiers-30" and c.source == "custom" and c.labels == ()
    assert c.audio_path == (AUDIO / "asc-frontiers-30s.mp3").resolve() and c.meta.file == "asc-frontiers-30s.mp3"
    assert c.text.startswith("A slow orchestral game soundtrack") and (c.start_s, c.end_s) == (0.0, None)
    # without a split field every row goes to --custom.split; the config name renames the clips and the config
    other = clips(read_custom(cfg(split="test", name="my_music")))
    assert {c.split for c in other.values()} == {"test"}
    assert other["frontiers-30"].clip_id == "my_music/frontiers-30"
    assert get("custom").config_name(cfg(name="my_music")) == "my_music"


def test_tags_from_a_csv_string_or_a_json_list(tmp_path: Path) -> None:
    got = clips(read_custom(cfg(FIXTURE / "tags.csv", text_field="tags", text_kind="tags")))
    assert got["frontiers-120"].labels == ("orchestral", "strings", "horn", "slow", "calm")
    assert got["frontiers-120"].text == "orchestral, strings, horn, slow, calm"
    listed = jsonl(tmp_path, {**GOOD, "text": ["piano", " calm ", "piano", ""]})
    (c,) = clips(read_custom(cfg(listed, text_kind="tags"))).values()
    assert c.labels == ("piano", "calm")  # stripped, deduplicated, in order
    semi = jsonl(tmp_path, {**GOOD, "text": "piano; calm"}, name="semi.jsonl")
    assert clips(read_custom(cfg(semi, text_kind="tags", tag_separator=";")))["a1"].labels == ("piano", "calm")
    source = get("custom")
    assert source.template(cfg(text_kind="tags"), "open") == "custom_tags_open.jinja"
    assert source.template(cfg(), "fixed") == "custom_caption_fixed.jinja"


@pytest.mark.parametrize(("row", "reason", "message", "kw"), [
    ({**GOOD, "audio": "../audio/asc-frontiers-30s.mp3"}, "source_path_escape",
     "field 'audio' = '../audio/asc-frontiers-30s.mp3', expected a path inside the audio folder, found a '..' "
     "component", {}),
    ({"id": "a1", "audio": "asc-frontiers-30s.mp3"}, "source_malformed_row",
     "field 'text' missing, expected the fields id, audio, text", {}),
    ('{"id": "a1", "audio": ', "source_malformed_row", "not valid JSON at column 23 (Expecting value), expected one "
                                                       "object per line", {}),
    ({**GOOD, "id": "../etc"}, "source_bad_id", "field 'id' = '../etc', expected an id of letters, digits, . _ - (it "
                                                "names the clip's files)", {}),
    ({**GOOD, "text": " "}, "source_empty_text", "field 'text' = '', expected a caption", {}),
    ({**GOOD, "text": ["piano"]}, "source_too_few_tags", "clip a1 has 1 tags, min_tags is 2; skipped",
     {"text_kind": "tags", "min_tags": 2}),
    ({**GOOD, "text": [1, 2]}, "source_bad_value", "field 'text' = '[1, 2]', expected a list of strings or one string "
                                                   "of tags separated by ','", {"text_kind": "tags"}),
    ({**GOOD, "split": "dev set"}, "source_bad_value", "field 'split' = 'dev set', expected a split name such as "
                                                       "train, validation or test", {"split_field": "split"}),
])
def test_a_bad_row_is_one_line_naming_the_line_and_field(tmp_path: Path, row, reason: str, message: str,
                                                         kw: dict) -> None:
    items = list(read_custom(cfg(jsonl(tmp_path, {**GOOD, "id": "ok", "text": "piano, calm"}, row), **kw)))
    assert errors(items) == [RowError(reason, f"mine.jsonl:2: {message}", routine=reason == "source_too_few_tags")]
    assert list(clips(items)) == ["ok"]


@pytest.mark.parametrize(("row", "kw"), [
    ({**GOOD, "id": 17}, {}),  # a JSON number id
    ({**GOOD, "audio": "asc-frontiers-30s.mp3 "}, {}),  # stray space
    ({**GOOD, "text": "piano, calm"}, {"text_kind": "tags", "min_tags": 2}),  # exactly min_tags
])
def test_near_misses_are_clips(tmp_path: Path, row, kw: dict) -> None:
    (clip,) = read_custom(cfg(jsonl(tmp_path, row), **kw))
    assert isinstance(clip, Clip) and clip.audio_path is not None


def test_duplicate_ids_and_missing_audio(tmp_path: Path) -> None:
    path = jsonl(tmp_path, GOOD, {**GOOD, "id": "A1"}, {**GOOD, "audio": "asc-machine_wars-30s.mp3"},
                 {**GOOD, "id": "gone", "audio": "nope/missing.mp3"})
    items = list(read_custom(cfg(path)))
    assert list(clips(items)) == ["a1", "A1", "gone"]  # ids are case-sensitive: A1 is another clip
    assert errors(items) == [
        RowError("source_duplicate_id", "mine.jsonl:3: field 'id' = 'a1', expected a unique id (first at "
                                        "mine.jsonl:1)"),
        RowError("source_audio_not_found", f"mine.jsonl:4: field 'audio' = 'nope/missing.mp3': no such file in "
                                           f"{AUDIO.resolve()}; the clip has no audio", warning=True),
    ]
    assert clips(items)["gone"].audio_path is None


def test_a_csv_row_with_too_few_fields(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text('id,audio,text\nok,asc-frontiers-30s.mp3,"A calm, slow piece"\nbad,asc-frontiers-30s.mp3\n')
    items = list(read_custom(cfg(path)))
    assert errors(items) == [RowError("source_malformed_row", "mine.csv:3: row has 2 fields, expected 3 as in the "
                                                              "header")]
    assert clips(items)["ok"].text == "A calm, slow piece"


def test_excerpts_and_the_card(tmp_path: Path) -> None:
    source = get("custom")
    c = clips(read_custom(cfg(excerpt_s=5.0, excerpt_offset_s=2.0)))["frontiers-long"]
    assert source.audio_section(c) == (2.0, 7.0) and source.duration(c) == 5.0
    whole = clips(read_custom(cfg()))["frontiers-long"]
    assert source.audio_section(whole) is None and source.duration(whole) is None
    card = source.card_info(cfg(name="my_music", title="My Band", license="cc-by-4.0", split_field="split"))
    assert (card.title, card.license) == ("My Band", "cc-by-4.0")
    assert "`clips.jsonl`" in card.card_note and "'split' column" in card.card_note
    assert list(source.columns(c)) == list(source.features())


def test_bad_options_and_files_stop_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--custom.text-kind: 'lyrics' invalid"):
        CustomConfig(text_kind="lyrics")
    with pytest.raises(ValueError, match="--custom.name: 'my music' invalid"):
        CustomConfig(name="my music")
    with pytest.raises(InputError, match=r"unknown table type '\.txt'"):
        read_custom(cfg(tmp_path / "clips.txt"))
    with pytest.raises(InputError, match="file not found"):
        read_custom(cfg(tmp_path / "nope.jsonl"))
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("id,file,text\n")
    with pytest.raises(InputError, match="h.csv:1: missing required column 'audio'"):
        read_custom(cfg(bad_header))
    with pytest.raises(InputError, match="audio folder not found"):
        read_custom(cfg(audio_dir=tmp_path / "nope"))


def test_a_json_lines_field_missing_in_every_row_stops_at_once_naming_the_files_fields(tmp_path: Path) -> None:
    rows = [{"id": f"a{i}", "audio": "asc-frontiers-30s.mp3", "caption": "A calm piano piece."} for i in range(3)]
    with pytest.raises(InputError) as err:
        read_custom(cfg(jsonl(tmp_path, *rows)))  # raised by the call, before any row is read
    assert str(err.value) == (f"{tmp_path / 'mine.jsonl'}: field 'text' missing in every row; the file has id, "
                              "audio, caption: pass --custom.text-field caption")
    two_spare = [{**r, "genre": "jazz"} for r in rows]
    with pytest.raises(InputError, match="the file has id, audio, caption, genre: pass --custom.text-field with "):
        read_custom(cfg(jsonl(tmp_path, *two_spare)))


def test_a_json_lines_field_missing_in_some_rows_only_skips_those_rows(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": "x", "audio": "asc-frontiers-30s.mp3", "caption": "no text"}, GOOD)
    items = list(read_custom(cfg(path)))  # the near miss: the field exists in the file, so rows are judged one by one
    assert [e.reason for e in errors(items)] == ["source_malformed_row"] and list(clips(items)) == ["a1"]


def test_the_readme_command_for_your_own_music_sets_the_custom_options() -> None:
    import argparse
    import shlex

    from musicqa.build_config import BuildConfig
    from musicqa.config import add_flags, from_args

    readme = (REPO / "README.md").read_text()
    line = next(x for x in readme.splitlines() if x.startswith("python -m musicqa build --sources custom"))
    parser = argparse.ArgumentParser()
    add_flags(parser, BuildConfig)
    built = from_args(BuildConfig, parser.parse_args(shlex.split(line)[4:]))
    assert built.sources == ["custom"] and built.out == Path("my-dataset")
    c = built.custom
    assert (c.path, c.audio_dir, c.name, c.license) == (Path("my_music/clips.jsonl"), Path("my_music"), "my_music",
                                                        "cc-by-4.0")
    assert (c.id_field, c.audio_field, c.text_field, c.text_kind) == ("id", "audio", "text", "caption")
    example = json.loads(next(x for x in readme.splitlines() if x.startswith('{"id": "track01"')))
    assert set(example) == {"id", "audio", "text"}  # the README's row has the default field names


def test_two_sources_may_not_build_one_config() -> None:
    from musicqa.build_config import BuildConfig
    from musicqa.config import build

    values = {"sources": ["mtg_jamendo", "custom"], "mtg_jamendo": {"annotations": "a.tsv"},
              "custom": {"path": "c.jsonl", "audio_dir": ".", "name": "mtg_jamendo"}}
    with pytest.raises(InputError, match="mtg_jamendo and custom both build the dataset config 'mtg_jamendo'"):
        build(BuildConfig, values)
