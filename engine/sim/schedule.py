"""Decision calendars and the fixed-mix targets helper.

A decision date is the last trading day of a period (GUIDE §3: "monthly means decide on the last
trading day of the month, fill on the next trading day"). The panel's final date is a period end
only if it is the last weekday of its period, so an incomplete final month is not a decision date.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine.data.calendar import PERIODS, period_end_flags
from engine.errors import ConfigError

FREQS = ("daily", *PERIODS)


def schedule_dates(dates: pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """Decision dates in ``dates``: the last trading day of each period.

    ``freq``: ``"daily"`` (every date), ``"weekly"`` (weeks ending Friday), ``"monthly"``,
    ``"quarterly"`` or ``"yearly"``. The last date of ``dates`` counts only when it is the last
    weekday (Monday–Friday) of its period; holidays are not known, so a final Thursday before a
    Good Friday does not count either (:func:`engine.data.calendar.period_end_flags`, the rule
    the breakout signal's month ends share).
    """
    if freq not in FREQS:
        raise ConfigError(f"rebalance frequency '{freq}' is not known; use one of {list(FREQS)}")
    dates = pd.DatetimeIndex(dates)
    if freq == "daily" or len(dates) == 0:
        return dates
    return dates[period_end_flags(dates, freq)]


def fixed_mix(panel, weights: Mapping[str, float], freq: str = "monthly") -> pd.DataFrame:
    """Targets for a constant mix: the same ``weights`` on every decision date of ``freq``.

    ``weights``: sleeve role or ticker → fraction of value (the rest stays in cash). Returns a
    DataFrame indexed by the decision dates (:func:`schedule_dates` on the panel's calendar) with
    one column per key, ready for :func:`engine.sim.backtest`.
    """
    if not weights:
        raise ConfigError("fixed_mix: no weights given; pass e.g. {'us': 0.6, 'bonds': 0.4}")
    known = set(panel.sleeves) | set(panel.tickers)
    unknown = [k for k in weights if k not in known]
    if unknown:
        raise ConfigError(f"fixed_mix: {unknown} are neither sleeves {sorted(panel.sleeves)} nor "
                          f"tickers {sorted(panel.tickers)}; use one of those names")
    idx = schedule_dates(panel.dates, freq)
    if len(idx) == 0:
        raise ConfigError(f"fixed_mix: no {freq} decision date in the panel "
                          f"({panel.dates[0].date()} to {panel.dates[-1].date()}); use a longer "
                          "period or a shorter frequency")
    cols = list(weights)
    values = np.tile(np.asarray([float(weights[c]) for c in cols]), (len(idx), 1))
    return pd.DataFrame(values, index=idx, columns=cols)
