"""Calibration targets of the synthetic sample (``engine.data.sample``) and how they are measured.

The figures are measured on real closes (../shared/data) by ``scripts/calibrate_sample.py``,
which prints them beside these constants; only the figures live here, never the data.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from engine.data.panel import TRADING_DAYS_PER_YEAR

SEVEN = ("AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA")
#: Sample tickers that carry their own shocks (the others are built from them).
SHOCKED = (*SEVEN, "US", "EXUS", "EM", "BONDS")


@dataclass(frozen=True)
class Calibration:
    """Targets measured on real closes by ``scripts/calibrate_sample.py`` (rerun it to check).

    ``window``: the common window of the sleeve proxies (first, last date). ``proxy``: sample
    ticker → the real series it is calibrated to. ``vol``: annualised volatility of daily simple
    total returns (std × √252). ``cagr``: (last/first)^(252/n) − 1 on total-return closes, n =
    daily returns. ``corr``: correlation of daily simple returns for the key pairs. ``shock_corr``:
    the correlation matrix of the daily shocks of ``SHOCKED`` (pairwise over the window).
    ``MEGA`` is the seven, cap-weighted: its vol and correlation come from a basket of the real
    seven at the median of their weights in SPY (snapshots in ../shared/data/weights; members join
    as they list); its drift comes from MGK (the seven's own drift, over 25% a year, cannot go with
    a share of US rising only from ~15% to ~35%). ``CASH`` correlations are not modelled.
    """

    window: tuple[str, str]
    proxy: Mapping[str, str]
    vol: Mapping[str, float]
    cagr: Mapping[str, float]
    corr: Mapping[tuple[str, str], float]
    shock_corr: tuple[tuple[float, ...], ...]


CALIBRATION = Calibration(
    window=("2008-04-01", "2026-07-31"),
    proxy=MappingProxyType({"US": "SPY", "MEGA": "Mag7 basket (vol, corr) / MGK (cagr)",
                            "EXUS": "ACWX", "EM": "EEM", "WORLD": "ACWI", "CASH": "BIL",
                            "BONDS": "AGG", **{s: s for s in SEVEN}}),
    vol=MappingProxyType({"US": 0.1973, "MEGA": 0.2612, "EXUS": 0.2159, "EM": 0.2758,
                          "WORLD": 0.2014, "CASH": 0.0046, "BONDS": 0.0542, "AAPL": 0.3051,
                          "MSFT": 0.2837, "AMZN": 0.3652, "GOOGL": 0.2985, "META": 0.3988,
                          "NVDA": 0.4857, "TSLA": 0.5744}),
    cagr=MappingProxyType({"US": 0.1175, "MEGA": 0.1410, "EXUS": 0.0472, "EM": 0.0395,
                           "WORLD": 0.0839, "CASH": 0.0126, "BONDS": 0.0274}),
    corr=MappingProxyType({("US", "MEGA"): 0.845, ("US", "EXUS"): 0.888, ("US", "EM"): 0.822,
                           ("EXUS", "EM"): 0.920, ("US", "WORLD"): 0.965,
                           ("EXUS", "WORLD"): 0.961, ("EM", "WORLD"): 0.888,
                           ("US", "BONDS"): 0.020}),
    shock_corr=(
        (1.000, 0.556, 0.493, 0.554, 0.419, 0.481, 0.363, 0.683, 0.572, 0.545, 0.006),
        (0.556, 1.000, 0.568, 0.592, 0.457, 0.540, 0.346, 0.732, 0.613, 0.578, 0.025),
        (0.493, 0.568, 1.000, 0.589, 0.513, 0.456, 0.362, 0.610, 0.509, 0.497, 0.022),
        (0.554, 0.592, 0.589, 1.000, 0.518, 0.489, 0.346, 0.684, 0.576, 0.548, 0.040),
        (0.419, 0.457, 0.513, 0.518, 1.000, 0.424, 0.296, 0.532, 0.412, 0.378, 0.056),
        (0.481, 0.540, 0.456, 0.489, 0.424, 1.000, 0.373, 0.629, 0.548, 0.529, 0.012),
        (0.363, 0.346, 0.362, 0.346, 0.296, 0.373, 1.000, 0.456, 0.383, 0.365, 0.048),
        (0.683, 0.732, 0.610, 0.684, 0.532, 0.629, 0.456, 1.000, 0.888, 0.822, 0.020),
        (0.572, 0.613, 0.509, 0.576, 0.412, 0.548, 0.383, 0.888, 1.000, 0.920, 0.053),
        (0.545, 0.578, 0.497, 0.548, 0.378, 0.529, 0.365, 0.822, 0.920, 1.000, 0.017),
        (0.006, 0.025, 0.022, 0.040, 0.056, 0.012, 0.048, 0.020, 0.053, 0.017, 1.000)),
)


def measure(closes: pd.DataFrame, start: str | None = None,
            end: str | None = None) -> pd.DataFrame:
    """Per column over ``[start, end]`` (each from its first valid close): ``vol`` (std of daily
    simple returns × √252), ``cagr`` ((last/first)^(252/n) − 1, n daily returns) and ``days``.
    The same definitions measure the real proxies and the sample."""
    rows = {}
    for col, s in closes.loc[start:end].items():
        s = s.dropna()
        r = s.pct_change().iloc[1:]
        growth = s.iloc[-1] / s.iloc[0]
        rows[col] = {"vol": float(r.std(ddof=1) * np.sqrt(TRADING_DAYS_PER_YEAR)),
                     "cagr": float(growth ** (TRADING_DAYS_PER_YEAR / len(r)) - 1),
                     "days": len(r)}
    return pd.DataFrame(rows).T


def correlations(closes: pd.DataFrame, start: str | None = None,
                 end: str | None = None) -> pd.DataFrame:
    """Correlation matrix of daily simple returns over ``[start, end]`` (pairwise overlaps)."""
    return closes.loc[start:end].pct_change(fill_method=None).iloc[1:].corr()
