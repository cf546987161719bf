"""The sweep page answers "is the best variant better than what I have?": the benchmark and the
configured strategy as reference rows and lines, identical variants counted once, uniform heat
maps left out, the walk-forward against holding the benchmark, and heat-map cards that fit a
390 px phone."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.sweep.api import run_sweep
from engine.sweep.distinct import distinct_top
from engine.sweep.page import is_uniform
from engine.sweep.reference import monthly_total

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"
#: with defensive = 0 the fallback changes nothing: 4 of the 8 variants are 2 pairs of twins;
#: the configured params (defensive 0.5, fallback bonds, drawdown 0.05) are one of the variants
GRID = ["defensive=0,0.5", "fallback=bonds,cash", "drawdown=0.05,0.08"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("sweep")
    return run_sweep(CONFIG, strategy="rowing_boat", grid=GRID, out=out, pbo_blocks=8,
                     wf_train=36, wf_test=12)


@pytest.fixture(scope="module")
def html(sweep) -> str:
    return sweep.index.read_text()


def _rows(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [re.findall(r"<td>(.*?)</td>", r, re.S) for r in re.findall(r"<tr.*?</tr>", body,
                                                                     re.S)]


def test_reference_rows_are_the_run_strategies_on_the_sweep_period(sweep) -> None:
    from engine.experiment import load_experiment
    from engine.metrics import summary

    refs = sweep.references
    p = sweep.problem
    exp = load_experiment(CONFIG)
    rf = pd.Series(p.rf[p.start:p.stop], index=p.measured_dates)
    world = summary(exp.results["world"].returns.reindex(p.measured_dates), rf)
    row = refs.metrics.loc["world (benchmark)"]
    for key in ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar"):
        assert row[key] == pytest.approx(world[key], rel=1e-12), key
    # the configured strategy is variant (defensive 0.5, bonds, drawdown 0.05): the fused sweep
    # kernel and the single backtest give it the same numbers
    frame = p.grid.frame()
    hit = frame[(frame.defensive == 0.5) & (frame.fallback == "bonds") & (frame.drawdown == 0.05)]
    variant = sweep.variants.loc[hit.index[0]]
    configured = refs.metrics.loc["rowing_boat (as configured)"]
    for key in ("cagr", "volatility", "sharpe", "max_drawdown", "turnover_per_year",
                "costs_per_year"):
        assert configured[key] == pytest.approx(variant[key], rel=1e-9, abs=1e-12), key
    assert int(configured["rebalances"]) == int(variant["rebalances"])


def test_reference_rows_and_lines_on_the_page(sweep, html: str) -> None:
    rows = _rows(html, "top")
    assert [r[1] for r in rows[:2]] == ["<b>world (benchmark)</b>",
                                        "<b>rowing_boat (as configured)</b>"]
    sharpe = sweep.references.metrics["sharpe"]
    assert f"world (benchmark): {sharpe.iloc[0]:.2f}" in html  # the histogram's legend
    assert "Same period: benchmark · as configured" in html


def test_identical_variants_are_one_row_with_their_count(sweep, html: str) -> None:
    rows = _rows(html, "top")[2:]
    assert len(rows) == 6  # 8 variants, 6 distinct results
    from engine.sweep.distinct import KEY

    ids = [int(r[1].lstrip("#")) for r in rows]
    shown = sweep.variants.loc[ids, list(KEY)]
    assert not shown.duplicated().any()  # one row per distinct result
    assert len(sweep.variants[list(KEY)].drop_duplicates()) == 6
    twins = [r for r in rows if "×2" in r[2]]
    assert len(twins) == 2
    assert all(r[3] == "0.0" and "any (2)" in r[4] for r in twins)
    # best first, and no near-duplicate padding: the 6 rows are all 6 results, by Sharpe
    assert list(shown["sharpe"]) == sorted(shown["sharpe"], reverse=True)


def test_distinct_top_pads_with_distinct_results_only() -> None:
    v = pd.DataFrame({"sharpe": [1.0, 1.0, 0.5, 1.0, 0.2], "cagr": [0.1, 0.1, 0.05, 0.1, 0.0],
                      "volatility": [0.2] * 5, "max_drawdown": [-0.3] * 5,
                      "turnover_per_year": [0.1] * 5, "rebalances": [5] * 5},
                     index=pd.RangeIndex(5, name="variant"))
    order = np.array([0, 1, 3, 2, 4])
    top = distinct_top(v, order, 2)
    assert [(d.variant, list(d.members)) for d in top] == [(0, [0, 1, 3]), (2, [2])]
    assert [d.variant for d in distinct_top(v, order, 10)] == [0, 2, 4]


def test_walk_forward_against_holding_the_benchmark(sweep, html: str) -> None:
    from engine.experiment import load_experiment

    p = sweep.problem
    wf = sweep.stats.walk_forward
    exp = load_experiment(CONFIG)
    daily = exp.results["world"].returns.reindex(p.measured_dates).to_numpy()
    # monthly by hand: compound each month's days
    months = pd.Series(daily, index=p.measured_dates).groupby(
        p.measured_dates.to_period("M")).apply(lambda r: float(np.prod(1 + r) - 1))
    np.testing.assert_allclose(monthly_total(daily, p.month_last, p.start), months.to_numpy(),
                               rtol=1e-12)
    held = months.to_numpy()[wf.start:]
    annual = np.prod(1 + held) ** (12 / held.size) - 1
    section = html.split('id="walk-forward"', 1)[1]
    assert "Holding world" in section and "hold world (benchmark)" in section
    assert f"<b>{annual * 100:.1f}%</b> a year, same months" in section
    folds = _rows(html, "folds")
    assert len(folds) == wf.n_folds and all(r[-1].endswith(" pp") for r in folds)


def test_is_uniform() -> None:
    assert is_uniform(np.array([[0.41, 0.41], [0.41, np.nan]]))
    assert not is_uniform(np.array([[0.41, 0.41], [0.41, 0.42]]))
    assert is_uniform(np.full((2, 2), np.nan))


def test_uniform_heat_map_is_left_out_with_a_note(tmp_path: Path) -> None:
    """defensive = 0: the fallback (the only swept parameter) changes nothing."""
    result = run_sweep(CONFIG, strategy="rowing_boat", out=tmp_path, pbo_blocks=8, wf_train=36,
                       wf_test=12, grid=["defensive=0", "fallback=bonds,cash"])
    html = result.index.read_text()
    assert '<div class="heatmap">' not in html
    assert "Not drawn, every cell being the same Sharpe ratio" in html and "fallback." in html
    rows = _rows(html, "top")[2:]
    assert len(rows) == 1 and "×2" in rows[0][2]


@pytest.mark.browser
def test_heat_map_cards_fit_a_phone(html: str, sweep) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip(f"{chromium} not found (apt-get install chromium)")
    from browser_checks import ARGS

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 800})
            page.goto(sweep.index.as_uri())
            over = page.evaluate("""() => {
                const w = document.documentElement.clientWidth;
                const cards = [...document.querySelectorAll('.heatmap')];
                return {page: document.documentElement.scrollWidth - w, cards: cards.length,
                        worst: Math.max(0, ...cards.map(c => c.getBoundingClientRect().right - w))};
            }""")
        finally:
            browser.close()
    assert over["cards"] >= 3 and over["page"] <= 0 and over["worst"] <= 0, over
