"""musicqa.sources.mtg_jamendo on the format-faithful MTG-Jamendo fixture and on broken copies of it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from musicqa.errors import InputError
from musicqa.records import Clip
from musicqa.sources import RowError, get
from musicqa.sources.mtg_jamendo import SEED_FOLDERS, SPELLING, clean_tag, excerpt, read_mtg_jamendo

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "mtg_jamendo"
TSV = FIXTURE / "raw_30s_cleantags_50artists.tsv"
SPLITS = FIXTURE / "splits" / "split-0"
NAME = TSV.name
HEADER = "TRACK_ID\tARTIST_ID\tALBUM_ID\tPATH\tDURATION\tTAGS"
ROW_4400 = ("track_0004400\tartist_000644\talbum_000691\t00/4400.mp3\t183.5\tgenre---alternative\tgenre---electronic\t"
            "genre---experimental\tgenre---postrock\tgenre---rock")
FIVE_TAGS = "genre---rock\tgenre---pop\tinstrument---guitar\tinstrument---drums\tmood/theme---happy"


def table(tmp_path: Path, *rows: str, name: str = NAME) -> Path:
    """A TSV in the real file's layout (header, tab-separated, \\r\\n endings) holding ``rows``."""
    path = tmp_path / name
    path.write_bytes("".join(f"{r}\r\n" for r in (HEADER, *rows)).encode())
    return path


def clips(items) -> dict[str, Clip]:
    return {i.source_id: i for i in items if isinstance(i, Clip)}


def errors(items) -> list[RowError]:
    return [i for i in items if isinstance(i, RowError)]


def one(tmp_path: Path, row: str, **kw) -> list[Clip | RowError]:
    return list(read_mtg_jamendo(table(tmp_path, row), **kw))


def test_fixture_is_format_faithful() -> None:
    raw = TSV.read_bytes().decode()
    lines = raw.split("\r\n")
    assert lines[0] == HEADER and lines[-1] == "" and "\n" not in raw.replace("\r\n", "")
    assert len(lines) == 17  # header + 15 tracks
    for line in lines[1:-1]:
        fields = line.split("\t")
        assert len(fields) >= 6 and '"' not in line
        assert fields[0].startswith("track_") and fields[1].startswith("artist_") and fields[2].startswith("album_")
        folder, file = fields[3].split("/")
        assert file == f"{int(fields[0][6:])}.mp3" and folder == f"{int(fields[0][6:]) % 100:02d}"
        assert all(t.split("---")[0] in ("genre", "instrument", "mood/theme") for t in fields[5:])
    for split in ("train", "validation", "test"):
        assert (SPLITS / f"autotagging-{split}.tsv").read_bytes().startswith(HEADER.encode() + b"\r\n")


def test_the_seed_eval_subset_is_folders_00_to_09_with_five_tags_all_in_test() -> None:
    items = list(read_mtg_jamendo(TSV, folders=SEED_FOLDERS, min_tags=5))
    got = clips(items)
    assert sorted(got) == ["track_0004400", "track_0006606", "track_0007400", "track_0026403", "track_0133600",
                           "track_0206006", "track_0245501", "track_0283205", "track_0387501"]
    assert {c.split for c in got.values()} == {"test"}
    assert all((c.start_s, c.end_s) == (0.0, None) for c in got.values())  # the whole track, as the seed
    assert errors(items) == [  # the too-few-tags rows inside the folders; 214, 786778, 1048592 are outside them
        RowError("source_too_few_tags", f"{NAME}:3: track track_0002208 has 2 tags, min_tags is 5; skipped",
                 routine=True),
        RowError("source_too_few_tags", f"{NAME}:5: track track_0006007 has 2 tags, min_tags is 5; skipped",
                 routine=True),
        RowError("source_too_few_tags", f"{NAME}:8: track track_0007408 has 3 tags, min_tags is 5; skipped",
                 routine=True),
    ]
    c = got["track_0004400"]
    assert c.clip_id == "mtg_jamendo/track_0004400" and c.source == "mtg_jamendo"
    assert c.labels == ("genre---alternative", "genre---electronic", "genre---experimental", "genre---postrock",
                        "genre---rock")  # the original strings, in file order
    assert c.text == "alternative, electronic, experimental, post-rock, rock"  # prefixes stripped for the prompt
    assert (c.meta.artist_id, c.meta.album_id, c.meta.path, c.meta.duration_s) == ("artist_000644", "album_000691",
                                                                                     "00/4400.mp3", 183.5)
    assert got["track_0133600"].text == "pop, pop rock, rock, bass, drums, electric guitar, energetic, sport"
    everything = clips(read_mtg_jamendo(TSV, min_tags=0))
    assert len(everything) == 15 and "track_0786778" in everything


