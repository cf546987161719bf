"""Charts for the comparison page, drawn with matplotlib and returned as inline SVG text.

Every function takes plain pandas inputs (daily simple returns as fractions, weights as
fractions, signal columns) and returns an ``<svg>`` string with no external reference, no
metadata and ids unique to the chart, ready to paste into a self-contained HTML page.
Strategy colours come from :func:`strategy_colors` so a strategy has one colour on every chart.
"""
from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import matplotlib
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.figure import Figure

from engine.report.quiet import quiet

from engine.report.colors import (BENCHMARK_COLOR, PALETTE, SLEEVE_COLORS,  # noqa: F401
                                   sleeve_colors, sleeve_order, strategy_colors)

TEXT = "#222222"
GRID = "#E3E3E3"
WIDTH = 12.5  # inches; the page scales the SVG to its column width (10 pt text → ~13 px)

_NUM = re.compile(r"-?\d+\.\d{3,}")


def _round2(m: re.Match[str]) -> str:
    return f"{float(m.group(0)):.2f}"








#: matplotlib settings of every chart, applied in a ``rc_context`` (the user's own rcParams and
#: pyplot state are never touched).
STYLE = {
    "svg.fonttype": "none", "svg.hashsalt": "rowboat",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10, "axes.titlesize": 11, "axes.titleweight": "bold",
    "axes.edgecolor": "#BBBBBB", "axes.labelcolor": TEXT, "text.color": TEXT,
    "xtick.color": "#555555", "ytick.color": "#555555", "axes.grid": True,
    "grid.color": GRID, "grid.linewidth": 0.8, "axes.spines.top": False,
    "axes.spines.right": False, "legend.frameon": False, "legend.fontsize": 9,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
}

_Chart = TypeVar("_Chart", bound=Callable[..., str])


def styled(fn: _Chart) -> _Chart:
    """Run a chart function under :data:`STYLE`, with third-party noise silenced."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        quiet()
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def prefix_ids(svg: str, prefix: str) -> str:
    """Prefix every id in an SVG text (and the ``url(#…)``/``href="#…"`` pointing at them), so
    several charts inlined in one page never share an id."""
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)


def to_svg(fig) -> str:
    """Serialise a figure as inline SVG: no XML prolog, metadata or namespace URLs; unique ids."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", dpi=144, metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    # 2 decimals of a point are plenty on screen and halve the size of long paths
    text = re.sub(r' d="([^"]*)"', lambda m: ' d="' + _NUM.sub(_round2, m.group(1)) + '"', text)
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text, flags=re.S)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r"\s+xmlns(:\w+)?=\"[^\"]*\"", "", text)
    text = prefix_ids(text, "svg-")
    # Scale to the page column; keep the aspect ratio from the viewBox.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', text, count=1)
    return text.strip()


def pct_axis(ax, decimals: int = 0) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))


def date_axis(ax) -> None:
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=5, maxticks=12)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.margins(x=0.01)


def _style(name: str, colors: Mapping[str, str], benchmark: str | None) -> dict:
    bench = name == benchmark
    return dict(color=colors.get(name, BENCHMARK_COLOR), linewidth=1.5 if bench else 1.4,
                linestyle="--" if bench else "-", zorder=2 if bench else 3,
                label=f"{name} (benchmark)" if bench else name)


def legend_above(ax, n: int, ncol: int | None = None) -> None:
    """Legend in one row (or a few) above the axes, never over the lines."""
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=ncol or min(n, 5),
              borderaxespad=0.0, handlelength=2.2, columnspacing=1.6)


def figure(height: float, **kw: Any) -> tuple[Figure, Any]:
    """A page-wide figure (no pyplot: nothing global is created) and its axes."""
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    return fig, fig.subplots(**kw)


