"""Three quantstats 0.0.86 tearsheet charts, redrawn by quantstats and then corrected.

Each function asks quantstats' own plotting function for the figure it puts in the tearsheet
(same arguments as ``quantstats.reports.html``), fixes the one thing it gets wrong, and returns
the SVG text:

* :func:`eoy_svg` — "EOY Returns vs Benchmark": with more than ten years quantstats places the
  year labels at 0, 1, 2, … while pandas drew the bars at the years' period ordinals (39, 40, …
  for 2009, …), so the labels crowd the left and the bars the right (quantstats issue #518).
  The ticks are moved to the bars' centres and the x-range to the bars.
* :func:`log_returns_svg` — "Cumulative Returns (Log Scaled)": a ``symlog`` axis whose only
  ticks in range are 0 % and 100 %. The axis becomes logarithmic in wealth (``1 + cumulative
  return``) with ticks at round levels (0 %, 100 %, 200 %, 500 %, …).
* :func:`monthly_heatmap_svg` — the monthly heatmap fills months outside the measured period
  with 0.00; those cells are removed (left blank), keeping every month that has a return.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from engine.metrics.tables import MONTHS, monthly_table
from engine.report.splice_marks import Span
from engine.report.tearsheet_splices import shade_months, shade_years

FIGSIZE = (8, 4)  # what quantstats.reports.html uses for these three charts
#: Wealth multiples used as ticks, by preference: first 1-2-5, then the in-between levels.
_TICK_TIERS = ((1.0, 2.0, 5.0), (1.5, 3.0, 7.0), (1.25, 4.0, 6.0, 8.0))
MIN_TICKS = 4


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue()


# ---------------------------------------------------------------------------- EOY bars
def align_year_ticks(ax, years: list[int]) -> list[float]:
    """Put one tick per year at the centre of that year's bars; x-range = the bars. Returns the
    tick positions (data units)."""
    containers = [c for c in ax.containers if len(c) == len(years)]
    if not containers:
        raise ValueError(f"EOY chart: no bar group has {len(years)} bars (one per year)")
    centers = np.mean([[b.get_x() + b.get_width() / 2 for b in c] for c in containers], axis=0)
    left = min(b.get_x() for c in containers for b in c)
    right = max(b.get_x() + b.get_width() for c in containers for b in c)
    ax.set_xticks(centers, labels=[str(y) for y in years])
    ax.set_xlim(left - 0.25, right + 0.25)
    return [float(c) for c in centers]


def eoy_svg(returns: pd.Series, benchmark: pd.Series | None, spans: tuple[Span, ...] = ()) -> str:
    """The tearsheet's calendar-year bar chart (strategy vs benchmark), labels under the bars;
    years holding spliced history (``spans``) shaded."""
    import quantstats as qs

    fig = qs.plots.yearly_returns(returns, benchmark, figsize=FIGSIZE, subtitle=False,
                                  show=False, ylabel="", compounded=True, prepare_returns=False)
    years = sorted(set(returns.index.year))
    centers = align_year_ticks(fig.axes[0], years)
    if spans:
        shade_years(fig.axes[0], centers, years, spans)
    return _svg(fig)


# ---------------------------------------------------------------------------- log chart
def log_ticks(low: float, high: float) -> list[float]:
    """Round cumulative returns (fractions, > −1) between ``low`` and ``high`` for a log axis of
    wealth: wealth levels 1-2-5 × 10^k first, then 1.5-3-7, then 1.25-4-6-8, until at least
    :data:`MIN_TICKS` fall inside; a range too narrow for that gets evenly spaced round
    returns (matplotlib's ``MaxNLocator``)."""
    w_lo, w_hi = 1.0 + low, 1.0 + high
    if not (w_lo > 0 and w_hi > w_lo):
        raise ValueError(f"log ticks need -1 < low < high, got {low}, {high}")
    decades = range(int(np.floor(np.log10(w_lo))) - 1, int(np.ceil(np.log10(w_hi))) + 1)
    chosen: set[float] = set()
    for tier in _TICK_TIERS:
        chosen |= {round(m * 10.0 ** k, 10) for k in decades for m in tier
                   if w_lo <= m * 10.0 ** k <= w_hi}
        if len(chosen) >= MIN_TICKS:
            return [round(w - 1.0, 10) for w in sorted(chosen)]
    from matplotlib.ticker import MaxNLocator

    even = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
    eps = 1e-9 * (high - low)
    return [round(float(v), 10) for v in even if low - eps <= v <= high + eps]


def _pct_label(y: float, _pos: object = None) -> str:
    return f"{y * 100:,.0f}%"


def set_log_wealth_axis(ax) -> list[float]:
    """Make the y-axis logarithmic in wealth (``log(1 + y)``) with :func:`log_ticks`; returns
    the ticks (cumulative returns, fractions)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ax.set_yscale("function", functions=(np.log1p, np.expm1))
    ax.relim()
    ax.autoscale_view()
    low, high = ax.get_ylim()
    ticks = log_ticks(low, high)
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(_pct_label))
    return ticks


def log_returns_svg(returns: pd.Series, benchmark: pd.Series | None) -> str:
    """The tearsheet's cumulative-return chart on a log scale of wealth with round ticks."""
    import quantstats as qs

    fig = qs.plots.log_returns(returns, benchmark, figsize=FIGSIZE, subtitle=False, show=False,
                               ylabel="", compound=True, prepare_returns=False)
    set_log_wealth_axis(fig.axes[0])
    return _svg(fig)


# ---------------------------------------------------------------------------- heatmap
def blank_months(ax, missing: np.ndarray) -> int:
    """Mask the heatmap cells where ``missing`` (years × 12, bool) is True and remove their
    numbers; returns how many cells were blanked."""
    mesh = ax.collections[0]
    values = mesh.get_array()
    if values.size != missing.size:
        raise ValueError(f"monthly heatmap has {values.size} cells, expected {missing.size}")
    mesh.set_array(np.ma.array(np.ma.getdata(values),
                               mask=missing.reshape(np.shape(values))))
    ax.grid(False)  # quantstats' style grid would show through the blank cells
    rows, cols = missing.shape
    for text in list(ax.texts):
        x, y = text.get_position()
        r, c = int(np.floor(y)), int(np.floor(x))
        if 0 <= r < rows and 0 <= c < cols and missing[r, c]:
            text.remove()
    return int(missing.sum())


def monthly_heatmap_svg(returns: pd.Series, label: str, spans: tuple[Span, ...] = ()) -> str:
    """The tearsheet's monthly-returns heatmap without cells for months outside ``returns``;
    months holding spliced history (``spans``) hatched."""
    import quantstats as qs

    fig = qs.plots.monthly_heatmap(returns, None, figsize=FIGSIZE, cbar=False,
                                   returns_label=label, show=False, ylabel="",
                                   compounded=True, active=False)
    table = monthly_table(returns)[list(MONTHS)]
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    if shown and shown != [str(y) for y in table.index]:
        raise ValueError(f"monthly heatmap rows {shown} are not the years {list(table.index)}")
    blank_months(ax, table.isna().to_numpy())
    if spans:
        shade_months(ax, [int(y) for y in table.index], table.isna().to_numpy(), spans)
    return _svg(fig)
