"""The spliced part of every chart: where a sleeve's fund is extended back with an index
(:mod:`engine.data.extend`), the dates before the fund's first close are index history minus a
cost, not the fund. Charts shade that span and say so.

:func:`splice_spans` lists the spans of a panel; :func:`mark_plotly` adds them to a Plotly
figure dict (a shaded band behind the traces and a label at the top), and :func:`mark_axes`
to a matplotlib axes. :func:`held_spans` picks the spans a strategy's returns actually contain
(it held the sleeve inside the span, during the measured period): those its tearsheet marks
(:mod:`engine.report.tearsheet_splices`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

SHADE = "rgba(127,140,141,0.13)"


@dataclass(frozen=True)
class Span:
    """``start`` … ``end`` (ISO dates; ``end`` is the fund's first date) is ``label``.

    ``ticker`` is the extended fund, ``roles`` the sleeves that hold it and ``note`` one
    sentence for a reader: the index, the cost, the splice date and the tracking difference
    over the overlap (:meth:`engine.data.extend.Splice.describe`)."""

    start: str
    end: str
    label: str
    ticker: str = ""
    roles: tuple[str, ...] = ()
    note: str = ""


def splice_spans(panel: Any) -> list[Span]:
    """One span per extended series of ``panel`` (its ``splices``), oldest first."""
    out = []
    sleeves = getattr(panel, "sleeves", None) or {}
    for sp in (getattr(panel, "splices", None) or {}).values():
        roles = tuple(r for r, sl in sleeves.items() if sp.ticker in sl.tickers)
        out.append(Span(f"{pd.Timestamp(sp.start):%Y-%m-%d}",
                        f"{pd.Timestamp(sp.splice_date):%Y-%m-%d}",
                        f"{sp.ticker} = {sp.index} − {sp.cost:.2%}/yr (spliced)",
                        ticker=sp.ticker, roles=roles, note=sp.describe()))
    return sorted(out, key=lambda s: s.start)


def held_spans(spans: Sequence[Span], weights: Sequence[pd.DataFrame],
               start: pd.Timestamp, end: pd.Timestamp) -> tuple[Span, ...]:
    """The spans whose sleeves any of ``weights`` (realised end-of-day sleeve weights,
    fractions; one frame per strategy drawn, e.g. a strategy and its benchmark) holds into a
    spliced period between ``start`` and ``end``: the return of period *t* is earned on the
    weights at the end of *t − 1*, so a non-zero weight from the row before the span's (or the
    measured) first date up to the row before the splice date counts."""
    out = []
    for s in spans:
        a, b = max(pd.Timestamp(s.start), pd.Timestamp(start)), min(pd.Timestamp(s.end),
                                                                     pd.Timestamp(end))
        if a > b:
            continue
        for w in weights:
            cols = [r for r in s.roles if r in w.columns]
            lo = max(int(w.index.searchsorted(a)) - 1, 0)
            hi = int(w.index.searchsorted(b))          # the splice date's return is the index's
            held = w.iloc[lo:hi][cols].fillna(0.0).to_numpy()
            if held.size and (held != 0.0).any():
                out.append(s)
                break
    return tuple(out)


def mark_plotly(fig: dict[str, Any], spans: Sequence[Span]) -> dict[str, Any]:
    """``fig`` (a Plotly figure dict with a date x axis) with each span shaded and labelled;
    returns the same dict."""
    if not spans:
        return fig
    layout = fig.setdefault("layout", {})
    shapes = list(layout.get("shapes", []))
    notes = list(layout.get("annotations", []))
    for k, s in enumerate(spans):
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": s.start,
                       "x1": s.end, "y0": 0, "y1": 1, "fillcolor": SHADE,
                       "line": {"width": 0}, "layer": "below"})
        notes.append({"xref": "x", "yref": "paper", "x": s.end, "y": 1.0 - 0.06 * k,
                      "xanchor": "right", "yanchor": "top", "showarrow": False,
                      "text": s.label, "font": {"size": 10, "color": "#5D6D7E"}})
    layout["shapes"], layout["annotations"] = shapes, notes
    return fig


def mark_axes(ax: Any, spans: Sequence[Span]) -> None:
    """Shade and label each span on a matplotlib axes with a date x axis."""
    for k, s in enumerate(spans):
        a, b = pd.Timestamp(s.start), pd.Timestamp(s.end)
        ax.axvspan(a, b, color="#7F8C8D", alpha=0.13, lw=0, zorder=0)
        ax.text(b, 0.98 - 0.07 * k, s.label, transform=ax.get_xaxis_transform(),
                ha="right", va="top", fontsize=7, color="#5D6D7E")
