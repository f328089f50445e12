"""``audit``: run the QA filters over an existing music QA set and say what each pair would lose.

Three inputs, detected from the path and read as streams (``musicqa.audit_input``): a musicqa dataset folder
(``data/<config>/*.parquet``), a JSON array (MU-LLaMA's ``[{"audio_name", "conversation": [{"from": "human"},
{"from": "gpt"}]}]`` or flat ``{"question", "answer"}`` records), or JSON Lines with ``question``, ``answer``
and optional ``context`` (caption, or tags as a list or a comma-separated string), ``clip_id`` and ``id``.
A bad record (not JSON, no answer, not UTF-8) is reported with its line and skipped; the rest is
processed, so one broken line doesn't cost an audit of 50,000 pairs.

Pairs are grouped into clips for the duplicate filter by ``clip_id``/``audio_name``, else by their
context text, else by ``id``: pairs of one clip must be consecutive, as they are in all three formats.
"""

from __future__ import annotations

import hashlib
import json
import logging
import textwrap
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicqa import mullama
from musicqa.analysis import facts_from_record
from musicqa.audit_input import DatasetInput, Input, JsonInput, JsonlInput, OnError, open_input
from musicqa.config import field
from musicqa.errors import InputError, storage
from musicqa.filters import FilterCounts, FiltersConfig, check, filters_from_config
from musicqa.records import Clip, Facts, QAPair

log = logging.getLogger(__name__)


@dataclass
class AuditConfig:
    """Options of ``python -m musicqa audit INPUT``."""

    out: Path | None = field(None, help="write one JSON line per input pair, the input fields plus "
                                        "drop_reasons (empty list = keep) and, for drops by the learned "
                                        "layer, drop_scores; required")
    clean: Path | None = field(None, help="also write the kept pairs in the input's own format "
                                          "(a JSON file, a JSONL file, or a dataset folder)")
    filters: FiltersConfig = field(help="", factory=FiltersConfig)
    progress: bool = field(True, help="show a progress bar")

    def __post_init__(self) -> None:
        if self.out is None:
            raise ValueError("--out is required: the JSON Lines file to write the verdicts to")
        if self.filters.judge.enabled:  # the judge needs an engine; audit loads none
            raise ValueError("--filters.judge.enabled: the LLM judge runs in `build` only (audit loads no engine)")


@dataclass(frozen=True, slots=True)
class Item:
    """One QA pair read from the input, with where it came from."""

    record: Any  # its input record: an index, or (shard, row) in a dataset (a conversation may hold several pairs)
    turn: int  # index of the pair within that record
    fields: dict[str, Any]  # the input fields written to OUT, in input order
    pair: QAPair
    clip: Clip
    obj: Any = None  # the whole JSON record, for --clean (held only while its pairs are in flight)


@dataclass
class AuditResult:
    """What an audit did: the counts, the input format, and the bad records reported."""

    counts: FilterCounts
    input_format: str
    errors: int = 0
    clean_pairs: int | None = None


def _clip(clip_id: str, context: str, facts: Facts | None = None) -> Clip:
    return Clip(clip_id=clip_id, source="audit", source_id=clip_id, split="", text=context, facts=facts)


def _context_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _split_record(obj: Any) -> list[tuple[str, str]] | str:
    """(question, answer) pairs of one record, or a message saying what is missing."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, found {type(obj).__name__}"
    if "conversation" in obj:
        return mullama.pairs_of(obj)
    if not isinstance(obj.get("answer"), str):
        return "record has no answer (expected a string field 'answer')"
    if not isinstance(obj.get("question"), str):
        return "record has no question (expected a string field 'question')"
    return [(obj["question"], obj["answer"])]


class _Grouper:
    """Clip ids for records that don't name their clip: same context = same clip."""

    def clip_id(self, obj: dict[str, Any], context: str, where: int) -> str:
        for key in ("clip_id", "audio_name", "ytid"):
            if obj.get(key) not in (None, ""):
                return str(obj[key])
        if context:
            return "context:" + hashlib.sha1(context.encode()).hexdigest()[:12]
        if obj.get("id") not in (None, ""):
            return str(obj["id"])
        return f"record:{where}"


