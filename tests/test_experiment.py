"""The pipeline (config → panel → signals → targets → backtests → common period) on the
synthetic sample universe."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.config import config_from_dict, load_config
from engine.errors import ConfigError
from engine.experiment import Experiment, load_experiment
from engine.sim import schedule_dates

ROOT = Path(__file__).resolve().parent.parent
ROWING = ROOT / "scripts" / "configs" / "rowing_boat.toml"


@pytest.fixture(scope="module")
def exp() -> Experiment:
    return load_experiment(ROWING)


def test_results_in_config_order_with_the_configs_costs(exp):
    cfg = exp.config
    assert list(exp.results) == [s.name for s in cfg.strategies]
    assert exp.benchmark == "world" and exp.benchmark in exp.results
    for name, r in exp.results.items():
        assert r.name == name and r.lag == 1
        assert r.fee == 0.0005 and r.slippage == 0.0005
        assert r.value.index.equals(exp.panel.dates)
        # targets decided at month ends only, each filled the next trading day
        me = schedule_dates(exp.panel.dates, "monthly")
        assert r.targets.index.isin(me).all()
        pos = exp.panel.dates.get_indexer(r.rebalances["decision_date"])
        assert (exp.panel.dates[pos + 1] == r.rebalances.index).all()


def test_targets_are_the_strategys_own(exp):
    cfg = exp.config
    for sc in cfg.strategies:
        expect = sc.strategy.targets(exp.panel, sc.params, cfg.bound_signals(sc.name))
        pd.testing.assert_frame_equal(exp.results[sc.name].targets, expect)


def test_common_period_starts_when_all_are_invested(exp):
    starts = {n: r.start for n, r in exp.results.items()}
    first = max(starts.values())
    assert exp.period == (first, exp.panel.dates[-1])
    latest = [n for n, s in starts.items() if s == first][0]
    assert exp.period_reason.startswith(f"all strategies invested from {first.date()} "
                                        f"({latest} ")
    assert "months of history" in exp.period_reason
    rets = exp.returns()
    assert list(rets.columns) == list(exp.results)
    assert rets.index[0] == first and rets.index[-1] == exp.panel.dates[-1]
    assert not rets.isna().any().any()
    # every strategy is invested over the whole period (no leading zero-return warm-up days)
    for n, r in exp.results.items():
        assert r.start <= first


def test_risk_free_is_the_cash_sleeve_and_signals_are_named(exp):
    cash = exp.panel.close("cash", "tr")
    np.testing.assert_allclose(exp.rf.to_numpy()[1:], (cash.to_numpy()[1:] / cash.to_numpy()[:-1]
                                                       - 1.0), rtol=0, atol=1e-15)
    assert exp.rf.iloc[0] == 0.0
    assert exp.rf_label == "cash (CASH)"
    assert exp.rf_returns().index.equals(exp.returns().index)
    cols = set(exp.signals.columns)
    assert {"mega_weight.level", "mega_weight.drawdown", "mega_weight.peak", "exus_high.level",
            "exus_high.state", "em_high.on", "us_trend.above"} <= cols
    assert exp.signals.index.equals(exp.panel.dates)
    assert set(exp.timings) >= {"load", "signals", "targets", "backtest", "total"}


def test_deterministic(exp):
    again = load_experiment(ROWING)
    pd.testing.assert_frame_equal(exp.returns(), again.returns(), check_exact=True)
    pd.testing.assert_frame_equal(exp.signals, again.signals, check_exact=True)


def test_start_end_override_keeps_the_history_for_warm_ups():
    e = load_experiment(ROWING, start="2012-01-03", end="2020-12-31")
    assert e.panel.dates[0] == pd.Timestamp("2012-01-03")
    assert e.panel.dates[-1] == pd.Timestamp("2020-12-31")
    # dual momentum's 12 months come from before the start: it decides at the first month end
    gem = e.results["dual_momentum"]
    assert gem.targets.index[0] == pd.Timestamp("2012-01-31")
    assert e.period[0] == pd.Timestamp("2012-02-01")
    assert e.period[1] == pd.Timestamp("2020-12-31")
    # December's decision would fill after the end: it is never traded
    assert gem.rebalances.index.max() <= pd.Timestamp("2020-12-31")
    assert gem.rebalances["decision_date"].max() <= pd.Timestamp("2020-11-30")


def raw(**changes) -> dict:
    base = {"run": {"name": "x", "benchmark": "mix"}, "data": {"source": "sample"},
            "costs": {"fee_bps": 10},
            "strategy": [{"name": "mix", "rule": "fixed_mix",
                          "params": {"us": 0.5, "ex_us": 0.3, "em": 0.2}}]}
    for k, v in changes.items():
        base[k] = {**base.get(k, {}), **v} if isinstance(v, dict) else v
    return base


def test_strategy_band_and_rebalance_params_override_costs():
    every = load_experiment(config_from_dict(raw()))
    banded = load_experiment(config_from_dict(raw(costs={"fee_bps": 10, "band": 0.05})))
    own = raw()
    own["strategy"][0]["params"]["band"] = 0.05
    own_band = load_experiment(config_from_dict(own))
    n_every = len(every.results["mix"].rebalances)
    n_banded = len(banded.results["mix"].rebalances)
    assert n_banded < n_every / 3
    pd.testing.assert_frame_equal(banded.results["mix"].rebalances,
                                  own_band.results["mix"].rebalances)
    own["strategy"][0]["params"].update(band=None, rebalance="change")
    own["strategy"][0]["params"].pop("band")
    changed = load_experiment(config_from_dict(own))
    assert len(changed.results["mix"].rebalances) == 1  # a fixed mix never changes its target


def test_lag_zero_only_when_asked():
    e = load_experiment(config_from_dict(raw(run={"name": "x", "benchmark": "mix", "lag": 0})))
    r = e.results["mix"]
    assert r.lag == 0
    assert (r.rebalances.index == pd.DatetimeIndex(r.rebalances["decision_date"])).all()
    assert load_experiment(config_from_dict(raw())).results["mix"].lag == 1


def test_dates_outside_the_data_name_the_range():
    cfg = load_config(ROWING)
    with pytest.raises(ConfigError, match=r"the end given: 2030-01-31 is outside the data: the "
                                          r"data \(synthetic sample \(seed 7\)\) covers "
                                          r"2006-07-03 to 2026-07-31"):
        load_experiment(ROWING, end="2030-01-31")
    raw = dict(cfg.raw)
    raw["run"] = {**raw["run"], "start": "1999-12-31"}
    with pytest.raises(ConfigError, match=r"rowing_boat.toml: \[run\] start: 1999-12-31 is "
                                          r"outside the data: .* covers 2006-07-03 to "
                                          r"2026-07-31; pick a date in that range"):
        load_experiment(config_from_dict(raw, path=ROWING))


def test_data_override_to_the_sample_needs_its_tickers(tmp_path):
    etf = ROOT / "scripts" / "configs" / "gem.toml"
    if not (ROOT.parent / "shared" / "data" / "prices").exists():
        pytest.skip("gem.toml points at ../shared/data/prices")
    with pytest.raises(Exception, match="SPY"):
        load_experiment(etf, data="sample")


def test_inputs_are_what_the_backtest_decided_on(exp):
    """Experiment.inputs (for the sweep) run through the kernel give the backtest's targets."""
    for name in ("rowing_boat", "dual_momentum"):
        sc = exp.config.strategy(name)
        ri = exp.inputs(name)
        w = sc.strategy.decide(ri, sc.params)
        t = exp.results[name].targets
        assert ri.dates.equals(t.index)
        for k, role in enumerate(sc.strategy.sleeves):
            expect = t[role].to_numpy() if role in t.columns else np.zeros(len(t))
            np.testing.assert_array_equal(w[:, k], expect)
    e = load_experiment(ROWING, start="2015-01-02")
    ri = e.inputs("breakout_rotation", e.config.strategy("breakout_rotation").params)
    assert ri.dates[0] == pd.Timestamp("2015-01-30") and ri.skipped > 0
