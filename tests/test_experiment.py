"""The pipeline (config → panel → signals → targets → backtests → common period) on the
synthetic sample universe."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.config import config_from_dict, load_config
from engine.errors import ConfigError, DataError
from engine.experiment import Experiment, common_period, load_experiment
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
        expect = sc.strategy.targets(exp.panel, sc.params, cfg.bound_signals(sc.name),
                                     listed=exp.listed)
        pd.testing.assert_frame_equal(exp.results[sc.name].targets, expect)


def test_common_period_starts_the_day_after_the_last_first_fill(exp):
    """On its fill day a strategy pays costs and earns nothing: the period starts the next
    trading day (it used to start ON the last first fill)."""
    starts = {n: r.start for n, r in exp.results.items()}
    last_fill = max(starts.values())
    dates = exp.panel.dates
    first = dates[dates.get_loc(last_fill) + 1]
    assert exp.period == (first, dates[-1])
    latest = [n for n, s in starts.items() if s == last_fill][0]
    assert exp.period_reason.startswith(f"all strategies invested from {first.date()}, the day "
                                        f"after the last first fill ({latest} ")
    assert "of history" in exp.period_reason
    rets = exp.returns()
    assert list(rets.columns) == list(exp.results)
    assert rets.index[0] == first and rets.index[-1] == dates[-1]
    assert not rets.isna().any().any()
    # every strategy is invested for the whole of every measured day: no fill day inside
    for n, r in exp.results.items():
        assert r.start < first


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
    assert exp.signals.index.equals(exp.panel.dates[exp.panel.dates >= exp.period[0]])
    assert set(exp.timings) >= {"load", "signals", "targets", "backtest", "total"}


def test_deterministic(exp):
    again = load_experiment(ROWING)
    pd.testing.assert_frame_equal(exp.returns(), again.returns(), check_exact=True)
    pd.testing.assert_frame_equal(exp.signals, again.signals, check_exact=True)


def test_start_is_the_first_measured_day():
    """``start`` is the first MEASURED day: every strategy is already invested on it (it used
    to be the first decision day, measured from the fill a month later)."""
    e = load_experiment(ROWING, start="2012-01-03", end="2020-12-31")
    assert e.panel.dates[-1] == pd.Timestamp("2020-12-31")
    assert e.period == (pd.Timestamp("2012-01-03"), pd.Timestamp("2020-12-31"))
    assert e.returns().index[0] == pd.Timestamp("2012-01-03")
    assert "the first measured day" in e.period_reason
    gem = e.results["dual_momentum"]
    assert gem.start < pd.Timestamp("2012-01-03")        # invested before the first day
    # the measured returns are those of the one backtest over the whole history
    full = load_experiment(ROWING, end="2020-12-31")
    pd.testing.assert_frame_equal(e.returns(), full.returns().loc["2012-01-03":],
                                  check_exact=True)
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


def test_one_common_period_for_runs_and_hand_made_reports(exp):
    """`rowboat run` and engine.report.api share one definition of the period: the same first
    day and end, ties to the first strategy in order; the run adds the warm-up to the reason."""
    from engine.report import api

    assert api.common_period is common_period
    period, reason = common_period(exp.results)
    assert period == exp.period
    name = reason.split("(")[1].split()[0]
    assert exp.period_reason.startswith(reason[:-len(" starts last)")])
    assert exp.period_reason.startswith(f"all strategies invested from {period[0].date()}, the "
                                        f"day after the last first fill ({name} ")
    last_fill = max(r.start for r in exp.results.values())
    tied = {n: r for n, r in exp.results.items() if r.start == last_fill}
    assert name == next(iter(tied))
    if len(tied) > 1:
        flipped = dict(reversed(list(exp.results.items())))
        assert common_period(flipped)[1] != reason          # the first in order wins a tie
    never = dataclasses.replace(exp.results["world"], start=pd.NaT)
    with pytest.raises(DataError, match=r"cfg: strategy 'world' is never invested between"):
        common_period({**exp.results, "world": never}, where="cfg: ")


def test_a_window_without_trading_days_gives_the_datas_real_range():
    """Start and end on one weekend: the message gives the data's whole range, not the range
    left after cutting at the end."""
    with pytest.raises(DataError, match=r"no trading day from 2020-01-04 to 2020-01-05 \(the "
                                        r"nearest are 2020-01-03 and 2020-01-06; the data "
                                        r"covers 2006-07-03 to 2026-07-31\)"):
        load_experiment(ROWING, start="2020-01-04", end="2020-01-05")
    with pytest.raises(ConfigError, match=r"the end given: 2020-01-02 is not after the start "
                                          r"given: 2020-01-03"):
        load_experiment(ROWING, start="2020-01-03", end="2020-01-02")


@pytest.mark.parametrize("value", ["foo", "2020-13-01", "2020-02-30", "2020-1-31"])
def test_unreadable_dates_are_config_errors(value):
    with pytest.raises(ConfigError, match=rf"--start: expected YYYY-MM-DD, got '{value}'"):
        load_experiment(ROWING, start=value)


def test_data_override_to_the_sample_needs_its_tickers(tmp_path):
    etf = ROOT / "scripts" / "configs" / "gem.toml"
    if not (ROOT.parent / "shared" / "data" / "prices").exists():
        pytest.skip("gem.toml points at ../shared/data/prices")
    with pytest.raises(ConfigError, match=r"sleeve 'us' names ticker 'SPY', which is not in "
                                          r"the data \(synthetic sample"):
        load_experiment(etf, data="sample")


def test_inputs_are_what_the_backtest_decided_on(exp):
    """Experiment.rule_inputs (for the sweep) run through the kernel give the backtest's
    targets."""
    for name in ("rowing_boat", "dual_momentum"):
        sc = exp.config.strategy(name)
        ri = exp.rule_inputs(name)
        w = sc.strategy.decide(ri, sc.params)
        t = exp.results[name].targets
        assert ri.dates.equals(t.index)
        for k, role in enumerate(sc.strategy.sleeves):
            expect = t[role].to_numpy() if role in t.columns else np.zeros(len(t))
            np.testing.assert_array_equal(w[:, k], expect)
    e = load_experiment(ROWING, start="2015-01-02")
    ri = e.rule_inputs("breakout_rotation", e.config.strategy("breakout_rotation").params)
    # the backtests run on the whole history: every decision from the warm-up on is traded
    assert ri.dates.equals(e.results["breakout_rotation"].targets.index)


def test_signals_cover_the_run_and_warm_up_on_the_history():
    """signals.csv's contract (engine.report.run): the run's dates from its start, the values
    computed with the history before it (not restarted at the start)."""
    full = load_experiment(ROWING)
    e = load_experiment(ROWING, start="2015-01-02")
    assert e.signals.index[0] == e.period[0] == pd.Timestamp("2015-01-02")
    pd.testing.assert_frame_equal(e.signals, full.signals.loc[e.period[0]:])
