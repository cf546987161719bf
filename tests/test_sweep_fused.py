"""The fused sweep equals a single backtest + summary of each variant (a random sample)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numba import njit

from engine.errors import ConfigError
from engine.experiment import load_experiment
from engine.metrics import summary
from engine.report.scorecard import rule_rebalances, scorecard
from engine.sim import backtest
from engine.sweep.api import finish, execute
from engine.sweep.problem import prepare
from strategies.params import param_index
from strategies.regime import RowingBoatParams

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"
GRID = ["drawdown=0.03,0.08", "shift=0.5,1", "defensive=0,0.5", "years=0,3",
        "schedule=monthly,quarterly", "rebalance=decision,change", "band=none,0.05"]
_DD = param_index(RowingBoatParams)["drawdown"]
_SHIFT = param_index(RowingBoatParams)["shift"]
KEYS = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "total_return",
        "skew", "kurtosis")
DATE_KEYS = ("max_dd_peak", "max_dd_start", "max_dd_trough", "max_dd_end", "max_dd_recovery")
#: the sweep's trading columns → the run report's definitions: scorecard column or summary key
#: (of the rule rebalances: the initial purchase left out, cut to the measured period)
SCORECARD_KEYS = ("turnover_per_year", "costs_per_year")
TRADING_KEYS = {"cost_total": "cost_total", "n_rebalances": "n_rebalances",
                "turnover_per_year": "turnover", "costs_per_year": "costs"}


def check_trading(row, res, s, e, rf, where):
    """The variant's turnover and costs equal what the run page reports for ``res``."""
    card = scorecard(pd.DataFrame({"x": res.returns.loc[s:e]}), "x", rf,
                     rebalances={"x": res.rebalances})
    expect = summary(res.returns.loc[s:e], rf, rule_rebalances(res.rebalances))
    for k in SCORECARD_KEYS:
        assert row[k] == pytest.approx(card.at["x", k], rel=1e-9, abs=1e-15), (where, k)
    for k, key in TRADING_KEYS.items():
        assert row[k] == pytest.approx(expect[key], rel=1e-9, abs=1e-15), (where, k)


@pytest.fixture(scope="module")
def exp():
    return load_experiment(CONFIG)


@pytest.fixture(scope="module")
def swept(exp):
    problem = prepare(exp, "rowing_boat", GRID)
    metrics, monthly = execute(problem, chunk=37)          # chunks cut across signal groups
    return problem, finish(problem, metrics, monthly, top=5)


def single(exp, params):
    """One variant the way `rowboat run` backtests a strategy."""
    cfg = exp.config
    strat = cfg.strategy("rowing_boat").strategy
    c = cfg.costs
    targets = strat.targets(exp.panel, params, cfg.bound_signals("rowing_boat"),
                            listed=exp.listed)
    return backtest(exp.panel, targets, lag=cfg.run.lag, rebalance=params.rebalance or c.rebalance,
                    band=params.band if params.band is not None else c.band,
                    band_relative=c.band_relative, fee=c.fee, slippage=c.slippage,
                    cash=exp.cash)


def test_grid_and_groups(swept):
    problem, result = swept
    assert problem.n_variants == 2 ** 7
    # signal groups: years × schedule (the signal params swept), inputs computed once each
    assert problem.group_names == ("years", "schedule") and len(problem.groups) == 4
    assert len(result.variants) == 128
    assert result.variants.index.name == "variant"


def test_metrics_equal_single_backtest(exp, swept):
    problem, result = swept
    s, e = problem.period
    c = exp.config.costs
    assert c.fee > 0 and c.slippage > 0                    # costs to count
    rng = np.random.default_rng(20260806)
    sample = rng.choice(problem.n_variants, size=14, replace=False)
    before = 0                                             # rule rebalances before the period
    for v in sample:
        params = problem.grid.variant(int(v))
        res = single(exp, params)
        expect = summary(res.returns.loc[s:e], exp.rf.loc[s:e])
        row = result.variants.loc[int(v)]
        for k in KEYS:
            assert row[k] == pytest.approx(expect[k], rel=1e-9, abs=1e-12), (v, k)
        for k in DATE_KEYS:
            assert (pd.isna(row[k]) and pd.isna(expect[k])) or row[k] == expect[k], (v, k)
        assert row["days"] == expect["days"] == len(problem.measured_dates)
        assert row["rebalances"] == len(res.rebalances)
        check_trading(row, res, s, e, exp.rf.loc[s:e], v)
        assert 0 < row["n_rebalances"] < row["rebalances"]
        assert row["cost_total"] > 0 and row["turnover_per_year"] > 0
        before += int((res.rebalances.index[1:] < s).sum())
    assert before > 0      # the sample has rebalances the measured period leaves out


