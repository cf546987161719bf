"""Spliced history inside the quantstats tearsheets (issue 11: "the splice point, the tracking
difference over the overlap, and the spliced part of every chart are shown").

Unit tests of the pieces (which strategies' returns hold spliced history, the shading hook, the
cache key), then one tearsheet of the long-history sample, whose `em` sleeve is EEM extended back
with the EM index: the note names the splice and the tracking difference, and every chart drawn
against dates shades the period before the splice date, exactly there.
"""
from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from engine.report import tearsheet_cache  # noqa: E402
from engine.report.splice_marks import Span, held_spans, splice_spans  # noqa: E402
from engine.report.tearsheet import render, tearsheet_jobs  # noqa: E402
from engine.report.tearsheet_splices import (GID, is_date_axis, shade_date_axes,  # noqa: E402
                                             shade_months, splice_note_html, splice_shading)
from tearsheet_checks import chart_svg, ticks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "scripts" / "configs" / "rowing_boat_history.toml"
SPAN = Span("1969-12-31", "2003-04-30", "EEM = EM − 0.68%/yr (spliced)", ticker="EEM",
            roles=("em",), note="EEM extended back to 1969-12-31 with EM (minus 0.68% a year) "
            "before 2003-04-30; tracking difference -0.88% a year over 2003-04-30 → 2026-06-30")
#: quantstats' charts with a date x axis (tearsheet div ids) — shaded; the others are not
DATE_CHARTS = ("log_returns", "vol_returns", "daily_returns", "rolling_beta", "rolling_vol",
               "rolling_sharpe", "rolling_sortino", "dd_periods", "dd_plot")
OTHER_CHARTS = ("monthly_dist", "returns_dist")


def _svg(fig) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "t"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _dated_figure():
    idx = pd.date_range("1990-01-31", periods=200, freq="ME")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(pd.Series(np.linspace(0, 1, len(idx)), index=idx))
    return fig, ax


# ---------------------------------------------------------------------------- which sheets
def _weights(held_from: str | None, roles=("us", "em")) -> pd.DataFrame:
    idx = pd.date_range("2000-01-31", "2006-12-31", freq="ME")
    w = pd.DataFrame(0.0, index=idx, columns=list(roles))
    w["us"] = 1.0
    if held_from is not None:
        w.loc[held_from:, "em"] = 0.3
    return w


def test_a_strategy_is_marked_only_when_its_returns_hold_spliced_history() -> None:
    start, end = pd.Timestamp("2001-01-31"), pd.Timestamp("2006-12-31")
    assert held_spans([SPAN], [_weights("2001-06-30")], start, end) == (SPAN,)
    # bought at the close of the month before the splice: the splice month's return is the
    # index's → marked; bought at the splice date's close: every return it earns is the fund's
    assert held_spans([SPAN], [_weights("2003-03-31")], start, end) == (SPAN,)
    assert held_spans([SPAN], [_weights("2003-04-30")], start, end) == ()
    assert held_spans([SPAN], [_weights(None)], start, end) == ()
    assert held_spans([SPAN], [_weights(None, roles=("us",))], start, end) == ()
    # the benchmark drawn beside it holds the sleeve → its lines hold spliced history too
    assert held_spans([SPAN], [_weights(None), _weights("2000-01-31")], start, end) == (SPAN,)
    # measured only after the splice date: nothing spliced is shown
    assert held_spans([SPAN], [_weights("2000-01-31")], pd.Timestamp("2003-05-31"), end) == ()


def test_the_history_sample_marks_the_strategies_holding_em() -> None:
    from engine.experiment import load_experiment
    from engine.report.run import tearsheet_splices

    exp = load_experiment(HISTORY)
    r = exp.returns()
    marked = {n for n, s in tearsheet_splices(exp, r).items() if s}
    held = {n for n, res in exp.results.items()
            if "em" in res.sleeve_weights
            and (res.sleeve_weights.loc[r.index[0]:"2003-03-31", "em"] != 0).any()}
    assert marked == held == {"fixed_mix", "valuation_tilt", "sma_timing"}
    (span,) = splice_spans(exp.panel)
    assert span.roles == ("em",) and span.ticker == "EEM"
    assert span.note == exp.panel.splices["EEM"].describe()


