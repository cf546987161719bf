"""The quantstats 0.0.86 tearsheet bugs users saw, one test each, then every tearsheet of the demo
and of the real-ETF config checked for all of them (tests/tearsheet_checks.py).

Bugs: the Treynor cell printed a whole pandas Series; the "EOY Returns vs Benchmark" labels sat
in the left sixth with the bars at the right (more than ten years); the monthly heatmap showed
0.00 for months outside the period; the log chart had only 0 % and 100 % ticks; the dates were
in the title twice; the page and the tearsheet dated the same drawdown differently.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import quantstats as qs

from engine.metrics import drawdown_periods, summary
from engine.report import tearsheet_charts as charts
from engine.report.scorecard import scorecard
from engine.report.tearsheet import render, tearsheet_jobs, write_tearsheets
from engine.report.tearsheet_fix import comp, treynor_ratio
from tearsheet_checks import chart_svg, eoy_problems, row, tearsheet_problems, ticks

ROOT = Path(__file__).resolve().parent.parent
RF = 6e-5  # daily risk-free return


def _returns(start: str = "2012-06-15", years: int = 12, seed: int = 3) -> pd.DataFrame:
    idx = pd.bdate_range(start, periods=252 * years + 40)
    rng = np.random.default_rng(seed)
    bench = rng.normal(3e-4, 0.011, len(idx))
    rule = 0.8 * bench + rng.normal(1e-4, 0.005, len(idx))
    return pd.DataFrame({"bench": bench, "rule": rule}, index=idx)


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, pd.DataFrame]:
    """One tearsheet (rule vs bench, a risk-free series, 12 years from mid-June), rendered here."""
    r = _returns()
    out = tmp_path_factory.mktemp("ts")
    jobs = tearsheet_jobs(r, "bench", pd.Series(RF, index=r.index), "cash (CASH)", out,
                          {"bench": "bench.html", "rule": "rule.html"})
    render(jobs[1])
    return (out / "rule.html").read_text(), r


# ---------------------------------------------------------------------------- Treynor
def test_treynor_is_quantstats_formula_with_the_compounded_risk_free() -> None:
    r = _returns(years=3)
    rf = pd.Series(RF, index=r.index)
    ours = treynor_ratio(r["rule"], r["bench"], rf)
    peer = qs.stats.treynor_ratio(r["rule"], r["bench"], 252, rf=comp(rf))  # a scalar: fine
    assert ours == pytest.approx(peer, rel=1e-12)
    assert treynor_ratio(r["rule"], r["bench"], None) == pytest.approx(
        qs.stats.treynor_ratio(r["rule"], r["bench"], 252, rf=0.0), rel=1e-12)
    assert isinstance(ours, float)


@pytest.mark.slow
def test_treynor_cell_is_one_number(sheet: tuple[str, pd.DataFrame]) -> None:
    html, r = sheet
    assert "dtype:" not in html and "Length:" not in html
    rf = pd.Series(RF, index=r.index)
    assert row(html, "Treynor Ratio") == [
        "-", f"{treynor_ratio(r['rule'], r['bench'], rf) * 100:.2f}%"]


# ---------------------------------------------------------------------------- title
@pytest.mark.slow
def test_title_shows_the_period_once(sheet: tuple[str, pd.DataFrame]) -> None:
    html, r = sheet
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert h1.count("2012") == 1 and h1.count("2024") == 1 and h1.startswith("rule ")
    assert "<title>rule — 2012-06-15 to " in html  # the browser tab still names both


# ---------------------------------------------------------------------------- EOY chart
@pytest.mark.filterwarnings("ignore:set_ticklabels")
def test_eoy_ticks_sit_under_their_bars() -> None:
    import matplotlib

    matplotlib.use("Agg")
    r = _returns()
    years = sorted(set(r.index.year))
    fig = qs.plots.yearly_returns(r["rule"], r["bench"], figsize=(8, 4), subtitle=False,
                                  show=False, ylabel="", prepare_returns=False)
    ax = fig.axes[0]
    # quantstats' own figure: labels at 0..n-1, bars far to the right (the bug)
    first_bar = min(b.get_x() for c in ax.containers for b in c)
    assert max(ax.get_xticks()[:len(years)]) < first_bar
    centers = charts.align_year_ticks(ax, years)
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in years]
    for c in ax.containers:  # each year's bars straddle its tick
        for bar, x in zip(c, centers):
            assert abs(bar.get_x() + bar.get_width() / 2 - x) <= bar.get_width()
    lo, hi = ax.get_xlim()
    assert lo <= min(centers) and max(centers) <= hi and hi - lo < len(years) + 1


@pytest.mark.slow
def test_eoy_chart_labels_inside_the_axis(sheet: tuple[str, pd.DataFrame]) -> None:
    html, r = sheet
    assert eoy_problems(chart_svg(html, "eoy_returns"), sorted(set(r.index.year))) == []


# ---------------------------------------------------------------------------- heatmap
@pytest.mark.slow
def test_heatmap_has_no_cells_outside_the_period(sheet: tuple[str, pd.DataFrame]) -> None:
    html, r = sheet
    numbers = re.findall(r"<!-- (-?\d+\.\d\d) -->", chart_svg(html, "monthly_heatmap"))
    monthly = (1 + r["rule"]).groupby([r.index.year, r.index.month]).prod() - 1
    assert len(numbers) == len(monthly)  # 12 years + 40 days from mid-June: no Jan–May 2012
    assert numbers[:2] == [f"{v * 100:.2f}" for v in monthly.iloc[:2]]  # June 2012 comes first


# ---------------------------------------------------------------------------- log chart
def test_log_ticks_round_levels() -> None:
    assert charts.log_ticks(-0.05, 5.9) == pytest.approx([0.0, 0.5, 1.0, 2.0, 4.0])
    assert charts.log_ticks(-0.3, 0.2) == pytest.approx([-0.3, -0.2, -0.1, 0.0, 0.1, 0.2])
    assert charts.log_ticks(0.0, 99.0) == pytest.approx([0.0, 1.0, 4.0, 9.0, 19.0, 49.0, 99.0])
    with pytest.raises(ValueError):
        charts.log_ticks(-1.5, 1.0)


@pytest.mark.slow
def test_log_chart_has_round_ticks_on_a_log_scale(sheet: tuple[str, pd.DataFrame]) -> None:
    html, r = sheet
    marks = ticks(chart_svg(html, "log_returns"), "y")
    assert len(marks) >= 4 and marks[0][1] == "0%"
    values = [float(t.rstrip("%").replace(",", "")) / 100 for _, t in marks]
    pos = [y for y, _ in marks]
    # equal ratios of wealth are equal distances: log(1 + v) is linear in the SVG position
    slope = np.polyfit(np.log1p(values), pos, 1)
    assert np.allclose(np.polyval(slope, np.log1p(values)), pos, atol=0.05)


# ---------------------------------------------------------------------------- drawdowns
def test_drawdown_periods_agree_with_summary_and_quantstats() -> None:
    r = _returns()["rule"]
    ours = drawdown_periods(r)
    s = summary(r)
    first = ours.iloc[0]
    assert (first.peak, first.trough, first.recovery, first.depth) == (
        s["max_dd_peak"], s["max_dd_trough"], s["max_dd_recovery"], s["max_drawdown"])
    peer = qs.stats.drawdown_details(qs.stats.to_drawdown_series(r))
    peer = peer.sort_values("start").reset_index(drop=True)
    mine = ours.sort_values("start").reset_index(drop=True)
    assert len(mine) == len(peer)
    assert list(mine["start"].dt.strftime("%Y-%m-%d")) == list(peer["start"])
    assert list(mine["end"].dt.strftime("%Y-%m-%d")) == list(peer["end"])
    assert list(mine["trough"].dt.strftime("%Y-%m-%d")) == list(peer["valley"])
    np.testing.assert_allclose(mine["depth"] * 100, peer["max drawdown"], rtol=1e-9)
    # the convention: peak = last day at the high, recovery = first day back (or NaT)
    idx = r.index
    for p in mine.itertuples():
        assert idx.get_loc(p.start) == idx.get_loc(p.peak) + 1
        if not pd.isna(p.recovery):
            assert idx.get_loc(p.recovery) == idx.get_loc(p.end) + 1
            assert p.days == (p.recovery - p.peak).days


def test_drawdown_from_the_first_day_and_unrecovered() -> None:
    idx = pd.bdate_range("2020-01-01", periods=6)
    r = pd.Series([-0.1, 0.2, -0.05, 0.0, -0.2, 0.01], index=idx)
    t = drawdown_periods(r)
    np.testing.assert_allclose(t["depth"], [0.95 * 0.8 - 1, -0.1], rtol=1e-12)
    worst, first = t.iloc[0], t.iloc[1]
    assert worst.peak == idx[1] and worst.start == idx[2] and worst.trough == idx[4]
    assert pd.isna(worst.recovery) and worst.end == idx[-1] and worst.trading_days == 4
    assert pd.isna(first.peak) and first.start == idx[0] and first.recovery == idx[1]


@pytest.mark.slow
def test_tearsheet_and_page_give_the_same_drawdown_dates(sheet: tuple[str, pd.DataFrame]) -> None:
    html, r = sheet
    card = scorecard(r, "bench", pd.Series(RF, index=r.index))
    day = "{:%Y-%m-%d}".format
    for col, name in enumerate(("bench", "rule")):
        assert row(html, "Max DD Peak")[col] == day(card.at[name, "max_dd_peak"])
        assert row(html, "Max DD Date")[col] == day(card.at[name, "max_dd_trough"])
        rec = card.at[name, "max_dd_recovery"]
        assert row(html, "Max DD Recovered")[col] == ("not yet" if pd.isna(rec) else day(rec))
    table = re.search(r'<div id="ddinfo">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    first = re.findall(r"<td>([^<]*)</td>", table)[:4]
    periods = drawdown_periods(r["rule"])
    assert first == [day(card.at["rule", "max_dd_peak"]),
                     "not yet" if pd.isna(card.at["rule", "max_dd_recovery"])
                     else day(card.at["rule", "max_dd_recovery"]),
                     f"{card.at['rule', 'max_drawdown'] * 100:.2f}", str(periods["days"].iloc[0])]
    assert "Max DD Period Start" not in html and "Max DD Period End" not in html


@pytest.mark.slow
def test_rendered_sheet_has_none_of_the_bugs(sheet: tuple[str, pd.DataFrame]) -> None:
    html, r = sheet
    assert tearsheet_problems(html, r.index) == []


def test_cache_key_follows_the_metrics_the_fixes_read(tmp_path: Path, monkeypatch) -> None:
    """A cached tearsheet is redrawn when engine/metrics (drawdown periods) changes."""
    from engine.report import tearsheet_cache

    r = _returns(years=1)
    job = tearsheet_jobs(r, "bench", None, "0", tmp_path, {"bench": "b.html", "rule": "r.html"})[1]
    key = tearsheet_cache.cache_key(job)
    code = tmp_path / "metrics"
    code.mkdir()
    for f in tearsheet_cache._METRICS.glob("*.py"):
        (code / f.name).write_bytes(f.read_bytes())
    monkeypatch.setattr(tearsheet_cache, "_METRICS", code)
    tearsheet_cache.code_digest.cache_clear()
    try:
        assert tearsheet_cache.cache_key(job) == key
        (code / "drawdowns.py").write_text("# another convention\n")
        tearsheet_cache.code_digest.cache_clear()
        assert tearsheet_cache.cache_key(job) != key
    finally:
        tearsheet_cache.code_digest.cache_clear()


# ---------------------------------------------------------------------------- real configs
def _config_tearsheets(config: Path, out: Path, data: str | None = None) -> dict[str, str]:
    from engine.experiment import load_experiment

    exp = load_experiment(config, data=data)
    returns = exp.returns()
    jobs = tearsheet_jobs(returns, exp.benchmark, exp.rf, exp.rf_label, out,
                          {n: f"{n}.html" for n in returns.columns})
    write_tearsheets(jobs, workers=2)
    problems = {}
    for job in jobs:
        html = job.path.read_text()
        found = tearsheet_problems(html, returns.index)
        card = scorecard(returns, exp.benchmark, exp.rf)
        peak = card.at[job.strategy, "max_dd_peak"]
        if not pd.isna(peak) and row(html, "Max DD Peak")[-1] != f"{peak:%Y-%m-%d}":
            found.append(f"max drawdown peak {row(html, 'Max DD Peak')} vs page {peak:%Y-%m-%d}")
        if found:
            problems[job.strategy] = found
    return problems


@pytest.mark.slow
def test_every_demo_tearsheet_is_clean(tmp_path: Path) -> None:
    assert _config_tearsheets(ROOT / "scripts/configs/rowing_boat.toml", tmp_path) == {}


@pytest.mark.slow
@pytest.mark.realdata
def test_every_etf_tearsheet_is_clean(prices_dir: Path, tmp_path: Path) -> None:
    assert _config_tearsheets(ROOT / "scripts/configs/rowing_boat_etfs.toml", tmp_path,
                              data=str(prices_dir)) == {}