def test_top_returns_are_the_backtests_daily_returns(exp, swept):
    problem, result = swept
    s, e = problem.period
    assert result.top[0] == result.best
    assert result.variants.loc[result.top, "sharpe"].is_monotonic_decreasing
    for v in result.top[:2]:
        res = single(exp, problem.grid.variant(int(v)))
        np.testing.assert_allclose(result.top_returns[int(v)].to_numpy(),
                                   res.returns.loc[s:e].to_numpy(), rtol=0, atol=1e-12)


def test_monthly_excess_returns(exp, swept):
    """The statistics' monthly excess returns: each month's compounded return minus the
    risk-free sleeve's, float32."""
    problem, result = swept
    s, e = problem.period
    v = int(result.top[0])
    daily = result.top_returns[v]
    rf = exp.rf.loc[s:e]
    month = daily.index.to_period("M")
    expect = ((1 + daily).groupby(month).prod() - (1 + rf).groupby(month).prod()).to_numpy()
    assert result.monthly.dtype == np.float32
    assert result.monthly.shape == (problem.n_variants, len(expect))
    np.testing.assert_allclose(result.monthly[v], expect, rtol=0, atol=1e-6)
    assert (problem.months == daily.groupby(month).apply(lambda x: x.index[-1]).to_numpy()).all()


def test_period_covers_every_variant_invested(exp, swept):
    problem, _ = swept
    first = max(int(g.fill_idx[0]) for g in problem.groups) + 1    # the day after the fill
    assert problem.start == max(first, exp.panel.dates.get_indexer([exp.period[0]])[0])
    assert problem.stop == len(exp.panel.dates)


def test_dsr_reads_the_best_variants_daily_excess_returns(swept):
    problem, result = swept
    dsr = result.stats.dsr
    assert dsr.n_trials == problem.n_variants
    assert dsr.n_obs == len(problem.measured_dates)
    assert dsr.sharpe_annual == pytest.approx(result.variants.loc[result.best, "sharpe"],
                                              rel=1e-10)
    sharpe = result.variants["sharpe"].to_numpy() / np.sqrt(252)
    assert dsr.trials_sr_std == pytest.approx(np.std(sharpe, ddof=1), rel=1e-12)


@pytest.mark.parametrize("name", ["concentration_unwind", "breakout_rotation", "dual_momentum",
                                  "sma_timing"])
def test_every_strategys_default_grid_equals_single_backtests(exp, name):
    """Each strategy's documented GRID (weekly schedules included) through the fused path."""
    problem = prepare(exp, name)
    metrics, monthly = execute(problem)
    result = finish(problem, metrics, monthly, top=2)
    cfg, c = exp.config, exp.config.costs
    strat = cfg.strategy(name).strategy
    s, e = problem.period
    for v in np.random.default_rng(len(name)).choice(problem.n_variants, 3, replace=False):
        p = problem.grid.variant(int(v))
        tg = strat.targets(exp.history, p, cfg.bound_signals(name)).loc[exp.panel.dates[0]:]
        res = backtest(exp.panel, tg, lag=cfg.run.lag, rebalance=p.rebalance or c.rebalance,
                       band=p.band if p.band is not None else c.band,
                       band_relative=c.band_relative, fee=c.fee, slippage=c.slippage)
        expect = summary(res.returns.loc[s:e], exp.rf.loc[s:e])
        for k in KEYS:
            assert result.variants.loc[int(v), k] == pytest.approx(expect[k], rel=1e-9,
                                                                   abs=1e-12), (name, v, k)
        check_trading(result.variants.loc[int(v)], res, s, e, exp.rf.loc[s:e], (name, v))


