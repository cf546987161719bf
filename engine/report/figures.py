"""The run page's Plotly figures as plain dicts (see :mod:`engine.report.plotly_embed`).

Inputs are pandas objects (daily simple returns and weights as fractions); outputs are
``{"data": [...], "layout": {...}}`` with x given as a key of the page's shared date table
(``"p"``: the measurement period). Percent axes show round ticks (Plotly's 1-2-5 steps) and
percent hover values; every trace has a name, so hovering shows "name: value" and clicking a
legend entry hides it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from engine.metrics import drawdown_series, rolling_excess
from engine.report.colors import BENCHMARK_COLOR, sleeve_colors, sleeve_order
from engine.report.plotly_embed import dates, values

FONT = ("system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, Liberation Sans, "
        "DejaVu Sans, sans-serif")
GRID = "#E3E6EA"
PERIOD = "p"  # the date-table key of the measurement period


def layout(height: int, **kw: Any) -> dict[str, Any]:
    """Common layout: legend above the plot (wraps on narrow screens), unified hover, no
    title (the page's heading names the chart)."""
    base: dict[str, Any] = {
        "height": height, "autosize": True,
        "margin": {"l": 56, "r": 12, "t": 10, "b": 36},
        "font": {"family": FONT, "size": 12, "color": "#1f2328"},
        "hovermode": "x unified", "hoverlabel": {"namelength": -1},
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom",
                   "font": {"size": 12}},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "xaxis": {"type": "date", "gridcolor": GRID, "linecolor": "#BBBBBB",
                  "hoverformat": "%Y-%m-%d"},
        "yaxis": {"gridcolor": GRID, "zerolinecolor": "#999999", "automargin": True},
    }
    for key, value in kw.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def pct_axis(**kw: Any) -> dict[str, Any]:
    """A percent y axis: round ticks ("−20%", "0%"), hover with one decimal."""
    return {"tickformat": ".0%", "hoverformat": ".1%", "gridcolor": GRID,
            "zerolinecolor": "#999999", "automargin": True, **kw}


def line(name: str, y: Sequence[float | None], color: str, *, x: Any = PERIOD,
         dash: str | None = None, width: float = 1.6, **kw: Any) -> dict[str, Any]:
    trace: dict[str, Any] = {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": y,
                             "line": {"color": color, "width": width}}
    if dash:
        trace["line"]["dash"] = dash
    trace.update(kw)
    return trace


def growth(returns: pd.DataFrame) -> pd.DataFrame:
    """Growth of 1 from the period start: cumulative product of (1 + daily return)."""
    return (1.0 + returns.fillna(0.0)).cumprod()


def equity(returns: pd.DataFrame, colors: Mapping[str, str], benchmark: str) -> dict[str, Any]:
    """Growth of 1 of every strategy (log scale); the benchmark dashed."""
    curves = growth(returns)
    traces = []
    for name in curves.columns:
        bench = name == benchmark
        traces.append(line(f"{name} (benchmark)" if bench else str(name),
                           values(curves[name], 3), colors[name],
                           dash="dash" if bench else None, width=2.0 if bench else 1.6))
    return {"data": traces,
            "layout": layout(440, yaxis={"type": "log", "hoverformat": ".2f",
                                         "tickformat": "~g", "title": {"text": "growth of 1"}})}


