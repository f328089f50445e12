"""A musicqa dataset folder -> the MU-LLaMA (seed) JSON format, or the MuChoMusic benchmark's CSV + audio.

MuChoMusic (``export_muchomusic``, below): the ``mcq`` column's items as the benchmark's own CSV, so the
benchmark reader that scores MuChoMusic scores a user's own collection the same way.

MU-LLaMA (``export_mullama``): so the seed's own trainer can read a musicqa dataset.

The seed expects ``[{"audio_name": "x.wav", "conversation": [{"from": "human", ...}, {"from": "gpt", ...}]}]``
with one record per QA pair and a folder of WAV files. Audio is named by source id (the seed's own
release renamed clips to 000000.wav, which lost the link back to their origin), prefixed by the config when
two sources share an id. Which config feeds which
file is its source's ``Source.mullama``.

Layout: OUT is the reference repository's ``MusicQA/`` folder. Its trainer runs in ``MU-LLaMA/`` and
reads ``../MusicQA/MusicQA/<name>.json`` and ``../MusicQA/audios/<audio_name>``, so the JSON files go
to ``OUT/MusicQA/`` and the WAVs to ``OUT/audios/``; ``OUT/MusicQA/audios`` links to them for its
evaluation script, which reads ``../MusicQA/MusicQA/audios``. Put OUT at ``<MU-LLaMA repo>/MusicQA``.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from tqdm import tqdm

from musicqa import dataset_folder, mullama
from musicqa.atomic import write_atomic
from musicqa.errors import InputError

log = logging.getLogger(__name__)


def mullama_files(dataset_dir: Path) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Which (config, splits) feed which of the seed's files, from each config's source (``Source.mullama``)."""
    from musicqa.sources import find, names

    present = []
    for config in dataset_folder.configs(dataset_dir):
        name = dataset_folder.source_of(dataset_dir, config)
        source = find(name) if name else None
        if source is None:
            log.warning("%s: config %s comes from source %r, not installed here; not exported", dataset_dir,
                        config, name)
            continue
        present.append((config, source))
    order = names()
    files: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for config, source in sorted(present, key=lambda cs: (order.index(cs[1].name), cs[0])):
        for file, splits in source.mullama:
            files.setdefault(file, []).append((config, splits))
    return files


class WavNames:
    """clip_id -> its WAV's name: ``<source_id>.wav``, or ``<config>_<source_id>.wav`` if another clip has that.

    Ids are unique within a source, not across them (an MTT clip and a Song Describer track can both be 214), and
    every WAV shares one folder; without this the second clip would silently get the first one's audio.
    """

    def __init__(self) -> None:
        self.owner: dict[str, str] = {}

    def __call__(self, clip_id: str, config: str, source_id: str) -> str:
        for wav in (f"{source_id}.wav", f"{config}_{source_id}.wav"):
            if self.owner.setdefault(wav, clip_id) == clip_id:
                return wav
        raise InputError(f"clip {clip_id}: both {source_id}.wav and {config}_{source_id}.wav are taken by other clips")


JSON_DIR = "MusicQA"  # OUT/MusicQA/*.json, beside OUT/audios/ (the reference's ../MusicQA/audios)
AUDIO_DIR = "audios"


