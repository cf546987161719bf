"""`rowboat run` and `rowboat sweep` of scripts/configs/rowing_boat_history.toml on the monthly
long-history sample: offline page and tearsheets with monthly periods, and a sweep whose
variants equal single backtests with 12 periods a year."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import quantstats as qs

from engine.experiment import load_experiment
from engine.metrics import summary
from engine.metrics.summary import quantstats_rf
from engine.report.run import run_config
from engine.report.tearsheet import TearsheetJob, quantstats_inputs
from longrun_files import swept, variant_backtest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat_history.toml"


@pytest.fixture(scope="module")
def exp():
    return load_experiment(CONFIG)


def test_the_history_config_is_monthly_from_the_1970s(exp):
    assert exp.panel.frequency == "monthly" and exp.panel.synthetic
    assert exp.period[0] < pd.Timestamp("1976-01-01")
    assert exp.period[1] == pd.Timestamp("2026-06-30")
    # decisions at month ends fill at the next month-end close (lag 1)
    res = exp.results["valuation_tilt"]
    pos = exp.panel.dates.get_indexer(res.rebalances["decision_date"])
    assert (exp.panel.dates[pos + 1] == res.rebalances.index).all()


def test_tearsheet_inputs_use_monthly_periods(exp):
    r = exp.returns()
    rf = exp.rf_returns()
    job = TearsheetJob("valuation_tilt", r["valuation_tilt"], r["world"], "world", rf, "cash",
                       "t", Path("x.html"))
    kw = quantstats_inputs(job)
    assert kw["periods_per_year"] == 12
    np.testing.assert_allclose(np.asarray(kw["rf"]), (1 + rf.to_numpy()) ** 12 - 1, rtol=1e-15)
    m = summary(r["valuation_tilt"], rf)
    assert m["sharpe"] == pytest.approx(
        qs.stats.sharpe(kw["returns"], rf=kw["rf"], periods=12), abs=1e-12)


@pytest.mark.slow
def test_run_writes_the_page_and_monthly_tearsheets_offline(tmp_path):
    out = run_config(CONFIG, out=tmp_path, workers=1, show_progress=False)
    folder = tmp_path / "rowing_boat_history"
    page = (folder / "index.html").read_text()
    assert "monthly" in page and "12 periods a year" in page and "us_valuation" in page
    metrics = pd.read_csv(folder / "metrics.csv", index_col=0)
    returns = pd.read_csv(folder / "returns.csv", index_col=0, parse_dates=True)
    spliced = {"fixed_mix", "valuation_tilt", "sma_timing"}     # they hold em before 2003-04
    for name in out.metrics.index:
        sheet = (folder / "tearsheets" / f"{name}.html").read_text()
        assert "http" not in sheet.replace("http://www.w3.org", "")
        assert "Periods/Year: 12" in sheet
        # the splice is noted under the heading and shaded (a band and a label per dated chart)
        assert ("EEM extended back to 1969-12-31 with EM" in sheet) == (name in spliced), name
        assert (sheet.count('id="rowboat-splice"') >= 20) == (name in spliced), name
        r = returns[name].dropna()
        assert metrics.loc[name, "cagr"] == pytest.approx(qs.stats.cagr(r, periods=12),
                                                          abs=1e-12)
    assert "Periods/Year" not in page


def test_monthly_sweep_variants_equal_single_backtests(exp):
    problem, result = swept(exp, "valuation_tilt", {"shift": "0.25,1.0", "schedule": "monthly"})
    assert problem.periods == 12
    s, e = problem.period
    cagrs = []
    for v in range(problem.n_variants):
        res = variant_backtest(exp, "valuation_tilt", problem.grid.variant(v))
        expect = summary(res.returns.loc[s:e], exp.rf.loc[s:e])
        row = result.variants.loc[v]
        for k in ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar"):
            assert row[k] == pytest.approx(expect[k], rel=1e-9, abs=1e-12), (v, k)
        cagrs.append(row["cagr"])
    assert cagrs[0] != cagrs[1]                           # the shift matters
    assert result.stats.dsr is None or result.stats.dsr.periods_per_year == 12


def test_the_sample_em_fund_is_extended_back_with_the_index(exp):
    sp = exp.panel.splices["EEM"]
    assert (sp.index, sp.splice_date) == ("EM", pd.Timestamp("2003-04-30"))
    em = exp.history.close("em", "tr")
    assert em.first_valid_index() == pd.Timestamp("1969-12-31")
    index = exp.history.tr["EM"]
    before = em.loc[:"2003-04-30"].pct_change().iloc[1:]
    np.testing.assert_allclose(before.to_numpy(),
                               (index.loc[:"2003-04-30"].pct_change().iloc[1:] - 0.0068 / 12
                                ).to_numpy(), rtol=0, atol=1e-12)
    assert -0.012 < sp.tracking_difference < -0.004


def test_the_daily_sample_resampled_to_month_ends_by_config():
    import tomllib

    from engine.config import config_from_dict
    raw = tomllib.loads((ROOT / "scripts" / "configs" / "rowing_boat.toml").read_text())
    raw["data"]["frequency"] = "monthly"
    cfg = config_from_dict(raw, base_dir=ROOT / "scripts" / "configs")
    e = load_experiment(cfg)
    assert e.panel.frequency == "monthly" and e.panel.periods_per_year == 12
    assert (e.panel.dates == e.panel.dates + pd.offsets.MonthEnd(0)).all()
    r = e.returns()["us_only"]
    assert summary(r)["cagr"] == pytest.approx(qs.stats.cagr(r, periods=12), abs=1e-12)


def test_the_spliced_span_is_marked_on_a_figure(exp):
    from engine.report.splice_marks import mark_plotly, splice_spans
    spans = splice_spans(exp.panel)
    assert [(s.start, s.end) for s in spans] == [("1969-12-31", "2003-04-30")]
    assert spans[0].label == "EEM = EM − 0.68%/yr (spliced)"
    fig = mark_plotly({"data": [], "layout": {"shapes": [{"type": "line"}]}}, spans)
    rect = fig["layout"]["shapes"][-1]
    assert (rect["x0"], rect["x1"], rect["type"]) == ("1969-12-31", "2003-04-30", "rect")
    assert fig["layout"]["annotations"][0]["text"] == spans[0].label
