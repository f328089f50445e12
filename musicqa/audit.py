"""``audit``: run the QA filters over an existing music QA set and say what each pair would lose.

Three inputs, detected from the path: a musicqa dataset folder (``data/<config>/*.parquet``), a JSON
array (MU-LLaMA's ``[{"audio_name", "conversation": [{"from": "human"}, {"from": "gpt"}]}]`` or flat
``{"question", "answer"}`` records), or JSON Lines with ``question``, ``answer`` and optional
``context`` (caption, or tags as a list or a comma-separated string), ``clip_id`` and ``id``.
A bad record (not JSON, no answer, not UTF-8) is reported with its line and skipped; the rest is
processed, so one broken line doesn't cost an audit of 50,000 pairs.

Pairs are grouped into clips for the duplicate filter by ``clip_id``/``audio_name``, else by their
context text, else by ``id``: pairs of one clip must be consecutive, as they are in all three formats.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import re
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicqa import dataset_folder, mullama
from musicqa.atomic import atomic_path, write_atomic
from musicqa.config import field
from musicqa.errors import InputError
from musicqa.filters import FilterCounts, FiltersConfig, check, filters_from_config
from musicqa.records import Clip, QAPair

log = logging.getLogger(__name__)

OnError = Callable[[str], None]


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


@dataclass(frozen=True, slots=True)
class Item:
    """One QA pair read from the input, with where it came from."""

    record: int  # index of its input record (a MU-LLaMA conversation may hold several pairs)
    turn: int  # index of the pair within that record
    fields: dict[str, Any]  # the input fields written to OUT, in input order
    pair: QAPair
    clip: Clip


@dataclass
class AuditResult:
    """What an audit did: the counts, the input format, and the bad records reported."""

    counts: FilterCounts
    input_format: str
    errors: int = 0
    clean_pairs: int | None = None


def _clip(clip_id: str, context: str) -> Clip:
    return Clip(clip_id=clip_id, source="audit", source_id=clip_id, split="", text=context)


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
    pairs = _split_record(obj)
    if isinstance(pairs, str):
        on_error(f"{name}:{line}: {pairs}; record skipped")
        return
    context = _context_text(obj.get("context"))
    clip = _clip(grouper.clip_id(obj, context, record), context)
    conversation = "conversation" in obj
    for turn, (question, answer) in enumerate(pairs):
        if conversation:
            fields = {k: v for k, v in obj.items() if k != "conversation"}
            fields["conversation"] = mullama.conversation([(question, answer)])
        else:
            fields = dict(obj)
        yield Item(record, turn, fields, QAPair(clip.clip_id, question, answer, str(obj.get("task", ""))), clip)


def _decode_lines(data: bytes, name: str, on_error: OnError) -> tuple[list[str], set[int]]:
    """Decode line by line so one bad byte costs one line, not the file; returns lines and bad line numbers."""
    lines, bad = [], set()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as err:
            on_error(f"{name}:{number}: not UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start + 1}); "
                     "record skipped")
            bad.add(number)
            lines.append(raw.decode("utf-8", errors="replace"))
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return lines, bad


class JsonInput:
    """A JSON array of records, parsed element by element so a broken element only loses itself."""

    format = "json"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.data = data
        self.records: list[Any] = []

    def items(self, on_error: OnError) -> Iterator[Item]:
        name = self.path.name
        lines, bad = _decode_lines(self.data, name, on_error)
        text = "\n".join(lines)
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        line_of = lambda pos: bisect.bisect_right(starts, pos)  # noqa: E731
        decoder = json.JSONDecoder()
        pos = text.index("[") + 1
        indent: str | None = None
        grouper = _Grouper()
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text) or text[pos] == "]":
                break
            start_line = line_of(pos)
            if indent is None:
                indent = text[starts[start_line - 1]:pos]
            try:
                obj, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as err:
                on_error(f"{name}:{line_of(err.pos)}: invalid JSON ({err.msg}); record skipped")
                # resynchronise on the next line that opens a record at the first record's indentation
                nxt = re.compile(r"\n" + re.escape(indent or "") + r"[\[{]").search(text, err.pos)
                if nxt is None:
                    break
                pos = nxt.start() + 1
                continue
            record = len(self.records)
            self.records.append(obj)
            pos = end
            if bad & set(range(start_line, line_of(end) + 1)):
                continue  # the UTF-8 error was already reported for this line
            yield from _items_from(obj, record, start_line, name, grouper, on_error)

    def write_clean(self, path: Path, kept: dict[int, list[int]]) -> None:
        """The kept pairs as a JSON array in the input's shape (a conversation keeps only its kept turns)."""
        out = []
        for record, turns in sorted(kept.items()):
            obj = self.records[record]
            if "conversation" in obj:
                pairs = _split_record(obj)
                assert not isinstance(pairs, str)
                obj = {**obj, "conversation": mullama.conversation([pairs[t] for t in turns])}
            out.append(obj)
        write_atomic(path, json.dumps(out, indent=2, ensure_ascii=False) + "\n")


