"""``BuildConfig``: every option of ``python -m musicqa build``, loadable from TOML, each one a flag."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from musicqa.config import field
from musicqa.download.config import MusicCapsDownloadConfig
from musicqa.engines.base import EngineConfig
from musicqa.filters.config import FiltersConfig
from musicqa.prompts import OPEN_ASPECTS, PAPER_QUESTIONS, TASKS
from musicqa.records import Sampling

SOURCE_NAMES = ("musiccaps", "magnatagatune")


@dataclass
class MusicCapsConfig:
    """Where the MusicCaps metadata and audio are."""

    csv: Path | None = field(None, help="musiccaps-public.csv (ytid, start_s, end_s, caption, aspect_list, ...)")
    audio_dir: Path | None = field(None, help="folder of clips named {ytid}.{flac,wav,mp3,...} or [ytid]-[s-e].wav")
    limit: int | None = field(None, help="use only the first N rows (smoke runs)")


@dataclass
class MttConfig:
    """Where the MagnaTagATune annotations and mp3s are."""

    annotations: Path | None = field(None, help="annotations_final.csv (tab-separated, quoted)")
    clip_info: Path | None = field(None, help="optional clip_info_final.csv (adds title/artist)")
    audio_dir: Path | None = field(None, help="MTT audio root holding the 0-9,a-f folders of mp3_path")
    min_tags: int = field(5, help="keep clips with at least this many tags (the paper used 5)")
    limit: int | None = field(None, help="use only the first N rows (smoke runs)")


@dataclass
class AudioConfig:
    """How clips are normalised before bundling."""

    sample_rate: int = field(24000, help="output sample rate in Hz (24000 is MERT's)")
    text_only: bool = field(False, help="keep clips whose audio is missing or undecodable, with no audio")
    min_duration_s: float = field(1.0, help="clips shorter than this are skipped as too short")


@dataclass
class PromptsConfig:
    """Which templates are rendered, and with what."""

    system_template: str = field("system.jinja", help="system message template inside --prompts-dir")
    chat_template: str = field("chat/chatml.jinja", help="chat format template (MPT-7B-chat's ChatML)")
    tasks: list[str] = field(help="tasks to generate: fixed (the paper's 4 questions), open (new pairs)",
                             factory=lambda: list(TASKS))
    questions: list[str] = field(help="the fixed task's questions", factory=lambda: list(PAPER_QUESTIONS))
    open_pairs: int = field(5, help="question-answer pairs asked for per clip in the open task")
    aspects: list[str] = field(help="aspects the open pairs cover, one pair each", factory=lambda: list(OPEN_ASPECTS))
    max_answer_chars: int = field(1200, help="longest question/answer string the JSON schema allows")
    max_context_chars: int = field(2000, help="skip clips whose caption/tags are longer (a guard on bad rows)")

    def __post_init__(self) -> None:
        bad = [t for t in self.tasks if t not in TASKS]
        if bad or not self.tasks:
            raise ValueError(f"--prompts.tasks: {bad or 'none'} invalid, expected some of {', '.join(TASKS)}")
        if not 1 <= self.open_pairs <= len(self.aspects):
            raise ValueError(f"--prompts.open-pairs must be between 1 and the number of aspects ({len(self.aspects)})")


@dataclass
class SamplingConfig:
    """Sampling of one task (defaults as the paper: temperature 0.5 fixed, 0.4 open, top_k 4)."""

    temperature: float = field(0.5, help="sampling temperature")
    top_k: int = field(4, help="top-k sampling (0 = off)")
    top_p: float = field(1.0, help="nucleus sampling")
    max_tokens: int = field(768, help="maximum reply length in tokens")

    def to_sampling(self, seed: int) -> Sampling:
        return Sampling(self.temperature, self.top_k, self.top_p, self.max_tokens, seed)


@dataclass
class BuildConfig:
    """``python -m musicqa build``: sources -> prompts -> engine -> parse -> filters -> store -> bundle."""

    out: Path = field(Path("musicqa-dataset"), help="output dataset folder (resumable; locked while building)")
    prompts_dir: Path = field(Path("prompts"), help="folder of <source>_<task>.jinja templates (bring your own)")
    sources: list[str] = field(help="sources to build: musiccaps, magnatagatune", factory=lambda: list(SOURCE_NAMES))
    musiccaps: MusicCapsConfig = field(help="", factory=MusicCapsConfig)
    magnatagatune: MttConfig = field(help="", factory=MttConfig)
    audio: AudioConfig = field(help="", factory=AudioConfig)
    prompts: PromptsConfig = field(help="", factory=PromptsConfig)
    engine: EngineConfig = field(help="", factory=EngineConfig)
    fixed: SamplingConfig = field(help="", factory=lambda: SamplingConfig(temperature=0.5, max_tokens=768))
    open: SamplingConfig = field(help="", factory=lambda: SamplingConfig(temperature=0.4, max_tokens=1024))
    filters: FiltersConfig = field(help="", factory=FiltersConfig)
    clips_per_shard: int = field(500, help="clips per Parquet shard (~150 MB of 24 kHz FLAC)")
    download: bool = field(False, help="download missing MusicCaps audio with yt-dlp into --musiccaps.audio-dir first")
    fetch: MusicCapsDownloadConfig = field(help="", factory=MusicCapsDownloadConfig)
    report: bool = field(True, help="write OUT/report/index.html at the end")
    push_to_hub: str | None = field(None, help="after building, upload the folder to this hub dataset repo")

    def __post_init__(self) -> None:
        bad = [s for s in self.sources if s not in SOURCE_NAMES]
        if bad or not self.sources:
            raise ValueError(f"--sources: {bad or 'none'} invalid, expected some of {', '.join(SOURCE_NAMES)}")
        if "musiccaps" in self.sources and self.musiccaps.csv is None:
            raise ValueError("--musiccaps.csv is required when building the musiccaps source")
        if "magnatagatune" in self.sources and self.magnatagatune.annotations is None:
            raise ValueError("--magnatagatune.annotations is required when building the magnatagatune source")
        if self.clips_per_shard < 1:
            raise ValueError("--clips-per-shard must be >= 1")
