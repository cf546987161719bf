"""rowboat vs vectorbt on identical target weights (GUIDE §3, issue "Done when").

The oracle is vectorbt itself, called here directly — not through rowboat's backend:
``Portfolio.from_orders(size_type='targetpercent', group_by=True, cash_sharing=True,
call_seq='auto', min_size=0)`` with the target weights per ticker (the cash sleeve's remainder
included as an ordinary column) on the rebalance days and NaN elsewhere. Which candidate days
trade under a band is rowboat's decision (vectorbt has no bands), read from rowboat's result.

Every daily value must agree to 1e-9 relative and every daily return to 1e-12 absolute, with
fees 0 / 10 bps, slippage 0 / 5 bps, monthly and band rebalancing, on the real four-asset
universe and on the synthetic sample (with a basket sleeve).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from engine.sim import backtest, fixed_mix, schedule_dates
from sim_panels import real_panel, sample

pytestmark = pytest.mark.slow

VALUE_RTOL = 1e-9
RETURN_ATOL = 1e-12
COSTS = [(0.0, 0.0), (0.001, 0.0), (0.0, 0.0005), (0.001, 0.0005)]
MIX = {"us": 0.45, "ex_us": 0.2, "em": 0.1, "bonds": 0.2}        # 5% to the cash sleeve


def ticker_targets(panel, targets: pd.DataFrame, cash: str) -> pd.DataFrame:
    """Sleeve weights → ticker weights, the remainder to the cash sleeve (independent of
    engine.sim.inputs, written out plainly)."""
    out = pd.DataFrame(0.0, index=targets.index, columns=panel.tickers)
    for role in targets.columns:
        sl = panel.sleeves[role]
        for t, b in zip(sl.tickers, sl.weights):
            out[t] += targets[role] * b
    rest = 1.0 - targets.sum(axis=1)
    for t, b in zip(panel.sleeves[cash].tickers, panel.sleeves[cash].weights):
        out[t] += rest * b
    return out.loc[:, (out != 0).any()]


def vectorbt_oracle(panel, targets, cash, fills, fee, slippage):
    import vectorbt as vbt

    w = ticker_targets(panel, targets, cash)
    w = w.loc[w.index.isin(panel.dates[panel.dates.get_indexer(fills) - 1])]
    close = panel.tr[w.columns]
    size = pd.DataFrame(np.nan, index=panel.dates, columns=w.columns)
    size.loc[fills] = w.to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vbt.Portfolio.from_orders(close, size, size_type="targetpercent", group_by=True,
                                         cash_sharing=True, call_seq="auto", fees=fee,
                                         slippage=slippage, init_cash=1.0, min_size=0.0,
                                         freq="1D")


def check(panel, targets, cash, fee, slippage, **kw):
    res = backtest(panel, targets, fee=fee, slippage=slippage, cash=cash, **kw)
    fills = res.rebalances.index
    assert len(fills) > 10
    pf = vectorbt_oracle(panel, targets, cash, fills, fee, slippage)
    value = pf.value().to_numpy()
    rel = np.max(np.abs(res.value.to_numpy() / value - 1))
    assert rel <= VALUE_RTOL, rel
    ret = np.max(np.abs(res.returns.to_numpy() - pf.returns().to_numpy()))
    assert ret <= RETURN_ATOL, ret
    orders = pf.orders.records
    assert len(orders) == len(res.trades)
    np.testing.assert_allclose(np.sort(orders["fees"].to_numpy()),
                               np.sort(res.trades["fee"].to_numpy()), rtol=1e-9, atol=1e-15)
    return res, rel, ret


def band_targets(panel):
    return fixed_mix(panel, MIX, "daily")


def rotation_targets(panel, seed=5):
    """A monthly rotation between the four sleeves (big sells and buys every month)."""
    dates = schedule_dates(panel.dates, "monthly")
    w = np.random.default_rng(seed).dirichlet(np.ones(4), size=len(dates)) * 0.97
    return pd.DataFrame(w, index=dates, columns=list(MIX))


@pytest.fixture(scope="module")
def real(prices_dir):
    return real_panel(prices_dir)


@pytest.fixture(scope="module")
def synth():
    p = sample()
    sleeves = dict(p.sleeves)
    from engine.data.panel import Sleeve

    sleeves["us"] = Sleeve("us", ("AAPL", "MSFT", "US"), (0.2, 0.3, 0.5))   # a basket sleeve
    return p.with_sleeves(sleeves)


@pytest.mark.realdata
@pytest.mark.parametrize("fee, slippage", COSTS)
@pytest.mark.parametrize("schedule", ["monthly", "rotation", "band", "band_relative"])
def test_real_data(real, schedule, fee, slippage):
    _run(real, schedule, fee, slippage)


@pytest.mark.parametrize("fee, slippage", COSTS)
@pytest.mark.parametrize("schedule", ["monthly", "rotation", "band"])
def test_sample(synth, schedule, fee, slippage):
    _run(synth, schedule, fee, slippage)


def _run(panel, schedule, fee, slippage):
    if schedule == "monthly":
        check(panel, fixed_mix(panel, MIX), "cash", fee, slippage)
    elif schedule == "rotation":
        check(panel, rotation_targets(panel), "cash", fee, slippage)
    elif schedule == "band":
        res, _, _ = check(panel, band_targets(panel), "cash", fee, slippage, band=0.02)
        assert len(res.rebalances) < len(panel) / 10
    else:
        check(panel, band_targets(panel), "cash", fee, slippage, band=0.15, band_relative=True)


def test_backend_vectorbt_matches_numba(synth):
    t = rotation_targets(synth)
    kw = dict(fee=0.001, slippage=0.0005, cash="cash", band=0.05)
    a = backtest(synth, t, **kw)
    b = backtest(synth, t, backend="vectorbt", **kw)
    assert b.backend == "vectorbt" and b.portfolio is not None
    assert np.max(np.abs(b.value / a.value - 1)) <= VALUE_RTOL
    assert np.max(np.abs(b.returns - a.returns)) <= RETURN_ATOL
    np.testing.assert_allclose(b.weights, a.weights, atol=1e-12)
    np.testing.assert_allclose(b.sleeve_weights, a.sleeve_weights, atol=1e-12)
    assert b.rebalances.index.equals(a.rebalances.index)
    np.testing.assert_allclose(b.rebalances[["turnover", "cost", "cost_value"]],
                               a.rebalances[["turnover", "cost", "cost_value"]], rtol=1e-9)
    assert list(b.trades["ticker"]) == list(a.trades["ticker"])
    cols = ["size", "price", "fee"]
    np.testing.assert_allclose(b.trades[cols], a.trades[cols], rtol=1e-9, atol=1e-15)
