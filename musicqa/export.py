"""A musicqa dataset folder -> the MU-LLaMA (seed) JSON format, so the seed's own trainer can read it.

The seed expects ``[{"audio_name": "x.wav", "conversation": [{"from": "human", ...}, {"from": "gpt", ...}]}]``
with one record per QA pair and a folder of WAV files. Audio is named by source id (the seed's own
release renamed clips to 000000.wav, which lost the link back to YouTube/MTT).

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

from musicqa.errors import InputError
from musicqa.store import write_atomic

log = logging.getLogger(__name__)

# which (config, splits) feed which of the seed's files: pretrain = MusicCaps, finetune = MTT train
MULLAMA_FILES = {
    "PretrainMusicQA.json": ("musiccaps", ("train", "test")),
    "FinetuneMusicQA.json": ("magnatagatune", ("train",)),
    "EvalMusicQA.json": ("magnatagatune", ("test",)),
}


def iter_rows(dataset_dir: Path, config: str, split: str):
    """Rows of one config/split read straight from Parquet (no audio decoding library needed)."""
    import pyarrow.parquet as pq

    for shard in sorted((dataset_dir / "data" / config).glob(f"{split}-*.parquet")):
        yield from pq.read_table(shard).to_pylist()


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
    for name, (config, splits) in MULLAMA_FILES.items():
        records = []
        for split in splits:
            for i, row in enumerate(tqdm(iter_rows(dataset_dir, config, split), desc=f"{name} {split}",
                                         unit="clip", disable=None)):
                wav = f"{row['source_id']}.wav"
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
                    records.append({"audio_name": wav, "conversation": [
                        {"from": "human", "value": qa["question"]}, {"from": "gpt", "value": qa["answer"]}]})
        if records:
            write_atomic(json_dir / name, json.dumps(records, ensure_ascii=False, indent=1))
        counts[name] = len(records)
    log.info("exported %s to %s", counts, out)
    return counts
