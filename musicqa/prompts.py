"""Render prompts/*.jinja into PromptRequests: sandboxed, strict, hashed.

Prompt text lives only in template files. Rendering uses jinja2's SandboxedEnvironment with
StrictUndefined, so a template typo fails loudly instead of sending an empty prompt, and a caption
that contains ``{{ 7*7 }}`` is passed as a value (printed literally, never evaluated).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from musicqa.errors import InputError
from musicqa.records import Clip, Facts, PromptRequest, Sampling

TASKS = ("fixed", "open", "mcq")  # mcq: MuChoMusic-style multiple-choice items (musicqa.parse_mcq)
DEFAULT_TASKS = ("fixed", "open")  # what a build makes unless --tasks says otherwise
PAPER_QUESTIONS = (
    "Describe the audio",
    "Describe the audio in detail",
    "What do you hear in the audio?",
    "What can be inferred from the audio?",
)
FACTS_TEMPLATE = "facts.jinja"  # the macro every <source>_<task>.jinja renders the measured facts with
OPEN_ASPECTS = ("tempo", "mood", "instruments", "genre", "what can be inferred (a setting, use or occasion)")


def file_hash(path: Path) -> str:
    """First 16 hex chars of the sha256 of a file's bytes: the template's provenance id."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def request_key(clip_id: str, task: str, template_hash: str, model: str, sampling: Sampling,
                messages: Sequence[tuple[str, str]], json_schema: str = "") -> str:
    """Resume key: a hash of everything that changes the output (but not the retry attempt)."""
    payload = json.dumps([clip_id, task, template_hash, model, asdict(sampling), list(messages), json_schema],
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


class PromptSet:
    """The templates of one prompts folder, loaded once per build."""

    def __init__(self, prompts_dir: Path, *, system_template: str = "system.jinja",
                 chat_template: str = "chat/chatml.jinja") -> None:
        if not prompts_dir.is_dir():
            raise InputError(f"{prompts_dir}: prompts folder not found")
        self.dir = prompts_dir
        self.env = sandbox(prompts_dir)
        self.system_name = system_template
        self.chat_path = prompts_dir / chat_template
        if not self.chat_path.is_file():
            raise InputError(f"{self.chat_path}: chat template not found (set --prompts.chat-template)")
        self.chat_template = self.chat_path.read_text(encoding="utf-8")
        self._hashes: dict[str, str] = {}

    def hash_of(self, name: str) -> str:
        """Hash of a task template combined with the system and chat templates it is sent with, and the shared
        include of the measured facts (``facts.jinja``) where the folder has one."""
        if name not in self._hashes:
            parts = [file_hash(self.dir / n) for n in (name, self.system_name)] + [file_hash(self.chat_path)]
            if (self.dir / FACTS_TEMPLATE).is_file():  # folders made before issue 23 have none: their hashes stay
                parts.append(file_hash(self.dir / FACTS_TEMPLATE))
            self._hashes[name] = hashlib.sha256("".join(parts).encode()).hexdigest()[:16]
        return self._hashes[name]

    def template_names(self, sources: Sequence[str], tasks: Sequence[str]) -> list[str]:
        """Every ``<source>_<task>.jinja`` of these sources and tasks; a missing one is an error before any work."""
        names = [f"{s}_{t}.jinja" for s in sources for t in tasks]
        self.require(names)
        return names

    def require(self, names: Sequence[str]) -> None:
        """Raise InputError naming the first of ``names`` (or the system template) that is not in the folder."""
        for n in [*names, self.system_name]:
            if not (self.dir / n).is_file():
                raise InputError(f"{self.dir / n}: prompt template not found (expected one per source x task)")

    def _render(self, name: str, **variables: object) -> str:
        return render_template(self.env, self.dir, name, **variables)

    def render(self, clip: Clip, task: str, *, model: str, sampling: Sampling, json_schema: str,
               questions: Sequence[str] = PAPER_QUESTIONS, n_pairs: int = 5,
               aspects: Sequence[str] = OPEN_ASPECTS, template: str | None = None, duration_s: float | None = None,
               variables: Mapping[str, object] | None = None, facts: Facts | None = None) -> PromptRequest:
        """One request for one clip and task; the same inputs always give the same key.

        ``template`` defaults to ``<clip.source>_<task>.jinja``; ``duration_s`` to the clip's end_s - start_s.
        ``variables`` are the source's own (e.g. MTT's title and artist); the common ones take precedence.
        ``facts`` are the clip's measured facts that passed their confidence thresholds (``analysis.audible``);
        templates get them as ``facts`` (None when there are none), templates made before issue 23 ignore them.
        """
        name = template or f"{clip.source}_{task}.jinja"
        if duration_s is None and clip.end_s is not None:
            duration_s = clip.end_s - clip.start_s
        common = dict(text=clip.text, labels=list(clip.labels), duration_s=duration_s,
                      questions=list(questions) if task == "fixed" else [], n_pairs=n_pairs,
                      aspects=list(aspects)[:n_pairs], source=clip.source,
                      facts=dataclasses.asdict(facts) if facts is not None else None)
        values = {**(variables or {}), **common}
        messages = (("system", self._render(self.system_name, **values)), ("user", self._render(name, **values)))
        template_hash = self.hash_of(name)
        return PromptRequest(
            key=request_key(clip.clip_id, task, template_hash, model, sampling, messages, json_schema),
            clip_id=clip.clip_id, task=task, template=name, template_hash=template_hash, messages=messages,
            sampling=sampling, json_schema=json_schema,
            questions=tuple(questions) if task == "fixed" else (),
        )


def sandbox(folder: Path) -> SandboxedEnvironment:
    """The one Jinja environment every prompt template renders in: sandboxed, StrictUndefined, no autoescape."""
    return SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(folder)), undefined=jinja2.StrictUndefined,
                                keep_trailing_newline=True, autoescape=False)


def render_template(env: SandboxedEnvironment, folder: Path, name: str, **variables: object) -> str:
    """``name`` rendered and stripped; a template fault is one ``InputError`` line naming the file."""
    try:
        return env.get_template(name).render(**variables).strip()
    except jinja2.TemplateSyntaxError as err:
        raise InputError(f"{folder / name}:{err.lineno}: template syntax error: {err.message}") from err
    except jinja2.UndefinedError as err:
        raise InputError(f"{folder / name}: undefined template variable: {err.message}") from err
    except SecurityError as err:  # the sandbox blocked it: the template is at fault, not musicqa
        raise InputError(f"{folder / name}: template blocked by the sandbox: {err}") from err