def test_configs_musicqa_toml_selects_the_seed_subset() -> None:
    from musicqa.build_config import BuildConfig
    from musicqa.config import build, read_toml

    values = read_toml(REPO / "configs" / "musicqa.toml")
    assert values["sources"] == ["musiccaps", "magnatagatune", "mtg_jamendo"]
    cfg = build(BuildConfig, values, "musicqa.toml").mtg_jamendo
    assert tuple(cfg.folders) == SEED_FOLDERS and cfg.min_tags == 5
    assert (cfg.splits_dir, cfg.excerpt_s) == (None, None)  # all in test, whole tracks
    seed = dataclasses.replace(cfg, annotations=TSV, audio_dir=None)
    assert clips(get("mtg_jamendo").read(seed, max_context_chars=2000)).keys() == clips(
        read_mtg_jamendo(TSV, folders=SEED_FOLDERS)).keys()


def test_clean_tags_are_words_and_the_spelling_map_only_splits_run_together_words() -> None:
    assert clean_tag("instrument---electricguitar") == "electric guitar"
    assert clean_tag("mood/theme---happy") == "happy" and clean_tag("genre---rock") == "rock"
    for tag, words in SPELLING.items():
        assert words.replace(" ", "").replace("-", "").replace("androll", "nroll").replace("andbass", "nbass") == tag


def test_official_split_files_place_each_track(tmp_path: Path) -> None:
    got = clips(read_mtg_jamendo(TSV, splits_dir=SPLITS, min_tags=0))
    assert Counter(c.split for c in got.values()) == {"test": 9, "validation": 4, "train": 2}
    assert got["track_0004400"].split == "validation" and got["track_0007400"].split == "train"
    # a track in none of the files is skipped (routine); a broken split row is a warning naming its line
    lines = (SPLITS / "autotagging-test.tsv").read_bytes().split(b"\r\n")
    split_dir = tmp_path / "splits"
    split_dir.mkdir()
    for split in ("train", "validation"):
        (split_dir / f"autotagging-{split}.tsv").write_bytes((SPLITS / f"autotagging-{split}.tsv").read_bytes())
    (split_dir / "autotagging-test.tsv").write_bytes(b"\r\n".join([lines[0], b"track_x\tartist_1", *lines[2:]]))
    items = list(read_mtg_jamendo(TSV, splits_dir=split_dir, min_tags=0))
    dropped = lines[1].split(b"\t")[0].decode()
    assert RowError("source_bad_split_row", "autotagging-test.tsv:2: field 'TRACK_ID' = 'track_x', expected "
                                            "track_<number>", warning=True) in items
    assert [e.message for e in errors(items) if e.reason == "source_not_in_split"] == [
        f"{NAME}:{2 + sorted(got).index(dropped)}: track {dropped} is in none of the split files; skipped"]
    (split_dir / "autotagging-train.tsv").unlink()
    with pytest.raises(InputError, match="autotagging-train.tsv: file not found"):
        read_mtg_jamendo(TSV, splits_dir=split_dir)


