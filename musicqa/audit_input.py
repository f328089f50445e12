"""The inputs ``musicqa audit`` reads, streamed: records come out as the file is read, never the whole file at once.

Three formats, detected from the path and its first bytes: a musicqa dataset folder (``data/<config>/*.parquet``,
read one row group at a time), a JSON array and JSON Lines. Each reader yields raw records with where they were
found; ``musicqa.audit`` turns a record into pairs. A bad record (not UTF-8, not JSON) is reported with its line
and skipped, so one broken line doesn't cost an audit of 50,000 pairs.

The JSON array is parsed with the standard library, one element at a time over a window of the file that grows
only while an element is incomplete (``json.JSONDecoder.raw_decode``). ijson would stream too, but a syntax error
ends its parse: the rest of the file would be lost, where here the reader resynchronises on the next record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from musicqa import dataset_folder
from musicqa.errors import InputError, storage

OnError = Callable[[str], None]
Record = tuple[int, int, Any]  # (record index, first line, the parsed JSON value)

_LINES_PER_READ = 256  # lines added to the JSON window at a time: a record or two of pretty-printed MU-LLaMA


def read_lines(path: Path, on_error: OnError) -> Iterator[tuple[int, str, bool]]:
    """(line number, text with its newline, decoded cleanly) for every line, read as a stream.

    A line that is not UTF-8 is reported once and given with replacement characters, so a JSON array's
    parse can go on past it.
    """
    with storage(path, "cannot read"), open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                text, ok = raw.decode("utf-8"), True
            except UnicodeDecodeError as err:
                on_error(f"{path.name}:{number}: not UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start + 1}); "
                         "record skipped")
                text, ok = raw.decode("utf-8", errors="replace"), False
            if number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield number, text, ok


class JsonlInput:
    """JSON Lines: one record per line."""

    format = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self, on_error: OnError) -> Iterator[Record]:
        for number, line, ok in read_lines(self.path, on_error):
            if not ok or not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                on_error(f"{self.path.name}:{number}: invalid JSON ({err.msg} at column {err.colno}); record skipped")
                continue
            yield number, number, obj


class JsonInput:
    """A JSON array of records, parsed element by element so a broken element only loses itself."""

    format = "json"

    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self, on_error: OnError) -> Iterator[Record]:
        name = self.path.name
        lines = read_lines(self.path, on_error)
        decoder = json.JSONDecoder()
        buf, base, pos = "", 1, 0  # the window, the line number of its first character, the parse position
        bad: set[int] = set()  # lines already reported as not UTF-8
        eof = False

        def more() -> bool:
            """Append the next lines to the window; False at the end of the file."""
            nonlocal buf, eof
            chunk = []
            for number, text, ok in lines:
                chunk.append(text)
                if not ok:
                    bad.add(number)
                if len(chunk) >= _LINES_PER_READ:
                    break
            else:
                eof = True
            buf += "".join(chunk)
            return bool(chunk)

        def line_of(at: int) -> int:
            return base + buf.count("\n", 0, at)

        while "[" not in buf and more():
            pass
        pos = buf.index("[") + 1 if "[" in buf else len(buf)  # open_input saw '[' first
        indent: str | None = None
        record = 0
        while True:
            while True:  # skip to the next element, reading on where the window ends
                while pos < len(buf) and buf[pos] in " \t\r\n,":
                    pos += 1
                if pos < len(buf) or eof or not more():
                    break
            if pos >= len(buf) or buf[pos] == "]":
                return
            if indent is None:  # what precedes the first element on its line
                indent = buf[buf.rfind("\n", 0, pos) + 1:pos]
            base, buf, pos = line_of(pos), buf[pos:], 0  # drop what was parsed: the window stays a record or so
            try:
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as err:
                # the element may only be incomplete: read on until the next record at its indentation has begun
                nxt = _next_record(indent).search(buf, err.pos)
                if nxt is None and not eof and more():
                    continue
                on_error(f"{name}:{line_of(err.pos)}: invalid JSON ({err.msg}); record skipped")
                if nxt is None:
                    return
                pos = nxt.start() + 1  # resynchronised on the next line that opens a record at the first's indent
                continue
            first, last = line_of(pos), line_of(end)
            pos = end
            if bad & set(range(first, last + 1)):
                continue  # the UTF-8 error was already reported for this line
            yield record, first, obj
            record += 1


_RECORD_START: dict[str, re.Pattern[str]] = {}


def _next_record(indent: str) -> re.Pattern[str]:
    if indent not in _RECORD_START:
        _RECORD_START[indent] = re.compile(r"\n" + re.escape(indent) + r"[\[{]")
    return _RECORD_START[indent]


class DatasetInput:
    """A musicqa dataset folder: ``data/<config>/*.parquet`` with ``clip_id``, ``context`` and ``qa`` columns.

    Audio is never decoded: only the text columns are read, and ``--clean`` copies the audio bytes as they are.
    """

    format = "dataset"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files = [shard.path for shard in dataset_folder.shards(path)]

    def rows(self, on_error: OnError) -> Iterator[tuple[Path, int, dict[str, Any]]]:
        """(shard, row in it, the row's text columns) for every row of every shard with the columns audit needs."""
        for file in self.files:
            names = set(dataset_folder.columns_of(file))
            missing = {"clip_id", "qa"} - names
            if missing:
                on_error(f"{file.relative_to(self.path)}: missing column(s) {', '.join(sorted(missing))}; file skipped")
                continue
            columns = ["clip_id", "qa"] + [c for c in ("context", "split", "analysis") if c in names]
            for row, values in enumerate(dataset_folder.read_rows(file, columns)):
                yield file, row, values

    def write_clean(self, path: Path, kept: dict[tuple[Path, int], list[int]]) -> None:
        """A copy of the folder whose ``qa`` lists hold only the kept pairs (rows and audio unchanged)."""
        import shutil

        import pyarrow as pa
        import pyarrow.parquet as pq  # writes; reads go through dataset_folder

        from musicqa.atomic import atomic_path

        with storage(path, "cannot write"):
            path.mkdir(parents=True, exist_ok=True)
            for item in self.path.iterdir():
                if item.is_file():
                    shutil.copy2(item, path / item.name)
        for file in self.files:
            table = dataset_folder.read_table(file)
            qa = table.column("qa").to_pylist()
            new = [[pairs[t] for t in kept.get((file, row), [])] if pairs else pairs for row, pairs in enumerate(qa)]
            index = table.schema.get_field_index("qa")
            field_ = table.schema.field(index)
            table = table.set_column(index, field_, pa.array(new, type=field_.type))
            target = path / file.relative_to(self.path)
            with storage(target.parent, "cannot write"):
                target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(target) as tmp:
                pq.write_table(table, tmp)


Input = JsonInput | JsonlInput | DatasetInput


def open_input(path: Path) -> Input:
    """Detect the input's format from the path and its first non-blank bytes (the file is not read whole)."""
    if path.is_dir():
        return DatasetInput(path)
    with storage(path, "cannot read"), open(path, "rb") as fh:
        lead, skipped = b"", b""
        while chunk := fh.read(1 << 16):
            stripped = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")
            skipped += chunk[:len(chunk) - len(stripped)]
            if stripped:
                lead = stripped
                break
    head = lead[:1]
    if head == b"[":
        return JsonInput(path)
    if head == b"{":
        return JsonlInput(path)
    if not head:
        raise InputError(f"{path}: file is empty, expected JSON or JSON Lines")
    first = lead.split(b"\n", 1)[0][:40].decode("utf-8", errors="replace")
    line = skipped.count(b"\n") + 1
    raise InputError(f"{path.name}:{line}: not JSON or JSON Lines: expected '[' or '{{', found {first!r}")
