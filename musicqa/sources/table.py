"""Reading source tables: the only place that reads CSV/TSV, so every source reports rows by the line a user sees.

A reader checks the header when it is called (``read_header``), so a missing column stops the build before any
work (``InputError``). Rows come from ``iter_records`` with editor line numbers; ``structure_error`` and
``undecodable_field`` turn a broken row into a ``RowError`` naming file:line and the field.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from musicqa.errors import InputError
from musicqa.sources.base import MALFORMED_ROW, RowError


def show(value: str, width: int = 60) -> str:
    """Return ``value`` quoted on one line and cut to ``width`` characters, for messages."""
    if len(value) > width:
        value = value[: width - 3] + "..."
    return repr(value)


def check_limits(limit: int | None, max_context_chars: int, min_tags: int = 0) -> None:
    """Reject impossible reader options; a config's ``__post_init__`` should catch them first."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0 or None, got {limit}")
    if max_context_chars < 1:
        raise ValueError(f"max_context_chars must be >= 1, got {max_context_chars}")
    if min_tags < 0:
        raise ValueError(f"min_tags must be >= 0, got {min_tags}")


def read_header(path: Path, delimiter: str, required: Sequence[str], what: str) -> list[str]:
    """Return the stripped column names of ``path``; raise ``InputError`` if a required one is missing.

    Called before any row is read so that a wrong file stops the build at once, naming the file and
    the column, instead of producing thousands of identical row errors.
    """
    if not path.is_file():
        raise InputError(f"{path}: file not found, expected the {what} table")
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
        try:
            header = next(csv.reader(f, delimiter=delimiter), None)
        except csv.Error as err:
            raise InputError(f"{path}:1: unreadable header ({err}), expected the {what} column names") from err
    if not header:
        raise InputError(f"{path}: empty file, expected a header line with the {what} columns")
    names = [h.strip() for h in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{path}:1: column {name!r} appears twice in the header, expected unique names")
        seen.add(name)
    for column in required:
        if column not in seen:
            found = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
            hint = ""
            if len(names) == 1:
                sep = "tab" if delimiter == "\t" else repr(delimiter)
                hint = f"; the header has one column: is the file {sep}-separated?"
            raise InputError(
                f"{path}:1: missing required column {column!r} ({what}), header has {len(names)} columns: {found}{hint}"
            )
    return names


@dataclass(frozen=True, slots=True)
class Record:
    """One table row with the editor line numbers it spans (a quoted field may hold newlines)."""

    first_line: int
    last_line: int
    fields: list[str] | None  # None when the csv module could not parse the row
    error: str = ""


def iter_records(path: Path, delimiter: str) -> Iterator[Record]:
    """Yield the data rows of ``path`` after its header, with 1-based editor line numbers.

    ``reader.line_num`` counts physical lines read so far, so a row starts one line after the end of
    the previous one; this stays right across quoted newlines and blank lines. Blank lines are not
    rows. Undecodable bytes are kept as surrogates (``surrogateescape``) so that the row can be reported
    with its line number instead of the whole file failing at an unknown position.
    """
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            next(reader)
        except StopIteration:
            return
        end = reader.line_num
        while True:
            start = end + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as err:  # e.g. a field over csv.field_size_limit(); the reader resyncs on the next line
                end = reader.line_num
                yield Record(start, end, None, str(err))
                continue
            end = reader.line_num
            if fields:
                yield Record(start, end, fields)


def structure_error(rec: Record, name: str, n_columns: int) -> RowError | None:
    """Return a ``RowError`` when the row could not be parsed or has the wrong number of fields."""
    span = f"{name}:{rec.first_line}"
    if rec.fields is None:
        return RowError(MALFORMED_ROW, f"{span}: unparsable row ({rec.error}), expected {n_columns} fields")
    if len(rec.fields) != n_columns:
        extra = ""
        if rec.last_line > rec.first_line:
            extra = f" (the row runs to line {rec.last_line}: an unclosed quote?)"
        return RowError(
            MALFORMED_ROW, f"{span}: row has {len(rec.fields)} fields, expected {n_columns} as in the header{extra}"
        )
    return None


def undecodable_field(fields: Sequence[str], header: Sequence[str]) -> str | None:
    """Return the name of the first field holding bytes that are not UTF-8, if any."""
    try:
        "".join(fields).encode("utf-8")  # one check per row; MTT rows have 190 fields
        return None
    except UnicodeEncodeError:
        pass
    for column, value in zip(header, fields, strict=True):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from errors="surrogateescape"
            return column
    return None


def row_problem(rec: Record, name: str, header: Sequence[str]) -> RowError | None:
    """The row's first structural problem (unparsable, wrong field count, bytes that are not UTF-8), if any."""
    bad = structure_error(rec, name, len(header))
    if bad:
        return bad
    assert rec.fields is not None
    column = undecodable_field(rec.fields, header)
    if column:
        return RowError(MALFORMED_ROW, f"{name}:{rec.first_line}: field {column!r} is not valid UTF-8, "
                                       "expected UTF-8 text")
    return None