@pytest.mark.parametrize(("row", "reason", "message"), [
    ("track_0000001\tartist_000001\talbum_000001\t01/1.mp3", "source_malformed_row",
     "row has 4 fields, expected at least 5 (TRACK_ID ARTIST_ID ALBUM_ID PATH DURATION) then the tags"),
    ("track_0000001\tartist_000001\talbum_000001\t01/1.mp3\t100.0", "source_empty_tags",
     "track track_0000001 has no tags, expected some after DURATION"),
    (f"track_0000001\tartist_000001\talbum_000001\t../01/1.mp3\t100.0\t{FIVE_TAGS}", "source_path_escape",
     "field 'PATH' = '../01/1.mp3', expected a path inside the audio folder, found a '..' component"),
    (f"track_0000001\tartist_000001\talbum_000001\t/01/1.mp3\t100.0\t{FIVE_TAGS}", "source_path_escape",
     "field 'PATH' = '/01/1.mp3', expected a relative path, found an absolute one"),
    (f"1\tartist_000001\talbum_000001\t01/1.mp3\t100.0\t{FIVE_TAGS}", "source_bad_id",
     "field 'TRACK_ID' = '1', expected track_<number>"),
    (f"track_0000001\tartist_x\talbum_000001\t01/1.mp3\t100.0\t{FIVE_TAGS}", "source_bad_value",
     "field 'ARTIST_ID' = 'artist_x', expected artist_<number>"),
    (f"track_0000001\tartist_000001\talbum_000001\t01/1.mp3\tlong\t{FIVE_TAGS}", "source_bad_value",
     "field 'DURATION' = 'long', expected seconds"),
    ("track_0000001\tartist_000001\talbum_000001\t01/1.mp3\t100.0\tgenre---rock\trock\tgenre---pop\tgenre---a\t"
     "genre---b", "source_bad_value", "field 'TAGS[1]' = 'rock', expected category---tag such as 'genre---rock'"),
    ("track_0000001\tartist_000001\talbum_000001\t01/1.mp3\t100.0\tgenre---rock\tgenre---pop\tgenre---jazz\t"
     "instrument---piano", "source_too_few_tags", "track track_0000001 has 4 tags, min_tags is 5; skipped"),
])
def test_a_bad_row_is_one_line_naming_the_line_and_field(tmp_path: Path, row: str, reason: str,
                                                         message: str) -> None:
    (bad,) = one(tmp_path, row)
    assert (bad.reason, bad.message) == (reason, f"{NAME}:2: {message}")


@pytest.mark.parametrize("row", [
    f"track_0000001\tartist_000001\talbum_000001\t01/1.mp3\t100\t{FIVE_TAGS}",  # an integer duration
    f"track_0000001\tartist_000001\talbum_000001\t01/..1.mp3\t100.0\t{FIVE_TAGS}",  # '..' inside a name, not a part
    f"track_0000001\tartist_000001\talbum_000001\t01/1.mp3\t100.0\t{FIVE_TAGS}\t",  # a trailing tab
    f"track_0000001\tartist_000001\talbum_000001\t01/1.mp3\t100.0\t{FIVE_TAGS}\tgenre---rock",  # a repeated tag
])
def test_near_misses_are_clips(tmp_path: Path, row: str) -> None:
    (clip,) = one(tmp_path, row)
    assert isinstance(clip, Clip) and len(clip.labels) == 5


def test_duplicate_ids_are_skipped_and_the_first_row_kept(tmp_path: Path) -> None:
    other = ROW_4400.replace("track_0004400", "track_0104400")  # same path and tags, another id: not a duplicate
    items = list(read_mtg_jamendo(table(tmp_path, ROW_4400, other, ROW_4400)))
    assert sorted(clips(items)) == ["track_0004400", "track_0104400"]
    assert errors(items) == [RowError("source_duplicate_id", f"{NAME}:4: field 'TRACK_ID' = 'track_0004400', "
                                                             "expected a unique id (first on line 2)")]


def test_audio_is_found_under_its_path_or_the_low_quality_name_and_never_outside(tmp_path: Path) -> None:
    root = tmp_path / "audio"
    (root / "00").mkdir(parents=True)
    (root / "00" / "4400.mp3").write_bytes(b"x")
    (root / "06").mkdir()
    (root / "06" / "6606.low.mp3").write_bytes(b"x")  # the audio-low release's name
    (tmp_path / "secret.mp3").write_bytes(b"x")
    (root / "01").mkdir()
    (root / "01" / "245501.mp3").symlink_to(tmp_path / "secret.mp3")
    items = list(read_mtg_jamendo(TSV, audio_dir=root, folders=SEED_FOLDERS))
    got = clips(items)
    assert got["track_0004400"].audio_path == (root / "00" / "4400.mp3").resolve()
    assert got["track_0006606"].audio_path == (root / "06" / "6606.low.mp3").resolve()
    assert "track_0245501" not in got
    assert RowError("source_path_escape", f"{NAME}:12: field 'PATH' = '01/245501.mp3' resolves outside the audio "
                                          "folder, expected a file inside it (a symlink?)") in items
    # a missing file: a warning naming the row, then the clip without audio (the audio stage skips it)
    i = items.index(got["track_0133600"])
    assert items[i - 1] == RowError("source_audio_not_found", f"{NAME}:10: field 'PATH' = '00/133600.mp3': no such "
                                                              f"file in {root.resolve()} (also tried "
                                                              "'00/133600.low.mp3'); the clip has no audio",
                                    warning=True)
    assert got["track_0133600"].audio_path is None


