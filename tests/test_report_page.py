"""The comparison page and its charts from plain inputs (synthetic returns, no engine run)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from engine.metrics import drawdown_series, rolling_excess
from engine.report import plots
from engine.report.page import bp, chart, pct, pp
from engine.report.run_page import RunPage, SignalPanel, build_run_page
from engine.report.scorecard import calendar_table, scorecard

NAMES = ["world", "us_only", "rotation"]


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    idx = pd.bdate_range("2012-01-02", periods=4 * 252)
    rng = np.random.default_rng(11)
    return pd.DataFrame(rng.normal(0.0003, 0.01, (len(idx), 3)), index=idx, columns=NAMES)


@pytest.fixture(scope="module")
def page_html(returns: pd.DataFrame) -> str:
    idx = returns.index
    allocs = {}
    for k, n in enumerate(NAMES):
        on = (np.arange(len(idx)) // (100 + 40 * k)) % 2 == 0
        allocs[n] = pd.DataFrame({"us_mega": np.where(on, 0.5, 0.2),
                                  "ex_us": np.where(on, 0.3, 0.6), "em": 0.2, "cash": 0.0},
                                 index=idx)
    full = pd.bdate_range("2008-01-01", idx[-1])
    lvl = pd.Series(0.2 + 0.05 * np.sin(np.arange(len(full)) / 300), index=full)
    conc = pd.DataFrame({"level": lvl, "chain": lvl / lvl.iloc[0],
                         "peak": (lvl / lvl.iloc[0]).cummax(),
                         "drawdown": lvl / lvl.cummax() - 1})
    close = pd.Series(np.exp(np.cumsum(np.random.default_rng(2).normal(3e-4, 0.01, len(full)))),
                      index=full)
    level = close.shift(1).rolling(504, min_periods=504).max()
    state = (close > level).astype(int)
    bo = pd.DataFrame({"level": level, "state": state, "on": state.diff() == 1,
                       "off": state.diff() == -1})
    metrics = scorecard(returns, "world", sleeve_weights=allocs)
    page = RunPage(name="synthetic <test>", returns=returns, benchmark="world", metrics=metrics,
                   calendar=calendar_table(returns), period_reason="all invested from day one",
                   source="synthetic sample (seed 7)", synthetic=True, rf_label="0",
                   allocations=allocs,
                   signals=(SignalPanel("mega", "concentration", conc,
                                        thresholds={"rotation drawdown": 0.05}),
                            SignalPanel("exus", "breakout", bo, close=close)),
                   tearsheets={n: f"tearsheets/{n}.html" for n in NAMES},
                   descriptions={n: f"rule {n}" for n in NAMES}, theses={"rotation": "line 1"})
    return build_run_page(page)


def test_page_has_every_strategy_row_and_chart(page_html: str) -> None:
    metrics_table = re.search(r'<table id="metrics">.*?</table>', page_html, re.S).group(0)
    rows = re.findall(r'<tr data-strategy="([^"]+)"', metrics_table)
    assert rows == NAMES
    for chart_id in ("equity", "drawdowns", "rolling-excess", "allocation", "signal-0",
                     "signal-1"):
        assert re.search(rf'<figure class="chart" id="{chart_id}"[^>]*>.*?<svg', page_html,
                         re.S), chart_id
    assert page_html.count('id="calendar"') == 1
    for n in NAMES:
        assert f'href="tearsheets/{n}.html"' in page_html
    assert "synthetic &lt;test&gt;" in page_html  # escaped
    assert "synthetic sample" in page_html and "all invested from day one" in page_html


def test_page_is_self_contained(page_html: str) -> None:
    assert "<script" not in page_html
    assert not re.search(r"https?://", page_html)
    assert not re.search(r'(?:src|href)="(?!#|data:|tearsheets/)', page_html)
    assert "@import" not in page_html and "url(http" not in page_html
    ids = re.findall(r'\bid="([^"]+)"', page_html)
    assert len(ids) == len(set(ids))  # ids unique across every inlined chart


def test_page_shows_percent(page_html: str, returns: pd.DataFrame) -> None:
    card = scorecard(returns, "world")
    row = re.search(r'<tr data-strategy="us_only">.*?</tr>', page_html, re.S).group(0)
    assert f">{pct(card.at['us_only', 'cagr'])}<" in row
    assert f">{pp(card.at['us_only', 'excess_cagr'])}<" in row
    assert f">{card.at['us_only', 'sharpe']:.2f}<".replace("-", "−") in row


def test_formatters() -> None:
    assert pct(0.12345) == "12.3%" and pct(-0.5, 0) == "−50%" and pct(float("nan")) == "–"
    assert pp(0.0123) == "+1.2 pp" and pp(-0.001) == "−0.1 pp"
    assert bp(0.00012) == "1.2 bp" and bp(0.0123) == "123 bp"


def test_chart_frames_agree_with_engine_metrics(returns: pd.DataFrame) -> None:
    dd = plots.drawdown_frame(returns)
    for n in NAMES:
        np.testing.assert_allclose(dd[n].to_numpy(), drawdown_series(returns[n]).to_numpy(),
                                   atol=1e-12)
    ex = plots.rolling_excess_frame(returns, "world", 252)
    assert list(ex.columns) == ["us_only", "rotation"]
    ref = rolling_excess(returns["rotation"], returns["world"], 252)
    np.testing.assert_allclose(ex["rotation"].to_numpy(), ref.to_numpy(), atol=1e-12)
    growth = plots.growth(returns)
    assert growth["world"].iloc[-1] == pytest.approx((1 + returns["world"]).prod(), rel=1e-12)


def test_svg_is_inline_ready() -> None:
    idx = pd.bdate_range("2020-01-01", periods=300)
    r = pd.DataFrame({"a": np.full(300, 0.001), "b": np.full(300, -0.0005)}, index=idx)
    svg1 = plots.equity_chart(r, plots.strategy_colors(["a", "b"], "b"), "b")
    svg2 = plots.drawdown_chart(r, plots.strategy_colors(["a", "b"], "b"), "b")
    for svg in (svg1, svg2):
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert "http" not in svg and "<metadata" not in svg and "<?xml" not in svg
    assert plots.equity_chart(r, plots.strategy_colors(["a", "b"], "b"), "b") == svg1  # stable
    ids1 = set(re.findall(r'id="([^"]+)"', chart(svg1, "one")))
    ids2 = set(re.findall(r'id="([^"]+)"', chart(svg2, "two")))
    assert len(ids1) > 1 and len(ids2) > 1 and not ids1 & ids2


def test_colours_are_consistent() -> None:
    a = plots.strategy_colors(["x", "bench", "y"], "bench")
    b = plots.strategy_colors(["x", "bench", "y", "z"], "bench")
    assert a["bench"] == plots.BENCHMARK_COLOR and a["x"] != a["y"]
    assert all(a[k] == b[k] for k in a)
    assert plots.sleeve_order(["cash", "em", "custom", "us_mega"]) == ["us_mega", "em", "custom",
                                                                       "cash"]
