"""Engine behaviour: bands, rebalance-on-change, lag, partial fills, leverage, the batched call,
and the Result's internal consistency (weights, trades, turnover, costs)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.sim import backtest, fixed_mix, schedule_dates, simulate_values
from engine.sim.inputs import prepare
from engine.sim.nb import simulate_costs_nb, simulate_full_nb, simulate_nb
from sim_panels import panel_from, random_walk


@pytest.fixture(scope="module")
def panel():
    closes = random_walk(400, ("A", "B", "C", "D"), seed=3, vol=0.02)
    return panel_from(closes, {"us": "A", "ex": {"B": 0.7, "C": 0.3}, "cash": "D"})


def _pre_trade_weights(res, panel):
    """Realised weights just before trading on each day: yesterday's units at today's close."""
    tickers = list(res.weights.columns[:-1])
    units = res.weights[tickers].mul(res.value, axis=0) / panel.tr[tickers]
    prev_units = units.shift(1).fillna(0.0)
    prev_cash = (res.weights["cash"] * res.value).shift(1).fillna(1.0)
    held = prev_units * panel.tr[units.columns]
    return held.div(held.sum(axis=1) + prev_cash, axis=0)


@pytest.mark.parametrize("tickers", ["AB", "ABC", "ABCD", "ABCDEF"])
def test_simulate_values_equals_backtest_bitwise(tickers):
    """The batched lean kernel (register fast path for K <= 4, generic loop above) gives the
    very bits of the full kernel behind backtest()."""
    k = len(tickers)
    panel = panel_from(random_walk(300, tuple(tickers), seed=k, vol=0.02))
    rng = np.random.default_rng(1)
    dates = schedule_dates(panel.dates, "weekly")
    fees = np.array([0.0, 0.001, 0.002])
    values, tgts = [], []
    for v in range(3):
        t = pd.DataFrame(rng.dirichlet(np.ones(k), size=len(dates)) * (1.0 - 0.03 * v),
                         index=dates, columns=list(tickers))
        values.append(backtest(panel, t, fee=fees[v], slippage=0.0005).value.to_numpy())
        tgts.append(prepare(panel, t).weights)
    plan = prepare(panel, t)
    out = simulate_values(plan.close, plan.fill_idx, np.stack(tgts), fee=fees, slippage=0.0005)
    for v in range(3):
        assert np.array_equal(out[v], values[v])
    single = np.empty(len(panel))
    simulate_nb(plan.close, plan.fill_idx, tgts[2], False, 0.0, False, 0.002, 0.0005, 1.0,
                False, single)
    assert np.array_equal(single, values[2])


def _full(close, fill_idx, w, on_change, band, rel, fee, slip, lev):
    """simulate_full_nb's value, executed, value_pre, traded, cost and rebalances executed."""
    T, K = close.shape
    D = len(fill_idx)
    value, vpre, traded, cost = np.empty(T), np.empty(D), np.empty(D), np.empty(D)
    executed = np.empty(D, dtype=np.bool_)
    log = [np.empty(D * K, dtype=np.int64), np.empty(D * K, dtype=np.int64)]
    log += [np.empty(D * K) for _ in range(3)]
    simulate_full_nb(close, fill_idx, w, on_change, band, rel, fee, slip, 1.0, lev, value,
                     np.empty(T), np.empty((T, K)), executed, vpre, traded, cost, *log)
    return value, executed, vpre, traded, cost


@pytest.mark.parametrize("k, on_change, band, rel, lev", [
    (2, False, 0.0, False, False), (4, True, 0.0, False, False), (4, False, 0.03, False, False),
    (3, True, 0.2, True, False), (6, False, 0.02, False, False), (4, False, 0.0, False, True)])
def test_costs_kernel_equals_full_kernel(k, on_change, band, rel, lev):
    """simulate_costs_nb books the very bits simulate_full_nb books per target row (value
    before trading, traded value, cost), and the lean kernel's daily values; rows that do not
    trade read NaN / 0 / 0 whatever the output arrays held before."""
    close = random_walk(500, tuple("ABCDEF"[:k]), seed=10 + k, vol=0.03).to_numpy()
    rng = np.random.default_rng(k)
    fill_idx = np.arange(1, 500, 5, dtype=np.int64)
    D = len(fill_idx)
    w = rng.dirichlet(np.ones(k), size=D) * 0.97
    w[rng.random(D) < 0.4] = w[0]                         # repeated rows: on_change skips them
    if lev:
        w = w * 2.0 - 0.3                                  # borrow, and short some
    fee, slip = 0.002, 0.0007
    value, executed, vpre, traded, cost = _full(close, fill_idx, w, on_change, band, rel, fee,
                                                slip, lev)
    c_value = np.empty(500)
    c_vpre, c_traded, c_cost = np.full(D, 7.0), np.full(D, 7.0), np.full(D, 7.0)
    n = simulate_costs_nb(close, fill_idx, w, on_change, band, rel, fee, slip, 1.0, lev, c_value,
                          c_vpre, c_traded, c_cost)
    lean = np.empty(500)
    n_lean = simulate_nb(close, fill_idx, w, on_change, band, rel, fee, slip, 1.0, lev, lean)
    assert np.array_equal(c_value, value) and np.array_equal(lean, value)
    assert n == n_lean == executed.sum()
    assert 2 < n < D or not (on_change or band)           # the skipping rules did skip rows
    assert np.array_equal(~np.isnan(c_vpre), executed)
    assert np.array_equal(c_vpre, vpre, equal_nan=True)
    assert np.array_equal(c_traded, traded) and np.array_equal(c_cost, cost)
    assert (c_traded[~executed] == 0).all() and (c_cost[~executed] == 0).all()
    assert (c_cost[executed] > 0).all()
    # cost = slippage + the fee on the slipped price (close·(1 ± s)) of each order
    tv = c_traded[executed]
    assert (c_cost[executed] >= tv * (slip + fee * (1 - slip)) * (1 - 1e-12)).all()
    assert (c_cost[executed] <= tv * (slip + fee * (1 + slip)) * (1 + 1e-12)).all()


