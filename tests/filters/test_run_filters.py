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
    first = [r for _, _, r in run_filters(items, make_filters())]
    every = [r for _, _, r in run_filters(items, make_filters(), collect_all=True)]
    assert first == [("refusal_not_available",), ()]
    assert every == [("refusal_not_available", "leak_source_reference"), ()]


def test_counts() -> None:
    counts = FilterCounts()
    list(run_filters([(BAD, clip()), (GOOD, clip())], make_filters(), collect_all=True, counts=counts))
    assert (counts.pairs, counts.kept, counts.dropped) == (2, 1, 1)
    assert counts.to_dict()["reasons"] == {"leak_source_reference": 1, "refusal_not_available": 1}
    assert counts.by_family() == {"leak": 1, "refusal": 1}
    assert "leak_source_reference" in counts.table()


def test_fresh_duplicate_memory_per_call() -> None:
    items = [(GOOD, clip())]
    assert [r for *_, r in run_filters(items, make_filters())] == [()]
    assert [r for *_, r in run_filters(items, make_filters())] == [()]


def test_unknown_names_are_input_errors() -> None:
    with pytest.raises(InputError, match="spelling"):
        make_filters(["spelling"])
    with pytest.raises(InputError, match="colour"):
        make_filters(colour=True)


def test_labelled_set_meets_the_targets() -> None:
    """The hand-labelled fixture (bench/filters_quality.py prints the full table)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import filters_quality

    result = filters_quality.evaluate(filters_quality.load(filters_quality.DEFAULT_SET))
    for family, target in filters_quality.TARGETS.items():
        value = result[family]["rate"] if family == "good_kept" else result[family]["recall"]
        assert value >= target, f"{family}: {value:.2f} < {target}"
