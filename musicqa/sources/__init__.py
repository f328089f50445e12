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

__all__ = [
    "AUDIO_NOT_FOUND", "BAD_CLIP_INFO", "BAD_ID", "BAD_VALUE", "CONTEXT_TOO_LONG", "CONTROL_CHARS", "DUPLICATE_ID",
    "EMPTY_TAGS", "EMPTY_TEXT", "MALFORMED_ROW", "NOT_IN_SPLIT", "PATH_ESCAPE", "TOO_FEW_TAGS", "CardInfo",
    "RowError", "Source", "default_names", "find", "get", "names", "register", "registered", "unregister",
]

_registry: dict[str, Source] = {}
_discovered = False


def _discover() -> None:
    """Import every module of this package that defines ``SOURCE`` (once; helpers such as base.py define none)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        source = getattr(module, "SOURCE", None)
        if isinstance(source, Source) and source.name not in _registry:
            _registry[source.name] = source


def register(source: Source, *, replace: bool = False) -> Source:
    """Add ``source`` to the registry (its name must be new unless ``replace``); returns it."""
    _discover()
    if not isinstance(source, Source):
        raise TypeError(f"expected a musicqa.sources.Source instance, got {type(source).__name__}")
    if not getattr(source, "name", "") or not source.name.isidentifier():
        raise ValueError(f"source name {getattr(source, 'name', '')!r} must be a Python identifier (it is a "
                         "TOML table, a flag prefix and a template prefix)")
    if source.name in _registry and not replace and _registry[source.name] is not source:
        raise ValueError(f"a source named {source.name!r} is already registered")
    _registry[source.name] = source
    return source


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
