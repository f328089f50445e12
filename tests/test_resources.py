"""musicqa.resources: the shipped prompts/ and data_cards/ are found from any working directory.

The wheel-installed case (``musicqa/_data``) is exercised end to end in test_first_run.py.
"""

from __future__ import annotations

from pathlib import Path

from conftest import REPO

from musicqa import resources
from musicqa.resources import resource


def test_from_another_directory_the_checkout_copy_is_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resource(Path("prompts")) == REPO / "prompts"
    assert resource(Path("data_cards")) == REPO / "data_cards"
    assert (resource(Path("prompts")) / "musiccaps_fixed.jinja").is_file()


def test_a_users_own_folder_wins_and_an_unknown_one_comes_back_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prompts").mkdir()
    assert resource(Path("prompts")) == Path("prompts")  # the user's, relative to where they run
    assert resource(Path("my_prompts")) == Path("my_prompts")  # so the error names what the user typed
    assert resource(tmp_path / "elsewhere") == tmp_path / "elsewhere"


def test_an_installed_copy_is_the_only_place_searched(tmp_path, monkeypatch):
    packaged = tmp_path / "site" / "musicqa" / "_data"
    (packaged / "prompts").mkdir(parents=True)
    monkeypatch.setattr(resources, "PACKAGED", packaged)
    monkeypatch.chdir(tmp_path)
    assert resource(Path("prompts")) == packaged / "prompts"
    assert resource(Path("data_cards")) == Path("data_cards")  # not the checkout's: the wheel lacks it