# ---------------------------------------------------------------------------- the hook
def test_date_axes_are_told_from_the_others() -> None:
    fig, ax = _dated_figure()
    assert is_date_axis(ax)
    plt.close(fig)
    fig, ax = plt.subplots()
    ax.hist([1.0, 2.0, 2.5])
    assert not is_date_axis(ax)
    ax2 = fig.add_subplot(2, 1, 2)
    ax2.bar(["a", "b"], [1, 2])
    assert not is_date_axis(ax2)
    plt.close(fig)
    fig, ax = plt.subplots()  # pandas' period axis (quantstats' calendar-year bars)
    pd.Series([1.0, 2.0, 3.0], index=pd.period_range("2001", periods=3, freq="Y")).plot(ax=ax)
    assert not is_date_axis(ax)
    plt.close(fig)


def test_a_span_is_shaded_exactly_and_clipped_to_the_chart() -> None:
    fig, ax = _dated_figure()
    lo, hi = ax.get_xlim()
    assert shade_date_axes(ax, [SPAN]) == 1
    assert ax.get_xlim() == (lo, hi)                       # quantstats' range is kept
    (band,) = [p for p in ax.patches if p.get_gid() == GID]
    assert band.get_x() == lo                              # the span starts before the chart
    assert band.get_x() + band.get_width() == pytest.approx(
        mdates.date2num(pd.Timestamp("2003-04-30")), abs=1e-9)
    assert [t.get_text() for t in ax.texts if t.get_gid() == GID] == [SPAN.label]
    plt.close(fig)


def test_a_chart_the_span_misses_is_byte_identical() -> None:
    fig, _ = _dated_figure()
    plain = _svg(fig)
    outside = dataclasses.replace(SPAN, start="1950-01-31", end="1960-01-31")
    fig, _ = _dated_figure()
    with splice_shading([outside]):
        hooked = _svg(fig)
    assert hooked == plain
    fig, _ = _dated_figure()
    with splice_shading([SPAN]):
        shaded = _svg(fig)
    assert shaded != plain and f'id="{GID}"' in shaded


def test_no_spans_install_no_hook() -> None:
    from matplotlib.figure import Figure

    orig = Figure.savefig
    with splice_shading(()):
        assert Figure.savefig is orig
    with splice_shading([SPAN]):
        assert Figure.savefig is not orig
    assert Figure.savefig is orig
    assert splice_note_html(()) == ""


def test_heatmap_hatches_the_spliced_months_it_shows() -> None:
    fig, ax = plt.subplots()
    years = [2001, 2002, 2003, 2004]
    missing = np.zeros((4, 12), dtype=bool)
    missing[0, :5] = True                                   # the period starts in June 2001
    assert shade_months(ax, years, missing, [SPAN]) == 7 + 12 + 4   # to April 2003
    (coll,) = [c for c in ax.collections if c.get_gid() == GID]
    cells = {(int(p.vertices[0, 1]), int(p.vertices[0, 0])) for p in coll.get_paths()}
    assert (2, 3) in cells and (2, 4) not in cells and (0, 4) not in cells and (0, 5) in cells
    plt.close(fig)