def export_mullama(dataset_dir: Path, out: Path, text_only: bool = False) -> dict[str, int]:
    """Write the seed's JSON files to ``OUT/MusicQA/`` and ``OUT/audios/<source_id>.wav``; returns records per file.

    A row without audio bytes is an error naming it (the reference's loader would fail on it),
    unless ``text_only``: then only the JSON is written.
    """
    import soundfile as sf

    if not (dataset_dir / "data").is_dir():
        raise InputError(f"{dataset_dir}: not a musicqa dataset folder (no data/ inside)")
    audio_dir = out / AUDIO_DIR
    json_dir = out / JSON_DIR
    json_dir.mkdir(parents=True, exist_ok=True)
    if not text_only:
        audio_dir.mkdir(parents=True, exist_ok=True)
        link = json_dir / AUDIO_DIR
        if not link.is_symlink() and not link.exists():
            link.symlink_to(Path("..") / AUDIO_DIR, target_is_directory=True)
    counts = {}
    names = WavNames()
    for name, parts in mullama_files(dataset_dir).items():
        records = []
        for config, split in ((c, s) for c, splits in parts for s in splits):
            for i, row in enumerate(tqdm(dataset_folder.iter_rows(dataset_dir, config, split),
                                         desc=f"{name} {split}", unit="clip", disable=None)):
                wav = names(row["clip_id"], config, row["source_id"])
                if not text_only and not (row["audio"] and row["audio"].get("bytes")):
                    raise InputError(f"{dataset_dir}: {config}/{split} row {i} ({row.get('clip_id')}): field "
                                     "'audio' has no bytes; the MU-LLaMA loader needs every WAV (export with "
                                     "--text-only for the JSON alone)")
                if not text_only:
                    target = audio_dir / wav
                    if not target.exists():
                        data, sr = sf.read(io.BytesIO(row["audio"]["bytes"]), dtype="int16")
                        buf = io.BytesIO()
                        sf.write(buf, data, sr, format="WAV", subtype="PCM_16")
                        write_atomic(target, buf.getvalue())
                for qa in row["qa"]:
                    records.append(mullama.record(wav, qa["question"], qa["answer"]))
        if records:
            write_atomic(json_dir / name, json.dumps(records, ensure_ascii=False, indent=1))
        counts[name] = len(records)
    log.info("exported %s to %s", counts, out)
    return counts


# MuChoMusic ---------------------------------------------------------------------------------------------

MUCHOMUSIC_CSV = "muchomusic.csv"
MUCHOMUSIC_AUDIO = "audio"
# The released muchomusic.csv's header, in its order (mulab-mir/muchomusic on Zenodo; the test fixture copies it).
# The annotation columns (correct .. distractor3, odd_question, num_annotations, distractors) hold the raters'
# answer shares; generated items have had no raters, so they are written empty and num_annotations is 0.
MUCHOMUSIC_HEADER = ("question_id", "correct", "distractor1", "distractor2", "distractor3", "odd_question",
                     "question", "dataset", "correct_answer", "distractor_1_answer", "distractor_2_answer",
                     "distractor_3_answer", "dataset_identifier", "num_annotations", "distractors", "genre",
                     "music_knowledge", "music_reasoning")
# distractor_N_answer holds the paper's Nth kind: its loader (muchomusic_eval/utils.py) drops a column by kind
# name for its distractor ablations, so an item's distractors go to the column of their kind, not their order.
DISTRACTOR_KINDS = ("incorrect_but_related", "correct_but_unrelated", "incorrect_and_unrelated")
_AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")  # what the benchmark reader indexes


