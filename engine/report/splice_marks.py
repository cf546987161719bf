"""The spliced part of every chart: where a sleeve's fund is extended back with an index
(:mod:`engine.data.extend`), the dates before the fund's first close are index history minus a
cost, not the fund. Charts shade that span and say so.

:func:`splice_spans` lists the spans of a panel; :func:`mark_plotly` adds them to a Plotly
figure dict (a shaded band behind the traces and a label at the top), and :func:`mark_axes`
to a matplotlib axes.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

SHADE = "rgba(127,140,141,0.13)"


@dataclass(frozen=True)
class Span:
    """``start`` … ``end`` (ISO dates; ``end`` is the fund's first date) is ``label``."""

    start: str
    end: str
    label: str


def splice_spans(panel: Any) -> list[Span]:
    """One span per extended series of ``panel`` (its ``splices``), oldest first."""
    out = []
    for sp in (getattr(panel, "splices", None) or {}).values():
        out.append(Span(f"{pd.Timestamp(sp.start):%Y-%m-%d}",
                        f"{pd.Timestamp(sp.splice_date):%Y-%m-%d}",
                        f"{sp.ticker} = {sp.index} − {sp.cost:.2%}/yr (spliced)"))
    return sorted(out, key=lambda s: s.start)


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
