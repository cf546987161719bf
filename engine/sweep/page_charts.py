"""Charts and heat tables of the sweep page (inline SVG / HTML, no script, no request).

Sharpe ratios are annualised (daily × √252 for variants; monthly × √12 for the CSCV halves and
walk-forward folds); returns are fractions shown as percent.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from engine.report import plots
from engine.report.page import esc, num

INK = "#0b5cad"
WARN = "#b3261e"
REF_COLORS = ("#2b2b2b", "#d08c00")  #: benchmark, configured strategy


def _figure(height: float, ncols: int = 1):
    """The report's figure factory: the run page's fonts, sizes and grid."""
    return plots.figure(height, ncols=ncols)


@plots.styled
def sharpe_histogram(sharpe: np.ndarray, best: float, sr0: float | None,
                     references: dict[str, float] | None = None) -> str:
    """Histogram of every variant's annualised Sharpe with the best, the DSR hurdle and the
    ``references`` (label → Sharpe: the benchmark, the configured strategy) as dotted lines."""
    fig, ax = _figure(3.2)
    vals = sharpe[np.isfinite(sharpe)]
    bins = min(60, max(10, int(math.sqrt(max(vals.size, 1)))))
    ax.hist(vals, bins=bins, color="#9DB9D8", edgecolor="white", linewidth=0.5)
    ax.axvline(best, color=INK, linewidth=1.8, label=f"best variant: {best:.2f}")
    if sr0 is not None and math.isfinite(sr0):
        ax.axvline(sr0, color=WARN, linewidth=1.6, linestyle="--",
                   label=f"expected best of {vals.size:,} skill-less trials: {sr0:.2f}")
    for (label, value), color in zip((references or {}).items(), REF_COLORS):
        if math.isfinite(value):
            ax.axvline(value, color=color, linewidth=1.6, linestyle=":",
                       label=f"{label}: {value:.2f}")
    ax.set_xlabel("Sharpe ratio (annualised, excess of the risk-free sleeve)")
    ax.set_ylabel("variants")
    plots.legend_above(ax, 2)
    return plots.to_svg(fig)


@plots.styled
def pbo_charts(logits: np.ndarray, is_sr: np.ndarray, oos_sr: np.ndarray, pbo: float) -> str:
    """Left: histogram of the CSCV logits (λ ≤ 0 shaded: overfit). Right: the IS winner's
    out-of-sample vs in-sample Sharpe, one dot per combination."""
    fig, (left, right) = _figure(3.6, ncols=2)
    finite = logits[np.isfinite(logits)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    span = max(abs(lo), abs(hi), 0.5)
    bins = np.linspace(-span, span, 41)
    left.hist(finite[finite <= 0], bins=bins, color="#E8A39E", edgecolor="white", linewidth=0.4,
              label=f"λ ≤ 0 (overfit): {pbo:.0%}")
    left.hist(finite[finite > 0], bins=bins, color="#9DB9D8", edgecolor="white", linewidth=0.4,
              label="λ > 0")
    left.axvline(0.0, color="#333333", linewidth=1.0)
    left.set_xlabel("logit λ of the in-sample best's out-of-sample rank")
    left.set_ylabel("combinations")
    plots.legend_above(left, 2)
    right.scatter(is_sr, oos_sr, s=6, alpha=0.35, color=INK, linewidths=0, rasterized=True)
    right.axhline(0.0, color="#333333", linewidth=0.8)
    right.set_xlabel("in-sample Sharpe of the in-sample best (annualised)")
    right.set_ylabel("its out-of-sample Sharpe")
    return plots.to_svg(fig)


def walk_forward_chart(frame: pd.DataFrame) -> str:
    """Growth of 1 (monthly total returns) of the walk-forward vs the in-sample best and, when
    given as a third column, holding the benchmark."""
    colors = dict(zip(frame.columns, (INK, "#8C8C8C", REF_COLORS[0])))
    return plots.equity_chart(frame, colors)


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
