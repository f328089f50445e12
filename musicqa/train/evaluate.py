"""``python -m musicqa.evaluate --predictions P --references R``: BLEU-1..4, METEOR, ROUGE-L, BERTScore; or MuChoMusic.

Metrics come from the libraries everyone reports with: nltk (BLEU, METEOR), rouge-score (ROUGE-L)
and bert-score (BERTScore). Default definitions:

- BLEU-n: corpus BLEU over lower-cased word tokens (nltk ``wordpunct_tokenize``), cumulative
  uniform weights up to n; ``bleu_u`` is our summary, the mean of BLEU-1..4 (not the paper's B-U,
  see ``--compat mullama``).
- METEOR: nltk's ``meteor_score`` per pair (WordNet synonyms), averaged.
- ROUGE-L: F-measure (rouge-score, Porter stemmer), averaged.
- BERTScore: F1, averaged; the model is configurable (``roberta-large`` layer 17 by default, the
  library's choice for English).

``--compat mullama`` reproduces the reference's evaluation script, so figures compare with the
paper's table (MU-LLaMA .306 / .385 / .466 / .901): its B-U is nltk ``sentence_bleu([ref], cand)``
with default weights (the geometric mean of 1- to 4-gram precisions, i.e. BLEU-4) on raw strings,
so its n-grams are characters, averaged over pairs (``sentence_bleu_char``); its B4 uses the
4-gram precision alone (``sentence_bleu_char_4gram``); METEOR on ``wordpunct_tokenize`` tokens,
ROUGE-L *recall* and BERTScore *recall*. An empty prediction scores 0 on every metric (bert-score
itself sets empty candidates to 0; transformers 5 tokenizers make it crash first, so we do it).

``--benchmark muchomusic`` scores a checkpoint on the MuChoMusic multiple-choice questions
instead (musicqa/train/muchomusic.py), or on a musicqa build's own (``musicqa export --format muchomusic``);
``--audio-controls noise silence no-audio`` scores them again without the real music (musicqa/train/controls.py).

METEOR needs WordNet. nltk's downloader fetches it from GitHub, which this project cannot rely on;
Debian's ``wordnet-base`` package ships the same WordNet 3.0 database (minus the ``lexnames`` index,
which is written from the table below). Without either, METEOR is reported as null with a warning.

Inputs are JSON lines ``{"audio" | "id", "question", "answer"}`` (what ``musicqa.infer`` writes), or
MU-LLaMA's JSON (``[{"audio_name", "conversation": [{"from": "human", ...}, {"from": "gpt", ...}]}]``).
Pairs are matched on (audio file stem, question).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import shutil
import sys
import warnings
from pathlib import Path

from musicqa import mullama
from musicqa.atomic import atomic_folder, write_atomic
from musicqa.config import field
from musicqa.errors import InputError

log = logging.getLogger(__name__)

COMPATS = ("none", "mullama")
BENCHMARKS = ("none", "muchomusic")
DEBIAN_WORDNET = Path("/usr/share/wordnet")
# WordNet 3.0 lexicographer files, lexnames(5WN): index, name, syntactic category (1 n, 2 v, 3 adj, 4 adv).
LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
            "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
            "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
            "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
            "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
            "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
            "adj.ppl").split()
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}


@dataclasses.dataclass
class EvalConfig:
    """``python -m musicqa.evaluate``: score predicted answers against references."""

    predictions: Path | None = field(None, help="predictions: JSON lines from musicqa.infer, or MU-LLaMA JSON")
    references: Path | None = field(None, help="references: JSON lines or MU-LLaMA JSON (e.g. EvalMusicQA.json)")
    compat: str = field("none", help="none: our definitions; mullama: the seed's (character BLEU, recalls)")
    bertscore_model: str | None = field("roberta-large", help="BERTScore model id or local folder; none to skip")
    bertscore_layers: int | None = field(None, help="BERTScore layer (default: bert-score's choice for the model)")
    bertscore_batch_size: int = field(32, help="BERTScore batch size")
    wordnet: Path | None = field(None, help="WordNet 3.0 dict folder (default: nltk_data, else Debian's "
                                            "/usr/share/wordnet)")
    out: Path | None = field(None, help="also write the metrics here as JSON (MuChoMusic: required)")
    device: str = field("cpu", help="device for BERTScore and the benchmark's model: cpu, cuda, cuda:N")
    benchmark: str = field("none", help="none: score --predictions against --references; muchomusic: run "
                                        "--checkpoint on the MuChoMusic questions")
    questions: Path | None = field(None, help="MuChoMusic: the benchmark CSV (muchomusic.csv)")
    audio_dir: Path | None = field(None, help="MuChoMusic: folder searched recursively for the clips (Song "
                                              "Describer <track_id>[.2min].*, MusicCaps <ytid>_<start>.*, <ytid>.* "
                                              "or [<ytid>]-[<start>-<end>].*)")
    checkpoint: Path | None = field(None, help="MuChoMusic: checkpoint folder (musicqa.train or musicqa.train.convert)")
    llm: str | None = field(None, help="MuChoMusic: load LLaMA from here instead of the checkpoint's")
    encoder: str | None = field(None, help="MuChoMusic: load MERT from here instead of the checkpoint's")
    seed: int = field(0, help="MuChoMusic: seed of the per-question option shuffle")
    in_context: bool = field(True, help="MuChoMusic: prepend the benchmark's one in-context example (its default)")
    max_new_tokens: int = field(32, help="MuChoMusic: longest generated answer (greedy) for the letter")
    limit: int | None = field(None, help="MuChoMusic: only the first N questions")
    preset: str = field("musicqa", help="mullama: the paper's kNN cache settings (size 100, temperature 20, "
                                        "weight 0.2) for --knn-index")
    knn_index: Path | None = field(None, help="MuChoMusic: kNN cache index (faiss file or .npy); off if not given")
    knn_size: int = field(100, help="kNN cache: neighbours mixed in")
    knn_temperature: float = field(20.0, help="kNN cache: softmax temperature on the similarities")
    knn_weight: float = field(0.2, help="kNN cache: weight of the neighbours' mix (0 = off)")
    audio_controls: list[str] = field(help="MuChoMusic: score the same questions again with each clip replaced: "
                                           "noise (white, the clip's RMS, seeded by --seed), silence (same "
                                           "length), no-audio (the model without its music input); each "
                                           "control's accuracy and audio dependence (real minus control) go "
                                           "into --out and the table", factory=list)

    def __post_init__(self) -> None:
        from musicqa.train.controls import check

        self.audio_controls = list(check(self.audio_controls))
        if self.audio_controls and self.benchmark != "muchomusic":
            raise ValueError("--audio-controls needs --benchmark muchomusic; for --predictions, make the control "
                             "predictions with python -m musicqa.infer --audio-control NAME and score them as these")
        if self.compat not in COMPATS:
            raise ValueError(f"--compat must be one of {', '.join(COMPATS)}, got {self.compat!r}")
        if self.preset not in ("musicqa", "mullama"):
            raise ValueError(f"--preset must be musicqa or mullama, got {self.preset!r}")
        if self.benchmark not in BENCHMARKS:
            raise ValueError(f"--benchmark must be one of {', '.join(BENCHMARKS)}, got {self.benchmark!r}")
        if self.max_new_tokens < 1 or (self.limit is not None and self.limit < 1):
            raise ValueError("--max-new-tokens and --limit must be >= 1")
        from musicqa.train.infer import check_knn

        check_knn(self)


# Reading and pairing --------------------------------------------------------------------------------

def read_pairs(path: Path) -> dict[tuple[str, str], str]:
    """{(audio stem, question): answer} from JSON lines or MU-LLaMA JSON; the first answer of a key wins."""
    text = _read_text(path)
    out: dict[tuple[str, str], str] = {}
    stripped = text.lstrip()
    if stripped.startswith("["):
        for audio_name, question, answer in mullama.read(path):
            out.setdefault((Path(audio_name).stem, question.strip()), answer)
        return out
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            audio = row.get("audio") or row.get("id") or row.get("audio_name")
            answer = row.get("answer", row.get("prediction", row.get("reference")))
            out.setdefault((Path(str(audio)).stem, row["question"].strip()), answer)
        except (json.JSONDecodeError, KeyError, AttributeError) as err:
            raise InputError(f"{path}:{n}: expected a JSON object with audio (or id), question, answer") from err
        if audio is None or not isinstance(answer, str):
            raise InputError(f"{path}:{n}: field 'audio'/'answer' missing or not text")
    return out


def _read_text(path: Path) -> str:
    """The file's text, or a one-line InputError for a missing, unreadable, non-UTF-8 or empty file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InputError(f"{path}: file not found") from err
    except IsADirectoryError as err:
        raise InputError(f"{path}: is a folder, expected a JSON or JSON-lines file") from err
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason})") from err
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from err
    if not text.strip():
        raise InputError(f"{path}: file is empty")
    return text


