"""Readers for price files: a folder of CSVs (one per ticker) and one wide CSV/Parquet file.

A folder holds one file per ticker, named after it (``SPY.csv``, ``^GSPC.csv``), in one of two
layouts:

* ``Date,Close`` — ``Close`` is taken as a total-return (adjusted) close; the ticker has no
  separate price-return close (``pr = tr``).
* Yahoo's export ``Date,Open,High,Low,Close,Adj Close,Volume`` — ``Adj Close`` is the total-return
  close, ``Close`` the price-return close (used by signals).

A wide file has a ``Date`` column and one column of total-return closes per ticker; an empty cell
is a day without a quote (before a ticker's first date, or its own holiday).

**Price levels** (an index such as ``^GSPC``: ``Date,Close[,Volume]`` without dividends) are
read only when the ticker is *declared* so (``price_only``; config ``[data] price_only =
["^GSPC"]``, CLI ``--price-only ^GSPC``): its ``Close`` is then both the price-return close
(what signals read) and the close returns are computed from (so P&L leaves dividends out). A
file with ``Close`` plus other Yahoo columns but no ``Adj Close`` that is not declared is an
error naming the file and both fixes; a plain ``Date,Close`` file stays a total-return close.

Readers never raise on bad content: they return :class:`SeriesData` with its findings, so that
``rowboat data check`` can list every problem; loaders raise on the first error.
"""
from __future__ import annotations

import decimal
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from engine.data.csvtext import column_list, quote, read_text_csv
from engine.data.validate import Finding, check_dates, clean_closes, error, parse_dates
from engine.errors import DataError

YAHOO_ONLY = ("Open", "High", "Low", "Volume")
WIDE_SUFFIXES = (".csv", ".parquet", ".pq")


@dataclass(frozen=True)
class SeriesData:
    """One ticker as read from a source, with what the checks found.

    ``tr``: total-return closes; ``pr``: genuine price-return closes or ``None``. Both are clean
    (sorted, unique dates, positive) even when ``findings`` hold errors, so a report can still
    show the range; loaders must not use a series that has errors. ``rows``: rows in the file.
    ``variant`` (``"price"``, ``"gross"``, ``"net"``) and ``currency`` when the file says so
    (MSCI exports, :mod:`engine.data.msci`).
    """

    ticker: str
    label: str
    tr: pd.Series
    pr: pd.Series | None
    rows: int
    findings: tuple[Finding, ...] = ()
    variant: str | None = None
    currency: str | None = None

    @property
    def first(self) -> pd.Timestamp | None:
        return self.tr.index[0] if len(self.tr) else None

    @property
    def last(self) -> pd.Timestamp | None:
        return self.tr.index[-1] if len(self.tr) else None


@dataclass(frozen=True)
class SourceData:
    """Several tickers from one source, plus findings about the source as a whole (e.g. the
    dates of a wide file)."""

    label: str
    series: dict[str, SeriesData]
    findings: tuple[Finding, ...] = field(default=())

    def all_findings(self, tickers: Iterable[str] | None = None) -> list[Finding]:
        names = self.series if tickers is None else tickers
        out = list(self.findings)
        for t in names:
            out += self.series[t].findings
        return out


def _empty(ticker: str, label: str, rows: int, findings: list[Finding]) -> SeriesData:
    s = pd.Series([], dtype="float64", index=pd.DatetimeIndex([], name="Date"), name=ticker)
    return SeriesData(ticker, label, s, None, rows, tuple(findings))


def _date_column(columns: list[str]) -> str | None:
    for c in columns:
        if c.lower() in ("date", "datetime"):
            return c
    return None


