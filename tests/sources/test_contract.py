"""The source contract, checked: each fault a source author can make stops with one line naming the module.

Every toy source is written here, in this file alone, as a plugin author would write one. The good one passes every
check and its rows fit its declared schema (tests/pipeline/test_local.py builds such a plugin end to end).
"""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import musicqa.sources as sources
from musicqa.config import field
from musicqa.records import Clip
from musicqa.sources import RowError, Source, SourceError, register, unregister
from musicqa.sources.contract import check_schema, checked_read

HERE = __name__  # the module each fault names for the toys defined in this file


@dataclasses.dataclass
class FmaConfig:
    table: Path | None = field(None, help="CSV of track ids, paths and genres")


class Fma(Source):
    """The good toy: a CSV of track ids, paths and genres."""

    name = "fma"
    title = "FMA"
    Config = FmaConfig
    required = ("table",)
    labels_column = "genres"

    def read(self, cfg: FmaConfig, *, max_context_chars: int) -> Iterator[Clip | RowError]:
        yield RowError("source_bad_value", "fma.csv:2: field 'genre' = '', expected a genre")
        yield Clip(clip_id="fma/2", source="fma", source_id="2", split="train", text="rock", audio_path=None,
                   labels=("rock",))

    def features(self) -> dict[str, Any]:
        from datasets import List, Value

        return {"track_id": Value("string"), "genres": List(Value("string"))}

    def columns(self, clip: Clip) -> dict[str, Any]:
        return {"track_id": clip.source_id, "genres": list(clip.labels)}


def _variant(**attrs: Any) -> Source:
    """An instance of a subclass of the good toy with ``attrs`` changed (one fault each)."""
    return type("Toy", (Fma,), attrs)()


@pytest.fixture
def fresh_registry(monkeypatch):
    sources.names()  # discover the shipped sources first, so the copy holds them
    monkeypatch.setattr(sources, "_registry", dict(sources._registry))
    return sources


def _read(source: Source) -> list:
    return list(checked_read(source, source.read(FmaConfig(Path("fma.csv")), max_context_chars=100)))


def test_a_good_toy_passes_every_check_and_its_rows_fit_its_schema(fresh_registry):
    from datasets import Features

    from musicqa.bundle import features_for, make_row

    source = register(Fma())
    try:
        assert sources.get("fma") is source and "fma" in sources.names()
        items = _read(source)
        assert [type(i) for i in items] == [RowError, Clip]
        features = features_for(source, 24_000)
        row = make_row(items[1], [], None, source)
        assert list(row) == list(features)
        assert Features(features).encode_example({**row, "audio": None})["genres"] == ["rock"]
    finally:
        unregister("fma")


def test_a_class_instead_of_an_instance_is_refused(fresh_registry):
    with pytest.raises(SourceError) as err:
        register(Fma)
    assert str(err.value) == f"{HERE}: register() was given the class Fma, expected an instance: register(Fma())"


def test_a_name_that_is_not_an_identifier_is_refused(fresh_registry):
    with pytest.raises(SourceError, match=rf"^{HERE}: name 'fma-small' must be a Python identifier .*"
                                          r"e\.g\. 'fma_small'$"):
        register(_variant(name="fma-small"))


def test_a_name_taken_by_a_shipped_source_is_refused(fresh_registry):
    with pytest.raises(SourceError, match=rf"^{HERE}: name 'musiccaps' is already registered by "
                                          r"musicqa\.sources\.musiccaps; pick another name$"):
        register(_variant(name="musiccaps"))
    assert type(sources.get("musiccaps")).__name__ == "MusicCaps"  # the shipped one stays


def test_a_config_that_is_not_a_dataclass_is_refused(fresh_registry):
    with pytest.raises(SourceError, match=rf"^{HERE}: Config = <class 'dict'>, expected a dataclass"):
        register(_variant(Config=dict))


def test_a_required_name_that_is_no_config_field_is_refused(fresh_registry):
    with pytest.raises(SourceError, match=rf"^{HERE}: required names tabel, expected fields of FmaConfig \(table\)$"):
        register(_variant(required=("tabel",)))