def pair_up(predictions: dict, references: dict, where: str) -> tuple[list[str], list[str]]:
    """Candidates and references in the same order, for the keys both files have."""
    keys = [k for k in predictions if k in references]
    if not keys:
        raise InputError(f"{where}: no prediction matches a reference on (audio stem, question)")
    unmatched = len(predictions) - len(keys)
    if unmatched:
        log.warning("%d of %d predictions have no reference and are not scored", unmatched, len(predictions))
    unanswered = [k for k in references if k not in predictions]
    if unanswered:
        shown = "; ".join(f"{a} / {q!r}" for a, q in unanswered[:3])
        log.warning("%d of %d references have no prediction and are not scored, e.g. %s", len(unanswered),
                    len(references), shown)
    return [predictions[k] for k in keys], [references[k] for k in keys]


# WordNet for METEOR ------------------------------------------------------------------------------------

def wordnet(folder: Path | None = None):
    """A WordNet 3.0 reader for METEOR: nltk_data's if present, else Debian's wordnet-base; None if neither."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class WordNet30(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet"):  # the data is WordNet 3.0 itself: no sense remapping
            return None

    if folder is None:
        try:
            nltk.data.find("corpora/wordnet")
            from nltk.corpus import wordnet as wn

            return wn
        except LookupError:
            folder = DEBIAN_WORDNET if (DEBIAN_WORDNET / "data.noun").exists() else None
    if folder is None:
        return None
    folder = _with_lexnames(Path(folder))
    if str(folder) not in nltk.data.path:
        nltk.data.path.append(str(folder))  # nltk only reads corpora under its data path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available": we need English only
        return WordNet30(str(folder), None)


def _with_lexnames(folder: Path) -> Path:
    """``folder`` if it has ``lexnames``, else a cached copy of it that does (Debian omits that index file)."""
    if (folder / "lexnames").exists():
        return folder
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "musicqa" / "wordnet-3.0"
    if not (cache / "lexnames").exists():
        with atomic_folder(cache) as tmp:
            for p in folder.iterdir():  # copies, not symlinks: nltk refuses paths that resolve outside its root
                if p.is_file():
                    shutil.copyfile(p, tmp / p.name)
            (tmp / "lexnames").write_text("".join(f"{i:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n"
                                                  for i, name in enumerate(LEXNAMES)))
    return cache


# Metrics ----------------------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    from nltk.tokenize import wordpunct_tokenize

    return wordpunct_tokenize(text.lower())


def bleu(cands: list[str], refs: list[str]) -> dict[str, float]:
    """Corpus BLEU-1..4 over lower-cased word tokens (no smoothing) and their mean, B-U."""
    from nltk.translate.bleu_score import corpus_bleu

    hyp = [_words(c) for c in cands]
    ref = [[_words(r)] for r in refs]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns when a higher-order n-gram has no match; the score is 0 then
        for n in range(1, 5):
            out[f"bleu_{n}"] = float(corpus_bleu(ref, hyp, weights=tuple([1.0 / n] * n)))
    out["bleu_u"] = sum(out[f"bleu_{n}"] for n in range(1, 5)) / 4
    return out


def meteor(cands: list[str], refs: list[str], wn) -> float | None:
    from nltk.translate.meteor_score import meteor_score

    if wn is None:
        return None
    from nltk.tokenize import wordpunct_tokenize

    return sum(meteor_score([wordpunct_tokenize(r)], wordpunct_tokenize(c), wordnet=wn)
               for c, r in zip(cands, refs)) / len(cands)


def rouge_l(cands: list[str], refs: list[str], which: str = "fmeasure") -> float:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return sum(getattr(scorer.score(r, c)["rougeL"], which) for c, r in zip(cands, refs)) / len(cands)


def bertscore(cands: list[str], refs: list[str], model: str, layers: int | None, batch_size: int,
              device: str) -> dict[str, float]:
    """Mean BERTScore precision/recall/F1 (no idf, no baseline rescaling: bert-score's defaults).

    An empty candidate scores 0, as bert-score intends; it is kept away from the library, whose
    empty-string path calls a tokenizer method transformers 5 removed.
    """
    import bert_score

    kwargs = {"model_type": model, "batch_size": batch_size, "device": device, "verbose": False}
    if layers is not None:
        kwargs["num_layers"] = layers
    elif Path(model).is_dir():
        raise InputError(f"--bertscore-model {model} is a folder: give --bertscore-layers too")
    scored = [i for i, c in enumerate(cands) if c.strip()]
    totals = {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    if scored:
        p, r, f = bert_score.score([cands[i] for i in scored], [refs[i] for i in scored], **kwargs)
        totals = {"precision": p.sum().item(), "recall": r.sum().item(), "f1": f.sum().item()}
    return {k: v / len(cands) for k, v in totals.items()}


def char_bleu(cands: list[str], refs: list[str], weights: tuple[float, ...]) -> float:
    """The seed's BLEU: nltk sentence_bleu([ref], cand) on raw strings, i.e. over characters; mean of pairs."""
    from nltk.translate.bleu_score import sentence_bleu

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sum(float(sentence_bleu([r], c, weights=weights)) for c, r in zip(cands, refs)) / len(cands)


def score(cands: list[str], refs: list[str], cfg: EvalConfig) -> dict:
    """All metrics for aligned candidate/reference lists, under ``cfg.compat``'s definitions."""
    wn = wordnet(cfg.wordnet)
    if wn is None:
        log.warning("METEOR skipped: no WordNet (apt-get install wordnet-base, or give --wordnet DIR)")
    result: dict = {"n": len(cands), "compat": cfg.compat}
    if cfg.compat == "mullama":  # the paper's B-U and B4, named for what the reference computes
        result["sentence_bleu_char"] = char_bleu(cands, refs, (0.25, 0.25, 0.25, 0.25))
        result["sentence_bleu_char_4gram"] = char_bleu(cands, refs, (0.0, 0.0, 0.0, 1.0))
        result["meteor"] = meteor(cands, refs, wn)
        result["rouge_l_recall"] = rouge_l(cands, refs, "recall")
    else:
        result.update(bleu(cands, refs))
        result["meteor"] = meteor(cands, refs, wn)
        result["rouge_l"] = rouge_l(cands, refs, "fmeasure")
    if cfg.bertscore_model and cfg.bertscore_model.lower() != "none":
        bs = bertscore(cands, refs, cfg.bertscore_model, cfg.bertscore_layers, cfg.bertscore_batch_size, cfg.device)
        result["bertscore_recall" if cfg.compat == "mullama" else "bertscore_f1"] = \
            bs["recall" if cfg.compat == "mullama" else "f1"]
        result["bertscore_model"] = cfg.bertscore_model
    return result


def run(cfg: EvalConfig) -> int:
    if cfg.benchmark == "muchomusic":
        from musicqa.train import muchomusic

        result = muchomusic.run_benchmark(cfg)
        print(muchomusic.table(result))
        log.info("evaluate: MuChoMusic results in %s", cfg.out)
        return 0
    if cfg.predictions is None or cfg.references is None:
        raise InputError("--predictions and --references are required")
    cands, refs = pair_up(read_pairs(cfg.predictions), read_pairs(cfg.references), str(cfg.predictions))
    result = score(cands, refs, cfg)
    for key, value in result.items():
        shown = f"{value:.4f}" if isinstance(value, float) and not math.isnan(value) else str(value)
        print(f"{key:18s} {shown}")
    if cfg.out:
        write_atomic(cfg.out, json.dumps(result, indent=2) + "\n")  # as muchomusic writes its results
    log.info("evaluate: %d pairs scored (compat %s)", len(cands), cfg.compat)
    return 0


def main(argv: list[str] | None = None) -> int:
    from musicqa.config import config_command
    from musicqa.train.presets import eval_values

    return config_command("evaluate", __doc__, EvalConfig, run, argv, preset=eval_values)


if __name__ == "__main__":
    sys.exit(main())
