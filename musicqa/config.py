"""Dataclass configs: defaults, then a TOML file, then command-line flags.

Every field carries ``metadata={"help": ...}``; flags are generated from the fields so the
TOML keys and the flags can never drift apart. Nothing here reads config at import time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import tomllib
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from musicqa.errors import AudioError, InputError, os_error_line

T = TypeVar("T")


def field(default: Any = dataclasses.MISSING, *, help: str, factory: Any = None) -> Any:  # noqa: A002
    """A dataclass field whose help text becomes the flag's ``--help`` line."""
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata={"help": help})
    return dataclasses.field(default=default, metadata={"help": help})


def _base_type(kind: Any) -> Any:
    """Strip ``X | None`` down to ``X``."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return kind


def _is_optional(kind: Any) -> bool:
    return typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in typing.get_args(kind)


def _is_seq(kind: Any) -> bool:
    return typing.get_origin(_base_type(kind)) in (list, tuple)


def add_flags(parser: argparse.ArgumentParser, cls: type, prefix: str = "") -> None:
    """Add one ``--prefix.name`` flag per dataclass field (nested dataclasses recurse).

    A section named with an underscore (the ``mtg_jamendo`` source) also takes its flags spelled as the name is
    (``--mtg_jamendo.annotations`` beside ``--mtg-jamendo.annotations``): users type the name they just passed to
    ``--sources``. The alias is hidden from ``--help``.
    """
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        base = _base_type(kind)
        name = f"--{prefix}{f.name}".replace("_", "-")
        help_text = f.metadata.get("help", "")
        default = _default_of(f)
        if dataclasses.is_dataclass(base):
            add_flags(parser, base, f"{prefix}{f.name}.")
            continue
        help_text = f"{help_text} (default: {_show(default)})"
        dest = f"{prefix}{f.name}"
        if base is bool:
            kw: dict[str, Any] = {"action": argparse.BooleanOptionalAction}
        elif _is_seq(kind):
            kw = {"nargs": "*", "metavar": "VALUE"}
        else:
            kw = {"metavar": getattr(base, "__name__", "VALUE").upper()}
        parser.add_argument(name, dest=dest, default=argparse.SUPPRESS, help=help_text, **kw)
        alias = f"--{prefix}{f.name.replace('_', '-')}"
        if alias != name:
            parser.add_argument(alias, dest=dest, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kw)


def _default_of(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _show(value: Any) -> str:
    if dataclasses.is_dataclass(value):
        return "see nested flags"
    if isinstance(value, (list, tuple)):
        return " ".join(map(str, value)) or "none"
    return str(value)


def _convert(value: Any, kind: Any, where: str) -> Any:
    """Coerce a TOML or flag value to the field's type, or raise InputError naming ``where``."""
    if value is None:
        if _is_optional(kind):
            return None
        raise InputError(f"{where}: value is missing")
    base = _base_type(kind)
    if isinstance(value, str) and _is_optional(kind) and value.lower() in ("none", "null", ""):
        return None
    try:
        if base is bool:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("1", "true", "yes", "on"):
                return True
            if str(value).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if typing.get_origin(base) in (list, tuple):
            (inner, *_rest) = typing.get_args(base) or (str,)
            if isinstance(value, str):
                value = [value]
            items = [_convert(v, inner, where) for v in value]
            return tuple(items) if typing.get_origin(base) is tuple else items
        if base is Path:
            return Path(value)
        if base in (int, float, str):
            if base is int and isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return base(value)
        return value
    except (TypeError, ValueError) as err:
        raise InputError(f"{where}: value {value!r} is not a valid {getattr(base, '__name__', base)}") from err


