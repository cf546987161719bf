"""Trend and momentum, the classic references (GUIDE §4).

A month is 21 trading days: ``months=10`` is a 210-day window. Feed these total-return closes
(``panel.close(name, "tr")``) — momentum is a total return; the SMA rule (Faber's timing) is
conventionally run on total-return series too. Both are causal: the value at t reads closes
t−window .. t only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.errors import ConfigError
from engine.signals.checks import close_values, positive_int
from engine.signals.nb import momentum_nb, sma_nb

#: Trading days in a month, for every month-based window.
DAYS_PER_MONTH = 21


def sma_trend(close: pd.Series, months: int = 10,
              rows_per_month: int = DAYS_PER_MONTH) -> pd.DataFrame:
    """Close against its simple moving average over ``21 · months`` trading days
    (``rows_per_month``: 21 on a daily panel, 1 on a monthly one — ``months`` month-end closes).

    Returns columns ``sma`` (NaN until the window is full) and ``above`` (bool: close > sma;
    False while the SMA is undefined).
    """
    name = close.name if close.name is not None else "close"
    values, first = close_values(close, f"SMA trend of '{name}'")
    window = positive_int(rows_per_month, "rows per month") * positive_int(months, "trend months")
    sma = np.full(len(values), np.nan)
    sma_nb(np.ascontiguousarray(values[first:]), window, sma[first:])
    above = np.zeros(len(values), dtype=np.bool_)
    ok = ~np.isnan(sma)
    above[ok] = values[ok] > sma[ok]
    return pd.DataFrame({"sma": sma, "above": above}, index=close.index)


def momentum(close: pd.Series, months: int = 12, skip_months: int = 0,
             rows_per_month: int = DAYS_PER_MONTH) -> pd.Series:
    """Total return over ``21 · months`` trading days, skipping the last ``21 · skip_months``
    (``rows_per_month``: 21 on a daily panel, 1 on a monthly one).

    ``momentum[t] = close[t − 21·skip] / close[t − 21·months] − 1`` (a fraction; NaN until
    ``21 · months`` closes precede t). ``skip_months=1`` gives the classic 12-1 momentum.
    """
    name = close.name if close.name is not None else "close"
    values, first = close_values(close, f"momentum of '{name}'")
    n = positive_int(months, "momentum months")
    skip = positive_int(skip_months, "momentum skip_months", minimum=0)
    if skip >= n:
        raise ConfigError(f"momentum skip_months ({skip}) must be less than months ({n})")
    out = np.full(len(values), np.nan)
    k = positive_int(rows_per_month, "rows per month")
    momentum_nb(np.ascontiguousarray(values[first:]), k * n, k * skip, out[first:])
    return pd.Series(out, index=close.index, name=f"momentum_{n}m")
