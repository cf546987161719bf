"""Dates on a trading calendar: reading a date a user typed (:func:`as_date`), and period ends —
the one rule behind monthly (weekly, quarterly, yearly) decision dates and the breakout signal's
month-end closes.

A date is the end of its period when the next date of the calendar falls in a later period.
The calendar's final date has no next date: it counts only when it is the last weekday
(Monday–Friday) of its period or later (a monthly panel dated on calendar month-ends, such as
Saturday 2023-09-30) — on a weekly calendar (Friday closes), when the next Friday falls in a
later period (the last Friday of a month ends that month on a weekly panel, as the full
calendar says: no look-ahead). Exchange holidays are not known, so a final Thursday
2024-03-28 (Good Friday 2024-03-29 was a holiday) is not a month end in a calendar that stops
there, although it is one in a calendar that goes on into April — a period end is never
declared before the period is known to be over.
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from engine.errors import ConfigError, UserError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def as_date(value: object, what: str, *, error: type[UserError] = ConfigError,
            hint: str = "e.g. 2020-01-31") -> pd.Timestamp:
    """A date a user gave (``--start``, ``[run] end``, an anchor date): text must be an ISO
    calendar date ``YYYY-MM-DD``; a Timestamp, datetime or date passes if it has no time zone.
    Anything else raises ``error`` — "{what}: expected YYYY-MM-DD, got '…' (why); {hint}"."""
    why = ""
    if isinstance(value, (pd.Timestamp, dt.date)):
        ts = pd.Timestamp(value)
        if ts.tz is not None:
            raise error(f"{what}: {value!r} carries a time zone; the calendar has none: give "
                        f"YYYY-MM-DD ({hint})")
        return ts
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return pd.Timestamp(dt.date.fromisoformat(text))
        except ValueError as exc:
            why = f" ({exc})"
    raise error(f"{what}: expected YYYY-MM-DD, got {str(value)!r}{why}; {hint}")

#: period name → pandas period code (weeks end on Friday)
PERIODS = {"weekly": "W-FRI", "monthly": "M", "quarterly": "Q", "yearly": "Y"}


def period_end_flags(dates: pd.DatetimeIndex, period: str) -> np.ndarray:
    """Bool (T,): True on the last trading day of each ``period`` (``"weekly"``,
    ``"monthly"``, ``"quarterly"`` or ``"yearly"``) in ``dates`` (ascending), by the rule in
    the module docstring."""
    if period not in PERIODS:
        raise ConfigError(f"period '{period}' is not known; use one of {list(PERIODS)}")
    dates = pd.DatetimeIndex(dates)
    key = (period, str(dates.dtype), dates.asi8.tobytes())
    if key not in _FLAGS:               # a sweep asks once per signal group, on one calendar
        if len(_FLAGS) >= 8:
            _FLAGS.pop(next(iter(_FLAGS)))
        _FLAGS[key] = _period_end_flags(dates, period)
    return _FLAGS[key].copy()


#: (period, dtype, the dates' int64 bytes) → flags: the last few calendars asked about
_FLAGS: dict[tuple[str, str, bytes], np.ndarray] = {}


def _period_end_flags(dates: pd.DatetimeIndex, period: str) -> np.ndarray:
    out = np.zeros(len(dates), dtype=np.bool_)
    if len(dates) == 0:
        return out
    periods = dates.to_period(PERIODS[period])
    codes = np.asarray(periods.asi8)
    out[:-1] = codes[1:] != codes[:-1]
    last = periods[-1]
    if _weekly(dates):
        out[-1] = (dates[-1] + pd.Timedelta(days=7)).to_period(PERIODS[period]) != last
        return out
    last_weekday = pd.bdate_range(last.start_time.normalize(), last.end_time.normalize())[-1]
    out[-1] = dates[-1].normalize() >= last_weekday  # a monthly panel's Saturday month-end too
    return out


def _weekly(dates: pd.DatetimeIndex) -> bool:
    """A weekly calendar: at least 3 dates, a median gap of 5–10 days (as
    :func:`engine.data.frequency.infer_frequency` says)."""
    if len(dates) < 3:
        return False
    days = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    return bool(5 <= np.median(np.diff(days)) <= 10)
