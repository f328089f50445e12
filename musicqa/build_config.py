"""``BuildConfig``: every option of ``python -m musicqa build``, loadable from TOML, each one a flag.

The fields every build has are written out below (``BuildOptions``). Each registered source adds one more: a
``[name]`` table of its own ``Config`` dataclass (``--name.*`` flags), placed after ``sources``. So
``BuildConfig`` is generated from the registry (``config_class()``); ``from musicqa.build_config import
BuildConfig`` gives the class for the sources registered at that moment.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musicqa.analysis import AnalysisConfig
from musicqa.config import field
from musicqa.engines.base import EngineConfig
from musicqa.filters.config import FiltersConfig
from musicqa.filters.mcq import CHECK_NAMES as MCQ_CHECKS
from musicqa.prompts import DEFAULT_TASKS, OPEN_ASPECTS, PAPER_QUESTIONS, TASKS
from musicqa.records import Sampling


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
    tasks: list[str] = field(help="tasks to generate: fixed (the paper's 4 questions), open (new pairs), mcq "
                                  "(MuChoMusic-style multiple-choice items, options --mcq.*); --tasks for short",
                             factory=lambda: list(DEFAULT_TASKS))
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

    def check(self, flag: str) -> None:
        """Raise ValueError naming ``--<flag>.<field>`` for a value the engine would reject after its start-up."""
        if not (math.isfinite(self.temperature) and self.temperature >= 0):  # NaN fails every comparison
            raise ValueError(f"--{flag}.temperature: {self.temperature} invalid, expected a number >= 0")
        if self.top_k < 0:
            raise ValueError(f"--{flag}.top-k: {self.top_k} invalid, expected >= 0 (0 = off)")
        if not (math.isfinite(self.top_p) and 0 < self.top_p <= 1):
            raise ValueError(f"--{flag}.top-p: {self.top_p} invalid, expected 0 < top-p <= 1")
        if self.max_tokens < 1:
            raise ValueError(f"--{flag}.max-tokens: {self.max_tokens} invalid, expected >= 1")

    def to_sampling(self, seed: int) -> Sampling:
        return Sampling(self.temperature, self.top_k, self.top_p, self.max_tokens, seed)


@dataclass
class McqConfig(SamplingConfig):
    """The mcq task: MuChoMusic-style items (question, correct answer, three distractors, one of each kind)."""

    per_clip: int = field(2, help="multiple-choice items asked for per clip")
    max_question_chars: int = field(300, help="longest question the JSON schema allows")
    max_option_chars: int = field(200, help="longest option (correct answer or distractor) the JSON schema allows; "
                                            "short options keep the correct one from standing out by its length")
    checks: list[str] = field(help=f"item checks to run, cheapest first; known: {', '.join(MCQ_CHECKS)} (reasons "
                                   "mcq_*, see the README)", factory=lambda: list(MCQ_CHECKS))

    def __post_init__(self) -> None:
        if self.per_clip < 1:
            raise ValueError(f"--mcq.per-clip: {self.per_clip}, expected at least 1")
        if self.max_question_chars < 1 or self.max_option_chars < 1:
            raise ValueError("--mcq.max-question-chars and --mcq.max-option-chars must be >= 1")
        unknown = [c for c in self.checks if c not in MCQ_CHECKS]
        if unknown:
            raise ValueError(f"--mcq.checks: unknown check {unknown[0]!r} (known: {', '.join(MCQ_CHECKS)})")


EXECUTORS = ("local", "ray")


@dataclass
class RayConfig:
    """Where ``--executor ray`` runs: a Ray cluster, and how the build spreads over it."""

    address: str | None = field(None, help="Ray cluster to join: host:port of its head (`ray start --head` prints "
                                           "it) or 'auto'; unset: start a local cluster on this machine")
    engine_replicas: int = field(1, help="engine actors, each holding one loaded engine (one per GPU on a GPU "
                                         "cluster); engine batches go to whichever is free")
    cpus_per_engine: float = field(1.0, help="CPUs each engine actor reserves (on CPU, also its OpenMP threads)")
    gpus_per_engine: float = field(0.0, help="GPUs each engine actor reserves: 0 on CPU, 1 per GPU, or "
                                             "--engine.tensor-parallel-size to shard one model over several")
    batch_size: int = field(64, help="clips per audio task; the requests per engine call stay "
                                     "--engine.batch-size, as under the local executor")
    audio_workers: int | None = field(None, help="audio tasks at once (unset: as many as the cluster has CPUs)")
    filter_workers: int | None = field(None, help="filter actors (parse, filters, mcq checks; each loads the "
                                                  "sentence embedder once), 1 CPU each (unset: one per CPU of the "
                                                  "cluster)")

    def __post_init__(self) -> None:
        if self.engine_replicas < 1:
            raise ValueError("--ray.engine-replicas must be >= 1")
        if self.cpus_per_engine <= 0 or self.gpus_per_engine < 0:
            raise ValueError("--ray.cpus-per-engine must be > 0 and --ray.gpus-per-engine >= 0")
        if self.batch_size < 1:
            raise ValueError("--ray.batch-size must be >= 1")
        if self.audio_workers is not None and self.audio_workers < 1:
            raise ValueError("--ray.audio-workers must be >= 1 (or unset)")
        if self.filter_workers is not None and self.filter_workers < 1:
            raise ValueError("--ray.filter-workers must be >= 1 (or unset)")


@dataclass
class BuildOptions:
    """``python -m musicqa build``: sources -> audio -> analysis -> prompts -> engine -> parse -> filters -> bundle."""

    out: Path = field(Path("musicqa-dataset"), help="output dataset folder (resumable; locked while building)")
    prompts_dir: Path = field(Path("prompts"), help="folder of <source>_<task>.jinja templates (bring your own; "
                              "prompts/text-only resumes a store built before the measured facts, "
                              "prompts/caption-first one built before the caption-last default)")
    sources: list[str] = field(help="sources to build (one config each)", factory=list)
    audio: AudioConfig = field(help="", factory=AudioConfig)
    analysis: AnalysisConfig = field(help="", factory=AnalysisConfig)
    prompts: PromptsConfig = field(help="", factory=PromptsConfig)
    engine: EngineConfig = field(help="", factory=EngineConfig)
    fixed: SamplingConfig = field(help="", factory=lambda: SamplingConfig(temperature=0.5, max_tokens=768))
    open: SamplingConfig = field(help="", factory=lambda: SamplingConfig(temperature=0.4, max_tokens=1024))
    mcq: McqConfig = field(help="", factory=lambda: McqConfig(temperature=0.4, max_tokens=768))
    filters: FiltersConfig = field(help="", factory=FiltersConfig)
    executor: str = field("local", help="where the audio and engine stages run: 'local' (this process) or 'ray' "
                                        "(a Ray cluster, options --ray.*); both give the same dataset")
    ray: RayConfig = field(help="", factory=RayConfig)
    clips_per_shard: int = field(500, help="clips per Parquet shard (~150 MB of 24 kHz FLAC)")
    clips_per_filter_batch: int = field(128, help="clips whose replies are parsed and filtered together (one Ray "
                                                  "task under --executor ray; the learned layer embeds a batch in "
                                                  "one pass, so it is part of what decides the dataset)")
    download: bool = field(False, help="first fetch missing audio of the sources that can download it (MusicCaps: "
                                       "yt-dlp into --musiccaps.audio-dir, options --musiccaps.fetch.*)")
    dry_run: bool = field(False, help="render every request, write OUT/prompts.jsonl (clip_id, task, template, "
                                      "the full prompt text) and stop, without loading the engine")
    report: bool = field(True, help="write OUT/report/index.html at the end")
    push_to_hub: str | None = field(None, help="after building, upload the folder to this hub dataset repo")


class BuildBase:
    """Methods of every generated ``BuildConfig``: validation and access to the selected sources' sections."""

    sources: list[str]
    clips_per_shard: int
    clips_per_filter_batch: int
    executor: str
    ray: RayConfig
    engine: EngineConfig

    def __post_init__(self) -> None:
        from musicqa.sources import find, names

        known = names()
        bad = [s for s in self.sources if find(s) is None]
        if bad or not self.sources:
            raise ValueError(f"--sources: {bad or 'none'} invalid, expected some of {', '.join(known)}")
        if len(set(self.sources)) != len(self.sources):
            raise ValueError(f"--sources: {self.sources} names a source twice")
        owner: dict[str, str] = {}
        for name in self.sources:
            limit = getattr(getattr(self, name), "limit", None)  # every source's smoke-run cap, by one name
            if limit is not None and limit < 0:
                raise ValueError(f"--{name}.limit: {limit} invalid, expected >= 0 (or unset for every row)")
            find(name).check(getattr(self, name))
            config = find(name).config_name(getattr(self, name))
            if owner.setdefault(config, name) != name:  # both would write data/<config>/ and its clip ids
                raise ValueError(f"--sources: {owner[config]} and {name} both build the dataset config {config!r}, "
                                 "expected one config per source (rename one, e.g. --custom.name)")
        for task in ("fixed", "open"):
            getattr(self, task).check(task)
        if self.clips_per_shard < 1:
            raise ValueError("--clips-per-shard must be >= 1")
        if self.clips_per_filter_batch < 1:
            raise ValueError(f"--clips-per-filter-batch: {self.clips_per_filter_batch}, expected at least 1")
        if self.executor not in EXECUTORS:
            raise ValueError(f"--executor: {self.executor!r} invalid, expected one of {', '.join(EXECUTORS)}")
        tp = self.engine.tensor_parallel_size
        if self.executor == "ray" and self.ray.gpus_per_engine and self.ray.gpus_per_engine < tp:
            raise ValueError(f"--ray.gpus-per-engine {self.ray.gpus_per_engine:g} is less than "
                             f"--engine.tensor-parallel-size {tp}: each engine actor needs a GPU per shard")

    def section(self, source: str) -> Any:
        """The ``[source]`` table of this config (the source's own Config instance)."""
        return getattr(self, source)


