"""Report helpers over daily returns: calendar tables, drawdowns, rolling excess, exposure.

All returns are daily simple returns (fractions) on a DatetimeIndex; outputs are fractions.
Aggregation is compounded, exactly as quantstats 0.0.86 aggregates (``comp`` per group):
calendar years = ``group_returns(r, r.index.year, compounded=True)``; months = ``[year, month]``
groups (quantstats' ``aggregate="ME"``). Partial first/last years and months are included, as in
quantstats.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.errors import ConfigError, DataError
from engine.metrics import nb
from engine.metrics.summary import check_returns, metrics_vector

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def calendar_year_returns(returns: pd.Series) -> pd.Series:
    """Compounded return of each calendar year (index: year as int), as quantstats' EOY."""
    check_returns(returns)
    out = returns.add(1.0).groupby(returns.index.year).prod() - 1.0
    out.index.name = "year"
    return out


def monthly_returns(returns: pd.Series) -> pd.Series:
    """Compounded return of each calendar month, indexed by the month's last date in ``returns``."""
    check_returns(returns)
    idx = returns.index
    out = returns.add(1.0).groupby([idx.year, idx.month]).prod() - 1.0
    return pd.Series(out.to_numpy(), index=_month_ends(idx), name=returns.name)


def _month_ends(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The last date of each (year, month) present in a sorted index."""
    key = index.year * 12 + index.month
    last = np.r_[key[1:] != key[:-1], True]
    return index[last]


def monthly_table(returns: pd.Series) -> pd.DataFrame:
    """Years × JAN..DEC compounded monthly returns plus ``EOY`` (the year's compounded return).

    Equals ``quantstats.stats.monthly_returns`` except that months without data are NaN (not 0)
    and the index is the year as int.
    """
    monthly = monthly_returns(returns)
    table = pd.DataFrame({"year": monthly.index.year, "month": monthly.index.month,
                          "ret": monthly.to_numpy()})
    wide = table.pivot(index="year", columns="month", values="ret")
    wide = wide.reindex(columns=range(1, 13))
    wide.columns = list(MONTHS)
    wide["EOY"] = calendar_year_returns(returns)
    wide.index.name = "year"
    return wide


def drawdown_series(returns: pd.Series) -> pd.Series:
    """Drawdown from the running peak each day (fraction ≤ 0), equity starting at 1 before the
    first day — quantstats' ``to_drawdown_series``; its minimum is summary()'s max_drawdown."""
    values = check_returns(returns)
    out = np.empty_like(values)
    nb.drawdown_nb(values, out)
    return pd.Series(out, index=returns.index, name=returns.name)


def rolling_return(returns: pd.Series, days: int = 252) -> pd.Series:
    """Compounded return over the trailing ``days`` trading days (including the day), NaN until
    ``days`` returns exist. Exact products over each window (no running-ratio drift)."""
    values = check_returns(returns)
    if int(days) != days or days < 1:
        raise ConfigError(f"rolling window: days must be a positive integer, got {days!r}")
    days = int(days)
    out = np.full(values.shape[0], np.nan)
    if values.shape[0] >= days:
        windows = np.lib.stride_tricks.sliding_window_view(1.0 + values, days)
        out[days - 1:] = windows.prod(axis=1) - 1.0
    return pd.Series(out, index=returns.index, name=returns.name)


def _same_dates(returns: pd.Series, bench: pd.Series) -> None:
    check_returns(returns)
    check_returns(bench, "benchmark returns")
    if not returns.index.equals(bench.index):
        raise DataError(f"benchmark returns span {bench.index[0].date()}..{bench.index[-1].date()} "
                        f"({len(bench)} days) but the strategy's span {returns.index[0].date()}.."
                        f"{returns.index[-1].date()} ({len(returns)} days); measure both over "
                        "the same dates (slice them to the common period)")


def rolling_excess(returns: pd.Series, bench: pd.Series, days: int = 252) -> pd.Series:
    """Trailing ``days``-day (252 = 12 months) compounded return minus the benchmark's over the
    same window (fraction points; NaN for the first ``days − 1`` days). Same dates required."""
    _same_dates(returns, bench)
    out = rolling_return(returns, days) - rolling_return(bench, days).to_numpy()
    return out.rename(returns.name)


def worst_year(returns: pd.Series) -> float:
    """Lowest calendar-year compounded return (fraction) = quantstats ``worst(aggregate="YE")``."""
    return float(calendar_year_returns(returns).min())


def pct_positive_months(returns: pd.Series) -> float:
    """Share of months with a positive compounded return among months with a non-zero one
    (quantstats ``win_rate(aggregate="ME")``: flat months are left out); NaN if every month is
    flat (quantstats says 0.0 with a warning)."""
    monthly = monthly_returns(returns)
    nonzero = int((monthly != 0.0).sum())
    if nonzero == 0:
        return float("nan")
    return int((monthly > 0.0).sum()) / nonzero


def excess_cagr(returns: pd.Series, bench: pd.Series) -> float:
    """CAGR of the strategy minus the benchmark's over the same dates (fraction per year)."""
    _same_dates(returns, bench)
    return float(metrics_vector(returns)[nb.CAGR] - metrics_vector(bench)[nb.CAGR])


def exposure(sleeve_weights: pd.DataFrame, how: str = "days",
             threshold: float = 0.01) -> pd.Series:
    """Time in each sleeve, per column of a days × sleeve weights frame (fractions of value).

    ``how="days"``: fraction of days the sleeve's weight exceeds ``threshold`` (default 1 %);
    ``how="average"``: the average weight over all days. Pass the measured period's rows.
    """
    if not isinstance(sleeve_weights, pd.DataFrame) or sleeve_weights.empty:
        raise DataError("exposure: expected a non-empty DataFrame of daily weights (days × "
                        "sleeves), e.g. result.sleeve_weights")
    if sleeve_weights.isna().to_numpy().any():
        raise DataError("exposure: the weights contain NaN; pass realised weights "
                        "(result.sleeve_weights) over the measured period")
    if how == "days":
        out = (sleeve_weights > threshold).mean()
    elif how == "average":
        out = sleeve_weights.mean()
    else:
        raise ConfigError(f"exposure: how must be 'days' or 'average', got {how!r}")
    return out.astype(np.float64)
