"""Drawdown episodes and rolling annualised returns (the tables Portfolio Visualizer users know).

Conventions shared with :func:`engine.metrics.summary` (its ``max_dd_*`` dates): equity starts
at 1 before the first day; an episode's ``peak`` is the last date at the running high (NaT when
the high is the starting equity), ``trough`` its lowest close, ``recovery`` the first date back
at the high (NaT while under water). Lengths count trading days.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.metrics.summary import check_returns

EPISODE_COLUMNS = ("depth", "peak", "trough", "recovery", "days_down", "days_to_recover",
                   "days_total")


def drawdown_episodes(returns: pd.Series, top: int | None = 5) -> pd.DataFrame:
    """The ``top`` deepest drawdown episodes, deepest first (all when ``top`` is None).

    Columns: ``depth`` (fraction ≤ 0), ``peak``, ``trough``, ``recovery`` (dates),
    ``days_down`` (peak → trough), ``days_to_recover`` (trough → recovery; NaN while under
    water), ``days_total`` (peak → recovery, or → the last date while under water).
    """
    r = check_returns(returns)
    idx = pd.DatetimeIndex(returns.index).to_numpy()
    wealth = np.cumprod(1.0 + r)
    high = np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:]
    under = (wealth < high).astype(np.int8)
    edges = np.diff(np.concatenate([[0], under, [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # stop: first day up
    n = len(r)
    rows = []
    nat = np.datetime64("NaT")
    for start, stop in zip(starts.tolist(), stops.tolist()):
        k = start + int(np.argmin(wealth[start:stop]))
        peak_i = start - 1  # last day at the high (−1: the starting equity)
        recovered = stop < n
        rows.append({
            "depth": float(wealth[k] / high[k] - 1.0),
            "peak": idx[peak_i] if peak_i >= 0 else nat,
            "trough": idx[k],
            "recovery": idx[stop] if recovered else nat,
            "days_down": k - peak_i,
            "days_to_recover": float(stop - k) if recovered else np.nan,
            "days_total": (stop if recovered else n - 1) - peak_i,
        })
    out = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    for col in ("peak", "trough", "recovery"):
        out[col] = pd.to_datetime(out[col])
    out = out.sort_values("depth", kind="stable").reset_index(drop=True)
    return out if top is None else out.head(top)


def rolling_annualised(returns: pd.Series, years: int, periods: int = 252) -> pd.Series:
    """Annualised compounded return over every trailing window of ``years`` × ``periods``
    days (fractions; empty when the series is shorter)."""
    r = check_returns(returns)
    days = years * periods
    if len(r) < days:
        return pd.Series(dtype=float)
    c = np.concatenate([[0.0], np.cumsum(np.log1p(r))])
    logs = c[days:] - c[:-days]
    return pd.Series(np.expm1(logs / years), index=returns.index[days - 1:])


def rolling_summary(returns: pd.DataFrame, years: tuple[int, ...] = (3, 5),
                    periods: int = 252) -> pd.DataFrame:
    """Per strategy and window: min / median / max of the rolling annualised return.

    Index: strategies; columns ``"{y}y_min"``, ``"{y}y_median"``, ``"{y}y_max"`` (NaN when the
    period is shorter than the window)."""
    out = {}
    for name in returns.columns:
        row = {}
        for y in years:
            s = rolling_annualised(returns[name], y, periods)
            row[f"{y}y_min"] = float(s.min()) if len(s) else np.nan
            row[f"{y}y_median"] = float(s.median()) if len(s) else np.nan
            row[f"{y}y_max"] = float(s.max()) if len(s) else np.nan
        out[name] = row
    return pd.DataFrame.from_dict(out, orient="index")
