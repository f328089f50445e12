"""The source registry: what ships is found by itself, a new module needs no other edit, names are checked."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

import musicqa.sources as sources
from musicqa.errors import InputError
from musicqa.sources import Source, get, names, register, unregister


def test_the_shipped_sources_are_registered_in_default_order():
    from musicqa.build_config import BuildConfig

    assert names()[:2] == ["musiccaps", "magnatagatune"]
    assert sources.default_names() == ["musiccaps", "magnatagatune"]
    assert BuildConfig.__dataclass_fields__["sources"].default_factory() == ["musiccaps", "magnatagatune"]
    fields = [f.name for f in dataclasses.fields(BuildConfig)]
    assert fields.index("musiccaps") == fields.index("sources") + 1  # each source's table follows --sources
    with pytest.raises(InputError, match="unknown source 'mtt', expected one of: musiccaps, magnatagatune"):
        get("mtt")


def test_a_module_dropped_into_the_sources_folder_is_registered_with_no_other_edit(tmp_path, monkeypatch):
    (tmp_path / "dropin.py").write_text(textwrap.dedent('''
        from dataclasses import dataclass
        from pathlib import Path

        from musicqa.config import field
        from musicqa.sources.base import Source


        @dataclass
        class DropInConfig:
            table: Path | None = field(None, help="the table")


        class DropIn(Source):
            name = "dropin"
            title = "Drop-in"
            Config = DropInConfig


        SOURCE = DropIn()
    '''))
    monkeypatch.setattr(sources, "__path__", [*sources.__path__, str(tmp_path)])
    monkeypatch.setattr(sources, "_discovered", False)
    monkeypatch.setattr(sources, "_registry", {})
    try:
        assert "dropin" in names() and get("dropin").title == "Drop-in"
        from musicqa.build_config import BuildConfig

        fields = BuildConfig.__dataclass_fields__
        assert fields["dropin"].default_factory().table is None  # its [dropin] table exists
        assert "dropin" not in fields["sources"].default_factory()  # built only when asked for
    finally:
        import sys

        sys.modules.pop("musicqa.sources.dropin", None)


def test_names_are_checked_when_registering():
    class Bad(Source):
        name = "not an identifier"
        Config = dict

    class Twin(Source):
        name = "musiccaps"
        Config = dict

    with pytest.raises(ValueError, match="must be a Python identifier"):
        register(Bad())
    with pytest.raises(ValueError, match="already registered"):
        register(Twin())
    assert type(get("musiccaps")).__name__ == "MusicCaps"


def test_a_source_named_like_a_build_option_is_refused():
    from musicqa.build_config import config_class

    @dataclasses.dataclass
    class Cfg:
        x: int = 0

    class Engine(Source):
        name = "engine"
        Config = Cfg

    register(Engine())
    try:
        with pytest.raises(ValueError, match="clashes with the build option"):
            config_class()
    finally:
        unregister("engine")
