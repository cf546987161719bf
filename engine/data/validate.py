"""Checks on raw price data, kept as a list of findings.

Every check returns :class:`Finding` objects (ticker, severity, message) instead of raising, so
that ``rowboat data check`` can print all of them at once; loaders call :func:`raise_on_errors`,
which raises the first error as a :class:`~engine.errors.DataError` and emits the warnings as
:class:`~engine.errors.DataWarning`. Every message names the file, the ticker or column and the
first offending date, and says how to fix it.

Dates must be ISO 8601 (``2015-06-01``; a time or UTC offset after the date, as in Yahoo's
``2016-04-28 00:00:00``, is accepted and dropped): day-first and month-first dates cannot be told
apart, so rowboat does not guess.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.data.frequency import DAILY, infer_frequency
from engine.errors import DataError, DataWarning

ERROR = "error"
WARNING = "warning"

#: A daily simple return outside [MOVE_LOW, MOVE_HIGH] is flagged (a warning, not an error).
MOVE_LOW = -0.40
MOVE_HIGH = 0.60

#: dates before this are errors (a typo: the longest price histories start in the 1800s)
EARLIEST = pd.Timestamp("1800-01-01")
#: a series whose median gap between dates is at most this many calendar days is daily

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?:[ T][0-9:.]*(?:Z|[+-]\d{2}:?\d{2})?)?$"
_LIST = 3  # how many examples a message lists


@dataclass(frozen=True)
class Finding:
    """One result of a check. ``severity`` is ``"error"`` (the data cannot be used) or
    ``"warning"`` (worth a look; loading goes on)."""

    ticker: str
    severity: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def error(ticker: str, message: str) -> Finding:
    return Finding(ticker, ERROR, message)


def warning(ticker: str, message: str) -> Finding:
    return Finding(ticker, WARNING, message)


def raise_on_errors(findings: Iterable[Finding], *, stacklevel: int = 3) -> None:
    """Raise the first error as :class:`DataError`; otherwise emit every warning as a
    :class:`DataWarning`."""
    findings = list(findings)
    for f in findings:
        if f.is_error:
            raise DataError(f.message)
    for f in findings:
        warnings.warn(f.message, DataWarning, stacklevel=stacklevel)


def _day(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


def parse_dates(raw: pd.Series, ticker: str, label: str) -> tuple[pd.DatetimeIndex, list[Finding]]:
    """Parse a column of date strings; unparseable ones become NaT and one error.

    ``raw`` holds the file's text (row ``i`` is line ``i + 2`` of a CSV with one header line).
    """
    text = raw.astype(str).str.strip()
    iso = text.str.match(_ISO_DATE)
    dates = pd.to_datetime(text.str.slice(0, 10).where(iso), format="%Y-%m-%d", errors="coerce")
    bad = np.flatnonzero(dates.isna().to_numpy())
    findings = []
    if len(bad):
        i = int(bad[0])
        findings.append(error(ticker, (
            f"{label}: {len(bad)} date{'s' if len(bad) > 1 else ''} cannot be read (first "
            f"{text.iloc[i]!r} on line {i + 2}); write dates as YYYY-MM-DD (ISO 8601)")))
    return pd.DatetimeIndex(dates, name="Date"), findings


def check_dates(dates: pd.DatetimeIndex, ticker: str, label: str) -> list[Finding]:
    """Duplicated dates, rows out of date order, implausible dates (see
    :func:`check_date_window` and :func:`check_weekends`); NaT rows, already reported, are
    skipped."""
    ok = dates[~dates.isna()]
    findings = check_date_window(ok, ticker, label) + check_weekends(ok, ticker, label)
    dup = ok[ok.duplicated()]
    if len(dup):
        findings.append(error(ticker, (
            f"{label}: {len(dup)} duplicated date{'s' if len(dup) > 1 else ''} (first "
            f"{_day(dup.min())}); remove them so each date appears once")))
    pos = np.flatnonzero(np.diff(ok.asi8) < 0)
    if len(pos):
        i = int(pos[0])
        findings.append(error(ticker, (
            f"{label}: rows are not in date order ({_day(ok[i + 1])} comes after "
            f"{_day(ok[i])}); sort the rows by date, oldest first")))
    return findings


def check_date_window(dates: pd.DatetimeIndex, ticker: str, label: str, *,
                      today: pd.Timestamp | None = None) -> list[Finding]:
    """Dates before :data:`EARLIEST` or after tomorrow (a typo such as 2999-12-31 would stretch
    the period and every annualised number)."""
    today = pd.Timestamp.today().normalize() if today is None else today
    latest = today + pd.Timedelta(days=1)
    findings = []
    for bad, what in ((dates[dates < EARLIEST], f"before {_day(EARLIEST)}"),
                      (dates[dates > latest], "after tomorrow")):
        if len(bad):
            findings.append(error(ticker, (
                f"{label}: {len(bad)} date{'s' if len(bad) > 1 else ''} {what} (first "
                f"{_day(bad[0])}); a typo in the year? fix or delete those rows")))
    return findings


def check_weekends(dates: pd.DatetimeIndex, ticker: str, label: str) -> list[Finding]:
    """Weekend dates in a daily series of exchange closes.

    Only a daily series is checked (:func:`engine.data.frequency.infer_frequency`: a median gap
    of at most 4 calendar days): month-end or month-start dates of monthly data fall on
    weekends legitimately, and so does a seven-day calendar (crypto; Saturdays and Sundays each
    at least 10% of the dates). Many dates on one weekend day with the weekday next to it
    missing is a time-zone shift (a local close stamped in UTC, or the reverse); a few are typos.
    """
    if len(dates) < 3:
        return []
    u = dates.unique().sort_values()
    if infer_frequency(u) != DAILY:        # one definition of "daily" (engine.data.frequency)
        return []
    day = u.day_of_week
    sat, sun = int((day == 5).sum()), int((day == 6).sum())
    if not sat + sun or min(sat, sun) >= 0.10 * len(u):
        return []
    weekend = u[day >= 5]
    n = len(weekend)
    first = f"first {_day(weekend[0])}, a {weekend[0].day_name()}"
    if max(sat, sun) >= 0.10 * len(u):
        gone = "Monday" if sat > sun else "Friday"
        if not (day == (0 if sat > sun else 4)).any():
            return [error(ticker, (
                f"{label}: {n} dates fall on a weekend ({first}) and none on a {gone}: the "
                f"dates look shifted by a time zone (closes stamped in UTC, or the reverse); "
                "write each row's exchange-local date, e.g. in pandas "
                "index.tz_convert('America/New_York').normalize() before dropping the zone"))]
    return [error(ticker, (
        f"{label}: {n} date{'s' if n > 1 else ''} on a weekend ({first}) in a daily series of "
        "trading days; fix or delete those rows (a time-zone shift moves dates by one day)"))]


def check_closes(values: pd.Series, ticker: str, label: str, column: str) -> list[Finding]:
    """NaN, non-numeric or non-positive closes; an empty or all-NaN series.

    ``values`` are floats (non-numbers already NaN) indexed by date (NaT rows removed).
    """
    where = f"{label}: column '{column}'"
    if len(values) == 0:
        return [error(ticker, f"{label}: no price rows; add the daily closes (Date,Close)")]
    nan = values.isna().to_numpy()
    if nan.all():
        return [error(ticker, f"{where} has no prices (every value is empty or not a number); "
                              "fill in the closes or remove the file")]
    findings = []
    if nan.any():
        days = values.index[nan]
        findings.append(error(ticker, (
            f"{where}: {int(nan.sum())} missing or non-numeric price{'s' if nan.sum() > 1 else ''} "
            f"(first on {_day(days[0])}); fill them in or delete those rows")))
    nonpos = values.to_numpy() <= 0
    if nonpos.any():
        i = int(np.flatnonzero(nonpos)[0])
        findings.append(error(ticker, (
            f"{where}: {int(nonpos.sum())} price{'s' if nonpos.sum() > 1 else ''} zero or negative "
            f"(first {values.iloc[i]:g} on {_day(values.index[i])}); prices must be positive — "
            "check the file is closes, not returns")))
    return findings


def check_moves(values: pd.Series, ticker: str, label: str, column: str) -> list[Finding]:
    """A warning when a daily move lies below ``MOVE_LOW`` or above ``MOVE_HIGH``.

    ``values``: clean closes (sorted, unique dates, positive)."""
    r = values.pct_change().iloc[1:]
    big = r[(r < MOVE_LOW) | (r > MOVE_HIGH)]
    if big.empty:
        return []
    shown = ", ".join(f"{v:+.1%} on {_day(d)}" for d, v in big.iloc[:_LIST].items())
    more = f" and {len(big) - _LIST} more" if len(big) > _LIST else ""
    return [warning(ticker, (
        f"{label}: column '{column}' has {len(big)} daily move{'s' if len(big) > 1 else ''} "
        f"outside {MOVE_LOW:+.0%}/{MOVE_HIGH:+.0%} ({shown}{more}); check for an unadjusted "
        "split; genuine for single stocks in crashes"))]


def clean_closes(dates: pd.DatetimeIndex, columns: dict[str, pd.Series], ticker: str, label: str,
                 *, missing_is_gap: bool = False) -> tuple[pd.DataFrame, list[Finding]]:
    """Check one ticker's closes and return them clean (sorted, unique dates, positive, no NaN).

    ``columns``: column name → raw values (strings or numbers) aligned with ``dates`` (NaT where
    a date was unreadable). ``missing_is_gap``: treat empty cells (an empty CSV cell, a null
    in Parquet) as days without a quote (a wide file, where a ticker has no value before its
    first date or on its own holidays) instead of as errors; a non-empty cell that is not a
    finite number (``n/a``, ``12,34``, ``inf``) is still an error, never a gap. Date-level
    checks are the caller's (see :func:`check_dates`).
    """
    keep = ~dates.isna()
    raw = {c: pd.Series(v).reset_index(drop=True) for c, v in columns.items()}
    frame = pd.DataFrame({c: pd.to_numeric(r, errors="coerce") for c, r in raw.items()})
    frame = frame.where(np.isfinite(frame))  # "inf" is not a price
    frame.index = dates
    frame = frame.loc[keep]
    if len(frame) == 0 and len(dates) > 0:  # every date unreadable: the caller reported it
        return frame.astype("float64"), []
    findings: list[Finding] = []
    if missing_is_gap:
        for c, r in raw.items():
            findings += _unreadable_cells(r.loc[keep], frame[c], ticker, label, c)
        if len(frame) and frame.isna().all().any():
            col = frame.columns[frame.isna().all().to_numpy()][0]
            findings.append(error(ticker, (
                f"{label}: column '{col}' has no prices (every value is empty or not a number); "
                "fill in the closes or remove the column")))
            return frame.iloc[:0].astype("float64"), findings
        frame = frame.dropna(how="any")
    for col in frame.columns:
        findings += check_closes(frame[col], ticker, label, col)
    ok = frame.notna().all(axis=1) & (frame > 0).all(axis=1)
    clean = frame.loc[ok]
    clean = clean.loc[~clean.index.duplicated(keep="last")].sort_index()
    if not any(f.is_error for f in findings):
        for col in clean.columns:
            findings += check_moves(clean[col], ticker, label, col)
    return clean.astype("float64"), findings


def _unreadable_cells(raw: pd.Series, values: pd.Series, ticker: str, label: str,
                     column: str) -> list[Finding]:
    """Cells of a wide file that hold something that is not a finite number (an empty cell or a
    null is a gap, not an error). ``raw``: the cells as read; ``values``: the same cells as
    floats (NaN where not a finite number), indexed by date."""
    empty = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    bad = values.isna().to_numpy() & ~empty
    if not bad.any():
        return []
    i = int(np.flatnonzero(bad)[0])
    n = int(bad.sum())
    return [error(ticker, (
        f"{label}: column '{column}': {n} cell{'s' if n > 1 else ''} not a number (first "
        f"{str(raw.iloc[i]).strip()!r} on {_day(values.index[i])}); write closes as plain "
        "numbers with a dot for decimals (12.34), or leave the cell empty for a day without "
        "a quote"))]


def summarise(findings: Sequence[Finding]) -> str:
    """``"2 errors, 1 warning"`` (or ``"ok"``)."""
    n_err = sum(f.is_error for f in findings)
    n_warn = len(findings) - n_err
    parts = [f"{n} {word}{'s' if n > 1 else ''}"
             for n, word in ((n_err, "error"), (n_warn, "warning")) if n]
    return ", ".join(parts) or "ok"