def build(cls: type[T], values: dict[str, Any], where: str = "config", base: Any = None) -> T:
    """Instantiate ``cls`` from a nested dict, rejecting unknown keys with their name.

    ``base`` supplies the values of keys not given: a nested table that sets one key keeps the
    other keys of the field's own default (e.g. ``[open]`` keeps temperature 0.4, not 0.5).
    """
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in values:
        if key.replace("-", "_") not in names:
            raise InputError(f"{where}: unknown key '{key}' (known: {', '.join(sorted(names))})")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        key = f.name if f.name in values else f.name.replace("_", "-")
        kind = hints[f.name]
        base_type = _base_type(kind)
        default = getattr(base, f.name) if base is not None else _default_of(f)
        if key not in values:
            if base is not None:
                kwargs[f.name] = default
            continue
        value = values[key]
        if dataclasses.is_dataclass(base_type):
            if not isinstance(value, dict):
                raise InputError(f"{where}: '{f.name}' must be a table")
            kwargs[f.name] = build(base_type, value, f"{where} [{f.name}]", base=default)
        else:
            kwargs[f.name] = _convert(value, kind, f"{where}: key '{f.name}'")
    try:
        return cls(**kwargs)
    except ValueError as err:
        raise InputError(str(err)) from err


def check_keys(cls: type, values: dict[str, Any], where: str) -> None:
    """Reject unknown keys (recursively), naming the file and the key, before anything runs."""
    hints = typing.get_type_hints(cls)
    known = {f.name: _base_type(hints[f.name]) for f in dataclasses.fields(cls)}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in known:
            raise InputError(f"{where}: unknown key '{key}' (known: {', '.join(sorted(known))})")
        if dataclasses.is_dataclass(known[name]) and isinstance(value, dict):
            check_keys(known[name], value, f"{where} [{name}]")


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = out
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        k = k.replace("-", "_")
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML config file; syntax errors become one-line InputErrors."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as err:
        raise InputError(f"{path}: config file not found") from err
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: invalid TOML: {err}") from err


def from_args(cls: type[T], ns: argparse.Namespace, config_path: Path | None = None,
              fields_only: bool = True, preset: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> T:
    """Resolve ``cls``: defaults, then a preset, then the TOML file, then flags present in ``ns``.

    ``preset`` maps the TOML + flag values (it may read e.g. their ``preset`` and ``phase`` keys) to
    the nested values the preset sets; those sit between the defaults and the TOML file.
    """
    values: dict[str, Any] = {}
    if config_path is not None:
        values = {k.replace("-", "_"): v for k, v in read_toml(config_path).items()}
        check_keys(cls, values, str(config_path))
    names = {f.name for f in dataclasses.fields(cls)}
    flat = {k: v for k, v in vars(ns).items() if k.split(".")[0] in names}
    merged = _merge(values, _nest(flat))
    if preset is not None:
        merged = _merge(preset(merged), merged)
    return build(cls, merged, f"{config_path} + flags" if config_path else "flags")


def to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-able dict of a config (Paths as strings), for the resolved-config file and the card."""
    return json.loads(json.dumps(dataclasses.asdict(cfg), default=str))


def to_toml(cfg: Any) -> str:
    """Serialise a resolved config back to TOML so a build can be rerun exactly."""
    def emit(d: dict[str, Any], table: str) -> list[str]:
        lines, subs = [], []
        for k, v in d.items():
            if isinstance(v, dict):
                subs.append((k, v))
            elif v is not None:
                lines.append(f"{k} = {json.dumps(v)}")
        out = ([f"[{table}]"] if table and lines else []) + lines
        for k, v in subs:
            out += [""] + emit(v, f"{table}.{k}" if table else k)
        return out
    return "\n".join(emit(to_dict(cfg), "")) + "\n"


def config_command(prog: str, doc: str, cls: type, run: Callable[[Any], int], argv: list[str] | None,
                   preset: Callable[[dict], dict] | None = None) -> int:
    """``python -m musicqa.<prog>``: flags from ``cls``, optional ``--config`` TOML, one-line errors (exit 2).

    Shared by the single-command modules (``musicqa.train.infer``, ``musicqa.train.evaluate``) so they parse,
    log and report errors the same way; it lives here, not in ``musicqa.cli``, so library code never imports the CLI.
    """
    ap = argparse.ArgumentParser(prog=f"python -m musicqa.{prog}", description=doc.splitlines()[0])
    ap.add_argument("--config", type=Path, default=None, help=f"TOML file with {cls.__name__} keys")
    ap.add_argument("-v", "--verbose", action="store_true", help="log DEBUG messages")
    add_flags(ap, cls)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    try:
        return run(from_args(cls, args, args.config, preset=preset))
    except (InputError, AudioError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a failed file operation no stage named a path for: still one line
        print(f"error: {os_error_line(err)}", file=sys.stderr)
        return 2
