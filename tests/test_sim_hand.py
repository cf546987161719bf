"""A two-asset, five-day backtest with one rebalance, computed by hand and checked to the cent.

Setup: initial value 10,000; targets A 60% / B 40% decided on days 0, 2 and 4 (lag 1: fills on
days 1 and 3; day 4's decision would fill after the end and is dropped); fee f = 1%,
slippage s = 1% (large on purpose, so every rule of GUIDE §3 shows in the numbers).

closes    day0  day1  day2  day3  day4
   A       100   100   110   120   115
   B        50    50    40    45    50

Day 1 (first fill, V = 10,000 cash):
  order values: A 0.6·10,000 − 0 = 6,000; B 4,000 → ascending: B first, then A.
  B: Δ = 4,000/50 = 80 units at q = 50·1.01 = 50.50 → 4,040.00 + fee 40.40 = 4,080.40 ≤ cash,
     full fill; cash = 10,000 − 4,080.40 = 5,919.60.
  A: Δ = 6,000/100 = 60 at q = 101 → 6,060 + 60.60 = 6,120.60 > 5,919.60 → partial fill:
     outlay = 5,919.60, net of fee 5,919.60/1.01 = 5,860.990099 → 5,860.990099/101
     = 58.029605 units; fee = 5,919.60 − 5,860.990099 = 58.609901; cash = 0.
  value = 58.029605·100 + 80·50 = 9,802.96
Day 2: value = 58.029605·110 + 80·40 = 6,383.256543 + 3,200 = 9,583.26
Day 3 (rebalance): V = 58.029605·120 + 80·45 = 6,963.552593 + 3,600 = 10,563.552593
  targets: A 0.6·V = 6,338.131556 (holding 6,963.552593 → −625.421037),
           B 0.4·V = 4,225.421037 (holding 3,600 → +625.421037) → sell A first.
  A: Δ = 6,338.131556/120 − 58.029605 = −5.211842 at q = 120·0.99 = 118.80 →
     619.166827 − fee 6.191668 = 612.975159 cash in; A now 52.817763 units.
  B: Δ = 4,225.421037/45 − 80 = 13.898245 at q = 45.45 → 631.675248 + 6.316752 > 612.975159
     → partial: 612.975159/1.01 = 606.906098 → 13.353269 units, fee 6.069061; cash 0;
     B now 93.353269 units.
  value = 52.817763·120 + 93.353269·45 = 6,338.131556 + 4,200.897126 = 10,539.03
  traded at close = 5.211842·120 + 13.353269·45 = 1,226.318163 → one-way turnover
     1,226.318163 / (2·10,563.552593) = 0.058045
  cost = fees 6.191668 + 6.069061 + slippage 1,226.318163·0.01 = 24.523911
Day 4: value = 52.817763·115 + 93.353269·50 = 6,074.042741 + 4,667.663474 = 10,741.71
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.sim import backtest
from sim_panels import panel_from

CENT = 0.005


@pytest.fixture(scope="module")
def result():
    dates = pd.bdate_range("2024-01-01", periods=5)
    closes = pd.DataFrame({"A": [100, 100, 110, 120, 115], "B": [50, 50, 40, 45, 50]},
                          index=dates)
    panel = panel_from(closes)
    targets = pd.DataFrame({"A": 0.6, "B": 0.4}, index=dates[[0, 2, 4]])
    return backtest(panel, targets, fee=0.01, slippage=0.01, initial_value=10_000.0)


def test_values_to_the_cent(result):
    expected = [10_000.00, 9_802.96, 9_583.26, 10_539.03, 10_741.71]
    assert np.all(np.abs(result.value.to_numpy() - expected) < CENT)
    assert result.returns.iloc[0] == 0.0
    assert result.returns.iloc[1] == pytest.approx(9_802.960494 / 10_000 - 1, abs=1e-9)
    assert result.start == result.value.index[1]


def test_trades_to_the_cent(result):
    t = result.trades
    assert list(t["ticker"]) == ["B", "A", "A", "B"]          # buys smallest first; sells first
    assert list(t["date"]) == list(result.value.index[[1, 1, 3, 3]])
    np.testing.assert_allclose(t["size"], [80.0, 58.029605, -5.211842, 13.353269], atol=5e-7)
    np.testing.assert_allclose(t["price"], [50.50, 101.00, 118.80, 45.45], atol=1e-12)
    np.testing.assert_allclose(t["fee"], [40.40, 58.61, 6.19, 6.07], atol=CENT)


def test_rebalance_table(result):
    rb = result.rebalances
    assert list(rb.index) == list(result.value.index[[1, 3]])   # day 4's decision is dropped
    assert list(rb["decision_date"]) == list(result.value.index[[0, 2]])
    assert rb["cost_value"].iloc[1] == pytest.approx(24.523911, abs=CENT)
    assert rb["turnover"].iloc[1] == pytest.approx(0.058045, abs=1e-6)
    assert rb["cost"].iloc[1] == pytest.approx(24.523911 / 10_563.552593, abs=1e-9)
    # first investment: fees 40.40 + 58.61 plus slippage 1% of 4,000 + 5,802.96 bought at close
    assert rb["cost_value"].iloc[0] == pytest.approx(40.40 + 58.609901 + 98.029605, abs=CENT)


def test_realised_weights(result):
    w = result.weights
    a_units, b_units = 52.817763, 93.353269
    assert w.loc[w.index[4], "A"] == pytest.approx(a_units * 115 / 10_741.706215, abs=1e-7)
    assert w.loc[w.index[4], "B"] == pytest.approx(b_units * 50 / 10_741.706215, abs=1e-7)
    assert w["cash"].iloc[0] == 1.0 and w["cash"].iloc[4] == 0.0
