"""The metrics of every strategy over the common measurement period, one row per strategy.

All values are fractions (0.12 = 12%), ratios or dates, and all come from :mod:`engine.metrics`
(quantstats 0.0.86's definitions, to 1e-9), so the page, the tearsheets and sweeps agree.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from engine.metrics import calendar_year_returns, exposure, pct_positive_months, summary

TRADING_DAYS = 252

#: The summary keys copied into the scorecard, in order.
SUMMARY_KEYS = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "max_dd_peak",
                "max_dd_trough", "max_dd_recovery", "calmar", "total_return")


def rule_rebalances(rebalances: pd.DataFrame | None) -> pd.DataFrame | None:
    """A Result's rebalances without the first one (the initial purchase).

    Getting invested is not the rule's trading: left in, it would charge a full turnover to
    whichever strategy happens to start investing inside the measurement period.
    """
    if rebalances is None:
        return None
    return rebalances.iloc[1:]


def sleeve_time(sleeve_weights: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(share of days each sleeve's weight is above 1 %, average weight) — both fractions."""
    w = sleeve_weights.fillna(0.0)
    return exposure(w, how="days"), exposure(w, how="average")


def scorecard(returns: pd.DataFrame, benchmark: str, rf: pd.Series | None = None, *,
              rebalances: Mapping[str, pd.DataFrame] | None = None,
              sleeve_weights: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per strategy (index = strategy, in column order of ``returns``).

    ``returns``: daily simple returns over the measurement period (one column per strategy).
    ``rf``: daily risk-free returns (``None`` = 0). ``rebalances``/``sleeve_weights``: per
    strategy, a Result's ``rebalances`` and ``sleeve_weights`` (cut to the period here).
    Columns: the :data:`SUMMARY_KEYS`, ``excess_cagr`` (CAGR minus the benchmark's, fraction
    points), ``worst_year`` and ``worst_year_label``, ``pct_positive_months``,
    ``turnover_per_year`` and ``costs_per_year`` (fractions of value per year, initial purchase
    excluded), ``start``, ``end``, ``days``, and per sleeve ``time_<role>`` (share of days with
    weight > 1 %) and ``avg_<role>`` (average weight).
    """
    start, end = returns.index[0], returns.index[-1]
    days = len(returns)
    rf_p = None if rf is None else rf.reindex(returns.index)
    rows: dict[str, dict[str, object]] = {}
    for name in returns.columns:
        r = returns[name]
        reb = rule_rebalances((rebalances or {}).get(name))
        s = summary(r, rf_p, reb)
        row: dict[str, object] = {k: s[k] for k in SUMMARY_KEYS}
        years_ret = calendar_year_returns(r)
        row["worst_year"] = float(years_ret.min())
        row["worst_year_label"] = str(_year(years_ret.idxmin()))
        row["pct_positive_months"] = pct_positive_months(r)
        row["turnover_per_year"] = s.get("turnover", 0.0)
        row["costs_per_year"] = s.get("costs", 0.0)
        row["start"], row["end"], row["days"] = start, end, days
        if sleeve_weights and name in sleeve_weights:
            share, avg = sleeve_time(sleeve_weights[name].loc[start:end])
            for role in share.index:
                row[f"time_{role}"] = float(share[role])
                row[f"avg_{role}"] = float(avg[role])
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "strategy"
    table.insert(1, "excess_cagr", table["cagr"] - table.at[benchmark, "cagr"])
    # sleeves columns: present for every strategy (0 where a strategy never holds a sleeve)
    sleeve_cols = [c for c in table.columns if c.startswith(("time_", "avg_"))]
    table[sleeve_cols] = table[sleeve_cols].fillna(0.0)
    return table


def calendar_table(returns: pd.DataFrame) -> pd.DataFrame:
    """Calendar-year returns: index = year (int), columns = strategies (fractions)."""
    cols = {}
    for name in returns.columns:
        s = calendar_year_returns(returns[name])
        s.index = [_year(i) for i in s.index]
        cols[name] = s
    out = pd.DataFrame(cols)
    out.index.name = "year"
    return out


def _year(label: object) -> int:
    return int(label.year) if hasattr(label, "year") else int(label)  # type: ignore[union-attr]