@njit(cache=True)
def _partial_rule(inputs, params, out):
    """A test rule holding only part of the portfolio: 0.3 + 0.4·drawdown in us, 0.5·shift in
    ex_us — the rest is left for the cash sleeve."""
    for d in range(out.shape[0]):
        for k in range(out.shape[1]):
            out[d, k] = 0.0
        out[d, 1] = 0.3 + 0.4 * params[_DD]
        out[d, 2] = 0.5 * params[_SHIFT] * (1.0 + 0.2 * (d % 2))


def test_cash_sleeve_remainder_equals_backtest_with_cash(exp, swept):
    """Weights summing below 1 with a cash sleeve receiving 1 − Σ w (backtest's ``cash=``): the
    kernel's sleeve → ticker expansion matches the engine's."""
    from engine.metrics import nb
    from engine.sweep.fused import N_COLS, RULE_SIG, fused_nb
    from strategies.params import to_vector

    problem, _ = swept
    _partial_rule.compile(RULE_SIG)
    cash_map = np.array([1.0 if t in exp.panel.sleeves["cash"].tickers else 0.0
                         for t in problem.tickers])
    ids = np.array([0, 5, 64, 101])
    vec = np.ascontiguousarray(problem.grid.vectors(to_vector, ids))
    on_change, band = problem.trading(vec)
    group = problem.grid.group_ids(problem.group_names, ids)
    first, offsets, fill_rel, inputs = problem.stacked()
    out = np.empty((ids.size, N_COLS))
    monthly = np.empty((ids.size, problem.month_last.size), dtype=np.float32)
    fused_nb(_partial_rule, problem.close, group, first, offsets, fill_rel, inputs, vec,
             problem.sleeve_map, cash_map, True, on_change, band, problem.band_relative,
             problem.fee, problem.slippage, False, problem.rf.copy(), problem.start,
             problem.stop, problem.month_last, problem.rf_month, out, monthly,
             np.empty((0, 1)), float(problem.periods))
    s, e = problem.period
    for row, v in enumerate(ids):
        p = problem.grid.variant(int(v))
        g = problem.groups[group[row]]
        w = np.zeros((len(g.dates), len(problem.sleeves)))
        _partial_rule(g.inputs, vec[row], w)
        targets = pd.DataFrame(w, index=g.dates, columns=list(problem.sleeves))
        targets = targets.loc[:, (w != 0).any(axis=0)]
        c = exp.config.costs
        r = backtest(exp.panel, targets, lag=1, rebalance=p.rebalance or c.rebalance,
                     band=p.band if p.band is not None else c.band, fee=c.fee,
                     slippage=c.slippage, cash="cash")
        expect = summary(r.returns.loc[s:e], exp.rf.loc[s:e], rule_rebalances(r.rebalances))
        for k, slot in (("sharpe", nb.SHARPE), ("cagr", nb.CAGR), ("max_drawdown", nb.MAX_DD),
                        ("turnover", nb.TURNOVER), ("costs", nb.COSTS),
                        ("cost_total", nb.COST_TOTAL), ("n_rebalances", nb.N_REBALANCES)):
            assert out[row, slot] == pytest.approx(expect[k], rel=1e-9, abs=1e-15), (v, k)
        assert out[row, nb.COSTS] > 0


#: a start date inside an unwind of the sample's concentration signal: a rule with state (the
#: unwind, the breakout-driven tilt) is "on" at the start when it runs over the whole history
START = "2008-08-30"
START_GRIDS = {
    "concentration_unwind": ["drawdown=0.03,0.05,0.08", "shift=0.5,1"],
    "rowing_boat": ["drawdown=0.03,0.05", "shift=0.5,1", "years=none,3",
                    "schedule=monthly,quarterly"],
}


@pytest.fixture(scope="module")
def exp_start():
    return load_experiment(CONFIG, start=START)


