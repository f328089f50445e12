"""The package's shape: no import cycle between musicqa's modules, no module over ~400 lines, no library module
importing the command line.

Imports are read from the source (``ast``), function-level ones included: a lazy import still ties two modules
together, and a cycle of them is a layering fault even when Python happens to load it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "musicqa"
MAX_LINES = 420  # "about 400": a module past it is split by topic (download/musiccaps.py -> youtube.py)
# Data tables: word lists and lookup data, long by nature, with no logic to split.
DATA_TABLES = {"musicqa.filters.vocab", "musicqa.filters.doc_nouns"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The musicqa modules ``name`` imports anywhere in its file (``from pkg import mod`` names the module)."""
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _is_package_parent(a: str, b: str) -> bool:
    """``musicqa.sources`` (its __init__, a registry) importing ``musicqa.sources.mtt`` and back is how a package
    exposes its parts, not a layering cycle: edges between a package and its own submodules are not counted."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_the_package_has_no_import_cycle():
    graph = {a: {b for b in bs if not _is_package_parent(a, b)} for a, bs in _graph().items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_library_module_imports_the_command_line():
    graph = _graph()
    offenders = sorted(a for a, bs in graph.items()
                       if not a.startswith("musicqa.cli") and a != "musicqa.__main__"
                       and any(b == "musicqa.cli" or b.startswith("musicqa.cli.") for b in bs))
    assert offenders == []


def test_modules_stay_small():
    long = {name: n for name, path in _modules().items()
            if name not in DATA_TABLES and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_data_table_exceptions_still_exist():
    assert DATA_TABLES <= set(_modules())  # a renamed table must not leave a stale exception behind