def test_deterministic(panel):
    t = fixed_mix(panel, {"us": 0.5, "ex": 0.3}, "weekly")
    a = backtest(panel, t, fee=0.001, cash="cash")
    b = backtest(panel, t, fee=0.001, cash="cash")
    assert a.value.to_numpy().tobytes() == b.value.to_numpy().tobytes()
    assert a.trades.equals(b.trades) and a.weights.equals(b.weights)


def test_absolute_band(panel):
    t = fixed_mix(panel, {"A": 0.4, "B": 0.3, "C": 0.3}, "daily")
    band = 0.03
    res = backtest(panel, t, band=band)
    pre = _pre_trade_weights(res, panel)
    target = np.array([0.4, 0.3, 0.3])
    fills = panel.dates[1:]                     # every day after the first is a candidate
    dev = (pre.loc[fills, ["A", "B", "C"]] - target).abs().max(axis=1)
    traded = fills.isin(res.rebalances.index)
    assert traded[0]                            # the first decision always trades
    assert (dev[traded][1:] > band).all()
    assert (dev[~traded] <= band).all()
    assert 3 < traded.sum() < len(fills) / 2


def test_relative_band(panel):
    t = fixed_mix(panel, {"A": 0.6, "B": 0.1}, "daily")
    res = backtest(panel, t, band=0.1, band_relative=True)
    pre = _pre_trade_weights(res, panel)
    fills = panel.dates[1:]
    rel = ((pre.loc[fills, ["A", "B"]] - [0.6, 0.1]).abs() / [0.6, 0.1]).max(axis=1)
    traded = fills.isin(res.rebalances.index)
    assert (rel[traded][1:] > 0.1).all() and (rel[~traded] <= 0.1).all()
    assert traded.sum() > 3


