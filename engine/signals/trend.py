"""Trend and momentum, the classic references (GUIDE §4), as published by default.

``basis="month_end"`` (the default): months are calendar months of **month-end closes** (the
last trading day of each month, the engine's monthly decision dates). Faber's timing compares
the latest month-end close with the average of the last 10 month-end closes; Antonacci's GEM
uses the total return over the last 12 calendar months, month-end to month-end. Both values
change only at a month-end close and hold until the next.
``basis="days"``: a month is 21 trading days (``months=10`` is a 210-day SMA of daily closes,
12-month momentum is a 252-day return), updated every day; on a weekly or monthly panel a month
is ``rows_per_year / 12`` rows, rounded (52/12 weeks: 12 months = 52 weeks, 10 = 43; one row).

Feed these total-return closes (``panel.close(name, "tr")``) — momentum is a total return; the
SMA rule is conventionally run on total-return series too. Both are causal: the value at t reads
closes up to t only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.errors import ConfigError
from engine.signals.checks import close_values, month_end_flags, positive_int
from engine.signals.nb import (momentum_nb, month_end_momentum_nb, month_end_sma_nb,
                               sma_nb)

#: Trading days in a month, for ``basis="days"``.
DAYS_PER_MONTH = 21
#: Rows a year of a daily panel (``rows_per_year``; 52 weekly, 12 monthly).
DAYS_PER_YEAR = 252
#: What a month means: month-end closes (the published definitions) or 21 trading days.
BASES = ("month_end", "days")


def _basis(basis: str) -> str:
    if basis not in BASES:
        raise ConfigError(f"basis must be one of {list(BASES)} (\"month_end\": calendar months "
                          f"of month-end closes; \"days\": 21 trading days), got {basis!r}")
    return basis


def _rows(months: int, rows_per_year: int) -> int:
    """Rows in ``months`` months: ``months · rows_per_year / 12``, rounded."""
    return int(round(months * positive_int(rows_per_year, "rows per year") / 12))


def sma_trend(close: pd.Series, months: int = 10, basis: str = "month_end",
              rows_per_year: int = DAYS_PER_YEAR) -> pd.DataFrame:
    """Close against its simple moving average over ``months`` months.

    ``basis="month_end"``: the latest month-end close against the mean of the last ``months``
    month-end closes (Faber; on a monthly panel every row is a month-end); ``basis="days"``:
    the close against the mean of the last ``months · rows_per_year / 12`` closes, rounded
    (``rows_per_year``: 252 on a daily panel — 21 a month —, 52 weekly, 12 monthly).
    Returns columns ``sma`` (NaN until the window is full) and ``above`` (bool: the compared
    close > sma; False while the SMA is undefined).
    """
    name = close.name if close.name is not None else "close"
    values, first = close_values(close, f"SMA trend of '{name}'")
    n = positive_int(months, "trend months")
    sma = np.full(len(values), np.nan)
    ref = values.copy()
    if _basis(basis) == "days":
        window = max(_rows(n, rows_per_year), 1)
        sma_nb(np.ascontiguousarray(values[first:]), window, sma[first:])
    else:
        flags = month_end_flags(close.index)
        month_end_sma_nb(np.ascontiguousarray(values[first:]), flags[first:], n, sma[first:],
                         ref[first:])
    above = np.zeros(len(values), dtype=np.bool_)
    ok = ~np.isnan(sma)
    above[ok] = ref[ok] > sma[ok]
    return pd.DataFrame({"sma": sma, "above": above}, index=close.index)


def momentum(close: pd.Series, months: int = 12, skip_months: int = 0,
             basis: str = "month_end", rows_per_year: int = DAYS_PER_YEAR) -> pd.Series:
    """Total return over ``months`` months, skipping the last ``skip_months``.

    ``basis="month_end"``: with m_j the month-end close j months before the latest month-end
    at or before t, ``momentum[t] = m_skip / m_months − 1`` (GEM; NaN until ``months + 1``
    month-ends exist). ``basis="days"``: with rows(m) = ``m · rows_per_year / 12`` rounded (21 m
    on a daily panel, 52 weeks for 12 months on a weekly one, m on a monthly one),
    ``close[t − rows(skip)] / close[t − rows(months)] − 1`` (NaN until rows(months) closes
    precede t). ``skip_months=1`` gives the classic 12-1 momentum. A fraction.
    """
    name = close.name if close.name is not None else "close"
    values, first = close_values(close, f"momentum of '{name}'")
    n = positive_int(months, "momentum months")
    skip = positive_int(skip_months, "momentum skip_months", minimum=0)
    if skip >= n:
        raise ConfigError(f"momentum skip_months ({skip}) must be less than months ({n})")
    out = np.full(len(values), np.nan)
    if _basis(basis) == "days":
        momentum_nb(np.ascontiguousarray(values[first:]), max(_rows(n, rows_per_year), 1),
                    _rows(skip, rows_per_year), out[first:])
    else:
        month_end_momentum_nb(np.ascontiguousarray(values[first:]),
                              month_end_flags(close.index)[first:], n, skip, out[first:])
    return pd.Series(out, index=close.index, name=f"momentum_{n}m")
