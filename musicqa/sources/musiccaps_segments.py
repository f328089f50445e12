"""The MusicCaps CSV's ``ytid``/``start_s``/``end_s``: the one parser of a row's segment.

Shared by the build's reader (``sources.musiccaps``) and the downloader (``download.musiccaps``), so the
downloader fetches exactly the segments the build will read, with the same id rules and the same error messages.
It lives in its own module so the downloader does not import the source (which imports the downloader).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from musicqa.sources.base import BAD_ID, BAD_VALUE, DUPLICATE_ID, RowError
from musicqa.sources.table import iter_records, read_header, row_problem, show

SEGMENT_COLUMNS = ("ytid", "start_s", "end_s")
# A YouTube id is 11 characters of this alphabet. It becomes a file name and a dataset id, so nothing
# else gets through (no '/', no '..', no leading option dash tricks beyond what YouTube itself allows).
YTID = re.compile(r"[A-Za-z0-9_-]{11}")
SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def seconds(text: str) -> float | None:
    """Return a non-negative number of seconds, or None; no signs, exponents, 'nan' or 'inf'."""
    text = text.strip()
    if not SECONDS.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class Segment:
    """One CSV row's ``ytid`` and ``start_s``..``end_s``, or the row's first problem in ``error``."""

    line: int  # editor line of the row (the header is line 1)
    ytid: str  # as written (stripped): a valid id unless ``error`` says otherwise; "" if the row is unreadable
    start_s: float = 0.0
    end_s: float = 0.0
    error: RowError | None = None


def read_segments(csv_path: Path) -> Iterator[Segment]:
    """Yield one Segment per data row of a MusicCaps CSV; a missing column or file raises InputError now."""
    csv_path = Path(csv_path)
    header = read_header(csv_path, ",", SEGMENT_COLUMNS, "MusicCaps")
    return _segments(csv_path, header)


def _segments(path: Path, header: list[str]) -> Iterator[Segment]:
    col = {name: i for i, name in enumerate(header)}
    seen: dict[str, int] = {}
    for rec in iter_records(path, ","):
        bad = row_problem(rec, path.name, header)
        if bad:
            yield Segment(rec.first_line, "", error=bad)
            continue
        assert rec.fields is not None
        item = parse_segment(dict(zip(header, rec.fields, strict=True)).__getitem__, f"{path.name}:{rec.first_line}",
                        rec.first_line, seen)
        ytid = rec.fields[col["ytid"]].strip()
        if isinstance(item, RowError):
            yield Segment(rec.first_line, ytid, error=item)
        else:
            yield Segment(rec.first_line, ytid, item[1], item[2])



def parse_segment(get: Callable[[str], str], where: str, line: int,
             seen: dict[str, int]) -> tuple[str, float, float] | RowError:
    """The row's (ytid, start_s, end_s), or its first problem; a good id is remembered in ``seen``."""
    ytid = get("ytid").strip()
    if not YTID.fullmatch(ytid):
        return RowError(BAD_ID, f"{where}: field 'ytid' = {show(ytid)}, expected 11 characters of A-Z a-z 0-9 _ -")
    if ytid in seen:
        return RowError(
            DUPLICATE_ID, f"{where}: field 'ytid' = {show(ytid)}, expected a unique id (first on line {seen[ytid]})"
        )
    seen[ytid] = line
    start_s = seconds(get("start_s"))
    if start_s is None:
        return RowError(BAD_VALUE, f"{where}: field 'start_s' = {show(get('start_s'))}, expected seconds")
    end_s = seconds(get("end_s"))
    if end_s is None:
        return RowError(BAD_VALUE, f"{where}: field 'end_s' = {show(get('end_s'))}, expected seconds")
    if end_s <= start_s:
        return RowError(
            BAD_VALUE, f"{where}: field 'end_s' = {show(get('end_s'))}, expected seconds after start_s ({start_s:g})"
        )
    return ytid, start_s, end_s
