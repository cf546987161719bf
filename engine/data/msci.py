"""MSCI "end of day history" exports (``.xls``, Excel 97–2003), read with xlrd.

The layout MSCI's index page writes (monthly or daily levels)::

    MSCI Inc. ...                       (a few metadata lines, one cell or split over cells)
    Index Level : Gross                 (Price | Gross | Net)
    Currency : USD
    Date          | MSCI EM (EMERGING MARKETS) Standard (Large+Mid Cap)
    Dec 31, 1987  | 100.000
    Jan 29, 1988  | 1,339.259            (text with thousands separators, or a number)
    ...
    (blank rows, then a copyright footer)

The variant decides what the levels are for (GUIDE §3): **Price** levels are price-return closes
(breakouts read them; P&L falls back to them, with a warning that dividends are missing);
**Gross** and **Net** levels are total-return closes (P&L; signals read them too unless a price
file is also given). A file whose variant cannot be read is an error naming it.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from engine.data.sources import SeriesData, _empty
from engine.data.validate import Finding, check_dates, clean_closes, error, warning

VARIANTS = ("price", "gross", "net")
_VARIANT = re.compile(r"index\s+level\s*:?\s*(\w+)", re.I)
_CURRENCY = re.compile(r"currency\s*:?\s*([A-Za-z]{3})\b", re.I)
_FIX = ("export it again from MSCI's end-of-day index history (Excel, 'Index Level : Price', "
        "'Gross' or 'Net'), or save it as Date,Close CSV")


def _cell_text(cell: object, datemode: int) -> str | dt.date:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, datemode).date()
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return repr(float(cell.value))
    return str(cell.value).strip()


def _as_date(value: str | dt.date) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    for fmt in ("%b %d, %Y", "%b %d %Y", "%Y-%m-%d", "%d %b %Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def read_msci_xls(path: str | Path, ticker: str | None = None) -> SeriesData:
    """Read one MSCI end-of-day export. ``SeriesData.variant`` is ``"price"``, ``"gross"`` or
    ``"net"`` and ``currency`` the ISO code from the file; ``tr`` holds the levels (``pr`` too
    for a price file). Problems are findings (errors for an unreadable file or variant)."""
    import xlrd

    path = Path(path)
    ticker = ticker or path.stem
    label = path.name
    try:
        book = xlrd.open_workbook(str(path))
    except FileNotFoundError:
        return _empty(ticker, label, 0, [error(ticker, f"{path}: file not found; add it or "
                                                       "remove the ticker")])
    except Exception as exc:  # xlrd raises XLRDError, struct.error, AssertionError, …
        return _empty(ticker, label, 0, [error(ticker, (
            f"{label}: cannot be read as an Excel 97-2003 .xls file "
            f"({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__});"
            f" {_FIX}"))])
    sheet = book.sheet_by_index(0)
    variant = currency = None
    header = None
    dates: list[dt.date] = []
    values: list[str] = []
    for r in range(sheet.nrows):
        cells = [_cell_text(c, book.datemode) for c in sheet.row(r)]
        cells = [c for c in cells if c != ""]
        if not cells:
            continue
        if header is None:
            line = " ".join(str(c) for c in cells)
            if m := _VARIANT.search(line):
                variant = m.group(1).lower()
            elif m := _CURRENCY.search(line):
                currency = m.group(1).upper()
            elif str(cells[0]).lower() == "date":
                header = [str(c) for c in cells]
            continue
        day = _as_date(cells[0])
        if day is None or len(cells) < 2:
            if dates:          # the footer: data ends at the first row that is not a date
                break
            continue
        dates.append(day)
        values.append(str(cells[1]).replace(",", ""))
    if variant not in VARIANTS:
        found = f"'Index Level : {variant}'" if variant else "no 'Index Level : …' line"
        return _empty(ticker, label, len(dates), [error(ticker, (
            f"{label}: cannot tell which index level it holds ({found}; expected Price, Gross or "
            f"Net); {_FIX}"))])
    if header is None or not dates:
        return _empty(ticker, label, 0, [error(ticker, (
            f"{label}: no 'Date' header row followed by dated levels; {_FIX}"))])
    findings: list[Finding] = []
    idx = pd.DatetimeIndex(pd.to_datetime(dates), name="Date")
    findings += check_dates(idx, ticker, label)
    clean, more = clean_closes(idx, {"Close": pd.Series(values)}, ticker, label)
    findings += more
    levels = clean["Close"].rename(ticker)
    if variant == "price":
        findings.append(warning(ticker, (
            f"{label}: MSCI price levels (no dividends): signals read them, but P&L from them "
            "understates returns; add the Gross or Net export for P&L")))
    name = header[1] if len(header) > 1 else ticker
    return SeriesData(ticker, f"{label} ({name}, {variant}, {currency or '?'})", levels,
                      levels if variant == "price" else None, len(dates), tuple(findings),
                      variant=variant, currency=currency)
