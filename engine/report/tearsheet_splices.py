"""Spliced history inside a quantstats tearsheet: a note under the heading naming each splice
(the sleeve, the fund, the index, the cost, the splice date and the tracking difference over the
overlap) and, on every chart quantstats draws against dates, the period before the splice date
shaded and labelled as the comparison page does (:mod:`engine.report.splice_marks`).

quantstats draws its charts itself, so the shading is added while it renders, not afterwards on
the SVG text: :func:`splice_shading` wraps ``Figure.savefig`` for the duration of one tearsheet
and, just before each figure is written, shades every axes whose x axis is in matplotlib date
numbers (:func:`is_date_axis`; the histogram, quantiles and heatmap are not) with
:func:`shade_date_axes`. The x limits quantstats chose are kept, the spans are clipped to them,
and every added artist carries the SVG id :data:`GID`. The calendar-year bars and the monthly
heatmap are marked by year and month (:func:`shade_years`, :func:`shade_months`). A tearsheet
without splices never enters any of this: its bytes are those of a plain render.
"""
from __future__ import annotations

import html as _html
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from engine.report.splice_marks import Span

#: the SVG id of every shaded band and label (tests and readers can find them)
GID = "rowboat-splice"
COLOR = "#7F8C8D"
ALPHA = 0.13
LABEL_COLOR = "#5D6D7E"


def is_date_axis(ax: Any) -> bool:
    """True when ``ax``'s x axis holds matplotlib date numbers (quantstats' time-series charts;
    pandas' period axis of the calendar-year bars, categorical and plain axes are not)."""
    import matplotlib.dates as mdates

    conv = ax.xaxis.get_converter()
    kinds = tuple(k for k in (mdates.DateConverter, getattr(mdates, "_SwitchableDateConverter",
                                                            None)) if k is not None)
    if conv is None or not isinstance(conv, kinds):
        return False
    probe = np.datetime64("2000-01-01")
    try:
        got = conv.convert(probe, ax.xaxis.get_units(), ax.xaxis)
    except Exception:  # noqa: BLE001 — a converter that cannot take a date is no date axis
        return False
    return bool(np.isclose(np.asarray(got, dtype=float), mdates.date2num(probe)).all())


def _label(ax: Any, x: float, k: int, text: str) -> None:
    ax.text(x, 0.98 - 0.08 * k, text, transform=ax.get_xaxis_transform(), ha="right",
            va="top", fontsize=7, color=LABEL_COLOR, gid=GID, clip_on=True)


def shade_date_axes(ax: Any, spans: Sequence[Span]) -> int:
    """Shade each span on a date axes, clipped to its current x limits (which stay as they
    are), and label it at its right end; returns how many spans were drawn."""
    import matplotlib.dates as mdates

    lo, hi = ax.get_xlim()
    drawn = 0
    for s in spans:
        a = max(float(mdates.date2num(pd.Timestamp(s.start))), lo)
        b = min(float(mdates.date2num(pd.Timestamp(s.end))), hi)
        if b <= a:
            continue
        ax.axvspan(a, b, color=COLOR, alpha=ALPHA, lw=0, zorder=0, gid=GID)
        _label(ax, b, drawn, s.label)
        drawn += 1
    ax.set_xlim(lo, hi)
    return drawn


def shade_figure(fig: Any, spans: Sequence[Span]) -> int:
    """:func:`shade_date_axes` on every date axes of ``fig``; returns the spans drawn."""
    return sum(shade_date_axes(ax, spans) for ax in fig.axes if is_date_axis(ax))


@contextmanager
def splice_shading(spans: Sequence[Span]) -> Iterator[None]:
    """Within the block every figure saved is shaded first (see the module doc); nothing at all
    changes when ``spans`` is empty."""
    if not spans:
        yield
        return
    from matplotlib.figure import Figure

    orig = Figure.savefig

    def savefig(self, *args, **kwargs):
        shade_figure(self, spans)
        return orig(self, *args, **kwargs)

    Figure.savefig = savefig
    try:
        yield
    finally:
        Figure.savefig = orig


def shade_years(ax: Any, centers: Sequence[float], years: Sequence[int],
                spans: Sequence[Span]) -> bool:
    """On the calendar-year bars (one group per year at ``centers``), shade the years that hold
    spliced returns (those up to each splice date's year); returns whether anything was."""
    lo, hi = ax.get_xlim()
    drawn = False
    for k, s in enumerate(spans):
        first, last = pd.Timestamp(s.start).year, pd.Timestamp(s.end).year
        inside = [i for i, y in enumerate(years) if first <= y <= last]
        if not inside:
            continue
        step = (centers[1] - centers[0]) if len(centers) > 1 else 1.0
        a = max(centers[inside[0]] - step / 2, lo)
        b = min(centers[inside[-1]] + step / 2, hi)
        ax.axvspan(a, b, color=COLOR, alpha=ALPHA, lw=0, zorder=0, gid=GID)
        _label(ax, b, k, s.label)
        drawn = True
    ax.set_xlim(lo, hi)
    return drawn


def shade_months(ax: Any, years: Sequence[int], missing: np.ndarray,
                 spans: Sequence[Span]) -> int:
    """On the monthly heatmap (a row per year in ``years``, a column per month; ``missing``:
    years × 12, True for blank cells), hatch every shown cell whose month holds spliced
    returns; returns how many cells were."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    cells: list[Rectangle] = []
    for s in spans:
        first, last = pd.Timestamp(s.start), pd.Timestamp(s.end)
        for r, y in enumerate(years):
            for m in range(12):
                month = pd.Timestamp(year=y, month=m + 1, day=1)
                if missing[r, m] or month + pd.offsets.MonthEnd(0) < first or month > last:
                    continue
                cells.append(Rectangle((m, r), 1, 1))
    if cells:
        ax.add_collection(PatchCollection(cells, facecolor="none", edgecolor=COLOR, lw=0,
                                          hatch="///", alpha=0.6, zorder=5, gid=GID),
                          autolim=False)
    return len(cells)


def splice_note_html(spans: Sequence[Span]) -> str:
    """The note under the tearsheet's heading: one line per splice (empty without spans)."""
    if not spans:
        return ""
    items = "".join(
        f"<li><b>{_html.escape(', '.join(s.roles) or s.ticker)}</b>: "
        f"{_html.escape(s.note or s.label)}.</li>" for s in spans)
    return ('<div class="rowboat-splice" style="margin:.6em 0;padding:.5em .8em;'
            'background:rgba(127,140,141,.13);border-left:3px solid #7F8C8D;font-size:13px">'
            "<b>Spliced history.</b> Before each splice date below, a sleeve these returns hold "
            "is its index's history minus the stated cost, not the fund; that period is shaded "
            "on every chart drawn against dates (hatched in the monthly heatmap)."
            f"<ul style=\"margin:.3em 0 0 1.2em;padding:0\">{items}</ul></div>")
