"""The signal panels of the run page as Plotly figure dicts (see :mod:`engine.report.figures`).

Concentration (level with its running peak; drawdown from the peak with each rule's trigger
and the days past it shaded), breakout (close and breakout level on a log scale, the state
shaded, turns on/off marked), trend (close and its moving average, shaded while below) and a
plain line chart for anything else. Each marks the start of the measurement period.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from engine.report.colors import PALETTE
from engine.report.figures import bands, layout, line, pct_axis, runs
from engine.report.plotly_embed import values

ON_SHADE = "rgba(39,174,96,0.13)"
OFF_SHADE = "rgba(192,57,43,0.10)"


def _start_line(start: pd.Timestamp | None) -> list[dict[str, Any]]:
    if start is None:
        return []
    return [{"type": "line", "xref": "x", "yref": "paper", "x0": f"{start:%Y-%m-%d}",
             "x1": f"{start:%Y-%m-%d}", "y0": 0, "y1": 1,
             "line": {"color": "#888888", "width": 1, "dash": "dot"}}]


def concentration(frame: pd.DataFrame, key: str, thresholds: Mapping[str, float] | None = None,
                  *, period_start: pd.Timestamp | None = None,
                  label: str = "weight in the index") -> dict[str, Any]:
    """``frame``: ``level`` (fraction, may be NaN before the first anchor) or ``chain``,
    ``peak``, ``drawdown`` (fraction of the peak, ≤ 0), optional ``projected``. ``key``: the
    date-table key of ``frame.index``. ``thresholds``: label → positive fraction; the days
    with the drawdown at or below −threshold (the rule's trigger) are shaded."""
    traces: list[dict[str, Any]] = []
    has_level = "level" in frame and frame["level"].notna().any()
    if has_level:
        lvl = frame["level"]
        traces += [line(label, values(lvl, 5), "#1B4F72", x=key, yaxis="y"),
                   line("running peak", values(lvl.cummax(), 5), "#E67E22", x=key,
                        dash="dash", width=1.3, yaxis="y")]
        if "projected" in frame and frame["projected"].notna().any():
            traces.append(line("projected back (chart only)",
                               values(frame["projected"].where(lvl.isna()), 5), "#7FB3D5",
                               x=key, dash="dash", width=1.3, yaxis="y"))
        top = pct_axis(domain=[0.5, 1.0], tickformat=".0%" if float(lvl.max()) > 0.1 else ".1%",
                       hoverformat=".2%", title={"text": "weight"})
    else:
        traces += [line("chain-linked concentration", values(frame["chain"], 5), "#1B4F72",
                        x=key, yaxis="y"),
                   line("running peak", values(frame["peak"], 5), "#E67E22", x=key,
                        dash="dash", width=1.3, yaxis="y")]
        top = {"domain": [0.5, 1.0], "hoverformat": ".4f", "title": {"text": "level"}}
    shapes = _start_line(period_start)
    dd = frame["drawdown"]
    traces.append(line("drawdown from peak", values(dd, 5), "#2E86C1", x=key, yaxis="y2",
                       fill="tozeroy", fillcolor="rgba(93,173,226,0.35)", width=1.0))
    for k, (name, value) in enumerate((thresholds or {}).items()):
        color = PALETTE[(k + 1) % len(PALETTE)]
        traces.append({"type": "scatter", "mode": "lines", "name": f"{name}: −{value:.0%}",
                       "x": [f"{frame.index[0]:%Y-%m-%d}", f"{frame.index[-1]:%Y-%m-%d}"],
                       "y": [-abs(value)] * 2, "yaxis": "y2", "hoverinfo": "skip",
                       "line": {"color": color, "dash": "dash", "width": 1.4}})
        shapes += bands(runs((dd <= -abs(value)).to_numpy(), frame.index), OFF_SHADE,
                        yref="y2 domain")
    return {"data": traces,
            "layout": layout(480, yaxis=top,
                             yaxis2=pct_axis(domain=[0.0, 0.42], hoverformat=".2%",
                                             title={"text": "below peak"}),
                             shapes=shapes)}


def _log_range(*series: pd.Series) -> dict[str, Any]:
    v = pd.concat(series).dropna().to_numpy(dtype=float)
    v = v[v > 0]
    if not len(v):
        return {"type": "log"}
    return {"type": "log", "range": [float(np.log10(v.min() * 0.95)),
                                     float(np.log10(v.max() * 1.05))]}


def breakout(close: pd.Series, frame: pd.DataFrame, key: str, *, series: str = "close",
             period_start: pd.Timestamp | None = None) -> dict[str, Any]:
    """``frame``: ``level`` (the prior high; NaN until defined), ``state`` (0/1), ``on``/``off``
    (bool events). ``close``: the series the signal reads (reindexed to ``frame``)."""
    close = close.reindex(frame.index)
    traces = [line(series, values(close, digits=5), "#2C3E50", x=key, width=1.2),
              line("breakout level (prior high)", values(frame["level"], digits=5), "#E67E22",
                   x=key, width=1.5, line_shape="hv")]
    traces[1]["line"]["shape"] = "hv"
    traces[1].pop("line_shape")
    traces += _event_markers(frame, close, ("on", "off"), size=10)
    shapes = _start_line(period_start)
    if "state" in frame:
        shapes += bands(runs(frame["state"].fillna(0).to_numpy() > 0, frame.index), ON_SHADE)
    yaxis = {**_log_range(close, frame["level"]), "tickformat": "~g", "hoverformat": ".4~g"}
    return {"data": traces, "layout": layout(400, yaxis=yaxis, shapes=shapes)}


def trend(close: pd.Series, frame: pd.DataFrame, key: str, *, series: str = "close",
          period_start: pd.Timestamp | None = None) -> dict[str, Any]:
    """``frame``: ``sma`` (NaN until the window is full) and ``above`` (bool); the days with
    the close below its average are shaded."""
    close = close.reindex(frame.index)
    traces = [line(series, values(close, digits=5), "#2C3E50", x=key, width=1.2),
              line("moving average", values(frame["sma"], digits=5), "#8E44AD", x=key)]
    shapes = _start_line(period_start)
    if "above" in frame:
        below = ~frame["above"].fillna(True).astype(bool).to_numpy() & frame["sma"].notna()
        shapes += bands(runs(np.asarray(below), frame.index), OFF_SHADE)
    yaxis = {**_log_range(close, frame["sma"]), "tickformat": "~g", "hoverformat": ".4~g"}
    return {"data": traces, "layout": layout(360, yaxis=yaxis, shapes=shapes)}


def lines(frame: pd.DataFrame, key: str, *, percent: bool = False,
          period_start: pd.Timestamp | None = None) -> dict[str, Any]:
    """Each numeric column as a line (momentum and unknown kinds)."""
    traces = [line(str(c), values(frame[c].astype(float), digits=5), PALETTE[k % len(PALETTE)],
                   x=key) for k, c in enumerate(frame.columns)]
    yaxis = pct_axis() if percent else {"hoverformat": ".4~g"}
    return {"data": traces, "layout": layout(340, yaxis=yaxis,
                                             shapes=_start_line(period_start))}


def indicator(frame: pd.DataFrame, key: str, thresholds: Mapping[str, float] | None = None,
              *, period_start: pd.Timestamp | None = None) -> dict[str, Any]:
    """``frame``: ``score`` (the causal transform; NaN in the warm-up), ``state`` (0/1),
    optional ``on_event``/``off_event`` (bool). ``thresholds``: ``{"on": x, "off": y}`` drawn
    as dashed lines (the hysteresis); the days the state is on are shaded."""
    score = frame["score"].astype(float)
    traces = [line("score", values(score, digits=5), "#1B4F72", x=key, width=1.4)]
    traces += _event_markers(frame, score, ("on_event", "off_event"), size=9)
    shapes = _start_line(period_start)
    shapes += bands(runs(frame["state"].fillna(0).to_numpy() > 0, frame.index), ON_SHADE)
    for label, level in (thresholds or {}).items():
        shapes.append({"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
                       "y0": level, "y1": level,
                       "line": {"color": "#7F8C8D", "width": 1, "dash": "dash"}})
        traces.append({"type": "scatter", "mode": "lines", "name": f"{label} {level:g}",
                       "x": [], "y": [], "line": {"color": "#7F8C8D", "dash": "dash"}})
    return {"data": traces, "layout": layout(340, yaxis={"hoverformat": ".4~g"}, shapes=shapes)}


def _event_markers(frame: pd.DataFrame, y: pd.Series, cols: tuple[str, str],
                   *, size: int) -> list[dict[str, Any]]:
    """Markers on ``y`` at the days the boolean columns ``cols`` (turns on, turns off) are
    true, each legend entry with its count; a missing column draws nothing."""
    out = []
    for col, symbol, color, label in ((cols[0], "triangle-up", "#1E8449", "turns on"),
                                      (cols[1], "triangle-down", "#C0392B", "turns off")):
        if col in frame:
            hits = frame.index[frame[col].fillna(False).astype(bool).to_numpy()]
            out.append({"type": "scatter", "mode": "markers", "name": f"{label} ({len(hits)})",
                        "x": list(hits.strftime("%Y-%m-%d")),
                        "y": values(y.reindex(hits), digits=5),
                        "marker": {"symbol": symbol, "size": size, "color": color,
                                   "line": {"color": "white", "width": 1}}})
    return out