def read_ticker_csv(path: str | Path, ticker: str | None = None, *,
                    price_only: bool = False) -> SeriesData:
    """Read one ticker's CSV (``Date,Close`` or Yahoo's export layout) and check it.
    ``price_only``: the file holds price levels (see the module docstring)."""
    path = Path(path)
    ticker = ticker or path.stem
    label = path.name
    try:
        frame = read_text_csv(path)
    except DataError as exc:
        return _empty(ticker, label, 0, [error(ticker, str(exc))])
    except FileNotFoundError:
        return _empty(ticker, label, 0, [error(ticker, f"{path}: file not found; add it or "
                                                       "remove the ticker")])
    except pd.errors.EmptyDataError:
        return _empty(ticker, label, 0, [error(ticker, f"{label}: the file is empty; add a header "
                                                       "Date,Close and one row per trading day")])
    cols = list(frame.columns)
    date_col = _date_column(cols)
    rows = len(frame)
    if date_col is None:
        return _empty(ticker, label, rows, [error(ticker, (
            f"{label}: no 'Date' column (columns: {column_list(cols)}); expected Date,Close or "
            "Yahoo's Date,Open,High,Low,Close,Adj Close,Volume"))])
    if price_only and "Close" in cols:
        value_cols = {"tr": "Close", "pr": "Close"}      # declared price levels
    elif "Adj Close" in cols:
        value_cols = {"tr": "Adj Close", "pr": "Close"} if "Close" in cols else {"tr": "Adj Close"}
    elif "Close" in cols and any(c in cols for c in YAHOO_ONLY):
        return _empty(ticker, label, rows, [error(ticker, (
            f"{label}: looks like a Yahoo export ({column_list(cols)}) but has no 'Adj Close' "
            f"column, so it is neither a total-return close nor declared as price levels; if it is an index or price series, declare "
            f"it: [data] price_only = [\"{ticker}\"] (or --price-only {ticker}); else download "
            "it again with adjusted closes, or keep only Date,Close if Close is already a "
            "total-return close"))])
    elif "Close" in cols:
        value_cols = {"tr": "Close"}
    else:
        return _empty(ticker, label, rows, [error(ticker, (
            f"{label}: no 'Close' column (columns: {column_list(cols)}); expected Date,Close or "
            "Yahoo's Date,Open,High,Low,Close,Adj Close,Volume"))])
    if rows == 0:
        return _empty(ticker, label, 0, [error(ticker, f"{label}: no price rows; add the daily "
                                                       "closes below the header")])
    dates, findings = parse_dates(frame[date_col], ticker, label)
    findings += check_dates(dates, ticker, label)
    clean, more = clean_closes(dates, {c: frame[c] for c in value_cols.values()}, ticker, label)
    findings += more
    tr = clean[value_cols["tr"]].rename(ticker)
    pr = clean[value_cols["pr"]].rename(ticker) if "pr" in value_cols else None
    return SeriesData(ticker, label, tr, pr, rows, tuple(findings))


def check_price_only(price_only: Iterable[str], have: Iterable[str], where: str) -> tuple[str, ...]:
    """The declared price-level tickers, each one the source has (else a :class:`DataError`
    naming it)."""
    declared = tuple(dict.fromkeys(str(t) for t in price_only))
    unknown = [t for t in declared if t not in set(have)]
    if unknown:
        raise DataError(f"price_only names {unknown[0]}, which is not in {where}; fix the ticker "
                        "or remove it from price_only")
    return declared


#: file suffixes a folder's tickers are read from (``.xls``: MSCI end-of-day exports)
FOLDER_SUFFIXES = (".csv", ".xls")


def folder_tickers(folder: str | Path) -> list[str]:
    """Tickers in a folder: the names of its ``*.csv`` and ``*.xls`` files, sorted."""
    return sorted({p.stem for p in Path(folder).iterdir()
                   if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES})


def read_ticker_file(folder: Path, ticker: str, *, price_only: bool = False) -> SeriesData:
    """``TICKER.csv`` (:func:`read_ticker_csv`; ``price_only``: it holds price levels) or,
    without one, ``TICKER.xls`` (an MSCI export, :func:`engine.data.msci.read_msci_xls`)."""
    csv = folder / f"{ticker}.csv"
    xls = folder / f"{ticker}.xls"
    if not csv.is_file() and xls.is_file():
        from engine.data.msci import read_msci_xls
        return read_msci_xls(xls, ticker)
    return read_ticker_csv(csv, ticker, price_only=price_only)


