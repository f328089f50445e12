"""leak: the dataset names it drops come from the source registry, so every source (and a new one) is covered."""

from __future__ import annotations

import dataclasses

import pytest

from musicqa.filters import leak as leak_mod
from musicqa.filters.leak import LEAK_GENERATION_SETUP, leak
from musicqa.sources import Source, dataset_names, register, unregister
from tests.filters.helpers import clip, pair


def test_every_shipped_datasets_name_is_a_setup_leak_and_a_plain_word_is_not():
    assert {"MusicCaps", "MagnaTagATune", "MTG-Jamendo", "Song Describer"} <= set(dataset_names())
    assert "your own clips" not in dataset_names()  # the custom source's title is ordinary words
    for said in ("This Song Describer track has a calm piano.", "A song-describer clip: calm piano.",
                 "Like many MTG Jamendo tracks, it is calm piano."):
        assert leak(pair(said, "Describe the audio."), clip()).reason == LEAK_GENERATION_SETUP, said
    near = leak(pair("A song that describes a calm evening, on piano.", "Describe the audio."), clip())
    assert near.keep  # the words of a name, not the name


@pytest.fixture
def fresh_names(monkeypatch):
    leak_mod._dataset_names.cache_clear()
    yield
    leak_mod._dataset_names.cache_clear()


def test_a_newly_registered_source_is_covered(fresh_names):
    @dataclasses.dataclass
    class Cfg:
        table: str | None = None

    class Fma(Source):
        name = "fma"
        title = "Free Music Archive"
        Config = Cfg

    said = pair("A Free Music Archive upload with a calm piano.", "Describe the audio.")
    assert leak(said, clip()).keep
    leak_mod._dataset_names.cache_clear()
    register(Fma())
    try:
        assert leak(said, clip()).reason == LEAK_GENERATION_SETUP
    finally:
        unregister("fma")
