"""Input checks shared by the signal wrappers (one clear error each)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.data.calendar import period_end_flags
from engine.errors import ConfigError, DataError


def check_index(index: pd.Index, what: str) -> pd.DatetimeIndex:
    """A DatetimeIndex, ascending, unique — else a DataError naming ``what``."""
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"{what}: expected a DatetimeIndex of trading dates, got "
                        f"{type(index).__name__}; parse the dates (pd.to_datetime) first")
    if index.has_duplicates:
        first = index[index.duplicated()][0]
        raise DataError(f"{what}: duplicated date {first.date()}; remove the duplicates")
    if not index.is_monotonic_increasing:
        raise DataError(f"{what}: dates are not in ascending order; sort them (sort_index())")
    return index


def close_values(close: pd.Series, what: str) -> tuple[np.ndarray, int]:
    """Float64 closes and the position of the first valid one.

    Leading NaN (a series that starts later than the calendar) is allowed; a NaN after the first
    valid close, or a close ≤ 0, is a DataError naming the date.
    """
    if not isinstance(close, pd.Series):
        raise DataError(f"{what}: expected a pandas Series of closes, got {type(close).__name__}")
    check_index(close.index, what)
    v = close.to_numpy(dtype=np.float64)
    valid = ~np.isnan(v)
    if not valid.any():
        raise DataError(f"{what}: no closes (all NaN); check the ticker's data")
    first = int(np.argmax(valid))
    tail = v[first:]
    bad = np.isnan(tail)
    if bad.any():
        d = close.index[first + int(np.argmax(bad))]
        raise DataError(f"{what}: missing close on {d.date()} after the series started; fill or "
                        "drop the gap (load_panel forward-fills short holiday gaps)")
    if np.any(tail <= 0) or not np.all(np.isfinite(tail)):
        d = close.index[first + int(np.argmax((tail <= 0) | ~np.isfinite(tail)))]
        raise DataError(f"{what}: close on {d.date()} is not a positive number; closes must be "
                        "prices (> 0), not returns")
    return v, first


def frame_values(frame: pd.DataFrame, what: str) -> np.ndarray:
    """Float64 (T, N) closes with no NaN and all > 0 — else a DataError naming column and date."""
    v = frame.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(v) | (v <= 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(f"{what}: '{frame.columns[c]}' has no valid close on "
                        f"{frame.index[r].date()}; start the data where every series has "
                        "prices (e.g. Panel.slice(start=...))")
    return v


def positive_int(value: object, name: str, minimum: int = 1) -> int:
    """An int ≥ ``minimum`` (bools rejected) — else a ConfigError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} must be a whole number ≥ {minimum}, got {value!r}")
    return int(value)


def days_since_epoch(index: pd.DatetimeIndex) -> np.ndarray:
    """int64 days since 1970-01-01 of each date (the breakout kernel's calendar)."""
    return index.to_numpy(dtype="datetime64[D]").astype(np.int64)


def month_end_flags(index: pd.DatetimeIndex) -> np.ndarray:
    """True on the last trading day of each month: the engine's monthly decision dates (one
    rule, :func:`engine.data.calendar.period_end_flags`). A date is a month-end when the next
    date is in another month; the final date counts only if it is the last weekday of its
    month (an incomplete final month has no month-end)."""
    return period_end_flags(index, "monthly")