_classes: dict[tuple, type] = {}


def config_class() -> type:
    """The ``BuildConfig`` dataclass for the sources registered now (one class per set of sources, cached)."""
    from musicqa.sources import default_names, registered

    sources = registered()
    key = tuple((s.name, s.Config) for s in sources)
    if key in _classes:
        return _classes[key]
    hints = typing.get_type_hints(BuildOptions)
    specs: list[tuple[str, Any, Any]] = []
    for f in dataclasses.fields(BuildOptions):
        if f.name == "sources":
            defaults = default_names()
            help_text = f"sources to build, one dataset config each: {', '.join(s.name for s in sources)}"
            specs.append(("sources", hints["sources"],
                          field(help=help_text, factory=lambda d=tuple(defaults): list(d))))
            for s in sources:
                if s.name in hints:
                    raise ValueError(f"source name {s.name!r} clashes with the build option of that name")
                specs.append((s.name, s.Config, field(help="", factory=s.Config)))
            continue
        kwargs: dict[str, Any] = {"metadata": f.metadata}
        if f.default_factory is not dataclasses.MISSING:
            kwargs["default_factory"] = f.default_factory
        else:
            kwargs["default"] = f.default
        specs.append((f.name, hints[f.name], dataclasses.field(**kwargs)))
    cls = dataclasses.make_dataclass("BuildConfig", specs, bases=(BuildBase,),
                                     namespace={"__doc__": BuildOptions.__doc__, "__module__": __name__})
    _classes[key] = cls
    return cls


if TYPE_CHECKING:
    BuildConfig = BuildOptions
else:
    def __getattr__(name: str) -> Any:
        """``BuildConfig`` is looked up here so that it always reflects the registry (PEP 562)."""
        if name == "BuildConfig":
            return config_class()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
