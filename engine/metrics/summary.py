"""Named metrics of a daily returns Series, computed by :mod:`engine.metrics.nb`.

Each number equals quantstats 0.0.86's own function with ``periods=252`` (see the kernel module
for the definitions) — or with the ``periods`` of the returns' frequency: 12 for monthly
returns, 52 weekly. ``periods=None`` (the default) reads it from the dates
(:func:`periods_of`). The risk-free series here is a **daily return series** (a cash sleeve's
returns, fractions per trading day), subtracted day by day: ``excess = returns − rf``.

quantstats reads ``rf`` differently: as an *annual* rate (scalar or Series) that ``sharpe`` and
``sortino`` de-annualise, ``(1 + rf) ** (1/252) − 1``. Handing it daily returns would subtract
roughly rf/252. To get our numbers from quantstats (tearsheets included), pass
``quantstats_rf(rf)`` — the same series annualised — and quantstats gives back ``rf`` to ~1e-16.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.errors import ConfigError, DataError
from engine.metrics import nb

#: metric keys of :func:`summary`, in display order
SUMMARY_KEYS = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "max_dd_peak",
                "max_dd_start", "max_dd_trough", "max_dd_end", "max_dd_recovery", "calmar",
                "total_return", "days", "skew", "kurtosis")
#: extra keys when rebalances are given
TRADING_KEYS = ("turnover", "costs", "cost_total", "n_rebalances")

_FLOAT_SLOTS = {"cagr": nb.CAGR, "volatility": nb.VOL, "sharpe": nb.SHARPE,
                "sortino": nb.SORTINO, "max_drawdown": nb.MAX_DD, "calmar": nb.CALMAR,
                "total_return": nb.TOTAL_RETURN, "skew": nb.SKEW, "kurtosis": nb.KURT}
_DATE_SLOTS = {"max_dd_peak": nb.DD_PEAK, "max_dd_start": nb.DD_START,
               "max_dd_trough": nb.DD_TROUGH, "max_dd_end": nb.DD_END,
               "max_dd_recovery": nb.DD_RECOVERY}


def check_returns(returns: pd.Series, what: str = "returns") -> np.ndarray:
    """Validate a daily returns Series and return its values as a contiguous float64 array.

    Raises DataError (naming ``what``, the date and the fix) for: not a Series, an index that is
    not a sorted, duplicate-free DatetimeIndex, no rows, or a NaN/inf value.
    """
    if not isinstance(returns, pd.Series):
        raise DataError(f"{what}: expected a pandas Series of daily returns, got "
                        f"{type(returns).__name__}; pass one column (e.g. result.returns)")
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise DataError(f"{what}: the index must be a DatetimeIndex of trading days, got "
                        f"{type(returns.index).__name__}; set it with pd.to_datetime(...)")
    if len(returns) == 0:
        raise DataError(f"{what}: no returns (empty Series); check the date range")
    if not returns.index.is_monotonic_increasing or returns.index.has_duplicates:
        raise DataError(f"{what}: dates must be increasing and unique; sort the Series and "
                        "remove duplicated dates")
    try:
        values = np.ascontiguousarray(returns.to_numpy(dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what}: values are not numeric ({exc}); pass simple returns as "
                        "fractions") from None
    bad = ~np.isfinite(values)
    if bad.any():
        first = returns.index[int(np.argmax(bad))]
        raise DataError(f"{what}: {int(bad.sum())} missing or infinite return(s) (first on "
                        f"{first.date()}); fill or drop those days before computing metrics")
    return values


def align_rf(rf: pd.Series | None, index: pd.DatetimeIndex) -> np.ndarray:
    """The risk-free daily returns on exactly ``index`` (empty array for None).

    ``rf`` may cover more dates than ``index`` (e.g. the whole panel); every date of ``index``
    must be present and finite, otherwise ConfigError names the first missing date.
    """
    if rf is None:
        return np.empty(0)
    if not isinstance(rf, pd.Series) or not isinstance(rf.index, pd.DatetimeIndex):
        raise ConfigError("risk-free: expected a pandas Series of daily returns indexed by date "
                          "(e.g. panel.close('cash').pct_change().fillna(0.0)), got "
                          f"{type(rf).__name__}")
    if rf.index.has_duplicates:
        raise ConfigError("risk-free: duplicated dates in the risk-free series; remove them")
    missing = index.difference(rf.index)
    if len(missing):
        raise ConfigError(f"risk-free series does not cover {len(missing)} return date(s) "
                          f"(first {missing[0].date()}; it spans {_span(rf.index)}); use a "
                          "risk-free series on the same calendar as the returns")
    values = np.ascontiguousarray(rf.reindex(index).to_numpy(dtype=np.float64))
    bad = ~np.isfinite(values)
    if bad.any():
        day = index[int(np.argmax(bad))].date()
        raise ConfigError(f"risk-free: missing or infinite value on {day}; fill it "
                          "(e.g. with 0) or choose another risk-free series")
    return values


def _span(index: pd.DatetimeIndex) -> str:
    return f"{index[0].date()} to {index[-1].date()}" if len(index) else "no dates"


def _trading_arrays(rebalances: pd.DataFrame, index: pd.DatetimeIndex) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """Per-day turnover and cost arrays on ``index`` from a Result.rebalances frame; rebalances
    outside ``index``'s first..last date are outside the measured period and left out."""
    for col in ("turnover", "cost"):
        if col not in rebalances.columns:
            raise ConfigError(f"rebalances: missing column '{col}' (expected Result.rebalances "
                              "with columns turnover and cost)")
    inside = rebalances[(rebalances.index >= index[0]) & (rebalances.index <= index[-1])]
    off = inside.index.difference(index)
    if len(off):
        raise ConfigError(f"rebalances: fill date {off[0].date()} is not a date of the returns; "
                          "pass the rebalances of the same backtest")
    grouped = inside[["turnover", "cost"]].groupby(level=0).sum()
    frame = grouped.reindex(index, fill_value=0.0)
    return (np.ascontiguousarray(frame["turnover"].to_numpy(dtype=np.float64)),
            np.ascontiguousarray(frame["cost"].to_numpy(dtype=np.float64)))


