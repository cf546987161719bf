"""What a sweep's variants are compared with: the run's benchmark and the swept strategy as the
config sets it, measured over the sweep's own period with the run page's definitions.

Both come from the experiment the sweep ran (the same panel, signals, costs and lag), cut to the
sweep's measured days, so a variant, the benchmark and the configured strategy are measured on
exactly the same dates (the sweep's period starts when every variant and every strategy of the
config is invested).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: metrics shown for a reference row (the sweep's variants.parquet names)
COLUMNS = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar",
           "turnover_per_year", "costs_per_year", "rebalances")


@dataclass(frozen=True)
class References:
    """``metrics``: one row per reference (index: its label, e.g. "world (benchmark)"), columns
    :data:`COLUMNS` (fractions); ``monthly``: each reference's monthly *total* returns on the
    sweep's months (index: the sweep's month-end dates); ``benchmark``: the benchmark's label
    (``benchmark_name`` its strategy name); ``roles``: label → "benchmark" | "configured"."""

    metrics: pd.DataFrame
    monthly: pd.DataFrame
    benchmark: str
    benchmark_name: str
    roles: dict[str, str]


def monthly_total(daily: np.ndarray, month_last: np.ndarray, start: int) -> np.ndarray:
    """Monthly total returns (fractions) of ``daily`` returns over measured days ``start …``;
    ``month_last``: absolute positions of each month's last measured day (the sweep's months,
    compounded exactly as the fused kernel compounds a variant's months)."""
    wealth = np.cumprod(1.0 + np.asarray(daily, dtype=np.float64))
    at_end = wealth[np.asarray(month_last) - start]
    base = np.r_[1.0, at_end[:-1]]
    return at_end / base - 1.0


def reference_rows(exp: Any, problem: Any, strategy: str) -> References:
    """The benchmark and the configured ``strategy`` of ``exp`` over ``problem``'s period."""
    from engine.report.scorecard import scorecard

    dates = problem.measured_dates
    names = list(dict.fromkeys([exp.benchmark, strategy]))
    returns = pd.DataFrame({n: exp.results[n].returns.reindex(dates) for n in names})
    if returns.isna().any().any():
        missing = returns.columns[returns.isna().any()][0]
        raise ValueError(f"{missing}: no return on some of the sweep's measured days")
    rf = pd.Series(problem.rf[problem.start:problem.stop], index=dates)
    card = scorecard(returns, exp.benchmark, rf,
                     rebalances={n: exp.results[n].rebalances for n in names})
    card["rebalances"] = [len(exp.results[n].rebalances) for n in names]
    labels = {n: f"{n} (benchmark)" if n == exp.benchmark else f"{n} (as configured)"
              for n in names}
    metrics = card[list(COLUMNS)].rename(index=labels)
    monthly = pd.DataFrame({labels[n]: monthly_total(returns[n].to_numpy(), problem.month_last,
                                                     problem.start) for n in names},
                           index=problem.months)
    roles = {labels[n]: "benchmark" if n == exp.benchmark else "configured" for n in names}
    return References(metrics=metrics, monthly=monthly, benchmark=labels[exp.benchmark],
                      benchmark_name=exp.benchmark, roles=roles)
