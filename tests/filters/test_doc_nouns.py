"""doc_nouns: the shipped WordNet noun list is what make_doc_nouns builds, and leaves music words out."""

from __future__ import annotations

import pytest

from musicqa.filters import make_doc_nouns
from musicqa.filters.doc_nouns import DOC_NOUNS


def test_documents_are_in_and_music_words_are_out() -> None:
    assert {"booklet", "brochure", "pamphlet", "inventory", "playlist", "catalogue", "worksheet"} <= DOC_NOUNS
    assert not {"record", "note", "notes", "score", "key", "measure", "instrument", "version", "pickup"} & DOC_NOUNS


@pytest.mark.skipif(not (make_doc_nouns.DEFAULT_WORDNET / "data.noun").is_file(),
                    reason="WordNet 3.0 not installed (Debian: wordnet-base; scripts/install.sh test installs it)")
def test_regenerating_from_wordnet_reproduces_the_shipped_module() -> None:
    shipped = make_doc_nouns.OUTPUT.read_text(encoding="utf-8")
    assert make_doc_nouns.render(make_doc_nouns.doc_nouns()) == shipped
