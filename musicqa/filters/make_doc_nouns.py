"""Regenerate :mod:`musicqa.filters.doc_nouns` from WordNet 3.0: every noun for a written document.

    python -m musicqa.filters.make_doc_nouns [--wordnet /usr/share/wordnet]

A new writer names the source with a noun no list had ("the placard", "the accession record", "the
one-sheet", "the station's log"). WordNet files such nouns under a few synsets (a document, a list, a
written record, a note, a description, a publication), so their hyponyms cover the words a list would
trail. The result is shipped as a Python module, so the filters need neither WordNet nor nltk at run
time; this script (and tests/filters/test_doc_nouns.py, where WordNet is installed) rebuilds it exactly.
Reads the plain WordNet database files (Debian's ``wordnet-base`` puts them in /usr/share/wordnet).
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

DEFAULT_WORDNET = Path("/usr/share/wordnet")
OUTPUT = Path(__file__).with_name("doc_nouns.py")

# (lemma, sense number) of the roots: a written document, a letter-like note, a list, a written record,
# a brief note, a verbal description, a publication.
ROOTS = (("document", 1), ("document", 2), ("list", 1), ("record", 1), ("note", 1), ("description", 1),
         ("publication", 1))
# Hyponyms that also name something a listener hears or a clip is (a vinyl record, a musical note, the
# key, a measure, the instrument, a release, a version), or are too common in other senses to say
# "someone wrote this down" (an act, a call, an order, a story).
EXCLUDE = frozenset("""
record records note notes key keys measure measures instrument instruments release releases version versions
rendering recital act acts call calls order orders process execution option put return resolve resolution
check draft grant pass permit platform program programme kite floater stack queue roll slate lineup menu
flag ticket posting minute minutes story life history entry profile stub crib pony trot copy form bill
account estimate estimation opinion judgment judgement reckoning measure policy obligation debt bond
instruction instructions issue number series collection compilation reader source authority
organ read capital extra impression printing proof garland slick pop-up glossy pulp number folder
introduction primer volume reference text line lines enclosure attachment papers score study studies
well wells stay stays peace will wills share shares stock stocks standing transfer transfers security pickup
pickups picture pictures portrait portraits portraiture depiction depictions portrayal portrayals word-painting
armenian cyrillic alphabet alphabets fountainhead wellspring twofer derivative convertible devise straddle
pragmatic utopia erewhon treasury law laws excuse excuses invite invites insurance mandate tally tab tabs
""".split())


def _read(wordnet: Path) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """Synset words, hyponym pointers, and the noun index (lemma -> synset offsets, by sense)."""
    words: dict[str, list[str]] = {}
    hyponyms: dict[str, list[str]] = defaultdict(list)
    for line in (wordnet / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue  # the licence header
        fields = line.split(" ")
        count = int(fields[3], 16)
        words[fields[0]] = [fields[4 + 2 * i].lower() for i in range(count)]
        i = 4 + 2 * count
        for _ in range(int(fields[i])):
            symbol, offset, pos = fields[i + 1:i + 4]
            if symbol in ("~", "~i") and pos == "n":
                hyponyms[fields[0]].append(offset)
            i += 4
    index: dict[str, list[str]] = {}
    for line in (wordnet / "index.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue
        fields = line.split()
        pointers = int(fields[3])
        index[fields[0]] = fields[4 + pointers + 2:]
    return words, hyponyms, index


def doc_nouns(wordnet: Path = DEFAULT_WORDNET) -> list[str]:
    """Single-word hyponyms of :data:`ROOTS`, with a plural, less :data:`EXCLUDE`, sorted."""
    words, hyponyms, index = _read(wordnet)
    seen: set[str] = set()
    stack = [index[lemma][sense - 1] for lemma, sense in ROOTS]
    while stack:
        offset = stack.pop()
        if offset not in seen:
            seen.add(offset)
            stack += hyponyms[offset]
    nouns = {w for offset in seen for w in words[offset] if w.replace("-", "").isalpha()}
    nouns |= {_plural(w) for w in nouns if not w.endswith("s") or w.endswith("ss")}
    return sorted(nouns - EXCLUDE)


def _plural(noun: str) -> str:
    """The regular English plural ("dictionary" -> "dictionaries", "index" -> "indexes", "gloss" -> "glosses"):
    a reply cites "the entries", never "the entrys"."""
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def render(nouns: list[str]) -> str:
    """The module's source text."""
    lines, line = [], "   "
    for noun in nouns:
        item = f' "{noun}",'
        if len(line) + len(item) > 118:
            lines.append(line)
            line = "   "
        line += item
    lines.append(line)
    body = "\n".join(lines)
    return (f'"""Nouns for a written document, from WordNet 3.0 ({len(nouns)} words). Generated by\n'
            f"``python -m musicqa.filters.make_doc_nouns``: edit that script's roots and exclusions, not this "
            f'file."""\n\nDOC_NOUNS = frozenset({{\n{body}\n}})\n')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=DEFAULT_WORDNET, help="folder of WordNet 3.0's "
                        "data.noun and index.noun (Debian's wordnet-base: /usr/share/wordnet)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the module to write")
    args = parser.parse_args()
    args.output.write_text(render(doc_nouns(args.wordnet)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