class JsonlInput:
    """JSON Lines: one record per line."""

    format = "jsonl"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.data = data
        self.records: dict[int, Any] = {}

    def items(self, on_error: OnError) -> Iterator[Item]:
        name = self.path.name
        lines, bad = _decode_lines(self.data, name, on_error)
        grouper = _Grouper()
        for number, line in enumerate(lines, start=1):
            if number in bad or not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                on_error(f"{name}:{number}: invalid JSON ({err.msg} at column {err.colno}); record skipped")
                continue
            self.records[number] = obj
            yield from _items_from(obj, number, number, name, grouper, on_error)

    def write_clean(self, path: Path, kept: dict[int, list[int]]) -> None:
        """The kept records, one per line, as they were read."""
        lines = []
        for record, turns in sorted(kept.items()):
            obj = self.records[record]
            if "conversation" in obj:
                pairs = _split_record(obj)
                assert not isinstance(pairs, str)
                obj = {**obj, "conversation": mullama.conversation([pairs[t] for t in turns])}
            lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
        write_atomic(path, "".join(lines))


class DatasetInput:
    """A musicqa dataset folder: ``data/<config>/*.parquet`` with ``clip_id``, ``context`` and ``qa`` columns.

    Audio is never decoded: only the text columns are read, and ``--clean`` copies the audio bytes as they are.
    """

    format = "dataset"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files = [shard.path for shard in dataset_folder.shards(path)]
        self._record_of: dict[tuple[Path, int], int] = {}

    def items(self, on_error: OnError) -> Iterator[Item]:
        record = 0
        for file in self.files:
            config = file.parent.name
            rel = file.relative_to(self.path)
            names = set(dataset_folder.columns_of(file))
            missing = {"clip_id", "qa"} - names
            if missing:
                on_error(f"{rel}: missing column(s) {', '.join(sorted(missing))}; file skipped")
                continue
            columns = ["clip_id", "qa"] + [c for c in ("context", "split") if c in names]
            for row, values in enumerate(dataset_folder.read_rows(file, columns)):
                self._record_of[(file, row)] = record
                context = _context_text(values.get("context"))
                clip = _clip(str(values["clip_id"]), context)
                split = values.get("split") or file.stem.split("-")[0]
                for turn, qa in enumerate(values["qa"] or []):
                    if not isinstance(qa, dict) or not isinstance(qa.get("answer"), str):
                        on_error(f"{rel}: row {row} qa[{turn}] has no answer; pair skipped")
                        continue
                    fields = {"config": config, "split": split, "clip_id": clip.clip_id,
                              "question": qa.get("question") or "", "answer": qa["answer"],
                              "task": qa.get("task") or ""}
                    pair = QAPair(clip.clip_id, fields["question"], qa["answer"], fields["task"], index=turn)
                    yield Item(record, turn, fields, pair, clip)
                record += 1

    def write_clean(self, path: Path, kept: dict[int, list[int]]) -> None:
        """A copy of the folder whose ``qa`` lists hold only the kept pairs (rows and audio unchanged)."""
        import pyarrow as pa
        import pyarrow.parquet as pq  # writes; reads go through dataset_folder

        path.mkdir(parents=True, exist_ok=True)
        for item in self.path.iterdir():
            if item.is_file():
                shutil.copy2(item, path / item.name)
        for file in self.files:
            table = dataset_folder.read_table(file)
            qa = table.column("qa").to_pylist()
            new = [[pairs[t] for t in kept.get(self._record_of.get((file, row), -1), [])] if pairs else pairs
                   for row, pairs in enumerate(qa)]
            index = table.schema.get_field_index("qa")
            field_ = table.schema.field(index)
            table = table.set_column(index, field_, pa.array(new, type=field_.type))
            target = path / file.relative_to(self.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(target) as tmp:
                pq.write_table(table, tmp)


Input = JsonInput | JsonlInput | DatasetInput


def open_input(path: Path) -> Input:
    """Detect the input's format from the path and its first bytes."""
    if path.is_dir():
        return DatasetInput(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from err
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"[":
        return JsonInput(path, data)
    if head == b"{":
        return JsonlInput(path, data)
    if not head:
        raise InputError(f"{path}: file is empty, expected JSON or JSON Lines")
    first = data.lstrip().split(b"\n", 1)[0][:40].decode("utf-8", errors="replace")
    line = data[:len(data) - len(data.lstrip())].count(b"\n") + 1
    raise InputError(f"{path.name}:{line}: not JSON or JSON Lines: expected '[' or '{{', found {first!r}")


def audit(input_path: Path, cfg: AuditConfig, on_error: OnError | None = None) -> AuditResult:
    """Run the filters on every pair of ``input_path``; write ``cfg.out`` (and ``cfg.clean``).

    Bad records go to ``on_error`` (default: logged as errors) and are skipped. Returns the counts.
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
    kept: dict[int, list[int]] = {}
    pending: deque[Item] = deque()

    def pairs() -> Iterator[tuple[QAPair, Clip]]:
        for item in source.items(report):
            pending.append(item)
            yield item.pair, item.clip

    # backslashreplace: a lone surrogate ("\udcff" is legal in a JSON string) is written back as that escape
    with atomic_path(cfg.out) as tmp, open(tmp, "w", encoding="utf-8", errors="backslashreplace") as out, \
            _progress(cfg.progress) as bar:
        for *_, drops in check(pairs(), filters, collect_all=True, counts=counts):
            item = pending.popleft()  # check() yields in input order, a batch behind the reader
            line = {**item.fields, "drop_reasons": [v.reason for v in drops]}
            scores = {v.reason: v.score for v in drops if v.score is not None}
            if scores:
                line["drop_scores"] = scores
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            if not drops:
                kept.setdefault(item.record, []).append(item.turn)
            bar.update(1)
    result = AuditResult(counts, source.format, errors)
    if cfg.clean is not None:
        source.write_clean(cfg.clean, kept)
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
