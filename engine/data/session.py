"""The US market clock the Yahoo cache trusts: which daily bar is final.

A session's bar is final once its close has passed: 16:00 in New York (``America/New_York``,
daylight saving included). Sessions are Monday to Friday; exchange holidays are not known here —
on a holiday the cache asks Yahoo once, finds no new bar, and records when it asked (see
:mod:`engine.data.yahoo`), so a holiday costs one download per ticker, not one per run. Early
closes (13:00) count as ending at 16:00: a bar is at worst refused for three hours, never taken
before it is final.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

MARKET_TZ = "America/New_York"
#: the regular close of a US session, New York time
CLOSE = dt.time(16, 0)


def now_utc() -> pd.Timestamp:
    """The current time (UTC). Tests replace it."""
    return pd.Timestamp.now(tz="UTC")


def _previous_weekday(day: pd.Timestamp) -> pd.Timestamp:
    day -= pd.Timedelta(days=1)
    while day.weekday() >= 5:
        day -= pd.Timedelta(days=1)
    return day


def last_closed_session(now: pd.Timestamp) -> pd.Timestamp:
    """The date (naive, midnight) of the latest weekday whose 16:00 New York close is at or
    before ``now`` (a tz-aware time)."""
    local = now.tz_convert(MARKET_TZ)
    today = local.normalize().tz_localize(None)
    if today.weekday() < 5 and local.time() >= CLOSE:
        return today
    return _previous_weekday(today)


def session_close(day: pd.Timestamp) -> pd.Timestamp:
    """When the session of ``day`` (a naive date) closes, in UTC."""
    local = pd.Timestamp(dt.datetime.combine(day.date(), CLOSE)).tz_localize(MARKET_TZ)
    return local.tz_convert("UTC")