def read_folder(folder: str | Path, tickers: Iterable[str] | None = None,
                price_only: Iterable[str] = ()) -> SourceData:
    """Read ``tickers`` (default: every ``*.csv``) from a folder. A ticker without a file is a
    :class:`DataError` that lists the tickers the folder has. ``price_only``: tickers whose
    files hold price levels (see the module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"data folder {folder} not found; give a folder of CSV files, one per "
                        "ticker (e.g. SPY.csv)")
    have = folder_tickers(folder)
    wanted = have if tickers is None else list(dict.fromkeys(tickers))
    missing = [t for t in wanted if t not in have]
    if missing:
        raise DataError(f"ticker{'s' if len(missing) > 1 else ''} {', '.join(missing)} not in "
                        f"{folder}: no {missing[0]}.csv; the folder has "
                        f"{column_list(have, 30) or 'no CSV files'}")
    levels = set(check_price_only(price_only, have, str(folder)))
    return SourceData(f"CSV folder {folder}",
                      {t: read_ticker_file(folder, t, price_only=t in levels)
                       for t in wanted})


def _read_wide_frame(path: Path) -> tuple[pd.Series | pd.DatetimeIndex, pd.DataFrame]:
    """(dates as text or timestamps, value columns) of a wide CSV or Parquet file."""
    if path.suffix.lower() == ".csv":
        frame = read_text_csv(path)
    else:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise DataError(f"{path.name}: cannot be read as Parquet ({exc}); write it with "
                            "DataFrame.to_parquet") from None
        if isinstance(frame.index, pd.DatetimeIndex):
            frame = frame.reset_index(names="Date")
        frame.columns = [str(c) for c in frame.columns]
        dup = frame.columns[frame.columns.duplicated()]
        if len(dup):
            raise DataError(f"{path.name}: column {quote(dup[0])} appears twice; rename or "
                            "remove one of them (each column is one ticker)")
    date_col = _date_column(list(frame.columns))
    if date_col is None:
        raise DataError(f"{path.name}: no 'Date' column (columns: "
                        f"{column_list(list(frame.columns))}); a wide file needs Date and one "
                        "column of closes per ticker")
    if set(YAHOO_ONLY) & set(frame.columns):
        raise DataError(f"{path.name}: looks like one ticker's Yahoo export, not a wide file; put "
                        "it in a folder (file name = ticker, e.g. SPY.csv) and pass the folder")
    raw_dates = frame[date_col]
    if pd.api.types.is_datetime64_any_dtype(raw_dates):
        raw_dates = raw_dates.dt.tz_localize(None) if raw_dates.dt.tz else raw_dates
        raw_dates = raw_dates.dt.strftime("%Y-%m-%d")
    return raw_dates, frame.drop(columns=[date_col])


def _not_prices(column: pd.Series) -> str | None:
    """What a typed (Parquet) column holds when it cannot be closes — booleans would read as
    1.0, timestamps as nanoseconds — else ``None``. Text columns are checked cell by cell."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return f"true/false values (dtype {dtype})"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return f"dates or times (dtype {dtype})"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return f"durations (dtype {dtype})"
    if pd.api.types.is_complex_dtype(dtype):
        return f"complex numbers (dtype {dtype})"
    if isinstance(dtype, pd.CategoricalDtype):
        return f"categories (dtype {dtype})"
    if dtype == object and len(column):
        kinds = {type(v).__name__ for v in column.dropna().iloc[:1000]
                 if isinstance(v, (bool, np.bool_))
                 or not isinstance(v, (str, numbers.Real, decimal.Decimal))}
        if kinds:
            return f"Python objects ({', '.join(sorted(kinds))})"
    return None


def read_wide(path: str | Path, tickers: Iterable[str] | None = None,
              price_only: Iterable[str] = ()) -> SourceData:
    """Read a wide CSV or Parquet file: ``Date`` plus one total-return close column per ticker.
    A ticker without a column is a :class:`DataError` listing the columns."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} not found; give a CSV or Parquet file with a Date "
                        "column and one column per ticker")
    try:
        raw_dates, values = _read_wide_frame(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file is empty; add a header Date,TICKER,... and one "
                        "row per trading day") from None
    have = list(values.columns)
    wanted = have if tickers is None else list(dict.fromkeys(tickers))
    missing = [t for t in wanted if t not in have]
    if missing:
        raise DataError(f"ticker{'s' if len(missing) > 1 else ''} {', '.join(missing)} not in "
                        f"{path.name}: no such column; its columns are {column_list(have, 20)}")
    file_label = path.name
    levels = set(check_price_only(price_only, have, path.name))
    if len(values) == 0:
        return SourceData(f"wide file {path}", {}, (error(file_label, (
            f"{file_label}: no price rows; add one row per trading day")),))
    dates, findings = parse_dates(raw_dates, file_label, file_label)
    findings += check_dates(dates, file_label, file_label)
    series = {}
    for t in wanted:
        label = f"{file_label} [{t}]"
        kind = _not_prices(values[t])
        if kind:
            series[t] = _empty(t, label, len(values), [error(t, (
                f"{label}: column {quote(t)} holds {kind}, not prices; write the closes as "
                "numbers (float64) or drop the column"))])
            continue
        clean, found = clean_closes(dates, {t: values[t]}, t, label, missing_is_gap=True)
        rows = int(pd.to_numeric(values[t], errors="coerce").notna().sum())
        close = clean[t].rename(t)
        series[t] = SeriesData(t, label, close, close if t in levels else None, rows,
                               tuple(found))
    return SourceData(f"wide file {path}", series, tuple(findings))