# ---------------------------------------------------------------------------- cache key
def test_the_cache_key_changes_with_the_splices(tmp_path: Path) -> None:
    idx = pd.date_range("1999-01-31", periods=120, freq="ME")
    r = pd.DataFrame({"b": np.linspace(-0.01, 0.02, 120), "s": np.linspace(0.02, -0.01, 120)},
                     index=idx)
    job = tearsheet_jobs(r, "b", None, "0", tmp_path, {"b": "b.html", "s": "s.html"},
                         {"s": (SPAN,)})[1]
    assert job.splices == (SPAN,)
    key = tearsheet_cache.cache_key(job)
    variants = [dataclasses.replace(job, splices=()),
                dataclasses.replace(job, splices=None),
                dataclasses.replace(job, splices=(dataclasses.replace(SPAN, end="2003-05-31"),)),
                dataclasses.replace(job, splices=(dataclasses.replace(SPAN, note="x"),)),
                dataclasses.replace(job, splices=(dataclasses.replace(SPAN, label="y"),))]
    keys = [tearsheet_cache.cache_key(v) for v in variants]
    assert key not in keys and len(set(keys[2:])) == 3
    assert keys[0] == keys[1]                      # None and () both mean: no splice


# ---------------------------------------------------------------------------- a tearsheet
def _rect_right(svg: str) -> float:
    group = re.search(rf'<g id="{GID}">\s*<path d="([^"]*)"', svg)
    assert group, "no shaded band"
    return max(float(x) for x in re.findall(r"(?:M|L) ([-\d.]+) ", group.group(1)))


def _x_of(svg: str, when: str) -> float:
    """Where a date falls on a chart's x axis, from its year ticks (a linear date axis)."""
    years = [(p, int(t)) for p, t in ticks(svg, "x") if re.fullmatch(r"\d{4}", t)]
    (p0, y0), (p1, y1) = years[0], years[-1]
    n0, n1 = (mdates.date2num(pd.Timestamp(f"{y}-01-01")) for y in (y0, y1))
    return p0 + (mdates.date2num(pd.Timestamp(when)) - n0) * (p1 - p0) / (n1 - n0)


@pytest.mark.slow
def test_a_history_tearsheet_notes_and_shades_its_splice(tmp_path: Path) -> None:
    from engine.experiment import load_experiment
    from engine.report.run import tearsheet_splices

    exp = load_experiment(HISTORY)
    r = exp.returns()
    jobs = {j.strategy: j for j in tearsheet_jobs(
        r, exp.benchmark, exp.rf, exp.rf_label, tmp_path, {n: f"{n}.html" for n in r},
        tearsheet_splices(exp, r))}
    render(jobs["valuation_tilt"])
    html = (tmp_path / "valuation_tilt.html").read_text()
    note = re.search(r'<div class="rowboat-splice".*?</div>', html, re.S).group(0)
    sp = exp.panel.splices["EEM"]
    assert f"{sp.tracking_difference:+.2%} a year" in note and "before 2003-04-30" in note
    assert "<b>em</b>" in note and "with EM (minus 0.68% a year)" in note
    assert html.index(note) < html.index("<svg")            # near the top, before any chart
    svgs = {d: chart_svg(html, d) for d in DATE_CHARTS + OTHER_CHARTS}
    for d in DATE_CHARTS:
        assert svgs[d].count(f'id="{GID}"') == 2, d         # the band and its label
        assert "<!-- EEM = EM − 0.68%/yr (spliced) -->" in svgs[d], d
        assert _rect_right(svgs[d]) == pytest.approx(_x_of(svgs[d], "2003-04-30"), abs=0.6), d
    for d in OTHER_CHARTS:
        assert GID not in svgs[d], d
    # the first chart (cumulative returns) sits in #left before the metrics
    first = html[html.index('<div id="left">'):html.index('<div id="log_returns">')]
    assert first.count(f'id="{GID}"') == 2
    assert chart_svg(html, "eoy_returns").count(f'id="{GID}"') == 2
    assert chart_svg(html, "monthly_heatmap").count(f'id="{GID}"') == 1
    # …and a tearsheet whose returns hold no spliced history is left exactly as it was
    assert jobs["us_only"].splices == ()
    plain = dataclasses.replace(jobs["valuation_tilt"], splices=None,
                                path=tmp_path / "plain.html")
    render(plain)
    text = (tmp_path / "plain.html").read_text()
    assert GID not in text and "Spliced history" not in text
