"""The comparison page and its Plotly figures from plain inputs (synthetic returns, no engine
run): every section and figure present, the figures' numbers equal the engine's, labels readable,
the page self-contained and its inlined JSON safe."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from engine.metrics import drawdown_series, rolling_excess
from engine.report import colors, figures
from engine.report.page import bp, pct, pp
from engine.report.plotly_embed import DATA_ID, json_for_script, unpack, values
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
    page = RunPage(name="synthetic </script><test>", returns=returns, benchmark="world", metrics=metrics,
                   calendar=calendar_table(returns), period_reason="all invested from day one",
                   source="synthetic sample (seed 7)", synthetic=True, rf_label="0",
                   allocations=allocs,
                   signals=(SignalPanel("mega", "concentration", conc,
                                        thresholds={"rotation drawdown": 0.05}),
                            SignalPanel("exus", "breakout", bo, close=close)),
                   tearsheets={n: f"tearsheets/{n}.html" for n in NAMES},
                   descriptions={n: f"rule {n}" for n in NAMES},
                   theses={"rotation": "Move ``shift`` of the sleeve\nwhen it falls.\n\nSecond."},
                   sleeve_labels={"us_mega": "us_mega (MGK)", "ex_us": "ex_us (ACWX)"},
                   strips={"rotation": {"rule: tilted": pd.Series(
                       np.arange(len(idx)) % 300 < 100, index=idx)}},
                   today='<div id="as-of">As of 2015-12-31</div>')
    return build_run_page(page)


def blob(page_html: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{DATA_ID}">(.*?)</script>', page_html,
                  re.S)
    return json.loads(m.group(1))


def test_page_has_every_section_and_figure(page_html: str) -> None:
    metrics_table = re.search(r'<table id="metrics">.*?</table>', page_html, re.S).group(0)
    rows = re.findall(r'<tr data-strategy="([^"]+)"', metrics_table)
    assert rows == NAMES
    figs = blob(page_html)["figures"]
    for fig_id in ("equity", "vs-s0", "vs-s1", "alloc-s0", "alloc-s1", "signal-0", "signal-1"):
        assert fig_id in figs and figs[fig_id]["data"], fig_id
        assert f'data-fig="{fig_id}"' in page_html, fig_id
    for section in ("today-section", "verdict-section", "metrics-section", "picker-section",
                    "rolling-section", "calendar-section", "correlation-section",
                    "signals-section", "tearsheets-section"):
        assert f'<section id="{section}">' in page_html, section
    assert page_html.count('id="calendar"') == 1
    for n in NAMES:
        assert f'href="tearsheets/{n}.html"' in page_html
    assert "synthetic sample" in page_html and "all invested from day one" in page_html


def test_headline_is_computed_from_the_numbers(page_html: str, returns: pd.DataFrame) -> None:
    headline = re.search(r'<p class="headline" id="headline">(.*?)</p>', page_html).group(1)
    cagr = (1 + returns).prod() ** (252 / len(returns)) - 1
    best = cagr.idxmax()
    assert f"{best} did best: {pct(cagr[best])} a year" in headline or (
        best == "world" and "beat every other strategy" in headline)
    assert headline.startswith(f"Over {returns.index[0]:%Y-%m} → {returns.index[-1]:%Y-%m}")
    assert re.search(r'<table id="verdict">', page_html)
    assert "Ledoit" in page_html and "90%" in page_html


def test_page_is_self_contained_and_its_json_safe(page_html: str) -> None:
    assert page_html.count("<script") == 3  # data, plotly.js, the page script
    outside = re.sub(r"<script>.*?</script>", "", page_html, flags=re.S)
    assert not re.search(r"https?://", outside)
    assert not re.search(r'(?:src|href)="(?!#|data:|tearsheets/)', outside)
    assert "@import" not in page_html and "url(http" not in page_html
    ids = re.findall(r'\bid="([^"]+)"', outside)
    assert len(ids) == len(set(ids))
    assert "synthetic &lt;/script&gt;&lt;test&gt;" in page_html  # escaped in HTML
    data = re.search(rf'id="{DATA_ID}">(.*?)</script>', page_html, re.S).group(1)
    assert "</" not in data and "<" not in data  # a name cannot close the JSON block
    assert json_for_script({"a": "</script><!--"}) == '{"a":"\\u003c/script\\u003e\\u003c!--"}'


def test_page_shows_percent(page_html: str, returns: pd.DataFrame) -> None:
    card = scorecard(returns, "world")
    row = re.search(r'<table id="metrics">.*?<tr data-strategy="us_only">(.*?)</tr>', page_html,
                    re.S).group(1)
    assert f">{pct(card.at['us_only', 'cagr'])}<" in row
    assert f">{pp(card.at['us_only', 'excess_cagr'])}<" in row
    assert f">{card.at['us_only', 'sharpe']:.2f}<".replace("-", "−") in row


def test_formatters() -> None:
    assert pct(0.12345) == "12.3%" and pct(-0.5, 0) == "−50%" and pct(float("nan")) == "–"
    assert pp(0.0123) == "+1.2 pp" and pp(-0.001) == "−0.1 pp"
    assert bp(0.00012) == "1.2 bp" and bp(0.0123) == "123 bp"


def test_packed_values_round_trip() -> None:
    a = np.array([0.12345, np.nan, -0.2, 0.3, *np.linspace(-1, 1, 30)])
    packed = values(a, 4)
    assert isinstance(packed, dict) and packed["q"] == 4
    back = unpack(packed)
    assert back[1] is None
    np.testing.assert_allclose([x for x in back if x is not None],
                               np.round(a[~np.isnan(a)], 4), atol=1e-12)


def test_figures_agree_with_engine_metrics(returns: pd.DataFrame) -> None:
    fig = figures.versus(returns, "rotation", "world",
                         colors.strategy_colors(NAMES, "world"))
    by_name = {t["name"]: unpack(t["y"]) for t in fig["data"]}
    np.testing.assert_allclose(by_name["rotation drawdown"],
                               drawdown_series(returns["rotation"]).round(4), atol=1e-12)
    ex = rolling_excess(returns["rotation"], returns["world"], 252).round(4).to_numpy()
    got = np.array([np.nan if v is None else v for v in
                    by_name["rotation − world, trailing 12 months"]])
    np.testing.assert_allclose(got, ex, atol=1e-12, equal_nan=True)
    growth = (1 + returns).cumprod()
    np.testing.assert_allclose(by_name["rotation / world"],
                               (growth["rotation"] / growth["world"]).round(4), atol=1e-12)
    eq = figures.equity(returns, colors.strategy_colors(NAMES, "world"), "world")
    assert unpack(eq["data"][0]["y"])[-1] == pytest.approx(growth["world"].iloc[-1], abs=5e-4)


def test_labels_are_readable(page_html: str) -> None:
    outside = re.sub(r"<script>.*?</script>", "", page_html, flags=re.S)
    assert "``" not in outside  # rST literals rendered as <code>
    assert "<code>shift</code> of the sleeve when it falls." in page_html  # lines joined
    assert "default params" not in page_html
    figs = blob(page_html)["figures"]
    legend = [t["name"] for t in figs["alloc-s0"]["data"]]
    assert "us_mega (MGK)" in legend and "ex_us (ACWX)" in legend  # tickers named
    strips = figs["alloc-s1"]["layout"]["yaxis2"]["categoryarray"]
    assert "rule: tilted" in strips  # the rule's state over time


def test_percent_axes_tick_on_round_numbers(page_html: str) -> None:
    figs = blob(page_html)["figures"]
    vs = figs["vs-s0"]["layout"]
    for axis in ("yaxis2", "yaxis3"):
        assert vs[axis]["tickformat"] == ".0%" and "tickvals" not in vs[axis]
        assert "dtick" not in vs[axis]  # Plotly's 1-2-5 steps: −10%, −20%, ...


def test_concentration_trigger_periods_are_shaded(page_html: str) -> None:
    fig = blob(page_html)["figures"]["signal-0"]
    shapes = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    assert shapes and all(s["yref"] == "y2 domain" for s in shapes)
    # the legend sits above the plot, never over the data
    assert fig["layout"]["legend"]["y"] >= 1.0 and fig["layout"]["legend"]["yanchor"] == "bottom"


def test_colours_are_consistent_and_sleeves_distinct() -> None:
    a = colors.strategy_colors(["x", "bench", "y"], "bench")
    b = colors.strategy_colors(["x", "bench", "y", "z"], "bench")
    assert a["bench"] == colors.BENCHMARK_COLOR and a["x"] != a["y"]
    assert all(a[k] == b[k] for k in a)
    assert colors.sleeve_order(["cash", "em", "custom", "us_mega"]) == ["us_mega", "em",
                                                                        "custom", "cash"]
    assert not set(colors.SLEEVE_COLORS.values()) & set(colors.PALETTE)

    def rgb(h: str) -> np.ndarray:
        return np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)

    # bonds and cash far apart (they were two similar greys)
    assert np.linalg.norm(rgb(colors.SLEEVE_COLORS["bonds"])
                          - rgb(colors.SLEEVE_COLORS["cash"])) > 150