@pytest.mark.parametrize("name", sorted(START_GRIDS))
def test_sweep_with_a_start_date_equals_single_backtests(exp_start, name):
    """With a start date (the first MEASURED day), `rowboat run` runs each rule and its
    backtest over the whole history — the state it has built ("unwind on") and the positions
    it holds carry into the start — and measures from the start. Every variant of the sweep
    equals that single backtest + summary over the same period (idle cash in the cash sleeve,
    as in the run), and the config's own variant equals the run's numbers."""
    exp = exp_start
    cfg, c = exp.config, exp.config.costs
    strat = cfg.strategy(name).strategy
    problem = prepare(exp, name, START_GRIDS[name])
    metrics, monthly = execute(problem, chunk=5)
    result = finish(problem, metrics, monthly, top=2)
    s, e = problem.period
    assert exp.period[0] == pd.Timestamp("2008-09-02")          # first trading day from START
    # the sweep measures the run's period, later only when some variant starts later (years=3)
    assert s == exp.period[0] if name == "concentration_unwind" else s > exp.period[0]
    assert exp.cash == "cash"
    for v in range(problem.n_variants):
        p = problem.grid.variant(v)
        tg = strat.targets(exp.panel, p, cfg.bound_signals(name), listed=exp.listed)
        res = backtest(exp.panel, tg, lag=cfg.run.lag, rebalance=p.rebalance or c.rebalance,
                       band=p.band if p.band is not None else c.band,
                       band_relative=c.band_relative, fee=c.fee, slippage=c.slippage,
                       cash=exp.cash)
        assert res.start < s                                   # invested before the start
        expect = summary(res.returns.loc[s:e], exp.rf.loc[s:e])
        row = result.variants.loc[v]
        for k in KEYS:
            assert row[k] == pytest.approx(expect[k], rel=1e-9, abs=1e-12), (name, v, k)
        for k in DATE_KEYS:
            assert (pd.isna(row[k]) and pd.isna(expect[k])) or row[k] == expect[k], (v, k)
        assert row["rebalances"] == len(res.rebalances)
        check_trading(row, res, s, e, exp.rf.loc[s:e], (name, v))
    # the config's params are a variant: the sweep reports the run's Sharpe
    base = cfg.strategy(name).params
    v = next(i for i in range(problem.n_variants) if problem.grid.variant(i) == base)
    run = exp.results[name].returns.loc[s:e]
    assert result.variants.loc[v, "sharpe"] == pytest.approx(
        summary(run, exp.rf.loc[s:e])["sharpe"], rel=1e-9, abs=1e-12)


def test_rank_by_orders_the_top_and_keeps_the_statistics_on_sharpe(exp, swept):
    """--rank-by sortino|calmar|cagr: the top list, its daily returns and the best variant
    follow that metric; the DSR, PBO and walk-forward stay those of the Sharpe ranking."""
    problem, by_sharpe = swept
    metrics, monthly = execute(problem)
    s, e = problem.period
    moved = 0
    for rank_by in ("sortino", "calmar", "cagr"):
        result = finish(problem, metrics, monthly, top=5, rank_by=rank_by)
        col = result.variants[rank_by]
        assert result.rank_by == rank_by and result.best == result.top[0] == col.idxmax()
        assert col.loc[result.top].is_monotonic_decreasing
        assert col.loc[result.top].min() == col.nlargest(5).min()
        assert list(result.top_returns.columns) == [int(v) for v in result.top]
        for v in result.top[:2]:
            res = single(exp, problem.grid.variant(int(v)))
            np.testing.assert_allclose(result.top_returns[int(v)].to_numpy(),
                                       res.returns.loc[s:e].to_numpy(), rtol=0, atol=1e-12)
        assert result.stats.best == by_sharpe.best
        assert result.stats.as_dict() == by_sharpe.stats.as_dict()
        moved += int(result.best != by_sharpe.best)
    assert moved > 0                  # some ranking picks another best than Sharpe does
    with pytest.raises(ConfigError, match="--rank-by omega: not a ranking metric; use one of "
                                          "sharpe, sortino, calmar, cagr"):
        finish(problem, metrics, monthly, rank_by="omega")
