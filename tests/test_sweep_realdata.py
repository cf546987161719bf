"""The fused sweep on the real 2008–2026 ETF panel (../shared/data/prices) equals single
backtests of sampled variants — the Task C universe, a small grid."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.config import config_from_dict
from engine.experiment import load_experiment
from engine.metrics import summary
from engine.sim import backtest
from engine.sweep.api import execute, finish
from engine.sweep.bench_c import ROOT, config_dict
from engine.sweep.problem import prepare

GRID = ["drawdown=0.02,0.05,0.1", "shift=0.25,1", "defensive=0,0.5", "years=0,3",
        "confirm_days=1,5", "trend_months=6,12"]


@pytest.mark.realdata
def test_real_etf_sweep_equals_backtests(prices_dir: Path) -> None:
    raw, desc = config_dict(prices_dir)
    assert desc.startswith("real:")
    exp = load_experiment(config_from_dict(raw, base_dir=ROOT))
    problem = prepare(exp, "rowing_boat", GRID)
    assert set(problem.tickers) == {"MGK", "SPY", "ACWX", "EEM", "BIL", "AGG"}
    metrics, monthly = execute(problem)
    result = finish(problem, metrics, monthly, top=3)
    cfg, c = exp.config, exp.config.costs
    strat = cfg.strategy("rowing_boat").strategy
    s, e = problem.period
    for v in np.random.default_rng(7).choice(problem.n_variants, 6, replace=False):
        p = problem.grid.variant(int(v))
        tg = strat.targets(exp.history, p, cfg.bound_signals("rowing_boat"))
        res = backtest(exp.panel, tg.loc[exp.panel.dates[0]:], lag=1, rebalance=c.rebalance,
                       band=c.band, band_relative=c.band_relative, fee=c.fee,
                       slippage=c.slippage)
        expect = summary(res.returns.loc[s:e], exp.rf.loc[s:e])
        row = result.variants.loc[int(v)]
        for k in ("cagr", "sharpe", "sortino", "max_drawdown", "volatility", "calmar"):
            assert row[k] == pytest.approx(expect[k], rel=1e-9, abs=1e-12), (v, k)
        assert row["max_dd_trough"] == expect["max_dd_trough"]
