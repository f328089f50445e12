"""The music vocabulary: every reference resolves, and negation stays inside its clause."""

from __future__ import annotations

from musicqa.filters.vocab import BY_NAME, CONCEPTS, find_mentions


def test_every_parent_implication_and_opposite_is_a_concept() -> None:
    for concept in CONCEPTS:
        for name in concept.parents + concept.implies + concept.opposes:
            assert name in BY_NAME, f"{concept.name} refers to unknown concept {name!r}"


def mentions(text: str) -> list[tuple[str, bool]]:
    return [(m.concept, m.negated) for m in find_mentions(text)]


def test_negation_is_clause_local_and_carries_through_lists() -> None:
    assert mentions("There are no drums, bass or vocals, just a piano.") == [
        ("drums", True), ("bass", True), ("vocals", True), ("piano", False)]
    assert mentions("The song doesn't have any vocals and the e-bass plays.") == [("vocals", True), ("bass", False)]


def test_synonyms_and_other_senses() -> None:
    assert ("bass", False) in mentions("a groovy e-bass line")
    assert mentions("Get the crowd moving; you can dance to it.") == []
    assert mentions("A slow riser builds tension.") == []
