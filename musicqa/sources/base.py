"""The ``Source`` contract: everything the build, bundle, export, report and audit need to know about one dataset.

A source is one module in ``musicqa/sources/`` that defines a ``Source`` subclass and a module-level
``SOURCE = TheSource()``; the registry (``musicqa.sources``) finds it, ``BuildConfig`` gains its ``[name]`` table
and ``--name.*`` flags, and nothing else in musicqa names it. Its prompt templates are
``prompts/<name>_<task>.jinja`` (override ``template`` for another scheme).

A reader yields a ``Clip`` per good row and a ``RowError`` per bad one; the pipeline logs and counts each
``RowError`` by its reason and goes on: one bad row in 25,000 should not cost a night's run, and it should not
disappear silently either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from musicqa.records import Clip

# Stable reason codes shared by the readers. They end up as keys in summary.json, so renaming one is a
# breaking change.
MALFORMED_ROW = "source_malformed_row"
BAD_ID = "source_bad_id"
DUPLICATE_ID = "source_duplicate_id"
BAD_VALUE = "source_bad_value"
PATH_ESCAPE = "source_path_escape"
EMPTY_TEXT = "source_empty_text"
EMPTY_TAGS = "source_empty_tags"
TOO_FEW_TAGS = "source_too_few_tags"  # a normal skip (min_tags), not a sign of a broken file
CONTEXT_TOO_LONG = "source_context_too_long"
CONTROL_CHARS = "source_control_chars"  # NUL and other C0 controls in the text: never music, would reach the prompts
BAD_CLIP_INFO = "source_bad_clip_info"  # a clip_info_final.csv row; the clip is kept without title/artist
AUDIO_NOT_FOUND = "source_audio_not_found"  # a warning: the clip is kept and the audio stage skips it (audio_missing)
NOT_IN_SPLIT = "source_not_in_split"  # a normal skip: the row is in none of the split files given

# Every dataset config has these columns first (bundle.py); a source's own columns (``Source.features``) follow.
COMMON_COLUMNS = ("audio", "clip_id", "source", "source_id", "split", "context", "qa", "analysis", "mcq")


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad row: the build logs it, counts it under ``reason`` and goes on.

    ``message`` is one line naming ``file:line``, the field, the value and what was expected, e.g.
    ``musiccaps-public.csv:418: field 'start_s' = 'abc', expected seconds``. ``warning``: the row's clip is
    still yielded (only optional data was bad), so it is counted under warnings, not skips. ``routine``: a skip
    the configuration asked for (``min_tags``), logged at INFO instead of WARNING.
    """

    reason: str
    message: str
    warning: bool = False
    routine: bool = False


@dataclass(frozen=True, slots=True)
class CardInfo:
    """What the dataset card says about one source's config."""

    title: str  # "MusicCaps"
    license: str  # the card header's license id (Hugging Face's list), e.g. "cc-by-sa-4.0"
    license_note: str  # one line for the Licenses section
    card_note: str  # what the source is and how its splits were made, for "How it was built"


class Source:
    """One dataset musicqa can build from. Subclass, set the class attributes, implement ``read``.

    Instances hold no state (the per-build options come in as ``cfg``, an instance of ``Config``), so they
    pickle by reference and the same object serves every executor.
    """

    name: ClassVar[str]  # registry key, `[name]` TOML table, `--name.*` flags, template prefix, `source` column
    title: ClassVar[str]  # human name for the card, e.g. "MusicCaps"
    Config: ClassVar[type]  # dataclass of the source's options; every field has help text
    Meta: ClassVar[type | None] = None  # frozen dataclass this source's readers put in ``Clip.meta``
    required: ClassVar[tuple[str, ...]] = ()  # Config fields that must be set when the source is built
    splits: ClassVar[tuple[str, ...]] = ("train", "validation", "test")  # bundle order; other splits follow
    license: ClassVar[str] = "other"  # the card header's license id (Hugging Face's list)
    license_note: ClassVar[str] = ""  # one line for the card's Licenses section
    card_note: ClassVar[str] = ""  # what the source is and how its splits were made, for "How it was built"
    # MU-LLaMA export: (file name, splits) pairs, e.g. (("FinetuneMusicQA.json", ("train",)),); () = not exported
    mullama: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = ()
    labels_column: ClassVar[str | None] = None  # the metadata column the report counts as tags
    clip_seconds: ClassVar[float | None] = None  # a clip's length when its Clip has no end_s (prompt duration_s)
    default_order: ClassVar[int | None] = None  # position in the default --sources list; None = only on request

    def config_name(self, cfg: Any) -> str:
        """The dataset config the clips go to (``load_dataset(out, name)``) and their clip_id prefix."""
        return self.name

    def card_info(self, cfg: Any) -> CardInfo:
        """The card's lines for this source; override when they depend on the config (a user's own license)."""
        return CardInfo(self.title, self.license, self.license_note, self.card_note)

    def check(self, cfg: Any) -> None:
        """Raise ValueError naming the flag when ``cfg`` cannot be built (called only when the source is selected)."""
        for name in self.required:
            if getattr(cfg, name) is None:
                raise ValueError(f"--{self.name}.{name.replace('_', '-')} is required when building the "
                                 f"{self.name} source")

    def prepare(self, cfg: Any, *, download: bool) -> None:
        """Fetch missing inputs before reading when ``download`` is set (``--download``); default: nothing to fetch."""

    def read(self, cfg: Any, *, max_context_chars: int) -> Iterator[Clip | RowError]:
        """One Clip per usable row and one RowError per other row; a missing file or column raises InputError now."""
        raise NotImplementedError

    def features(self) -> dict[str, Any]:
        """The ``datasets`` feature types of this source's own columns (after the common ones), in column order."""
        return {}

    def columns(self, clip: Clip) -> dict[str, Any]:
        """This source's column values for one clip; keys as in ``features``."""
        return {}

    def template(self, cfg: Any, task: str) -> str:
        """The prompt template file of ``task`` for this source's clips."""
        return f"{self.name}_{task}.jinja"

    def prompt_variables(self, clip: Clip) -> dict[str, Any]:
        """Variables a template may use beyond the common ones: by default the fields of ``clip.meta``."""
        if clip.meta is None:
            return {}
        return {f.name: getattr(clip.meta, f.name) for f in dataclasses.fields(clip.meta)}

    def duration(self, clip: Clip) -> float | None:
        """How long the clip is, in seconds, as the prompt says it (``duration_s``)."""
        return clip.end_s - clip.start_s if clip.end_s is not None else self.clip_seconds

    def audio_section(self, clip: Clip) -> tuple[float, float | None] | None:
        """The (start_s, end_s) part of ``clip.audio_path`` to keep, or None for the whole file.

        Override for long tracks (keep N seconds from an offset). ``clip.start_s``/``end_s`` place the clip in
        its original recording (a YouTube video), which need not be the file's own time line.
        """
        return None

    def expected_duration(self, clip: Clip) -> float | None:
        """The length the normalised audio must have (± 0.5 s), or None to check only the minimum length."""
        return None

    def __repr__(self) -> str:
        return f"<source {self.name}>"
