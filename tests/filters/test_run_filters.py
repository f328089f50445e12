"""make_filters / run_filters / FilterCounts: the API the build pipeline calls."""

from __future__ import annotations

import pytest

from musicqa.errors import InputError
from musicqa.filters import FILTER_NAMES, REASONS, FilterCounts, make_filters, run_filters
from tests.filters.helpers import clip, pair

BAD = pair("Based on the tags, the artist is not specified.", "Who is the artist?")
GOOD = pair("A slow piano piece with soft, ringing chords.", "Describe the audio.")


def test_reason_names_start_with_their_filter() -> None:
    assert all(reason.split("_", 1)[0] in FILTER_NAMES for reason in REASONS)
    assert all(REASONS.values())


def test_first_drop_versus_collect_all() -> None:
    items = [(BAD, clip()), (GOOD, clip())]
    first = [r for _, _, r in run_filters(items, make_filters(classifier=False))]
    every = [r for _, _, r in run_filters(items, make_filters(classifier=False), collect_all=True)]
    assert first == [("refusal_not_available",), ()]
    assert every == [("refusal_not_available", "leak_source_reference"), ()]


def test_counts() -> None:
    counts = FilterCounts()
    list(run_filters([(BAD, clip()), (GOOD, clip())], make_filters(classifier=False), collect_all=True, counts=counts))
    assert (counts.pairs, counts.kept, counts.dropped) == (2, 1, 1)
    assert counts.to_dict()["reasons"] == {"leak_source_reference": 1, "refusal_not_available": 1}
    assert counts.by_family() == {"leak": 1, "refusal": 1}
    assert "leak_source_reference" in counts.table()


def test_fresh_duplicate_memory_per_call() -> None:
    items = [(GOOD, clip())]
    assert [r for *_, r in run_filters(items, make_filters(classifier=False))] == [()]
    assert [r for *_, r in run_filters(items, make_filters(classifier=False))] == [()]


def test_unknown_names_are_input_errors() -> None:
    with pytest.raises(InputError, match="spelling"):
        make_filters(["spelling"])
    with pytest.raises(InputError, match="colour"):
        make_filters(colour=True)


def test_rules_on_the_labelled_batches_keep_good_pairs_and_catch_grounding() -> None:
    """The rules alone on data/filters/ (bench/filters_quality.py adds the cross-validated learned layer)."""
    from pathlib import Path

    from musicqa.filters import training

    rows = training.load_labelled(Path(__file__).resolve().parents[2] / "data" / "filters")
    fired = training.rule_predictions(rows)
    good = [f for r, f in zip(rows, fired, strict=True) if not r["label"]]
    grounding = [("grounding" in f) for r, f in zip(rows, fired, strict=True) if "grounding" in r["label"]]
    assert sum(not f for f in good) / len(good) >= 0.97
    assert sum(grounding) / len(grounding) >= 0.80
