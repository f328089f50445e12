"""The ``Source`` contract, checked: a source author who gets it wrong is told at once, in one line naming the module.

Without these checks each fault surfaced far from its cause: ``SOURCE = MySource`` (the class) was skipped and the
user saw "unrecognized arguments"; a name like ``fma-small`` broke every command, ``--help`` included, with a
dataclasses TypeError; a second module named like a built-in replaced it silently; a key of ``columns()`` that
``features()`` did not declare became an all-null column; a mistyped ``labels_column`` was ignored by the report.

Three moments, so ``--help`` never imports ``datasets``: ``check_source`` when a source is registered (found in
``musicqa/sources/`` or passed to ``register``), ``check_schema`` when a build selects it (``features()``), and
``check_columns`` on its first clip (``columns(clip)``), before any audio is decoded or any reply generated.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import Any

from musicqa.errors import InputError
from musicqa.records import Clip
from musicqa.sources.base import COMMON_COLUMNS, RowError, Source

_IDENTIFIER_HINT = re.compile(r"\W")


class SourceError(InputError, ValueError):
    """A source that breaks the contract: ``<module>: <fault>``, one line (the CLI prints it and exits 2)."""


def origin(source: Any) -> str:
    """The module that defined ``source`` (an instance or a class), for the first word of a fault."""
    cls = source if isinstance(source, type) else type(source)
    return cls.__module__


def check_source(obj: Any, where: str, what: str, taken: dict[str, str]) -> Source:
    """``obj`` (a module's ``SOURCE``, or what a plugin passes to ``register``) if it keeps the contract.

    ``where`` names its module in the fault (``musicqa.sources.fma``), ``what`` how it was given (``SOURCE``,
    ``register()``); ``taken`` maps each registered name to the module that defined it.
    """
    verb = f"{what} is" if what == "SOURCE" else f"{what} was given"
    if isinstance(obj, type) and issubclass(obj, Source):
        fix = f"SOURCE = {obj.__name__}()" if what == "SOURCE" else f"register({obj.__name__}())"
        raise SourceError(f"{where}: {verb} the class {obj.__name__}, expected an instance: {fix}")
    if not isinstance(obj, Source):
        raise SourceError(f"{where}: {verb} a {type(obj).__name__}, expected an instance of a "
                          "musicqa.sources.Source subclass")
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        hint = f"; e.g. {_IDENTIFIER_HINT.sub('_', name)!r}" if isinstance(name, str) and name else ""
        raise SourceError(f"{where}: name {name!r} must be a Python identifier (it is a TOML table, a flag "
                          f"prefix and a template prefix){hint}")
    if name in taken:
        raise SourceError(f"{where}: name {name!r} is already registered by {taken[name]}; pick another name")
    config = getattr(obj, "Config", None)
    if not (isinstance(config, type) and dataclasses.is_dataclass(config)):
        raise SourceError(f"{where}: Config = {config!r}, expected a dataclass of the source's options")
    fields = {f.name for f in dataclasses.fields(config)}
    missing = [r for r in obj.required if r not in fields]
    if missing:
        raise SourceError(f"{where}: required names {', '.join(missing)}, expected fields of "
                          f"{config.__name__} ({', '.join(sorted(fields)) or 'none'})")
    return obj


def check_schema(source: Source) -> dict[str, Any]:
    """``source.features()`` if its columns clash with no common column and hold its ``labels_column``."""
    own = source.features()
    where = origin(source)
    if not isinstance(own, dict):
        raise SourceError(f"{where}: features() returned a {type(own).__name__}, expected a dict of column -> "
                          "datasets feature type")
    clash = [c for c in own if c in COMMON_COLUMNS]
    if clash:
        raise SourceError(f"{where}: features() declares {', '.join(clash)}, which every config already has "
                          f"({', '.join(COMMON_COLUMNS)}); rename it")
    if source.labels_column is not None and source.labels_column not in own:
        raise SourceError(f"{where}: labels_column {source.labels_column!r} is not one of its columns "
                          f"(features(): {', '.join(own) or 'none'})")
    return own


def check_columns(source: Source, clip: Clip, declared: Iterable[str]) -> None:
    """``columns(clip)`` returns exactly the declared columns (an undeclared one would be silently all null)."""
    got = source.columns(clip)
    declared = list(declared)
    extra = [c for c in got if c not in declared]
    missing = [c for c in declared if c not in got]
    if extra or missing:
        what = "; ".join(part for part in (
            f"columns() returned {', '.join(extra)}, which features() does not declare" if extra else "",
            f"features() declares {', '.join(missing)}, which columns() did not return" if missing else "") if part)
        raise SourceError(f"{origin(source)}: {what} (clip {clip.clip_id})")


def checked_read(source: Source, items: Iterable[Clip | RowError]) -> Iterator[Clip | RowError]:
    """``items`` (what ``source.read`` yields) with the first clip's columns checked; the schema is checked now."""
    declared = list(check_schema(source))

    def stream() -> Iterator[Clip | RowError]:
        first = True
        for item in items:
            if first and isinstance(item, Clip):
                check_columns(source, item, declared)
                first = False
            yield item

    return stream()