def _items_from(obj: Any, record: int, line: int, name: str, grouper: _Grouper,
                on_error: OnError) -> Iterator[Item]:
    """The pairs of one JSON / JSON Lines record, each with its clip; a record without pairs is reported."""
    pairs = _split_record(obj)
    if isinstance(pairs, str):
        on_error(f"{name}:{line}: {pairs}; record skipped")
        return
    context = _context_text(obj.get("context"))
    try:  # measured facts (the dataset's 'analysis' names): the grounding filter checks tempo and key against them
        facts = facts_from_record(obj.get("analysis"), f"{name}:{line}: field 'analysis'")
    except InputError as err:
        on_error(f"{err}; record skipped")
        return
    clip = _clip(grouper.clip_id(obj, context, record), context, facts)
    conversation = "conversation" in obj
    for turn, (question, answer) in enumerate(pairs):
        if conversation:
            fields = {k: v for k, v in obj.items() if k != "conversation"}
            fields["conversation"] = mullama.conversation([(question, answer)])
        else:
            fields = dict(obj)
        yield Item(record, turn, fields, QAPair(clip.clip_id, question, answer, str(obj.get("task", ""))), clip, obj)


def _items_of_row(file: Path, root: Path, row: int, values: dict[str, Any], on_error: OnError) -> Iterator[Item]:
    """The pairs of one dataset row (its ``qa`` list); the record is the (shard, row) ``--clean`` rewrites."""
    where = f"{file.relative_to(root)}: row {row} column 'analysis'"
    try:  # measured facts: the grounding filter checks tempo and key against them
        facts = facts_from_record(values.get("analysis"), where)
    except InputError as err:
        on_error(f"{err}; facts ignored")
        facts = None
    clip = _clip(str(values["clip_id"]), _context_text(values.get("context")), facts)
    split = values.get("split") or file.stem.split("-")[0]
    for turn, qa in enumerate(values["qa"] or []):
        if not isinstance(qa, dict) or not isinstance(qa.get("answer"), str):
            on_error(f"{file.relative_to(root)}: row {row} qa[{turn}] has no answer; pair skipped")
            continue
        fields = {"config": file.parent.name, "split": split, "clip_id": clip.clip_id,
                  "question": qa.get("question") or "", "answer": qa["answer"], "task": qa.get("task") or ""}
        pair = QAPair(clip.clip_id, fields["question"], qa["answer"], fields["task"], index=turn)
        yield Item((file, row), turn, fields, pair, clip)


def items(source: Input, on_error: OnError) -> Iterator[Item]:
    """Every pair of ``source`` in input order, read as a stream."""
    if isinstance(source, DatasetInput):
        for file, row, values in source.rows(on_error):
            yield from _items_of_row(file, source.path, row, values, on_error)
        return
    grouper = _Grouper()
    for record, line, obj in source.records(on_error):
        yield from _items_from(obj, record, line, source.path.name, grouper, on_error)