def _kind(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def distractor_columns(distractors: list[str], kinds: list[str]) -> tuple[list[str], bool]:
    """(the three distractors in distractor_1..3 order, whether their kinds named each column exactly once).

    Items whose kinds are not the paper's three, once each, keep their own order (counted, and warned about,
    by the caller): the default evaluation uses all three columns, so only the ablations would be affected.
    """
    normal = [_kind(k) for k in kinds]
    if sorted(normal) != sorted(DISTRACTOR_KINDS):
        return list(distractors), False
    return [distractors[normal.index(k)] for k in DISTRACTOR_KINDS], True


def _mcq_item(item: object, where: str) -> tuple[str, str, list[str], list[str]]:
    """(question, correct answer, distractors, kinds) of one ``mcq`` struct; InputError naming the bad field."""
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a struct with question, correct_answer, distractors, distractor_kinds")
    for key in ("question", "correct_answer"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise InputError(f"{where}: field '{key}' = {item.get(key)!r}, expected non-empty text")
    for key in ("distractors", "distractor_kinds"):
        value = item.get(key)
        if not isinstance(value, list) or len(value) != 3 or not all(isinstance(v, str) and v.strip() for v in value):
            raise InputError(f"{where}: field '{key}' = {value!r}, expected three non-empty strings")
    return item["question"].strip(), item["correct_answer"].strip(), [d.strip() for d in item["distractors"]], \
        list(item["distractor_kinds"])


def _category_list(value: object) -> str:
    """A Python list literal, as the benchmark stores its category columns (``[]`` where unknown)."""
    return repr([str(v) for v in value]) if isinstance(value, (list, tuple)) else "[]"


def _write_clip_audio(audio: dict, target_stem: Path) -> Path:
    """The clip's embedded bytes as a file beside ``target_stem``: copied as they are when their path names an
    audio format the benchmark reader indexes (the bundle's FLAC: no re-encoding), else decoded to 16-bit WAV."""
    suffix = Path(audio.get("path") or "").suffix.lower()
    if suffix in _AUDIO_SUFFIXES:
        target = target_stem.with_name(target_stem.name + suffix)
        if not target.exists():
            write_atomic(target, audio["bytes"])
        return target
    import soundfile as sf

    target = target_stem.with_name(target_stem.name + ".wav")
    if not target.exists():
        data, sr = sf.read(io.BytesIO(audio["bytes"]), dtype="int16")
        buf = io.BytesIO()
        sf.write(buf, data, sr, format="WAV", subtype="PCM_16")
        write_atomic(target, buf.getvalue())
    return target


def export_muchomusic(dataset_dir: Path, out: Path, splits: tuple[str, ...] = (),
                      text_only: bool = False) -> dict[str, int]:
    """Write ``OUT/muchomusic.csv`` (the benchmark's header) and ``OUT/audio/<id>.<ext>`` from the ``mcq`` column.

    Every config (and split, or only ``splits``) is read; one CSV row per item, ``dataset`` = the clip's source
    and ``dataset_identifier`` = its audio file's stem, so ``python -m musicqa.evaluate --benchmark muchomusic
    --questions OUT/muchomusic.csv --audio-dir OUT/audio`` finds every clip by its first candidate stem.
    Returns counts: items, clips with items, and items whose distractor kinds did not name the three columns.
    """
    import csv

    shards = dataset_folder.shards(dataset_dir)  # InputError if this is no dataset folder
    without = [s.path for s in shards if "mcq" not in dataset_folder.columns_of(s.path)]
    if without:
        raise InputError(f"{without[0]}: no 'mcq' column; build the dataset with --prompts.tasks including mcq "
                         "to make multiple-choice items")
    wanted = [s for s in shards if not splits or s.split in splits]
    if not wanted:
        raise InputError(f"--splits {' '.join(splits)}: {dataset_dir} has only {sorted({s.split for s in shards})}")
    audio_dir = out / MUCHOMUSIC_AUDIO
    rows_out: list[list[str]] = []
    names = WavNames()
    clips = unmapped = 0
    columns = ["clip_id", "source", "source_id", "mcq"] + ([] if text_only else ["audio"])
    for shard in tqdm(wanted, desc="muchomusic", unit="shard", disable=None):
        for i, row in enumerate(dataset_folder.read_rows(shard.path, columns)):
            if not row["mcq"]:
                continue
            stem = Path(names(row["clip_id"], shard.config, row["source_id"])).stem
            if not text_only:
                if not (row["audio"] and row["audio"].get("bytes")):
                    raise InputError(f"{shard.path}: row {i} ({row['clip_id']}): field 'audio' has no bytes; the "
                                     "benchmark needs every clip (export with --text-only for the CSV alone)")
                _write_clip_audio(row["audio"], audio_dir / stem)
            clips += 1
            for j, item in enumerate(row["mcq"]):
                question, correct, distractors, kinds = _mcq_item(item, f"{shard.path}: row {i} field 'mcq'[{j}]")
                ordered, mapped = distractor_columns(distractors, kinds)
                unmapped += not mapped
                rows_out.append([str(len(rows_out)), "", "", "", "", "", question, str(row["source"]), correct,
                                 *ordered, stem, "0", "", str(item.get("genre") or ""),
                                 _category_list(item.get("music_knowledge")),
                                 _category_list(item.get("music_reasoning"))])
    if not rows_out:
        raise InputError(f"{dataset_dir}: the 'mcq' column holds no items in {', '.join(splits) or 'any split'}")
    if unmapped:
        log.warning("%d of %d items do not label their distractors %s once each: their distractors keep the "
                    "item's order in distractor_1..3_answer", unmapped, len(rows_out), "/".join(DISTRACTOR_KINDS))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MUCHOMUSIC_HEADER)
    writer.writerows(rows_out)
    write_atomic(out / MUCHOMUSIC_CSV, buf.getvalue())
    counts = {"items": len(rows_out), "clips": clips, "kinds_unmapped": unmapped}
    log.info("exported %s to %s", counts, out / MUCHOMUSIC_CSV)
    return counts
