"""Charts and heat tables of the sweep page: Plotly figures as plain dicts, drawn by the
browser from the page's JSON block (see :mod:`engine.report.plotly_embed`; no matplotlib, no
plotly import), and heat maps as HTML tables.

Sharpe ratios are annualised (daily × √252 for variants; monthly × √12 for the CSCV halves and
walk-forward folds); returns are fractions shown as percent. Histograms are binned here
(``numpy.histogram``, the bins matplotlib's ``hist`` used), so the page carries the counts, not
every variant.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from engine.report.figures import layout, line
from engine.report.page import esc, num
from engine.report.plotly_embed import values

INK = "#0b5cad"
WARN = "#b3261e"
REF_COLORS = ("#2b2b2b", "#d08c00")  #: benchmark, configured strategy
BARS = "#9DB9D8"
OVERFIT = "#E8A39E"
AXIS = "#333333"


def _linear(title: str, hover: str = ".2f", **kw: Any) -> dict[str, Any]:
    """A numeric (not date) x axis."""
    return {"type": "linear", "hoverformat": hover, "title": {"text": title}, **kw}


def _bars(counts: np.ndarray, edges: np.ndarray, name: str, color: str, unit: str,
          decimals: int = 2, **kw: Any) -> dict[str, Any]:
    """Histogram bars (one per bin) with "from … to …: n unit" on hover."""
    lo, hi = edges[:-1], edges[1:]
    return {"type": "bar", "name": name, "x": np.round((lo + hi) / 2.0, 6).tolist(),
            "y": counts.astype(np.int64).tolist(), "width": np.round(hi - lo, 6).tolist(),
            "marker": {"color": color, "line": {"color": "#ffffff", "width": 0.5}},
            "customdata": [f"{num(a, decimals)} to {num(b, decimals)}" for a, b in zip(lo, hi)],
            "hovertemplate": f"%{{customdata}}: %{{y:,}} {unit}<extra></extra>", **kw}


def _vline(name: str, x: float, top: float, color: str, dash: str | None = None,
           width: float = 1.6) -> dict[str, Any]:
    """A vertical line at ``x`` (a legend entry; hovering it shows its name)."""
    return line(name, [0.0, top], color, x=[x, x], dash=dash, width=width, hoverinfo="name")


def _rule(axis: str, at: float, color: str = AXIS, width: float = 1.0) -> dict[str, Any]:
    """A thin line across the plot at ``axis`` = ``at`` ("x": vertical, "y": horizontal)."""
    if axis == "x":
        return {"type": "line", "xref": "x", "yref": "paper", "x0": at, "x1": at, "y0": 0,
                "y1": 1, "line": {"color": color, "width": width}, "layer": "below"}
    return {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": at, "y1": at,
            "line": {"color": color, "width": width}, "layer": "below"}


def sharpe_histogram(sharpe: np.ndarray, best: float, sr0: float | None,
                     references: dict[str, float] | None = None) -> dict[str, Any]:
    """Histogram of every variant's annualised Sharpe with the best, the DSR hurdle and the
    ``references`` (label → Sharpe: the benchmark, the configured strategy) as lines."""
    vals = sharpe[np.isfinite(sharpe)]
    bins = min(60, max(10, int(math.sqrt(max(vals.size, 1)))))
    counts, edges = np.histogram(vals, bins=bins)
    top = float(counts.max()) * 1.06 if counts.size and counts.max() > 0 else 1.0
    traces = [_bars(counts, edges, "variants", BARS, "variants", showlegend=False)]
    traces.append(_vline(f"best variant: {num(best)}", best, top, INK, width=1.8))
    if sr0 is not None and math.isfinite(sr0):
        traces.append(_vline(f"expected best of {vals.size:,} skill-less trials: {num(sr0)}",
                             sr0, top, WARN, dash="dash"))
    for (label, value), color in zip((references or {}).items(), REF_COLORS):
        if math.isfinite(value):
            traces.append(_vline(f"{label}: {num(value)}", value, top, color, dash="dot"))
    xs = [float(edges[0]), float(edges[-1]), *(t["x"][0] for t in traces[1:])]
    pad = 0.03 * (max(xs) - min(xs) or 1.0)       # lines at the ends stay visible
    lay = layout(320, hovermode="closest", bargap=0,
                 xaxis=_linear("Sharpe ratio (annualised, excess returns)",
                               range=[min(xs) - pad, max(xs) + pad]),
                 yaxis={"title": {"text": "variants"}, "range": [0, top], "hoverformat": ",d"})
    return {"data": traces, "layout": lay}


def pbo_logits(logits: np.ndarray, pbo: float) -> dict[str, Any]:
    """Histogram of the CSCV logits λ; λ ≤ 0 (the in-sample best at or below the
    out-of-sample median: overfit) shaded red."""
    finite = logits[np.isfinite(logits)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    span = max(abs(lo), abs(hi), 0.5)
    edges = np.linspace(-span, span, 41)
    below, _ = np.histogram(finite[finite <= 0], bins=edges)
    above, _ = np.histogram(finite[finite > 0], bins=edges)
    traces = [_bars(below, edges, f"λ ≤ 0 (overfit): {pbo:.0%}", OVERFIT, "combinations"),
              _bars(above, edges, "λ > 0", BARS, "combinations")]
    lay = layout(340, hovermode="closest", barmode="overlay", bargap=0,
                 xaxis=_linear("logit λ of the in-sample best's out-of-sample rank"),
                 yaxis={"title": {"text": "combinations"}, "rangemode": "tozero"},
                 shapes=[_rule("x", 0.0)])
    return {"data": traces, "layout": lay}


def pbo_scatter(is_sr: np.ndarray, oos_sr: np.ndarray) -> dict[str, Any]:
    """The in-sample winner's out-of-sample vs in-sample Sharpe, one dot per combination."""
    ok = np.isfinite(is_sr) & np.isfinite(oos_sr)
    x, y = np.round(is_sr[ok], 3), np.round(oos_sr[ok], 3)
    order = np.lexsort((y, x))             # sorted: same picture, a smaller and stable JSON
    trace = {"type": "scatter", "mode": "markers", "name": "CSCV splits",
             "x": x[order].tolist(), "y": y[order].tolist(), "showlegend": False,
             "marker": {"color": INK, "size": 4, "opacity": 0.35},
             "hovertemplate": "in sample %{x:.2f}, out of sample %{y:.2f}<extra></extra>"}
    lay = layout(340, hovermode="closest",
                 xaxis=_linear("in-sample Sharpe of the in-sample best (annualised)"),
                 yaxis={"title": {"text": "its out-of-sample Sharpe"}, "hoverformat": ".2f"},
                 shapes=[_rule("y", 0.0)])
    return {"data": [trace], "layout": lay}