def periods_of(index: pd.DatetimeIndex) -> int:
    """Periods per year of returns on ``index``: 12 when the dates are monthly, 52 weekly, else
    252 (:func:`engine.data.frequency.infer_frequency`; fewer than 3 dates count as daily)."""
    from engine.data.frequency import DAILY, infer_frequency, periods_per_year

    return periods_per_year(infer_frequency(index) or DAILY)


def metrics_vector(returns: pd.Series, rf: pd.Series | None = None,
                   rebalances: pd.DataFrame | None = None,
                   periods: int | None = None) -> np.ndarray:
    """The raw kernel output (length ``nb.N_OUT``; slots ``nb.CAGR`` …) after validation.
    ``periods``: returns per year (None: :func:`periods_of` the index)."""
    values = check_returns(returns)
    rf_values = align_rf(rf, returns.index)
    per = float(periods_of(returns.index) if periods is None else periods)
    out = np.empty(nb.N_OUT)
    if rebalances is None:
        nb.metrics_nb(_read_only(values), _read_only(rf_values), out, per)
    else:
        turnover, cost = _trading_arrays(rebalances, returns.index)
        nb.metrics_full_nb(_read_only(values), _read_only(rf_values), _read_only(turnover),
                           _read_only(cost), out, per)
    return out


def _read_only(x: np.ndarray) -> np.ndarray:
    """A read-only view (no copy): numba types writable and read-only arrays apart, so inputs
    that are sometimes one and sometimes the other would compile and load two signatures of a
    kernel; always read-only, one."""
    view = x.view()
    view.flags.writeable = False
    return view


def summary(returns: pd.Series, rf: pd.Series | None = None,
            rebalances: pd.DataFrame | None = None,
            periods: int | None = None) -> dict[str, float | int | pd.Timestamp]:
    """quantstats-equal metrics of simple returns (fractions), quantstats' ``periods`` =
    ``periods`` (None: from the dates — 252 daily, 52 weekly, 12 monthly).

    Keys: ``cagr`` (fraction/yr), ``volatility`` (annualised, fraction), ``sharpe``, ``sortino``
    (annualised, on ``returns − rf``), ``max_drawdown`` (fraction ≤ 0), ``max_dd_peak`` (last date
    at the peak; NaT when the peak is the starting equity, i.e. a loss on the first day),
    ``max_dd_start`` (first date under water; quantstats drawdown_details' "start"),
    ``max_dd_trough`` ("valley"), ``max_dd_end`` (last date under water = quantstats "end"),
    ``max_dd_recovery`` (first date back at the peak, NaT if not recovered), ``calmar``,
    ``total_return`` (fraction), ``days`` (number of daily returns, int), ``skew``, ``kurtosis``
    (excess) of the excess returns. Drawdown dates are NaT when there is no drawdown.

    ``rf``: risk-free *daily returns* (see the module doc; quantstats needs ``quantstats_rf``).
    ``rebalances``: a Result.rebalances frame (index fill date; columns ``turnover``, ``cost``) adds
    ``turnover`` and ``costs`` (fractions of value per year), ``cost_total``, ``n_rebalances`` over
    the same dates.
    """
    out = metrics_vector(returns, rf, rebalances, periods)
    index = returns.index
    result: dict[str, float | int | pd.Timestamp] = {}
    for key in SUMMARY_KEYS:
        if key in _FLOAT_SLOTS:
            result[key] = float(out[_FLOAT_SLOTS[key]])
        elif key in _DATE_SLOTS:
            pos = int(out[_DATE_SLOTS[key]])
            result[key] = index[pos] if pos >= 0 else pd.NaT
        else:  # days
            result[key] = int(out[nb.DAYS])
    if rebalances is not None:
        result["turnover"] = float(out[nb.TURNOVER])
        result["costs"] = float(out[nb.COSTS])
        result["cost_total"] = float(out[nb.COST_TOTAL])
        result["n_rebalances"] = int(out[nb.N_REBALANCES])
    return result


def summary_frame(returns: pd.DataFrame, rf: pd.Series | None = None) -> pd.DataFrame:
    """:func:`summary` of each column (one row per strategy, columns ``SUMMARY_KEYS``)."""
    if not isinstance(returns, pd.DataFrame):
        raise DataError("summary_frame: expected a DataFrame of daily returns (one column per "
                        f"strategy), got {type(returns).__name__}")
    rows = {name: summary(returns[name].rename(str(name)), rf) for name in returns.columns}
    return pd.DataFrame.from_dict(rows, orient="index")[list(SUMMARY_KEYS)]


def quantstats_rf(rf: pd.Series, periods: int | None = None) -> pd.Series:
    """Risk-free daily returns → the annual-rate Series quantstats expects for ``rf``.

    quantstats' ``sharpe``/``sortino`` (and tearsheets) de-annualise a Series rf with
    ``(1 + rf) ** (1/periods) − 1``; this is its inverse, ``(1 + rf) ** periods − 1``.
    """
    if not isinstance(rf, pd.Series):
        raise ConfigError(f"risk-free: expected a pandas Series of daily returns, got "
                          f"{type(rf).__name__}")
    if periods is None:
        periods = periods_of(pd.DatetimeIndex(rf.index))
    return (1.0 + rf.astype(np.float64)) ** periods - 1.0

