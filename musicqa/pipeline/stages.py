"""The first stages: read clips from the sources, normalise their audio, render their prompts.

Each stage is a small object built from its own config section; it holds no engine, no counters and no open
files, so it pickles (a Ray worker gets a copy) and a call on a batch depends only on that batch. What a stage
leaves undecided (what to count, where to store) is its step's job (``driver.Step``), and where it runs the
executor's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicqa.analysis import MIN_KEY_STRENGTH, MIN_TEMPO_CONFIDENCE, audible
from musicqa.errors import AudioError
from musicqa.parse import OK, schema_for
from musicqa.prompts import PromptSet
from musicqa.records import Clip, PromptRequest, Sampling
from musicqa.sources import CONTROL_CHARS, DUPLICATE_ID, RowError, Source
from musicqa.sources.contract import checked_read

log = logging.getLogger(__name__)

FAILED = "failed"


@dataclass(frozen=True)
class SourcePlan:
    """One source of a build with its own section of the config."""

    source: Source
    config: Any  # an instance of ``source.Config``

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def config_name(self) -> str:
        return self.source.config_name(self.config)


class ReadStage:
    """Sources -> Clips, in config order; a RowError per bad row, and per clip id seen before in this build."""

    def __init__(self, plans: Sequence[SourcePlan], max_context_chars: int) -> None:
        self.plans = list(plans)
        self.max_context_chars = max_context_chars

    def open(self) -> list[tuple[SourcePlan, Iterator[Clip | RowError]]]:
        """Every source's reader, started now: a missing file or column, or a source breaking its contract
        (``sources.contract``), raises InputError before any work."""
        return [(p, checked_read(p.source, p.source.read(p.config, max_context_chars=self.max_context_chars)))
                for p in self.plans]

    def __call__(self) -> Iterator[tuple[SourcePlan, Clip | RowError]]:
        seen: set[str] = set()
        for plan, stream in self.open():
            for item in stream:
                if isinstance(item, Clip) and item.clip_id in seen:
                    item = RowError(DUPLICATE_ID, f"{plan.name}: duplicate clip id {item.clip_id} skipped")
                elif isinstance(item, Clip):
                    seen.add(item.clip_id)
                    item = control_chars(plan.name, item) or item
                yield plan, item


# C0 controls but tab, newline and carriage return, and DEL: a JSON "\u0000" or a raw byte in a CSV field decodes
# to one of these; no caption or tag means it, and it would travel into the prompts and the dataset
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_chars(source: str, clip: Clip) -> RowError | None:
    """A RowError (counted as ``source_control_chars``) when the clip's text holds a control character."""
    m = _CONTROL.search(clip.text)
    if m is None:
        return None
    return RowError(CONTROL_CHARS, f"{source}: clip {clip.clip_id}: field 'text' has control character "
                                   f"U+{ord(m.group()):04X} at position {m.start()}, expected printable text")


class AudioStage:
    """Clip -> its audio record: the clip normalised once to ``work/audio/<source>/<id>.flac``, or why not.

    The record is the line stored in ``work/audio.jsonl``; ``reusable`` says when a stored one still holds,
    so a rerun decodes nothing twice.
    """

    def __init__(self, out: Path, sample_rate: int, min_duration_s: float, sources: Mapping[str, Source]) -> None:
        self.out = out
        self.sample_rate = sample_rate
        self.min_duration_s = min_duration_s
        self.sources = dict(sources)
        self.root = Path.cwd()  # where the build started: relative paths in the config mean paths from here

    def at_root(self, path: Path) -> Path:
        """``path`` as the driver means it, also in a worker process started in another folder (a Ray node)."""
        return path if path.is_absolute() or Path.cwd() == self.root else self.root / path

    def target(self, clip: Clip) -> Path:
        return self.out / "work" / "audio" / clip.source / f"{clip.source_id}.flac"

    def _section(self, clip: Clip) -> list[float | None] | None:
        section = self.sources[clip.source].audio_section(clip)
        return list(section) if section is not None else None

    def reusable(self, clip: Clip, prev: Mapping[str, Any] | None) -> bool:
        """True when ``prev`` was made from this file, section and rate (and an ok clip's FLAC is still there)."""
        src = str(clip.audio_path) if clip.audio_path else None
        return bool(prev) and prev["src"] == src and prev["sample_rate"] == self.sample_rate and (
            prev.get("section") == self._section(clip)) and (prev["status"] != OK or self.target(clip).exists())

    def __call__(self, clips: Sequence[Clip]) -> list[dict[str, Any]]:
        """One record per clip, in order; the FLAC files are written atomically as a side effect."""
        return [self._one(c) for c in clips]

    def _one(self, clip: Clip) -> dict[str, Any]:
        from musicqa import audio as audio_mod

        section = self._section(clip)
        base: dict[str, Any] = {"clip_id": clip.clip_id, "src": str(clip.audio_path) if clip.audio_path else None}
        extra = {"section": section} if section is not None else {}  # absent for whole files, as before sections
        if clip.audio_path is None:
            return {**base, "status": FAILED, "reason": audio_mod.AUDIO_MISSING, "sample_rate": self.sample_rate,
                    **extra}
        start, end = section if section is not None else (None, None)
        try:
            info = audio_mod.normalise(self.at_root(clip.audio_path), self.at_root(self.target(clip)),
                                       sample_rate=self.sample_rate, start_s=start, end_s=end,
                                       min_duration_s=self.min_duration_s,
                                       expected_duration_s=self.sources[clip.source].expected_duration(clip))
        except AudioError as err:
            log.warning("%s (%s)", err, clip.clip_id)
            return {**base, "status": FAILED, "reason": err.reason, "message": str(err),
                    "sample_rate": self.sample_rate, **extra}
        return {**base, "status": OK, "sample_rate": info.sample_rate, "duration_s": info.duration_s,
                "sha256": info.sha256, **extra}

    def outcome(self, clip: Clip, rec: Mapping[str, Any]) -> tuple[Path | None, str]:
        """(the FLAC, "") for a usable clip, else (None, the reason it has no audio)."""
        if rec["status"] == OK:
            return self.target(clip), ""
        return None, rec.get("reason", FAILED)


