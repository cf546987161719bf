"""Every drawdown of a return series, with one date convention shared by the page and the
tearsheets.

**The convention** (the comparison page's, and the one rowboat writes into each quantstats
tearsheet in place of quantstats' own): a drawdown runs from its **peak** — the last close at the
running high before value falls — to its **recovery** — the first close back at or above that
high (``NaT`` while it has not recovered). Its **trough** is the first close at its low. Its
length ``days`` is in calendar days from the peak to the recovery (to the last date when not
recovered).

quantstats' ``drawdown_details`` dates the same drawdown by the first and the last close *under
water* (``start`` = peak + 1 trading day, ``end`` = recovery − 1 trading day) and labels the
latter "Recovered"; both are kept here as ``start``/``end`` so the two can be checked against
each other. Equity starts at 1 the day before the first return (quantstats' "phantom
baseline"): a loss on the first day is a drawdown whose peak is that baseline (``peak`` = NaT).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.metrics.tables import drawdown_series

COLUMNS = ("peak", "start", "trough", "end", "recovery", "depth", "days", "trading_days")


def drawdown_periods(returns: pd.Series, top: int | None = None) -> pd.DataFrame:
    """One row per drawdown of daily simple ``returns`` (fractions), deepest first.

    Columns: ``peak``, ``start``, ``trough``, ``end``, ``recovery`` (dates, see the module doc),
    ``depth`` (fraction ≤ 0, the drawdown at the trough), ``days`` (calendar days peak →
    recovery, or → the last date), ``trading_days`` (trading days peak → recovery, or → the last
    date; from the baseline when ``peak`` is NaT). Ties in depth keep time order, so the first
    row is :func:`engine.metrics.summary`'s max drawdown. ``top`` keeps the deepest ``top``.
    """
    dd = drawdown_series(returns).to_numpy()
    index = returns.index
    n = dd.shape[0]
    under = dd < 0.0
    edges = np.diff(np.r_[0, under.astype(np.int8), 0])
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # stop: 1st above
    rows = []
    for s, e in zip(starts, stops):
        trough = s + int(np.argmin(dd[s:e]))
        recovered = e < n
        first = index[s - 1] if s > 0 else index[0]
        last = index[e] if recovered else index[-1]
        rows.append({
            "peak": index[s - 1] if s > 0 else pd.NaT, "start": index[s],
            "trough": index[trough], "end": index[e - 1],
            "recovery": index[e] if recovered else pd.NaT, "depth": float(dd[trough]),
            "days": int((last - first).days) + (0 if s > 0 else 1),
            "trading_days": (e if recovered else n - 1) - (s - 1)})
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table = table.sort_values("depth", kind="stable").reset_index(drop=True)
    for col in ("peak", "start", "trough", "end", "recovery"):
        table[col] = pd.to_datetime(table[col])
    table[["days", "trading_days"]] = table[["days", "trading_days"]].astype(np.int64)
    return table if top is None else table.head(top)
