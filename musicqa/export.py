"""A musicqa dataset folder -> the MU-LLaMA (seed) JSON format, so the seed's own trainer can read it.

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