def walk_forward_figure(frame: pd.DataFrame, start: Any = None) -> dict[str, Any]:
    """Growth of 1 (monthly total returns, log scale) of the walk-forward vs the in-sample best
    and, when given as a third column, holding the benchmark; each starts at 1 on ``start``
    (the month end before the first return; default one step before it), and its legend entry
    gives its final value."""
    curves = (1.0 + frame.fillna(0.0)).cumprod()
    idx = pd.DatetimeIndex(curves.index)
    if start is None and len(idx) > 1:
        start = idx[0] - (idx[1] - idx[0])
    if start is not None:
        idx = idx.insert(0, pd.Timestamp(start))
        curves = pd.concat([pd.DataFrame([[1.0] * curves.shape[1]], columns=curves.columns),
                            curves.reset_index(drop=True)], ignore_index=True)
    x = list(idx.strftime("%Y-%m-%d"))
    colors = dict(zip(frame.columns, (INK, "#8C8C8C", REF_COLORS[0])))
    traces = [line(f"{name}: {num(float(curves[name].iloc[-1]))}", values(curves[name], 4),
                   colors[name], x=x, width=1.6) for name in curves.columns]
    lay = layout(400, yaxis={"type": "log", "hoverformat": ".2f", "tickformat": "~g",
                             "title": {"text": "growth of 1"}},
                 xaxis={"hoverformat": "%Y-%m"}, shapes=[_rule("y", 1.0, "#999999", 0.8)])
    return {"data": traces, "layout": lay}


def _cell(value: float, lo: float, hi: float, best: bool, fmt: Callable[[float], str] = num
          ) -> str:
    if not math.isfinite(value):
        return "<td>–</td>"
    t = 0.5 if hi <= lo else (value - lo) / (hi - lo)
    style = f"background:rgba(11,92,173,{0.06 + 0.6 * t:.3f})"
    if t > 0.65:
        style += ";color:#fff"
    cls = ' class="best"' if best else ""
    mark = " ★" if best else ""
    return f'<td{cls} style="{style}">{esc(fmt(value))}{mark}</td>'


def heat_grid(rows: Sequence[object], cols: Sequence[object], values: np.ndarray, *,
              row_name: str, col_name: str, best: tuple[int, int] | None, lo: float,
              hi: float, fmt: Callable[[float], str] = num) -> str:
    """A table of a metric (Sharpe ratios by default; ``fmt`` shows a value): rows × columns
    of two parameters' values, tinted on the scale ``lo`` … ``hi`` (the same for every table of
    the page); ``best`` (row, col) is starred."""
    head = f'<th>{esc(row_name)} ↓ · {esc(col_name)} →</th>' + "".join(
        f"<th>{esc(c)}</th>" for c in cols)
    body = []
    for i, r in enumerate(rows):
        cells = "".join(_cell(float(values[i, j]), lo, hi, best == (i, j), fmt)
                        for j in range(len(cols)))
        body.append(f'<tr><td class="name">{esc(r)}</td>{cells}</tr>')
    return (f'<div class="tablewrap"><table class="heat" style="width:auto;min-width:100%">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')