def runs(mask: np.ndarray | pd.Series, index: pd.DatetimeIndex) -> list[tuple[str, str]]:
    """(first, last) ISO dates of each run of True in ``mask`` over ``index``."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return []
    edges = np.diff(np.concatenate([[0], m.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    iso = dates(index)
    return [(iso[s], iso[e]) for s, e in zip(starts.tolist(), ends.tolist())]


def bands(spans: Sequence[tuple[str, str]], color: str, yref: str = "paper",
          y0: float = 0.0, y1: float = 1.0) -> list[dict[str, Any]]:
    """Shaded vertical bands (Plotly shapes) behind the traces."""
    return [{"type": "rect", "xref": "x", "yref": yref, "x0": a, "x1": b, "y0": y0, "y1": y1,
             "fillcolor": color, "line": {"width": 0}, "layer": "below"} for a, b in spans]


def versus(returns: pd.DataFrame, name: str, benchmark: str, colors: Mapping[str, str],
           days: int = 252) -> dict[str, Any]:
    """One strategy against the benchmark in three stacked panels sharing the date axis:
    relative wealth (growth of the strategy / growth of the benchmark; above 1 = ahead),
    drawdown of both, and the trailing 12-month excess return."""
    r, b = returns[name], returns[benchmark]
    g = growth(returns[[name, benchmark]])
    rel = g[name] / g[benchmark]
    dd_s, dd_b = drawdown_series(r), drawdown_series(b)
    color = colors[name]
    traces = [line(f"{name} / {benchmark}", values(rel, 4), color, yaxis="y"),
              line(f"{name} drawdown", values(dd_s, 4), color, yaxis="y2"),
              line(f"{benchmark} drawdown", values(dd_b, 4), BENCHMARK_COLOR, dash="dash",
                   yaxis="y2")]
    if len(returns) > days:
        ex = rolling_excess(r, b, days)
        traces.append(line(f"{name} − {benchmark}, trailing 12 months", values(ex, 4), color,
                           yaxis="y3", fill="tozeroy",
                           fillcolor="rgba(120,120,120,0.15)"))
    lay = layout(
        640, showlegend=True,
        yaxis={"domain": [0.70, 1.0], "hoverformat": ".3f", "tickformat": "~g",
               "title": {"text": "relative wealth"}},
        yaxis2=pct_axis(domain=[0.37, 0.64], title={"text": "drawdown"}),
        yaxis3=pct_axis(domain=[0.0, 0.31], title={"text": "12-month excess"}),
        shapes=[{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": 1,
                 "y1": 1, "line": {"color": "#999999", "width": 1}}])
    return {"data": traces, "layout": lay}


def allocation(weights: pd.DataFrame, strips: Mapping[str, pd.Series] | None = None,
               labels: Mapping[str, str] | None = None, step: int = 1) -> dict[str, Any]:
    """A strategy's end-of-day sleeve weights as stacked areas, with its signals' and rule
    states as strips above (a bar where the state is on).

    ``weights``: dates × sleeve roles (fractions; a ``cash`` column for idle cash).
    ``strips``: label → bool Series on the same dates (e.g. "ACWX all-time-high breakout on").
    ``labels``: role → legend label (e.g. "ex_us (ACWX)"). ``step``: keep every step-th day
    (and the last) to keep the page small; weights are drawn as steps.
    """
    roles = sleeve_order([c for c in weights.columns
                          if (weights[c].fillna(0.0).abs() > 1e-9).any()] or ["cash"])
    scol = sleeve_colors(roles)
    w = weights.reindex(columns=roles).fillna(0.0).clip(lower=0.0)
    keep = np.arange(0, len(w), max(step, 1))
    if len(w) and keep[-1] != len(w) - 1:
        keep = np.append(keep, len(w) - 1)
    w = w.iloc[keep]
    x = dates(w.index)
    traces = [{"type": "scatter", "mode": "lines", "name": (labels or {}).get(r, r), "x": x,
               "y": values(w[r], 4), "stackgroup": "w", "line": {"width": 0, "shape": "hv"},
               "fillcolor": scol[r], "hoverlabel": {"namelength": -1}} for r in roles]
    strips = {k: v for k, v in (strips or {}).items() if v is not None}
    lay = layout(300 + 26 * len(strips), yaxis=pct_axis(range=[0, max(1.0, float(
        w.sum(axis=1).max()) if len(w) else 1.0)], title={"text": "weight"}))
    if strips:
        n = len(strips)
        split = 0.74 if n <= 3 else 0.62
        lay["yaxis"]["domain"] = [0.0, split - 0.04]
        names = list(strips)
        lay["yaxis2"] = {"domain": [split, 1.0], "type": "category", "categoryorder": "array",
                         "categoryarray": names[::-1], "showgrid": False, "automargin": True,
                         "fixedrange": True, "range": [-0.6, n - 0.4]}
        lay["legend"] = {**lay["legend"], "y": 1.0}
        for k, (label, mask) in enumerate(strips.items()):
            xs: list[str | None] = []
            for a, bnd in runs(mask.to_numpy(), mask.index):
                xs += [a, bnd, None]
            traces.append({"type": "scatter", "mode": "lines", "name": label, "x": xs,
                           "y": [label if v is not None else None for v in xs],
                           "yaxis": "y2", "showlegend": False, "connectgaps": False,
                           "line": {"width": 9, "color": _STRIP[k % len(_STRIP)]},
                           "hoverinfo": "skip"})
    return {"data": traces, "layout": lay}


_STRIP = ("#6A51A3", "#238B45", "#CB181D", "#2171B5", "#D94801", "#525252")


def category_colors(names: Sequence[str]) -> dict[str, str]:
    """Role/sleeve colours for a table of sleeves (re-exported for the page)."""
    return sleeve_colors(sleeve_order(list(names)))
