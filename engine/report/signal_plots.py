"""Signal panels for the comparison page (matplotlib → inline SVG, like :mod:`plots`).

Concentration (level, running peak, drawdown from peak with the rules' thresholds), breakout
(close vs the breakout level, state shaded, on/off marked), trend (close vs its moving average)
and a plain line chart for anything else. Each marks the start of the measurement period.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from engine.report.plots import (PALETTE, date_axis, figure, legend_above, log_axis, pct_axis,
                                  styled, to_svg)


def _mark_start(ax, start: pd.Timestamp | None) -> None:
    if start is not None:
        ax.axvline(start, color="#888888", linewidth=1.0, linestyle=":", zorder=1)


@styled
def concentration_chart(frame: pd.DataFrame, thresholds: Mapping[str, float] | None = None,
                        *, period_start: pd.Timestamp | None = None) -> str:
    """A concentration signal: level with its running peak (top) and drawdown from peak (bottom).

    ``frame`` columns: ``level`` (fraction; may be NaN before the first anchor), ``chain``,
    ``peak`` (running peak of ``chain``), ``drawdown`` (fraction of the peak, ≤ 0), optional
    ``projected`` (chart only). ``thresholds``: label → drawdown threshold as a positive
    fraction of the peak (drawn at −value). ``period_start`` is marked with a dotted line.
    """
    fig, (top, bot) = figure(5.2, nrows=2, ncols=1, sharex=True,
                              gridspec_kw={"height_ratios": [1.5, 1]})
    has_level = "level" in frame and frame["level"].notna().any()
    if has_level:
        level = frame["level"]
        top.plot(level.index, level.to_numpy(), color="#1B4F72", linewidth=1.4,
                 label="weight in the index")
        top.plot(level.index, level.cummax().to_numpy(), color="#E67E22", linewidth=1.1,
                 linestyle="--", label="running peak")
        if "projected" in frame and frame["projected"].notna().any():
            pj = frame["projected"].where(level.isna())
            top.plot(pj.index, pj.to_numpy(), color="#7FB3D5", linewidth=1.1, linestyle="--",
                     label="projected back (chart only)")
        pct_axis(top, 0 if float(level.max()) > 0.1 else 1)
    elif "chain" in frame:
        top.plot(frame.index, frame["chain"].to_numpy(), color="#1B4F72", linewidth=1.4,
                 label="chain-linked concentration index")
        if "peak" in frame:
            top.plot(frame.index, frame["peak"].to_numpy(), color="#E67E22", linewidth=1.1,
                     linestyle="--", label="running peak")
    _mark_start(top, period_start)
    legend_above(top, 3)
    if "drawdown" in frame:
        dd = frame["drawdown"]
        bot.fill_between(dd.index, dd.to_numpy(), 0.0, color="#5DADE2", alpha=0.45, linewidth=0,
                         rasterized=True)
        bot.plot(dd.index, dd.to_numpy(), color="#1B4F72", linewidth=0.9,
                 label="drawdown from peak (fraction of the peak)")
    for k, (label, value) in enumerate((thresholds or {}).items()):
        bot.axhline(-abs(value), color=PALETTE[(k + 1) % len(PALETTE)], linewidth=1.3,
                    linestyle="--", label=f"{label}: −{abs(value):.0%}")
    _mark_start(bot, period_start)
    pct_axis(bot)
    date_axis(bot)
    bot.legend(loc="lower left", ncol=3, framealpha=0.85, frameon=True, edgecolor="none")
    return to_svg(fig)


@styled
def breakout_chart(close: pd.Series, frame: pd.DataFrame, *,
                   period_start: pd.Timestamp | None = None) -> str:
    """A breakout signal: close and breakout level (log scale), state shaded, on/off marked.

    ``close``: the series the signal reads (any positive scale). ``frame`` columns: ``level``
    (highest prior close; NaN until defined), ``state`` (0/1), ``on``/``off`` (bool events).
    """
    fig, ax = figure(4.2)
    close = close.reindex(frame.index)
    ax.plot(close.index, close.to_numpy(), color="#2C3E50", linewidth=1.1, label="close")
    ax.plot(frame.index, frame["level"].to_numpy(), color="#E67E22", linewidth=1.4,
            drawstyle="steps-post", label="breakout level (prior high)")
    if "state" in frame:
        state = frame["state"].fillna(0).to_numpy() > 0
        ax.fill_between(frame.index, 0, 1, where=state, transform=ax.get_xaxis_transform(),
                        color="#27AE60", alpha=0.12, linewidth=0, step="post",
                        label="state on", rasterized=True)
    for col, marker, color, label in (("on", "^", "#1E8449", "turns on"),
                                      ("off", "v", "#C0392B", "turns off")):
        if col in frame:
            hits = frame.index[frame[col].fillna(False).astype(bool).to_numpy()]
            ax.scatter(hits, close.reindex(hits).to_numpy(), marker=marker, s=46, color=color,
                       zorder=5, label=f"{label} ({len(hits)})", edgecolors="white",
                       linewidths=0.6)
    values = pd.concat([close, frame["level"]]).dropna().to_numpy()
    log_axis(ax, float(values.min()), float(values.max()))
    _mark_start(ax, period_start)
    date_axis(ax)
    legend_above(ax, 5)
    return to_svg(fig)


@styled
def trend_chart(close: pd.Series, frame: pd.DataFrame, *,
                period_start: pd.Timestamp | None = None) -> str:
    """A trend signal: close and its moving average (log scale), shaded while above it.

    ``frame`` columns: ``sma`` (NaN until the window is full) and ``above`` (bool).
    """
    fig, ax = figure(3.8)
    close = close.reindex(frame.index)
    ax.plot(close.index, close.to_numpy(), color="#2C3E50", linewidth=1.1, label="close")
    ax.plot(frame.index, frame["sma"].to_numpy(), color="#8E44AD", linewidth=1.4,
            label="moving average")
    if "above" in frame:
        above = frame["above"].fillna(False).astype(bool).to_numpy()
        ax.fill_between(frame.index, 0, 1, where=above, transform=ax.get_xaxis_transform(),
                        color="#27AE60", alpha=0.10, linewidth=0, step="post",
                        label="close above its average", rasterized=True)
    values = pd.concat([close, frame["sma"]]).dropna().to_numpy()
    log_axis(ax, float(values.min()), float(values.max()))
    _mark_start(ax, period_start)
    date_axis(ax)
    legend_above(ax, 3)
    return to_svg(fig)


@styled
def line_chart(frame: pd.DataFrame, *, percent: bool = False,
               period_start: pd.Timestamp | None = None) -> str:
    """A generic signal panel: each column as a line (trend, momentum and unknown kinds)."""
    fig, ax = figure(3.4)
    for col in frame.columns:
        ax.plot(frame.index, frame[col].to_numpy(dtype=float), linewidth=1.2, label=str(col))
    if percent:
        pct_axis(ax)
    _mark_start(ax, period_start)
    date_axis(ax)
    legend_above(ax, len(frame.columns))
    return to_svg(fig)
