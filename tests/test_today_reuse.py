"""`rowboat today` and the page reuse what the experiment computed: the rule inputs kept by
``load_experiment`` (``Experiment.daily`` / ``Experiment.decisions``) are exactly what the
strategy computes afresh, so the panel and the rebalance logs read from them equal the ones
recomputed the old way; and a panel's first dates (numpy) equal pandas' ``first_valid_index``."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.experiment import Experiment, load_experiment
from engine.report.run import rebalance_logs
from engine.report.today import to_html, to_text, today

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "scripts" / "configs" / "rowing_boat.toml"
ETFS = ROOT / "scripts" / "configs" / "rowing_boat_etfs.toml"


def _afresh(exp: Experiment) -> Experiment:
    """The same experiment without the kept inputs: every reader recomputes them."""
    return dataclasses.replace(exp, daily={}, decisions={})


def _check_reuse(exp: Experiment) -> None:
    assert set(exp.decisions) == set(exp.daily) == {sc.name for sc in exp.config.strategies}
    fresh = _afresh(exp)
    for sc in exp.config.strategies:
        bound = exp.config.bound_signals(sc.name)
        pd.testing.assert_frame_equal(exp.daily[sc.name],
                                      sc.strategy.daily_inputs(exp.history, sc.params, bound))
        kept = exp.rule_inputs(sc.name)
        again = fresh.rule_inputs(sc.name)
        assert kept is exp.decisions[sc.name]
        assert kept.dates.equals(again.dates) and kept.names == again.names
        assert kept.skipped == again.skipped
        np.testing.assert_array_equal(kept.values, again.values)
        # the backtest traded exactly the rule's decisions on the kept inputs
        pd.testing.assert_frame_equal(exp.results[sc.name].targets,
                                      sc.strategy.targets(exp.history, sc.params, bound,
                                                          exp.listed))
    t_kept, t_fresh = today(exp), today(fresh)
    assert to_text(t_kept) == to_text(t_fresh)
    assert to_html(t_kept) == to_html(t_fresh)
    returns = exp.returns()
    logs, logs_fresh = rebalance_logs(exp, returns), rebalance_logs(fresh, returns)
    assert logs.keys() == logs_fresh.keys()
    for name in logs:
        pd.testing.assert_frame_equal(logs[name], logs_fresh[name])


def test_sample_panel_reuses_the_experiments_inputs() -> None:
    _check_reuse(load_experiment(SAMPLE))


def test_other_params_are_computed_not_reused() -> None:
    exp = load_experiment(SAMPLE, end="2015-12-31")
    sc = exp.config.strategy("rowing_boat")
    other = dataclasses.replace(sc.params)          # equal values, another object
    ri = exp.rule_inputs("rowing_boat", other)
    assert ri is not exp.decisions["rowing_boat"]
    np.testing.assert_array_equal(ri.values, exp.decisions["rowing_boat"].values)


def _first_valid(panel) -> pd.Series:  # type: ignore[no-untyped-def]
    return panel.tr.apply(lambda c: c.first_valid_index()).astype("datetime64[ns]")


def _check_first_dates(panel) -> None:  # type: ignore[no-untyped-def]
    expect = _first_valid(panel)
    pd.testing.assert_series_equal(panel.first_dates, expect)
    for name in [*panel.tr.columns, *panel.sleeves]:
        tickers = panel.sleeves[name].tickers if name in panel.sleeves else (name,)
        firsts = expect[list(tickers)]
        want = pd.NaT if firsts.isna().any() else pd.Timestamp(firsts.max())
        got = panel.first_date(name)
        assert (pd.isna(got) and pd.isna(want)) or got == want, name


def test_first_dates_agree_with_pandas() -> None:
    panel = load_experiment(SAMPLE).panel
    tr = panel.tr.copy()
    tr.iloc[:300, 0] = np.nan                       # a late listing
    tr.iloc[:, 1] = np.nan                          # never priced
    odd = dataclasses.replace(panel, tr=tr)
    assert pd.isna(odd.first_dates.iloc[1]) and odd.first_dates.iloc[0] == tr.index[300]
    for p in (panel, odd):
        _check_first_dates(p)


@pytest.mark.realdata
def test_etf_panel_reuses_the_experiments_inputs(prices_dir: Path) -> None:
    exp = load_experiment(ETFS, data=prices_dir)
    _check_reuse(exp)
    _check_first_dates(exp.panel)
    _check_first_dates(exp.panel.slice(exp.panel.dates[0], exp.panel.dates[60]))


def test_today_imports_no_report_or_plotting_library() -> None:
    """``rowboat today`` runs the pipeline only: no tearsheet, chart or page module is loaded."""
    import subprocess
    import sys

    heavy = ("quantstats", "matplotlib", "vectorbt", "dask", "plotly", "bt",
             "engine.report.run_page", "engine.report.tearsheet", "engine.metrics")
    code = ("import sys\nfrom engine.cli import main\n"
            f"assert main(['today', {str(SAMPLE)!r}]) == 0\n"
            f"print('LOADED', sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.splitlines()[-1] == "LOADED []"
