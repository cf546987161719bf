"""Metrics and report tables vs quantstats 0.0.86 on real ETF returns (../shared/data/prices)."""
from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from engine.metrics import (calendar_year_returns, drawdown_series, monthly_table,
                            pct_positive_months, quantstats_rf, summary, worst_year)

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
qs = pytest.importorskip("quantstats")

pytestmark = pytest.mark.realdata
REL = 1e-9


@pytest.fixture(scope="module")
def real_returns(prices_dir) -> dict[str, pd.Series]:
    """Daily returns of SPY, EEM, AGG and BIL from the adjusted closes (Date,Close)."""
    out = {}
    for ticker in ("SPY", "EEM", "AGG", "BIL"):
        close = pd.read_csv(prices_dir / f"{ticker}.csv", index_col="Date", parse_dates=True)
        out[ticker] = close["Close"].pct_change().iloc[1:].rename(ticker)
    return out


def _qs(r: pd.Series, qrf) -> dict[str, float]:
    return {"cagr": qs.stats.cagr(r, periods=252),
            "volatility": qs.stats.volatility(r, periods=252),
            "sharpe": qs.stats.sharpe(r, rf=qrf, periods=252),
            "sortino": qs.stats.sortino(r, rf=qrf, periods=252),
            "max_drawdown": qs.stats.max_drawdown(r),
            "calmar": qs.stats.calmar(r, periods=252),
            "total_return": qs.stats.comp(r)}


@pytest.mark.parametrize("ticker", ["SPY", "EEM", "AGG"])
@pytest.mark.parametrize("with_rf", [False, True])
def test_real_metrics_equal_quantstats(real_returns, ticker, with_rf):
    r = real_returns[ticker]
    rf = None
    if with_rf:  # BIL starts 2007-05-30: measure over the common period
        rf = real_returns["BIL"]
        r = r[r.index >= rf.index[0]]
    ours = summary(r, rf)
    theirs = _qs(r, 0.0 if rf is None else quantstats_rf(rf))
    for key, value in theirs.items():
        assert math.isclose(ours[key], float(value), rel_tol=REL), (key, ours[key], value)
    assert ours["days"] == len(r) > 4000
    # the deepest drawdown's dates, as quantstats' drawdown_details lists them
    details = qs.stats.drawdown_details(qs.stats.to_drawdown_series(r))
    row = details.loc[details["max drawdown"].astype(float).idxmin()]
    assert (ours["max_dd_start"], ours["max_dd_trough"], ours["max_dd_end"]) == tuple(
        pd.Timestamp(row[k]) for k in ("start", "valley", "end"))


def test_real_sharpe_with_bil_literal_quantstats_call(real_returns):
    """quantstats handed BIL's daily returns as rf de-annualises them; we reproduce that call
    exactly when fed the same de-annualised series (documents how quantstats subtracts)."""
    bil = real_returns["BIL"]
    r = real_returns["SPY"]
    r = r[r.index >= bil.index[0]]
    literal = summary(r, (1.0 + bil) ** (1.0 / 252) - 1.0)
    assert math.isclose(literal["sharpe"], qs.stats.sharpe(r, rf=bil, periods=252), rel_tol=REL)
    assert math.isclose(literal["sortino"], qs.stats.sortino(r, rf=bil, periods=252), rel_tol=REL)


def test_real_tables_equal_quantstats(real_returns):
    r = real_returns["SPY"]
    ours = monthly_table(r)
    theirs = qs.stats.monthly_returns(r)
    np.testing.assert_allclose(ours.fillna(0.0).to_numpy(), theirs.to_numpy(dtype=float),
                               rtol=1e-12, atol=1e-15)
    assert list(ours.index) == [int(y) for y in theirs.index]
    years = calendar_year_returns(r)
    assert years[2024] == pytest.approx(0.2489, abs=5e-5)  # data README: +24.89 %
    assert years[2022] == pytest.approx(-0.1818, abs=5e-5)  # and -18.18 %
    assert worst_year(r) == pytest.approx(qs.stats.worst(r, aggregate="YE"), rel=1e-12)
    assert pct_positive_months(r) == qs.stats.win_rate(r, aggregate="ME")
    np.testing.assert_allclose(drawdown_series(r).to_numpy(),
                               qs.stats.to_drawdown_series(r).to_numpy(), rtol=0, atol=1e-15)