def test_a_mistyped_labels_column_is_refused():
    with pytest.raises(SourceError, match=rf"^{HERE}: labels_column 'genre' is not one of its columns "
                                          r"\(features\(\): track_id, genres\)$"):
        _read(_variant(labels_column="genre"))


def test_a_column_clashing_with_a_common_one_is_refused_before_any_work():
    def features(self):
        from datasets import Value

        return {"track_id": Value("string"), "genres": Value("string"), "context": Value("string")}

    source = _variant(features=features)
    with pytest.raises(SourceError, match=rf"^{HERE}: features\(\) declares context, which every config already "):
        checked_read(source, iter(()))  # before the first row is read


def test_an_undeclared_column_is_refused_on_the_first_clip():
    source = _variant(columns=lambda self, clip: {"track_id": clip.source_id, "genres": [], "genre": "rock"})
    with pytest.raises(SourceError) as err:
        _read(source)
    assert str(err.value) == (f"{HERE}: columns() returned genre, which features() does not declare "
                              "(clip fma/2)")


def test_a_declared_column_never_returned_is_refused_on_the_first_clip():
    source = _variant(columns=lambda self, clip: {"track_id": clip.source_id})
    with pytest.raises(SourceError, match=rf"^{HERE}: features\(\) declares genres, which columns\(\) did not "
                                          r"return \(clip fma/2\)$"):
        _read(source)


def test_the_good_toys_schema_check_returns_its_features():
    assert list(check_schema(Fma())) == ["track_id", "genres"]


# Modules dropped into musicqa/sources/: found by the registry itself, so the faults must stop discovery.

GOOD_MODULE = '''
    from dataclasses import dataclass
    from pathlib import Path

    from musicqa.config import field
    from musicqa.sources.base import Source


    @dataclass
    class DropConfig:
        table: Path | None = field(None, help="the table")


    class Drop(Source):
        name = {name!r}
        title = "Drop"
        Config = DropConfig


    SOURCE = {source}
'''


@pytest.fixture
def drop_in(tmp_path, monkeypatch):
    """Write ``musicqa/sources/dropin.py`` (as an extra path of the package) and rediscover the registry."""
    monkeypatch.setattr(sources, "__path__", [*sources.__path__, str(tmp_path)])
    monkeypatch.setattr(sources, "_discovered", False)
    monkeypatch.setattr(sources, "_registry", {})

    def write(name: str = "dropin", source: str = "Drop()") -> None:
        (tmp_path / "dropin.py").write_text(textwrap.dedent(GOOD_MODULE.format(name=name, source=source)))

    yield write
    sys.modules.pop("musicqa.sources.dropin", None)


def test_a_dropped_in_module_with_a_class_for_source_stops_every_command_with_one_line(drop_in, capsys):
    from musicqa.cli.__main__ import main

    drop_in(source="Drop")
    assert main(["build", "--help"]) == 2
    assert capsys.readouterr().err == ("error: musicqa.sources.dropin: SOURCE is the class Drop, expected an "
                                       "instance: SOURCE = Drop()\n")


def test_a_dropped_in_module_with_a_bad_name_stops_help_with_one_line_not_a_traceback(drop_in, capsys):
    from musicqa.cli.__main__ import main

    drop_in(name="fma-small")
    assert main(["build", "--help"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: musicqa.sources.dropin: name 'fma-small' must be a Python identifier")
    assert err.count("\n") == 1


def test_a_dropped_in_module_named_like_a_shipped_source_does_not_replace_it(drop_in):
    drop_in(name="musiccaps")
    with pytest.raises(SourceError, match=r"^musicqa\.sources\.dropin: name 'musiccaps' is already registered by "
                                          r"musicqa\.sources\.musiccaps; pick another name$"):
        sources.names()


def test_a_good_dropped_in_module_is_registered(drop_in):
    drop_in()
    assert "dropin" in sources.names()
