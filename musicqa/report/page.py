"""Choose the browsable sample and render index.html from musicqa/templates/report.html.jinja.

QA text and captions come from an LLM and from crowd-sourced captions, so they are untrusted:
the template is rendered by a sandboxed Jinja environment with autoescaping on, and the inline
script reads only ``data-*`` attributes, never text spliced into JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musicqa.config import to_dict
from musicqa.report.load import ClipRow, Folder, split_order
from musicqa.report.plots import Plot
from musicqa.report.questions import question_type

if TYPE_CHECKING:
    from musicqa.report import ReportConfig

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "report.html.jinja"
SCRIPT = "report.js"
# Drawn as plots; the other summary.json keys are listed as text.
_SUMMARY_SHOWN = ("clips", "pairs", "drops", "skipped", "failed")
_MAGIC = ((b"fLaC", "flac"), (b"RIFF", "wav"), (b"OggS", "ogg"), (b"ID3", "mp3"), (b"\xff\xfb", "mp3"))


def choose_sample(clips: Sequence[ClipRow], size: int, seed: int) -> list[ClipRow]:
    """Return up to ``size`` clips, drawn round-robin across (source, split) so every filter value shows clips.

    The draw depends only on the clip ids and the seed, not on shard or row order, so a rebuilt
    folder with the same clips gives the same sample.
    """
    rng = random.Random(seed)
    groups: dict[tuple[str, str], list[ClipRow]] = defaultdict(list)
    for c in clips:
        groups[c.source, c.split].append(c)
    queues = []
    for key in sorted(groups, key=lambda k: (k[0], split_order(k[1]), k[1])):
        members = sorted(groups[key], key=lambda c: c.clip_id)
        rng.shuffle(members)
        queues.append(members)
    out: list[ClipRow] = []
    while len(out) < size and any(queues):
        for q in queues:
            if q and len(out) < size:
                out.append(q.pop())
    return out


def audio_name(index: int, clip: ClipRow, data: bytes) -> str:
    """A file name for a sampled clip's audio: numbered (unique), ids reduced to URL-safe characters."""
    ext = next((e for magic, e in _MAGIC if data.startswith(magic)), "bin")
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", clip.clip_id.replace("/", "--"))[:80]
    return f"{index:03d}-{safe}.{ext}"


def render(folder: Folder, plots: list[Plot], sample: list[ClipRow], audio: dict[str, str],
           config: ReportConfig) -> str:
    """Return the page's HTML; a variable missing from the template's context is an error, not blank text."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment
    from markupsafe import Markup

    env = SandboxedEnvironment(loader=FileSystemLoader(TEMPLATE_DIR), undefined=StrictUndefined, autoescape=True,
                               keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    # The page's Content-Security-Policy allows this one script by hash, so nothing injected could run.
    script = (TEMPLATE_DIR / SCRIPT).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return env.get_template(TEMPLATE).render(script=Markup(script), script_hash=f"sha256-{digest}",
                                             **_context(folder, plots, sample, audio, config))


def _context(folder: Folder, plots: list[Plot], sample: list[ClipRow], audio: dict[str, str],
             config: ReportConfig) -> dict[str, Any]:
    kept = sum(len(c.pairs) for c in folder.clips)
    dropped = len(folder.rejected)
    skipped = folder.summary.get("skipped")
    n_skipped = sum(int(v) for v in skipped.values()) if isinstance(skipped, dict) else 0
    rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for c in folder.clips:
        row = rows[c.source, c.split]
        row["clips"] += 1
        row["pairs"] += len(c.pairs)
        for p in c.pairs:
            row[p.task or "unknown"] += 1
    by_reason: dict[str, list[Any]] = defaultdict(list)
    for r in folder.rejected:
        by_reason[r.reason].append(r)
    return {
        "title": f"musicqa report: {folder.root.resolve().name}",
        "totals": [("clips", f"{len(folder.clips):,}"), ("QA pairs", f"{kept:,}"),
                   ("pairs per clip", f"{kept / max(len(folder.clips), 1):.1f}"),
                   ("dropped pairs", f"{dropped:,} ({100 * dropped / max(kept + dropped, 1):.1f}%)"),
                   ("skipped clips", f"{n_skipped:,}")],
        "counts": [{"source": s, "split": sp, "clips": r["clips"], "pairs": r["pairs"], "fixed": r["fixed"],
                    "open": r["open"]} for (s, sp), r in sorted(rows.items(),
                                                                key=lambda kv: (kv[0][0], split_order(kv[0][1])))],
        "summary_extra": [(k, _short(v)) for k, v in folder.summary.items() if k not in _SUMMARY_SHOWN],
        "plots": plots,
        "sample": [{"clip_id": c.clip_id, "source": c.source, "split": c.split, "context": c.context,
                    "labels": c.labels, "audio": audio.get(c.clip_id),
                    "pairs": [{"question": p.question, "answer": p.answer, "task": p.task,
                               "type": question_type(p.question)} for p in c.pairs],
                    "items": [{"question": i.question, "options": [(i.correct_answer, "correct"),
                                                                   *zip(i.distractors, i.distractor_kinds)]}
                              for i in c.items]} for c in sample],
        "sources": sorted({c.source for c in sample}),
        "badges": badge_colors(c.source for c in folder.clips),
        "splits": sorted({c.split for c in sample}, key=lambda s: (split_order(s), s)),
        "rejected": [{"reason": reason, "count": len(items), "examples": items[:config.rejected_examples]}
                     for reason, items in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
        "config": to_dict(config),
    }


# Badge backgrounds, light enough for black text; a source gets one by its place among the folder's sources.
BADGE_COLORS = ("#e3eaf6", "#fbe9dd", "#e2f2e4", "#f3e3f3", "#fbf3d5", "#dff1f3", "#ece6dc", "#e9e9f7")


def badge_colors(sources: Iterable[str]) -> dict[str, str]:
    """A background per source in the folder, whatever its name (a name that is not an identifier gets none:
    it goes into the page's CSS as a class)."""
    names = sorted({s for s in sources if s.isidentifier()})
    return {name: BADGE_COLORS[i % len(BADGE_COLORS)] for i, name in enumerate(names)}


def _short(value: Any, limit: int = 400) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + " …"