def log_axis(ax, lo: float, hi: float) -> None:
    """Log y axis with plain-number labels (1, 2, 5, 10 ...) dense enough for any range."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    decades = np.log10(hi / lo) if lo > 0 and hi > lo else 1.0
    subs = ((1.0,) if decades > 2.5 else (1.0, 2.0, 5.0) if decades > 0.8
            else (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0) if decades > 0.3
            else np.arange(1.0, 10.0, 0.5))
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _spread(values: Sequence[float], gap: float) -> list[float]:
    """Positions for end-of-line labels: the values, pushed apart to at least ``gap``."""
    order = np.argsort(values)
    pos = np.asarray(values, dtype=float)[order].copy()
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    shift = (pos - np.asarray(values)[order]).mean()  # re-centre the group
    pos -= max(shift, 0.0) / 2
    out = np.empty_like(pos)
    out[order] = pos
    return list(out)


def growth(returns: pd.DataFrame) -> pd.DataFrame:
    """Growth of 1 from the period start: cumulative product of (1 + daily return)."""
    return (1.0 + returns.fillna(0.0)).cumprod()


@styled
def equity_chart(returns: pd.DataFrame, colors: Mapping[str, str],
                 benchmark: str | None = None) -> str:
    """Equity curves on a log scale, each starting at 1 the day before the first return.

    The final value of each curve is written at its right end (labels pushed apart).
    """
    curves = growth(returns)
    fig, ax = figure(5.0)
    start = curves.index[0] - (curves.index[1] - curves.index[0]) if len(curves) > 1 else None
    for name in curves.columns:
        series = curves[name]
        if start is not None:
            series = pd.concat([pd.Series([1.0], index=[start]), series])
        ax.plot(series.index, series.to_numpy(), **_style(name, colors, benchmark))
    lo = min(float(np.nanmin(curves.to_numpy())), 1.0)
    hi = max(float(np.nanmax(curves.to_numpy())), 1.0)
    log_axis(ax, lo, hi)
    ax.axhline(1.0, color="#999999", linewidth=0.8, zorder=1)
    last = curves.iloc[-1]
    logs = np.log10(last.to_numpy(dtype=float))
    spots = _spread(list(logs), gap=max(np.log10(hi / lo), 0.05) * 0.045)
    x_text = curves.index[-1] + (curves.index[-1] - curves.index[0]) * 0.006
    for (name, value), spot in zip(last.items(), spots):
        ax.text(x_text, 10 ** spot, f"{value:.2f}", va="center", ha="left", fontsize=9,
                color=colors.get(name, BENCHMARK_COLOR), clip_on=False)
    date_axis(ax)
    ax.margins(x=0.035)
    legend_above(ax, len(curves.columns))
    return to_svg(fig)


def drawdown_frame(returns: pd.DataFrame) -> pd.DataFrame:
    """Drawdown from the running peak of growth-of-1 (fractions, ≤ 0); the start is a peak."""
    curves = growth(returns)
    peak = np.maximum(curves.cummax(), 1.0)
    return curves / peak - 1.0


@styled
def drawdown_chart(returns: pd.DataFrame, colors: Mapping[str, str],
                   benchmark: str | None = None) -> str:
    """Drawdown from the running peak, per strategy (percent axis)."""
    dd = drawdown_frame(returns)
    fig, ax = figure(3.8)
    for name in dd.columns:
        ax.plot(dd.index, dd[name].to_numpy(), **_style(name, colors, benchmark))
    ax.axhline(0.0, color="#999999", linewidth=0.8)
    pct_axis(ax)
    date_axis(ax)
    legend_above(ax, len(dd.columns))
    return to_svg(fig)


def rolling_excess_frame(returns: pd.DataFrame, benchmark: str, days: int = 252) -> pd.DataFrame:
    """Trailing ``days``-day compounded return of each strategy minus the benchmark's (fractions).

    NaN for the first ``days - 1`` days; the benchmark column is dropped.
    """
    logs = np.log1p(returns.fillna(0.0))
    trailing = np.expm1(logs.rolling(days).sum())
    return trailing.drop(columns=[benchmark]).sub(trailing[benchmark], axis=0)


@styled
def rolling_excess_chart(excess: pd.DataFrame, colors: Mapping[str, str], benchmark: str) -> str:
    """Rolling 12-month excess return vs the benchmark, one line per strategy."""
    fig, ax = figure(3.8)
    for name in excess.columns:
        ax.plot(excess.index, excess[name].to_numpy(), **_style(name, colors, None))
    ax.axhline(0.0, color=BENCHMARK_COLOR, linewidth=1.0, linestyle="--",
               label=f"{benchmark} (benchmark)")
    pct_axis(ax)
    date_axis(ax)
    legend_above(ax, len(excess.columns) + 1)
    return to_svg(fig)


@styled
def allocation_chart(allocations: Mapping[str, pd.DataFrame], colors: Mapping[str, str]) -> str:
    """Each strategy's sleeve weights as a stacked area over time (small multiples, 2 columns).

    ``allocations``: strategy → DataFrame of end-of-day sleeve weights (fractions; a ``cash``
    column for idle cash). Sleeves keep one colour across all panels.
    """
    from matplotlib.patches import Patch

    roles: list[str] = ["cash"]
    for frame in allocations.values():
        roles += [c for c in frame.columns if c not in roles]
    roles = sleeve_order(roles)
    scol = sleeve_colors(roles)
    n = len(allocations)
    ncol = 1 if n == 1 else 2
    nrow = int(np.ceil(n / ncol))
    fig, axes = figure(2.3 * nrow + 0.5, nrows=nrow, ncols=ncol, sharex=True, sharey=True,
                        squeeze=False)
    for ax, (name, frame) in zip(axes.ravel(), allocations.items()):
        frame = frame.reindex(columns=roles).fillna(0.0).clip(lower=0.0)
        ax.stackplot(frame.index, frame.to_numpy().T, colors=[scol[r] for r in roles],
                     linewidth=0.0, step="post", rasterized=True)
        ax.set_ylim(0, max(1.0, float(frame.sum(axis=1).max())))
        ax.set_title(name, loc="left", color=colors.get(name, TEXT), fontsize=10.5,
                     fontweight="bold")
        ax.grid(False)
        ax.margins(x=0)
        pct_axis(ax)
        date_axis(ax)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    used = [r for r in roles if any(r in f.columns and bool((f[r] > 1e-9).any())
                                    for f in allocations.values())]
    fig.legend(handles=[Patch(color=scol[r], label=r) for r in used], loc="outside upper left",
               ncol=len(used))
    return to_svg(fig)
