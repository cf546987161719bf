"""Breakout: a close above the highest close of the prior N years (GUIDE §4).

Read price-return closes when the source has them (index levels, Yahoo's ``Close``), else
total-return closes: :func:`breakout_of` does that choice through ``Panel.signal_close``.

Definitions (all causal — the value at t reads closes up to t only):

- ``level[t]``: highest close over the prior ``years`` calendar years (dates ≥ the same calendar
  date ``years`` earlier), leaving out the last ``exclude_days`` trading days before t;
  ``years=None`` = all prior closes (the all-time high). NaN until ``max(years, min_years)``
  full calendar years of history exist (``min_years = 1`` by default: an "all-time high" of a
  series one week old is no high at all, so no breakout happens in a series' first year).
- ``new_high[t]``: close[t] > level[t].
- ``state``: turns on (1) after ``confirm_days`` consecutive new highs; with ``month_end=True``
  only at a month-end close that ends such a run (``confirm_days=1``: any month-end close above
  the level). It turns off (0) at the first later close ``exit_drop`` below the highest close
  since it turned on (``exit_from="high"``, a trailing exit — the default) or below the level at
  entry (``exit_from="entry"``, a fixed stop that never moves up), or below the lowest of the
  previous ``exit_low_days`` closes. With neither exit set, the state stays on once on. After an exit,
  re-entry needs ``confirm_days`` fresh new highs.
- ``on`` / ``off``: the days the state turns on (the breakout *event*) / off.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.errors import ConfigError
from engine.signals.checks import close_values, days_since_epoch, month_end_flags, positive_int
from engine.signals.nb import breakout_nb

COLUMNS = ("level", "state", "new_high", "on", "off")
#: What ``exit_drop`` is measured from: the highest close since entry (trailing) or the level.
EXIT_FROM = ("high", "entry")


def breakout(close: pd.Series, *, years: int | None = None, exclude_days: int = 0,
             confirm_days: int = 1, month_end: bool = False, exit_drop: float | None = None,
             exit_low_days: int | None = None, min_years: int = 1,
             exit_from: str = "high") -> pd.DataFrame:
    """Breakout level, state and events of one close series.

    Parameters
    ----------
    close: closes (DatetimeIndex, ascending). Leading NaN is allowed (the history starts at the
        first valid close; outputs there are NaN / 0 / False).
    years: look-back in calendar years (whole number ≥ 1); None = all-time high.
    exclude_days: trading days before t left out of the look-back (0 = none).
    confirm_days: consecutive closes above the level needed to turn on (≥ 1).
    month_end: turn on only at a month-end close (the last trading day of a month).
    exit_drop: fall (a fraction, 0 < x < 1) that turns the state off; None = off.
    exit_low_days: turn off below the lowest of the previous M closes; None = off.
    min_years: calendar years of history (from the first valid close) before any level exists
        (≥ 0; default 1: no all-time high, hence no breakout, in a series' first year).
    exit_from: "high" — ``exit_drop`` below the highest close since the state turned on (a
        trailing exit, the default); "entry" — below the level at entry (never moves up).

    Returns a DataFrame on ``close.index`` with columns ``level`` (float, NaN while undefined),
    ``state`` (int64 0/1), ``new_high``, ``on``, ``off`` (bool).
    """
    name = close.name if close.name is not None else "close"
    values, first = close_values(close, f"breakout of '{name}'")
    yrs = 0 if years is None else positive_int(years, "breakout years (None = all-time high)")
    excl = positive_int(exclude_days, "breakout exclude_days", minimum=0)
    k = positive_int(confirm_days, "breakout confirm_days")
    drop = np.nan
    if exit_drop is not None:
        drop = float(exit_drop)
        if not 0.0 < drop < 1.0:
            raise ConfigError("breakout exit_drop must be a fraction between 0 and 1 "
                              f"(0.1 = 10 %), got {exit_drop!r}")
    low = 0 if exit_low_days is None else positive_int(exit_low_days, "breakout exit_low_days")
    min_yrs = positive_int(min_years, "breakout min_years", minimum=0)
    if exit_from not in EXIT_FROM:
        raise ConfigError(f"breakout exit_from must be one of {list(EXIT_FROM)} (\"high\": a "
                          "trailing exit from the highest close since entry; \"entry\": from "
                          f"the level at entry), got {exit_from!r}")

    dates = close.index
    n = len(values)
    level = np.full(n, np.nan)
    state = np.zeros(n, dtype=np.int64)
    new_high = np.zeros(n, dtype=np.bool_)
    on = np.zeros(n, dtype=np.bool_)
    off = np.zeros(n, dtype=np.bool_)
    sl = slice(first, n)
    breakout_nb(np.ascontiguousarray(values[sl]), days_since_epoch(dates[sl]),
                month_end_flags(dates)[sl], yrs, excl, min_yrs, k, bool(month_end), drop,
                exit_from == "high", low,
                level[sl], state[sl], new_high[sl], on[sl], off[sl])
    return pd.DataFrame({"level": level, "state": state, "new_high": new_high, "on": on,
                         "off": off}, index=dates)


def breakout_of(panel, name: str, **params) -> pd.DataFrame:
    """:func:`breakout` of a ticker or sleeve role of a ``Panel``, on ``panel.signal_close(name)``
    (price-return closes when the source has genuine ones, else total-return)."""
    return breakout(panel.signal_close(name), **params)
