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


def test_counterpoint_voices_are_lines() -> None:
    assert mentions("Three independent voices in strict counterpoint.") == []
    assert mentions("Smooth voice leading in the strings.") == [("strings", False)]
    assert mentions("A voice soars over the choir.") == [("vocals", False), ("choir", False)]
    assert mentions("A fugue sung by a choir of voices.")[0] == ("classical", False)
    assert ("choir", False) in mentions("A fugue sung by a choir of voices.")


def test_instruments_of_other_traditions_are_each_their_own() -> None:
    found = {m.concept for m in find_mentions("oud, saz, bağlama, qanun, bouzouki, kora, erhu, shamisen, duduk")}
    assert found == {"oud", "saz", "qanun", "bouzouki", "kora", "erhu", "shamisen", "duduk"}
    assert BY_NAME["qanun"].parents == ("zither",)  # a zither supports a qanun, a saz supports no oud
    assert "oud" in BY_NAME["folk"].implies


def test_adjectives_that_name_no_instrument_or_genre() -> None:
    assert mentions("A percussive, plucked attack.") == []
    assert mentions("Wooden percussive elements.") == [("percussion", False)]
    assert mentions("Arco, a bowed instrument.") == [("strings", False), ("strings", False)]
    assert mentions("A lo-fi recording.") == []
    assert mentions("The classic twelve-bar form.") == [("blues", False)]


def test_round9_metaphors_and_an_instruments_own_parts_name_nothing() -> None:
    assert mentions("The bass is the engine that drives the track.") == [("bass", False)]
    assert mentions("The harmony feels static and meditative.") == [("quiet", False)]
    assert mentions("Radio static crackles under the voice.") == [("noise", False), ("vocals", False)]
    assert ("strings", False) not in mentions("Its strings are plucked by quills, so each note decays fast.")
    assert ("strings", False) in mentions("The strings swell under the melody.")


def test_round9_a_denied_technique_is_not_a_denied_instrument() -> None:
    assert mentions("Fingerpicked, no strumming.") == []
    assert mentions("No guitar, just piano.") == [("guitar", True), ("piano", False)]


def test_round9_a_street_performance_is_live() -> None:
    assert ("live", False) in mentions("A guy singing, sounds like he's on the street.")


def test_round10_an_instruments_voice_and_string_name_no_singer_or_string_section() -> None:
    assert ("vocals", False) not in mentions("A violin leads, with cello adding a darker, lower voice beneath it.")
    assert ("strings", False) not in mentions("The open low E string rings out under the riff.")
    assert ("strings", False) not in mentions("The sitar, with its buzzing, resonant strings and bending notes.")
    assert ("vocals", False) not in mentions("A soft, rounded bass line hums beneath the chords.")
    assert ("vocals", False) in mentions("She hums the melody.")
    assert ("vocals", False) in mentions("wordless female vox, airy")


def test_round10_a_denied_action_is_no_denied_presence() -> None:
    assert ("rap", False) in mentions("The autotune fits; it doesn't bury the rapper.")
    assert ("vocals", False) in mentions("The mix never drowns out the vocals.")
    assert ("drums", True) in mentions("It doesn't have drums.")
    assert ("guitar", True) in mentions("The track doesn't feature the guitar.")


def test_round10_feel_words_and_sampling_advice_name_no_genre_or_sample() -> None:
    assert all(c != "rnb" for c, _ in mentions("A smooth, unhurried downtempo groove."))
    assert all(c != "samples" for c, _ in mentions("Grab a two-bar loop and pitch it."))
    assert ("samples", False) in mentions("A dusty drum loop repeats.")


def test_round11_a_field_recordings_sounds_are_each_their_own() -> None:
    assert ("birds", False) in mentions("Birds are chirping.")
    assert ("rain", False) in mentions("Soft rain and distant rolling thunder.")
    assert ("rain", True) in mentions("No rain - the water you hear is a small stream.")
    assert ("water", False) in mentions("No rain - the water you hear is a small stream.")


def test_round11_a_choirs_basses_a_bass_line_a_hum_and_a_lo_fi_mix_name_nothing() -> None:
    assert all(c != "bass" for c, _ in mentions("The sopranos lead while the basses hold long notes."))
    assert all(c != "bass" for c, _ in mentions("The texture is strings, with the cello anchoring the bass."))
    assert all(c != "vocals" for c, _ in mentions("A deep, sustained hum stays underneath."))
    assert all(c != "electronic" for c, _ in mentions("none really, just a muddy lo-fi live mix"))
    assert all(c != "metal" for c, _ in mentions("No slow mosh part for the hardcore kids."))
