"""Performance metrics, defined exactly as quantstats 0.0.86 defines them (``periods=252``).

Kernels (arrays only, batch and streaming) live in :mod:`engine.metrics.nb`; :func:`summary`
names them; :mod:`engine.metrics.tables` holds the report's calendar/drawdown/exposure helpers;
:func:`drawdown_periods` lists every drawdown (peak → trough → recovery, the page's and the
tearsheets' one date convention).
"""
from __future__ import annotations

from engine.metrics.summary import (SUMMARY_KEYS, TRADING_KEYS, align_rf, check_returns,
                                    metrics_vector, quantstats_rf, summary, summary_frame)
from engine.metrics.drawdowns import drawdown_periods
from engine.metrics.tables import (calendar_year_returns, drawdown_series, excess_cagr, exposure,
                                   monthly_returns, monthly_table, pct_positive_months,
                                   rolling_excess, rolling_return, worst_year)

__all__ = ["SUMMARY_KEYS", "TRADING_KEYS", "align_rf", "calendar_year_returns", "check_returns",
           "drawdown_periods", "drawdown_series", "excess_cagr", "exposure", "metrics_vector",
           "monthly_returns", "monthly_table", "pct_positive_months", "quantstats_rf", "rolling_excess",
           "rolling_return", "summary", "summary_frame", "worst_year"]