class CleanRecords:
    """``--clean`` for a JSON or JSON Lines input: each record with its kept turns, written once its last verdict is
    in (records arrive in order), straight to the file: no temporary, and memory for one record only.

    A JSON array is closed by ``close``; a killed audit leaves an unterminated array that no JSON reader takes
    for a complete file.
    """

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.json = path, fmt == "json"
        with storage(path, "cannot write"):
            self.fh = open(path, "w", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115 - closed in close()
        self.record: Any = None
        self.obj: Any = None
        self.turns: list[int] = []
        self.written = 0

    def add(self, item: Item, keep: bool) -> None:
        if item.record != self.record:
            self._flush()
            self.record, self.obj, self.turns = item.record, item.obj, []
        if keep:
            self.turns.append(item.turn)

    def _flush(self) -> None:
        if not self.turns:
            return
        obj = self.obj
        if "conversation" in obj:
            pairs = _split_record(obj)
            assert not isinstance(pairs, str)
            obj = {**obj, "conversation": mullama.conversation([pairs[t] for t in self.turns])}
        if self.json:  # the same text json.dumps(list, indent=2) gives, one element at a time
            text = textwrap.indent(json.dumps(obj, indent=2, ensure_ascii=False), "  ")
            text = ("[\n" if not self.written else ",\n") + text
        else:
            text = json.dumps(obj, ensure_ascii=False) + "\n"
        with storage(self.path, "cannot write"):
            self.fh.write(text)
        self.written += 1
        self.turns = []

    def close(self) -> None:
        self._flush()
        with storage(self.path, "cannot write"):
            if self.json:
                self.fh.write("\n]\n" if self.written else "[]\n")
            self.fh.close()


class CleanDataset:
    """``--clean`` for a dataset folder: the kept turns per (shard, row), written as a copy of the folder at the end
    (a shard is rewritten whole; rows are small integers here, the texts are not kept)."""

    def __init__(self, source: DatasetInput, path: Path) -> None:
        self.source, self.path = source, path
        self.kept: dict[tuple[Path, int], list[int]] = {}

    def add(self, item: Item, keep: bool) -> None:
        if keep:
            self.kept.setdefault(item.record, []).append(item.turn)

    def close(self) -> None:
        self.source.write_clean(self.path, self.kept)


def audit(input_path: Path, cfg: AuditConfig, on_error: OnError | None = None) -> AuditResult:
    """Run the filters on every pair of ``input_path``; write ``cfg.out`` (and ``cfg.clean``) as the verdicts come.

    Bad records go to ``on_error`` (default: logged as errors) and are skipped. Returns the counts. The input is
    streamed and OUT written line by line, straight to its path: memory does not grow with the input (but for the
    duplicate filter's 12-byte digest per distinct answer), and a killed audit leaves OUT with the verdicts so far
    (its last line possibly cut) and no hidden temporary.
    """
    assert cfg.out is not None  # AuditConfig.__post_init__ guarantees it
    source = open_input(input_path)
    errors = 0

    def report(message: str) -> None:
        nonlocal errors
        errors += 1
        (on_error or log.error)(message)

    filters = filters_from_config(cfg.filters)
    counts = FilterCounts()
    pending: deque[Item] = deque()  # at most one check() batch: check() yields a batch behind the reader

    def pairs() -> Iterator[tuple[QAPair, Clip]]:
        for item in items(source, report):
            pending.append(item)
            yield item.pair, item.clip

    clean: CleanRecords | CleanDataset | None = None
    if cfg.clean is not None:
        clean = CleanDataset(source, cfg.clean) if isinstance(source, DatasetInput) else \
            CleanRecords(cfg.clean, source.format)
    # backslashreplace: a lone surrogate ("\udcff" is legal in a JSON string) is written back as that escape
    with storage(cfg.out, "cannot write"), open(cfg.out, "w", encoding="utf-8", errors="backslashreplace") as out, \
            _progress(cfg.progress) as bar:
        for *_, drops in check(pairs(), filters, collect_all=True, counts=counts):
            item = pending.popleft()
            line = {**item.fields, "drop_reasons": [v.reason for v in drops]}
            scores = {v.reason: v.score for v in drops if v.score is not None}
            if scores:
                line["drop_scores"] = scores
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            if clean is not None:
                clean.add(item, keep=not drops)
            bar.update(1)
    result = AuditResult(counts, source.format, errors)
    if clean is not None:
        clean.close()
        result.clean_pairs = counts.kept
    log.info("audit %s (%s): %s; %d bad records skipped", input_path, source.format, counts.summary(), errors)
    return result


class _progress:
    """A tqdm bar over pairs (total unknown until the input is parsed), or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> _progress:
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(unit="pair", desc="audit", mininterval=0.5)
        return self

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


__all__ = ["AuditConfig", "AuditResult", "DatasetInput", "JsonInput", "JsonlInput", "audit", "open_input"]