def model_key(model: str, revision: str | None, structured_backend: str) -> str:
    """The model part of every resume key."""
    # the structured-output backend shapes the JSON text (e.g. spacing), so it is part of the resume key
    return f"{model}@{revision or 'default'}+{structured_backend}"


class RenderStage:
    """Clips -> PromptRequests: every (clip, task) of the build, in a stable order, each with its resume key."""

    def __init__(self, prompts_dir: Path, system_template: str, chat_template: str, *, tasks: Sequence[str],
                 questions: Sequence[str], open_pairs: int, aspects: Sequence[str], max_answer_chars: int,
                 sampling: Mapping[str, Sampling], model: str, plans: Sequence[SourcePlan],
                 fact_thresholds: tuple[float, float] | None = None, mcq_items: int = 2,
                 mcq_chars: tuple[int, int] = (300, 200)) -> None:
        self.prompts_dir = prompts_dir
        self.system_template = system_template
        self.chat_template_name = chat_template
        self.tasks = tuple(tasks)
        self.questions = tuple(questions)
        self.open_pairs = open_pairs
        self.aspects = tuple(aspects)
        self.sampling = dict(sampling)
        self.model = model
        self.plans = {p.name: p for p in plans}
        self.fact_thresholds = fact_thresholds or (MIN_TEMPO_CONFIDENCE, MIN_KEY_STRENGTH)
        self.mcq_items = mcq_items  # the mcq task's items per clip; its schema's limits are mcq_chars
        self.schemas = {t: schema_for(t, n_questions=len(self.questions), n_pairs=open_pairs,
                                      max_chars=mcq_chars[0] if t == "mcq" else max_answer_chars,
                                      n_items=mcq_items, max_option_chars=mcq_chars[1]) for t in self.tasks}
        self._prompts: PromptSet | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_prompts": None}  # the Jinja environment is rebuilt where the stage runs

    @property
    def prompts(self) -> PromptSet:
        if self._prompts is None:
            self._prompts = PromptSet(self.prompts_dir, system_template=self.system_template,
                                      chat_template=self.chat_template_name)
        return self._prompts

    def template_names(self) -> list[str]:
        """Every template this build renders; a missing one is an InputError before any work."""
        names = list(dict.fromkeys(p.source.template(p.config, t) for p in self.plans.values() for t in self.tasks))
        self.prompts.require(names)
        return names

    def __call__(self, clips: Sequence[Clip]) -> list[PromptRequest]:
        return [self.render(c, t) for c in clips for t in self.tasks]

    def render(self, clip: Clip, task: str) -> PromptRequest:
        plan = self.plans[clip.source]
        return self.prompts.render(
            clip, task, model=self.model, sampling=self.sampling[task], json_schema=self.schemas[task],
            questions=self.questions, n_pairs=self.open_pairs, aspects=self.aspects,
            template=plan.source.template(plan.config, task), duration_s=plan.source.duration(clip),
            variables={**plan.source.prompt_variables(clip), **({"n_items": self.mcq_items} if task == "mcq" else {})},
            facts=audible(clip.facts, *self.fact_thresholds))