def test_rebalance_on_change_only(panel):
    dates = schedule_dates(panel.dates, "monthly")
    w = np.where((np.arange(len(dates)) // 3 % 2 == 0)[:, None], [0.8, 0.2], [0.2, 0.8])
    t = pd.DataFrame(w, index=dates, columns=["A", "B"])
    res = backtest(panel, t, rebalance="change")
    changed = np.r_[True, (np.diff(w, axis=0) != 0).any(axis=1)]
    fills = panel.dates[panel.dates.get_indexer(dates[changed]) + 1]
    assert list(res.rebalances.index) == list(fills)
    assert len(backtest(panel, t).rebalances) == len(dates)


def test_lag_zero_and_two(panel):
    t = fixed_mix(panel, {"A": 1.0}, "monthly")
    for lag in (0, 2):
        res = backtest(panel, t, lag=lag)
        pos = panel.dates.get_indexer(t.index) + lag
        assert list(res.rebalances.index) == list(panel.dates[pos[pos < len(panel)]])
        assert res.lag == lag
        # fully invested in A from the first fill on: returns are A's returns
        a = panel.tr["A"].pct_change()
        after = res.returns.index > res.start
        np.testing.assert_allclose(res.returns[after], a[after], rtol=0, atol=1e-13)


def test_partial_fill_ends_with_zero_cash(panel):
    t = fixed_mix(panel, {"A": 0.5, "B": 0.5}, "monthly")
    res = backtest(panel, t, fee=0.002)
    first = res.trades[res.trades["date"] == res.start]
    bought = (first["size"] * first["ticker"].map(panel.tr.loc[res.start])).to_numpy()
    # value before trading = 1.0: the first (smaller) buy fills in full at 0.5; the last buy
    # is cut to what the cash can pay including its fee, so it ends a little under target
    assert bought[0] == pytest.approx(0.5, abs=1e-15)
    assert bought[1] == pytest.approx((1.0 - 0.5 * 1.002) / 1.002, abs=1e-15)
    assert res.weights.loc[res.start, "cash"] == 0.0


def test_leverage_long_and_short(panel):
    dates = panel.dates[:1]
    a = panel.tr["A"].pct_change()
    long_ = backtest(panel, pd.DataFrame({"A": [1.5]}, index=dates), allow_leverage=True)
    short = backtest(panel, pd.DataFrame({"A": [-0.5]}, index=dates), allow_leverage=True)
    # one fill on day 1, then drift: cash −0.5·V₁ (borrowed at 0) and 1.5·V₁ in A
    v1 = long_.value.iloc[1]
    np.testing.assert_allclose(long_.value.iloc[2:], v1 * (1.5 * panel.tr["A"].iloc[2:]
                               / panel.tr["A"].iloc[1] - 0.5), rtol=1e-12)
    assert long_.weights["cash"].iloc[1] == pytest.approx(-0.5, abs=1e-12)
    np.testing.assert_allclose(short.returns.iloc[2], -0.5 * a.iloc[2], rtol=1e-9)
    assert short.weights["A"].iloc[1] == pytest.approx(-0.5, abs=1e-12)
    assert short.trades["size"].iloc[0] < 0


def test_leverage_bust_stops_trading():
    closes = pd.DataFrame({"A": [100, 100, 40, 30, 45, 49]},
                          index=pd.bdate_range("2024-01-01", periods=6))
    panel = panel_from(closes)
    t = pd.DataFrame({"A": 2.0}, index=closes.index)
    res = backtest(panel, t, allow_leverage=True)
    # day 1: 0.02 units, cash −1; day 2: value 0.02·40 − 1 = −0.2 ≤ 0: bust, and no
    # candidate trades while the value stays <= 0 (vectorbt rejects target-percent orders there too)
    assert res.value.iloc[2] == pytest.approx(-0.2, abs=1e-12)
    assert list(res.rebalances.index) == [closes.index[1]]
    assert len(res.trades) == 1
    assert res.value.iloc[-1] == pytest.approx(0.02 * 49 - 1.0, abs=1e-12)


def test_result_consistency(panel):
    t = fixed_mix(panel, {"us": 0.4, "ex": 0.4}, "monthly")
    res = backtest(panel, t, fee=0.001, slippage=0.0005, cash="cash")
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(res.sleeve_weights.sum(axis=1), 1.0, atol=1e-12)
    assert list(res.sleeve_weights.columns) == ["us", "ex", "cash"]
    assert list(res.weights.columns) == ["A", "B", "C", "D", "cash"]
    # the basket sleeve ex = 70% B + 30% C: its realised weight is the sum of its members
    np.testing.assert_allclose(res.sleeve_weights["ex"], res.weights[["B", "C"]].sum(axis=1),
                               atol=1e-15)
    # trades add up to the units held
    abcd = ["A", "B", "C", "D"]
    units = res.weights[abcd].mul(res.value, axis=0) / panel.tr[abcd]
    held = res.trades.groupby("ticker")["size"].sum()
    np.testing.assert_allclose(held[abcd], units.iloc[-1], rtol=1e-9)
    # costs: fees + |size|·close·s, by rebalance
    tr = res.trades.assign(close=[panel.tr.at[d, k]
                                  for d, k in zip(res.trades.date, res.trades.ticker)])
    by_day = (tr["fee"] + tr["size"].abs() * tr["close"] * 0.0005).groupby(tr["date"]).sum()
    np.testing.assert_allclose(res.rebalances["cost_value"], by_day[res.rebalances.index],
                               rtol=1e-12)
    traded = (tr["size"].abs() * tr["close"]).groupby(tr["date"]).sum()[res.rebalances.index]
    # value before trading: yesterday's cash and units at today's closes
    prev = units.shift(1).fillna(0.0) * panel.tr[units.columns]
    vpre = (prev.sum(axis=1) + (res.weights["cash"] * res.value).shift(1).fillna(1.0))
    vpre = vpre[res.rebalances.index]
    np.testing.assert_allclose(res.rebalances["turnover"], traded / (2 * vpre), rtol=1e-9)
    np.testing.assert_allclose(res.rebalances["cost"], res.rebalances["cost_value"] / vpre,
                               rtol=1e-9)
    assert res.rebalances["turnover"].iloc[0] == pytest.approx(0.5, abs=2e-3)  # out of cash
    assert (res.rebalances["turnover"].iloc[1:] < 0.1).all()
    assert res.total_cost == pytest.approx(res.rebalances["cost_value"].sum())
    assert res.backend == "numba" and res.portfolio is None


def test_ticker_in_two_columns_is_split_by_target(panel):
    t = pd.DataFrame({"us": 0.3, "A": 0.3, "B": 0.2}, index=schedule_dates(panel.dates, "monthly"))
    res = backtest(panel, t)
    sw = res.sleeve_weights
    np.testing.assert_allclose(sw["us"], sw["A"], atol=1e-15)
    np.testing.assert_allclose(sw["us"] + sw["A"], res.weights["A"], atol=1e-15)
