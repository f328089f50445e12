"""Sources: raw dataset tables -> ``Clip`` records, one module per dataset, and the registry that lists them.

Adding a dataset is one step: a module in this folder that defines a ``Source`` subclass (``base.py`` says what
to declare) and ``SOURCE = YourSource()``, plus its ``prompts/<name>_<task>.jinja`` templates. The registry
imports every module here that defines ``SOURCE``; ``register`` adds one at run time (a plugin, a test). The
build, bundle, export, report and audit only ever loop over the registry.
"""

from __future__ import annotations

import importlib
import pkgutil

from musicqa.errors import InputError
from musicqa.sources.base import (
    AUDIO_NOT_FOUND,
    BAD_CLIP_INFO,
    BAD_ID,
    BAD_VALUE,
    CONTEXT_TOO_LONG,
    CONTROL_CHARS,
    DUPLICATE_ID,
    EMPTY_TAGS,
    EMPTY_TEXT,
    MALFORMED_ROW,
    NOT_IN_SPLIT,
    PATH_ESCAPE,
    TOO_FEW_TAGS,
    CardInfo,
    RowError,
    Source,
)
from musicqa.sources.contract import SourceError, check_source, origin

__all__ = [
    "AUDIO_NOT_FOUND", "BAD_CLIP_INFO", "BAD_ID", "BAD_VALUE", "CONTEXT_TOO_LONG", "CONTROL_CHARS", "DUPLICATE_ID",
    "EMPTY_TAGS", "EMPTY_TEXT", "MALFORMED_ROW", "NOT_IN_SPLIT", "PATH_ESCAPE", "TOO_FEW_TAGS", "CardInfo",
    "RowError", "Source", "SourceError", "dataset_names", "default_names", "find", "get", "names", "register",
    "registered", "unregister",
]

_registry: dict[str, Source] = {}
_discovered = False


def _discover() -> None:
    """Import every module of this package that defines ``SOURCE`` (once; helpers such as base.py define none).

    A ``SOURCE`` that breaks the contract (``contract.check_source``) stops here with one line naming its module,
    instead of being skipped or silently replacing another source.
    """
    global _discovered
    if _discovered:
        return
    _discovered = True
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not hasattr(module, "SOURCE"):
            continue
        source = check_source(module.SOURCE, module.__name__, "SOURCE", _taken())
        _registry[source.name] = source


def register(source: Source, *, replace: bool = False) -> Source:
    """Add ``source`` to the registry (its name must be new unless ``replace``); returns it.

    Raises ``SourceError`` (a ValueError) naming the module that defined it and what is wrong.
    """
    _discover()
    name = getattr(source, "name", None)
    taken = {n: o for n, o in _taken().items() if not (replace and n == name) and _registry[n] is not source}
    check_source(source, origin(source), "register()", taken)
    _registry[source.name] = source
    return source


def _taken() -> dict[str, str]:
    """Each registered name -> the module that defined its source (named in a clash's message)."""
    return {n: origin(s) for n, s in _registry.items()}


def unregister(name: str) -> None:
    """Remove a source added with ``register`` (tests clean up with it)."""
    _registry.pop(name, None)


def registered() -> list[Source]:
    """Every registered source: the default ones in their default order, then the rest by name."""
    _discover()
    return sorted(_registry.values(), key=lambda s: (s.default_order is None, s.default_order or 0, s.name))


def names() -> list[str]:
    """Names of ``registered()``, in the same order."""
    return [s.name for s in registered()]


def default_names() -> list[str]:
    """The sources a build uses when ``--sources`` is not given."""
    return [s.name for s in registered() if s.default_order is not None]


def dataset_names() -> list[str]:
    """The proper names of the registered datasets ("MusicCaps", "Song Describer"), for the leak filter: the
    titles with a capital letter (not the custom source's "your own clips", words an answer may well use)."""
    return [s.title for s in registered() if any(c.isupper() for c in s.title)]


def find(name: str) -> Source | None:
    """The registered source called ``name``, or None (a dataset folder may hold a source not installed here)."""
    _discover()
    return _registry.get(name)


def get(name: str) -> Source:
    """The registered source called ``name``; an unknown name is an InputError listing the valid ones."""
    source = find(name)
    if source is None:
        raise InputError(f"unknown source {name!r}, expected one of: {', '.join(names())}")
    return source
