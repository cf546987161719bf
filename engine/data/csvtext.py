"""Reading a price CSV as text cells, with one clear :class:`~engine.errors.DataError` for every
way a file can fail to be a comma-separated UTF-8 table.

Checked before pandas sees the text: binary content (NUL bytes or control characters), UTF-16
or another non-UTF-8 encoding, a header separated by semicolons or tabs, duplicated column
names (pandas would silently rename the second ``A`` to ``A.1``); and after: rows with more or
fewer fields than the header — with a hint when the extra fields look like thousands separators
(``1,234.56``). Every message names the file and the line, and says how to fix it.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from engine.errors import DataError

#: how much of a file is inspected for binary content
_SNIFF = 65536
#: at most this many characters of a file's content are ever quoted in a message
_QUOTE = 60
_THOUSANDS = re.compile(r"^-?\d{1,3}$")
_GROUP = re.compile(r"^\d{3}(?:\.\d*)?$")
_SAVE_AS = "save it as comma-separated UTF-8 text (in Excel: CSV UTF-8)"
#: control characters other than tab, line feed and carriage return (binary content)
_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 13))


def quote(text: object, limit: int = _QUOTE) -> str:
    """``repr`` of ``text`` cut to ``limit`` characters (a message never floods the terminal)."""
    s = str(text)
    return repr(s if len(s) <= limit else s[:limit] + "…")


def column_list(columns: list[str], limit: int = 8) -> str:
    """Column names for a message: at most ``limit`` names, each cut short."""
    shown = ", ".join(str(c) if len(str(c)) <= 30 else str(c)[:30] + "…" for c in columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


def _decode(path: Path, label: str) -> str:
    raw = path.read_bytes()
    head = raw[:_SNIFF]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (head[1:200:2].count(0) > 20):
        raise DataError(f"{label}: is UTF-16 text, not UTF-8; {_SAVE_AS}")
    controls = len(head) - len(head.translate(None, _CONTROLS))
    if b"\x00" in head or controls > len(head) // 100:
        raise DataError(f"{label}: is not a text file (binary content, {len(raw):,} bytes); give "
                        "a CSV file with a header Date,Close (or a .parquet file)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise DataError(f"{label}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}; "
                        f"probably Latin-1 or Windows-1252); {_SAVE_AS}") from None


def _check_header(text: str, label: str) -> list[str]:
    first = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([first], skipinitialspace=True), [])
    header = [h.strip() for h in header]
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if sep in header[0]:
                raise DataError(f"{label}: the columns are separated by {name} "
                                f"(header {quote(first)}), not commas; {_SAVE_AS}, with a dot "
                                "for decimals (12.34)")
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise DataError(f"{label}: column {quote(h)} appears twice in the header; rename or "
                            "remove one of them (each column is one ticker)")
        seen.add(h)
    return header


def _field_count_error(text: str, label: str, n_header: int) -> DataError:
    lines = text.splitlines()
    for i, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = next(csv.reader([line], skipinitialspace=True), [])
        if len(fields) == n_header:
            continue
        thousands = len(fields) > n_header and any(
            _THOUSANDS.match(a.strip()) and _GROUP.match(b.strip())
            for a, b in zip(fields[1:], fields[2:]))
        fix = ("the numbers seem to use ',' as a thousands separator; write them without it "
               "(1234.56) or quote them" if thousands
               else "every row needs one value per column (an empty cell is written as nothing "
                    "between two commas)")
        return DataError(f"{label}: line {i} has {len(fields)} fields but the header has "
                         f"{n_header} ({quote(line)}); {fix}")
    return DataError(f"{label}: rows do not match the header's {n_header} columns; {_SAVE_AS}")


def read_text_csv(path: Path, label: str | None = None) -> pd.DataFrame:
    """The CSV as text cells (no type guessing), headers stripped. yfinance's three-line header
    (``Price`` / ``Ticker`` / ``Date``) is reduced to one. Raises :class:`DataError` (see the
    module docstring) and ``pandas.errors.EmptyDataError`` for an empty file."""
    label = label or path.name
    text = _decode(path, label)
    if not text.strip():
        raise pd.errors.EmptyDataError("empty")
    header = _check_header(text, label)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except pd.errors.ParserError:
        raise _field_count_error(text, label, len(header)) from None
    if not isinstance(frame.index, pd.RangeIndex):  # rows one field longer than the header
        raise _field_count_error(text, label, len(header))
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) >= 2 and frame.columns[0] == "Price" and frame.iloc[0, 0] == "Ticker":
        frame = frame.iloc[2:].rename(columns={"Price": "Date"}).reset_index(drop=True)
    return frame
