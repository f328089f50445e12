"""``python -m musicqa report OUT``: a static HTML page that shows what a build made.

People judge a dataset by looking at it, so the report puts the counts, drop reasons and
distributions next to a sample of clips one can listen to with their QA pairs. Everything is
written under ``OUT/report/`` (page, plots, audio) with relative links only, so the folder can be
zipped, served or opened from disk with no network. This module stays import-light (the CLI imports
ReportConfig for ``--help``); pyarrow, matplotlib and jinja2 load inside ``write_report``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from musicqa.atomic import atomic_folder
from musicqa.config import field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportConfig:
    """Options of ``python -m musicqa report``."""

    sample_size: int = field(48, help="clips in the browsable sample; their FLAC files (~250 kB per 10 s clip) "
                                      "are copied beside the page")
    seed: int = field(0, help="seed for choosing the sample; the same seed and folder give the same clips")
    top_tags: int = field(20, help="most frequent tags shown per source in the tag-coverage plot")
    rejected_examples: int = field(3, help="example dropped pairs shown per drop reason")
    dpi: int = field(100, help="resolution of the PNG plots")

    def __post_init__(self) -> None:
        for flag, value, low in (("--sample-size", self.sample_size, 0), ("--top-tags", self.top_tags, 1),
                                 ("--rejected-examples", self.rejected_examples, 0), ("--dpi", self.dpi, 20)):
            if value < low:
                raise ValueError(f"{flag} = {value}, expected an integer >= {low}")


def write_report(out_dir: Path, config: ReportConfig | None = None) -> Path:
    """Write ``out_dir/report/`` for the dataset folder ``out_dir`` and return the path of its index.html.

    The page is built in a temporary sibling folder and swapped in at the end, so a failed run
    leaves the previous report intact and a rerun leaves no stale audio or plots behind.
    """
    from musicqa.report.load import load, read_audio
    from musicqa.report.page import audio_name, choose_sample, render
    from musicqa.report.plots import draw_all

    config = config or ReportConfig()
    out_dir = Path(out_dir)
    folder = load(out_dir)
    target = out_dir / "report"
    with atomic_folder(target) as work:  # the old report stays until the new one is complete
        plots = draw_all(folder, work / "plots", top_tags=config.top_tags, dpi=config.dpi)
        sample = choose_sample(folder.clips, config.sample_size, config.seed)
        audio = read_audio(sample)
        (work / "audio").mkdir()
        files: dict[str, str] = {}
        for i, clip in enumerate(sample):
            if clip.clip_id in audio:
                name = audio_name(i, clip, audio[clip.clip_id])
                (work / "audio" / name).write_bytes(audio[clip.clip_id])
                files[clip.clip_id] = f"audio/{name}"
        (work / "index.html").write_text(render(folder, plots, sample, files, config), encoding="utf-8")
    index = target / "index.html"
    log.info("report: %d clips, %d pairs, %d dropped; %d sampled clips with audio; wrote %s",
             len(folder.clips), sum(len(c.pairs) for c in folder.clips), len(folder.rejected), len(files), index)
    return index


__all__ = ["ReportConfig", "write_report"]
