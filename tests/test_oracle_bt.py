"""rowboat vs bt (``integer_positions=False``) on a fixed monthly mix.

Without fees the two are the same arithmetic: every daily value agrees to 1e-12 relative.

With fees they differ by design, so the bound is 5e-5 relative (GUIDE §3). rowboat (like
vectorbt) sizes every order at (w·V)/close, pays fees out of the shared cash, trades sells first
and cuts the last buy to the cash left. bt instead sizes each order so that its *outlay including
commission* equals the weight change (w − w_now)·V: a buy of amount A gets q with q·p + fee(q) =
A (solved iteratively), and a sell sells extra units to raise A *after* commission — so every
sleeve pays its own fee out of its own allocation, and orders run in the targets' order (no
sells-first). Each rebalance therefore leaves slightly different units in every sleeve; the
difference is of the order of fee × turnover per rebalance and is largely reset by the next one.
Measured at 10 bps on the fully invested mix: 1.6e-5 (real data, 2003–2026, every daily value)
and 1.6e-5 (sample). With idle cash it grows to ~5e-5, because there rowboat buys every sleeve
to its exact target and the idle cash pays all the fees, while bt keeps the cash at its weight
and under-buys every sleeve — so the bound is tested on the invested mix.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from engine.sim import backtest, fixed_mix
from sim_panels import real_panel, sample

pytestmark = pytest.mark.slow

MIXES = {
    "invested": {"us": 0.4, "ex_us": 0.2, "em": 0.1, "bonds": 0.3},
    "with_idle_cash": {"us": 0.5, "ex_us": 0.2, "em": 0.1, "bonds": 0.1},
}


def bt_values(panel, weights: dict[str, float], fills: pd.DatetimeIndex, fee: float) -> pd.Series:
    import bt

    tickers = {panel.sleeves[r].tickers[0]: w for r, w in weights.items()}
    strategy = bt.Strategy("mix", [bt.algos.RunOnDate(*fills), bt.algos.WeighSpecified(**tickers),
                                   bt.algos.Rebalance()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        test = bt.Backtest(strategy, panel.tr[list(tickers)], initial_capital=1.0,
                           commissions=lambda q, p: abs(q) * p * fee, integer_positions=False,
                           progress_bar=False)
        bt.run(test)
    return test.strategy.values.reindex(panel.dates)   # bt adds a start row the day before


def compare(panel, mix, fee):
    weights = MIXES[mix]
    res = backtest(panel, fixed_mix(panel, weights), fee=fee)
    theirs = bt_values(panel, weights, res.rebalances.index, fee)
    return np.max(np.abs(res.value.to_numpy() / theirs.to_numpy() - 1))


@pytest.fixture(scope="module")
def real(prices_dir):
    return real_panel(prices_dir)


@pytest.mark.realdata
@pytest.mark.parametrize("mix", list(MIXES))
def test_real_data_without_fees(real, mix):
    assert compare(real, mix, 0.0) <= 1e-12


@pytest.mark.realdata
def test_real_data_with_fees(real):
    rel = compare(real, "invested", 0.001)
    assert 1e-7 < rel <= 5e-5          # different by design, but within the bound


def test_sample_without_and_with_fees():
    panel = sample()
    assert compare(panel, "with_idle_cash", 0.0) <= 1e-12
    assert compare(panel, "invested", 0.001) <= 5e-5
