"""Where each number of the run page's metrics table comes from.

Every column of ``run_page.METRIC_COLUMNS`` is either quantstats' own metric — computed by
rowboat's kernels to quantstats' definition and equal to it to 1e-12 (tests/test_provenance.py
recomputes each with quantstats) — or rowboat's own number, which quantstats does not have; the
page marks those (``OWN_MARK`` after the header, the reason in its tooltip).

``QUANTSTATS``: column key → how to call quantstats for it, ``(function name, keyword
arguments)``; ``"rf"`` in the arguments means the risk-free series as quantstats takes it
(``engine.metrics.quantstats_rf``). ``OWN``: column key → why it is rowboat's own.
"""
from __future__ import annotations

from typing import Any

QUANTSTATS: dict[str, tuple[str, dict[str, Any]]] = {
    "cagr": ("cagr", {"periods": 252}),
    "volatility": ("volatility", {"periods": 252}),
    "sharpe": ("sharpe", {"rf": "rf", "periods": 252}),
    "sortino": ("sortino", {"rf": "rf", "periods": 252}),
    "max_drawdown": ("max_drawdown", {}),
    "calmar": ("calmar", {"periods": 252}),
    "worst_year": ("worst", {"aggregate": "YE"}),
    "pct_positive_months": ("win_rate", {"aggregate": "ME"}),
}

OWN: dict[str, str] = {
    "excess_cagr": "rowboat's own: the difference of two quantstats CAGRs over the same days",
    "turnover_per_year": "rowboat's own: from the simulated trades (quantstats has no trades)",
    "costs_per_year": "rowboat's own: from the simulated trades (quantstats has no trades)",
}

#: appended to the header of a column that is rowboat's own number
OWN_MARK = "°"


def source(key: str) -> str:
    """"quantstats" or "rowboat" for a metrics-table column key (KeyError if unclassified)."""
    if key in QUANTSTATS:
        return "quantstats"
    if key in OWN:
        return "rowboat"
    raise KeyError(f"metrics column {key!r} is neither a quantstats metric nor marked as "
                   "rowboat's own; classify it in engine.report.provenance")