def test_excerpts_keep_n_seconds_from_the_offset_or_the_end_of_a_short_track() -> None:
    assert excerpt(183.5, None, 30.0) == (0.0, None)
    assert excerpt(183.5, 30.0, 30.0) == (30.0, 60.0)
    assert excerpt(50.0, 30.0, 30.0) == (20.0, 50.0)  # too short for 30..60: its last 30 s
    assert excerpt(20.0, 30.0, 0.0) == (0.0, 20.0)  # shorter than the excerpt: all of it
    source = get("mtg_jamendo")
    c = clips(read_mtg_jamendo(TSV, excerpt_s=30.0, excerpt_offset_s=30.0))["track_0004400"]
    assert (c.start_s, c.end_s) == (30.0, 60.0) and source.audio_section(c) == (30.0, 60.0)
    assert source.duration(c) == 30.0 and source.expected_duration(c) == 30.0
    full = clips(read_mtg_jamendo(TSV))["track_0004400"]
    assert source.audio_section(full) is None and source.duration(full) == 183.5
    assert source.expected_duration(full) is None


def test_the_source_declares_its_columns_prompt_variables_card_and_options() -> None:
    source = get("mtg_jamendo")
    c = clips(read_mtg_jamendo(TSV))["track_0133600"]
    cols = source.columns(c)
    assert list(cols) == list(source.features())
    assert cols["tags"][:2] == ["genre---pop", "genre---poprock"] and cols["audio_end_s"] == 165.0
    v = source.prompt_variables(c)
    assert (v["genres"], v["instruments"], v["moods"]) == (["pop", "pop rock", "rock"],
                                                           ["bass", "drums", "electric guitar"], ["energetic", "sport"])
    cfg = source.Config(annotations=TSV, folders=list(SEED_FOLDERS), excerpt_s=30.0)
    card = source.card_info(cfg)
    assert card.license == "cc-by-nc-sa-4.0" and "Creative Commons per track" in card.license_note
    assert "folders 00, 01" in card.card_note and "30 s from 0 s" in card.card_note
    assert dict(source.mullama)["EvalMusicQA.json"] == ("test",)
    with pytest.raises(ValueError, match="--mtg-jamendo.excerpt-s must be > 0"):
        source.Config(excerpt_s=0)


def test_missing_files_columns_and_folders_stop_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found, expected the MTG-Jamendo annotations table"):
        read_mtg_jamendo(tmp_path / "nope.tsv")
    comma = tmp_path / "comma.tsv"
    comma.write_text("TRACK_ID,ARTIST_ID,ALBUM_ID,PATH,DURATION,TAGS\n")
    with pytest.raises(InputError, match="missing required column 'TRACK_ID'.*is the file tab-separated"):
        read_mtg_jamendo(comma)
    swapped = tmp_path / "swapped.tsv"
    swapped.write_text("ARTIST_ID\tTRACK_ID\tALBUM_ID\tPATH\tDURATION\tTAGS\n")
    with pytest.raises(InputError, match="header starts ARTIST_ID TRACK_ID"):
        read_mtg_jamendo(swapped)
    with pytest.raises(InputError, match="audio folder not found"):
        read_mtg_jamendo(TSV, audio_dir=tmp_path / "nope")


def test_limit_counts_clips() -> None:
    items = list(read_mtg_jamendo(TSV, limit=2))
    assert [type(i) for i in items] == [RowError, RowError, Clip, RowError, Clip]  # too few: 214, 2208, 6007
