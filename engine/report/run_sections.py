"""Sections of the run page below the metrics: the strategy picker (one strategy against the
benchmark: relative wealth, drawdowns, rolling excess, allocation with its signal states, top
drawdowns, monthly returns, rebalance log), the tables (rolling returns, correlations,
calendar years, time in sleeves), the signals' history and the tearsheet links.

Figures are registered in ``figs`` (id → Plotly dict) and placed with
:func:`engine.report.plotly_embed.figure_div`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from engine.metrics import monthly_table
from engine.metrics.episodes import drawdown_episodes, rolling_summary
from engine.report import figures, signal_figures
from engine.report.colors import sleeve_order
from engine.report.page import Section, bp, chip, day, esc, heat_table, href, pct
from engine.report.plotly_embed import dates as iso_dates, figure_div
from engine.report.run_page import RunPage, _strategy_cell


def _wrap(table: str, table_id: str = "", klass: str = "") -> str:
    tid = f' id="{esc(table_id)}"' if table_id else ""
    kl = f' class="{klass}"' if klass else ""
    return f'<div class="tablewrap"><table{tid}{kl}>{table}</table></div>'


def drawdowns_table(returns: pd.Series, key: str) -> str:
    """Top 5 drawdown episodes: depth, peak, trough, recovery, lengths in trading days."""
    ep = drawdown_episodes(returns, top=5)
    head = ("<thead><tr><th>Depth</th><th>Peak</th><th>Trough</th><th>Recovered</th>"
            "<th title=\"periods (trading days, or months for monthly data) from the peak to "
            "the trough\">Down</th>"
            "<th title=\"periods from the trough back to the peak\">To recover</th>"
            "<th title=\"periods from the peak to the recovery (or to the end)\">"
            "Total</th></tr></thead>")
    rows = []
    for e in ep.itertuples():
        rec = "not yet" if pd.isna(e.recovery) else day(e.recovery)
        to_rec = "–" if np.isnan(e.days_to_recover) else f"{int(e.days_to_recover)}"
        rows.append(f'<tr><td class="neg">{esc(pct(e.depth))}</td>'
                    f"<td>{esc(day(e.peak) if not pd.isna(e.peak) else 'start')}</td>"
                    f"<td>{esc(day(e.trough))}</td><td>{esc(rec)}</td>"
                    f"<td>{int(e.days_down)}</td><td>{to_rec}</td><td>{int(e.days_total)}</td>"
                    "</tr>")
    return _wrap(head + f"<tbody>{''.join(rows)}</tbody>", f"drawdowns-{key}", "compact")


def months_table(returns: pd.Series, key: str) -> str:
    """Year × month compounded returns (percent), tinted by sign and size."""
    tab = monthly_table(returns)
    scale = float(np.nanmax(np.abs(tab.drop(columns="EOY").to_numpy()))) or 1.0
    head = "<thead><tr><th>Year</th>" + "".join(f"<th>{esc(c.title())}</th>"
                                                 for c in tab.columns) + "</tr></thead>"
    rows = []
    values = tab.to_numpy(dtype=float)
    cols = list(tab.columns)
    for year, row in zip(tab.index.tolist(), values.tolist()):
        cells = [f'<td class="name">{int(year)}</td>']
        for col, v in zip(cols, row):
            if v != v:  # NaN: a month outside the period
                cells.append("<td></td>")
                continue
            a = min(abs(v) / (scale if col != "EOY" else 4 * scale), 1.0) * 0.5
            rgb = "19,114,58" if v >= 0 else "179,38,30"
            cells.append(f'<td style="background:rgba({rgb},{a:.2f})">{esc(pct(v))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _wrap(head + f"<tbody>{''.join(rows)}</tbody>", f"months-{key}", "heat compact")


def rebalance_table(log: pd.DataFrame, page: RunPage, key: str, limit: int = 400) -> str:
    """The rebalance log (newest first): dates, weights before → after per sleeve, turnover,
    cost, and the signals whose state changed since the previous decision."""
    if log is None or log.empty:
        return '<p class="note">No rebalance in the period.</p>'
    roles = [c[:-len("_after")] for c in log.columns if c.endswith("_after")]
    head = ("<thead><tr><th>Filled</th><th>Decided</th>"
            + "".join(f"<th>{esc(page.sleeve_label(r))}</th>" for r in roles)
            + "<th>Turnover</th><th>Cost</th><th>Signal changed</th></tr></thead>")
    rows = []
    recent = log.iloc[::-1].head(limit)
    before = recent.reindex(columns=[f"{r}_before" for r in roles]).fillna(0.0).to_numpy()
    after = recent[[f"{r}_after" for r in roles]].to_numpy()
    changed = (recent["signal_changed"].fillna("").astype(str).tolist()
               if "signal_changed" in recent else [""] * len(recent))
    for i, (date, decided, turnover, cost) in enumerate(zip(
            recent.index, recent["decision_date"], recent["turnover"], recent["cost"])):
        cells = [f"<td>{esc(day(date))}</td><td>{esc(day(decided))}</td>"]
        for j in range(len(roles)):
            b, a = float(before[i, j]), float(after[i, j])
            cls = ' class="moved"' if abs(b - a) >= 0.005 else ""
            cells.append(f"<td{cls}>{esc(pct(b, 0))} → {esc(pct(a, 0))}</td>")
        cells.append(f"<td>{esc(pct(turnover, 1))}</td><td>{esc(bp(cost))}</td>"
                     f'<td class="left">{esc(changed[i] or "–")}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="note">The {limit} most recent of {len(log)}; all in '
            f"rebalances/{esc(key)}.csv.</p>" if len(log) > limit else "")
    return _wrap(head + f"<tbody>{''.join(rows)}</tbody>", f"rebalances-{key}",
                 "compact") + more


def _periods(page: RunPage) -> int:
    from engine.metrics.summary import periods_of

    return periods_of(pd.DatetimeIndex(page.returns.index))


def _step(n: int) -> int:
    return 1 if n <= 1500 else 5


def picker_section(page: RunPage, colors: Mapping[str, str], figs: dict[str, Any],
                   focus: str | None) -> Section:
    """A picker and, per strategy, its charts and tables (only the picked one is shown)."""
    names = [n for n in page.strategies if n != page.benchmark] or page.strategies
    focus = focus if focus in names else names[0]
    options = "".join(f'<option value="{esc(n)}"{" selected" if n == focus else ""}>'
                      f"{esc(n)}</option>" for n in names)
    picker = (f'<label class="picker-label">Strategy <select class="picker" id="picker" '
              f'data-scope="picker-groups">{options}</select></label> '
              f'<span class="note">against {esc(page.benchmark)}</span>')
    groups = []
    for k, name in enumerate(names):
        key = f"s{k}"
        parts = []
        if name != page.benchmark:
            figs[f"vs-{key}"] = figures.versus(page.returns, name, page.benchmark, colors,
                                               days=_periods(page))
            parts.append(figure_div(f"vs-{key}", 640, f"{esc(name)} against "
                                    f"{esc(page.benchmark)}",
                                    "Top: growth of the strategy divided by growth of the "
                                    "benchmark (above 1 = ahead). Middle: drawdown from the "
                                    "running peak. Bottom: trailing 12-month return minus the "
                                    "benchmark's."))
        if name in page.allocations:
            alloc = page.allocations[name]
            labels = {r: page.sleeve_label(r) for r in alloc.columns}
            strips = page.strips.get(name, {})
            figs[f"alloc-{key}"] = figures.allocation(alloc, strips, labels,
                                                      step=_step(len(alloc)))
            note = ("Realised end-of-day sleeve weights (after drift between rebalances). ")
            if strips:
                note += ("The bars above mark when each signal the rule reads was on"
                         + (" and the rule's state" if any(s.startswith("rule")
                                                          for s in strips) else "") + ".")
            parts.append(figure_div(f"alloc-{key}", 300 + 26 * len(strips),
                                    f"Allocation of {esc(name)}", esc(note)))
        parts.append(f"<h3>Top 5 drawdowns of {esc(name)}</h3>"
                     + drawdowns_table(page.returns[name], key))
        parts.append(f"<h3>Monthly returns of {esc(name)}</h3>"
                     + months_table(page.returns[name], key))
        if name in page.rebalance_logs:
            parts.append(f"<h3>Rebalances of {esc(name)}</h3>"
                         + rebalance_table(page.rebalance_logs[name], page, key))
        hidden = "" if name == focus else " hidden"
        groups.append(f'<div class="pick" data-strategy="{esc(name)}"{hidden}>'
                      + "".join(parts) + "</div>")
    body = f'<div class="picker-bar">{picker}</div><div id="picker-groups">{"".join(groups)}</div>'
    return Section("picker-section", "One strategy against the benchmark", body,
                   "Pick a strategy: its charts and tables follow.")


def rolling_table(page: RunPage, colors: Mapping[str, str]) -> str:
    tab = rolling_summary(page.returns, periods=_periods(page))
    cell = _strategy_cell(colors, page.benchmark)
    years = [y for y in (3, 5) if tab[f"{y}y_median"].notna().any()]
    if not years:
        return ""
    head = ("<thead><tr><th rowspan=\"2\">Strategy</th>" + "".join(
        f'<th colspan="3">Rolling {y}-year, a year</th>' for y in years) + "</tr><tr>"
        + "<th>Min</th><th>Median</th><th>Max</th>" * len(years) + "</tr></thead>")
    rows = []
    for n in page.strategies:
        cells = "".join(f'<td class="{"neg" if tab.at[n, f"{y}y_{s}"] < 0 else ""}">'
                        f'{esc(pct(tab.at[n, f"{y}y_{s}"]))}</td>'
                        for y in years for s in ("min", "median", "max"))
        rows.append(f'<tr data-strategy="{esc(n)}"><td class="name">{cell(n)}</td>{cells}</tr>')
    return _wrap(head + f"<tbody>{''.join(rows)}</tbody>", "rolling")


def correlation_table(frame: pd.DataFrame, table_id: str, chips: Mapping[str, str]) -> str:
    """Correlation of daily returns (lower triangle), tinted by size."""
    corr = frame.corr()
    names = list(corr.columns)
    head = "<thead><tr><th></th>" + "".join(
        f"<th>{esc(n)}</th>" for n in names) + "</tr></thead>"
    rows = []
    for i, a in enumerate(names):
        cells = [f'<td class="name">{chip(chips[a]) if a in chips else ""}{esc(a)}</td>']
        for j, b in enumerate(names):
            v = corr.iat[i, j]
            if j > i or pd.isna(v):
                cells.append("<td></td>")
                continue
            alpha = max(0.0, float(v)) ** 2 * 0.5
            cells.append(f'<td style="background:rgba(11,92,173,{alpha:.2f})">{v:.2f}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _wrap(head + f"<tbody>{''.join(rows)}</tbody>", table_id, "compact")


def sleeve_table(page: RunPage, colors: Mapping[str, str], roles: list[str]) -> str:
    """Per strategy and sleeve: average weight, and the share of days it was held."""
    m = page.metrics
    head = "<tr><th>Strategy</th>" + "".join(
        f'<th title="average weight; below, the share of days it was held (weight above 1%)">'
        f"{esc(page.sleeve_label(r))}</th>" for r in roles) + "</tr>"
    cell = _strategy_cell(colors, page.benchmark)
    rows = []
    for n in page.strategies:
        cells = "".join(f'<td>{esc(pct(m.at[n, "avg_" + r], 0))}<span class="sub">held '
                        f'{esc(pct(m.at[n, "time_" + r], 0))} of days</span></td>'
                        for r in roles)
        rows.append(f'<tr data-strategy="{esc(n)}"><td class="name">{cell(n)}</td>{cells}</tr>')
    return _wrap(f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody>", "sleeves")


def table_sections(page: RunPage, colors: Mapping[str, str]) -> list[Section]:
    out = []
    rolling = rolling_table(page, colors)
    if rolling:
        out.append(Section("rolling-section", "Rolling returns", rolling,
                           "Annualised return over every 3- and 5-year window of the period "
                           "(day by day): the worst, middle and best case of holding that "
                           "long."))
    out.append(Section("calendar-section", "Calendar-year returns",
                       heat_table(page.calendar, colors, index_header="Year",
                                  table_id="calendar"),
                       "Compounded daily returns within each calendar year of the period "
                       "(first and last years may be partial)."))
    corr = correlation_table(page.returns, "corr-strategies", colors)
    if page.sleeve_returns is not None and page.sleeve_returns.shape[1] > 1:
        sr = page.sleeve_returns.rename(columns=lambda r: page.sleeve_label(r))
        corr += "<h3>Sleeves</h3>" + correlation_table(sr, "corr-sleeves", {})
    out.append(Section("correlation-section", "Correlation of daily returns", corr))
    m = page.metrics
    roles = sleeve_order([c[len("time_"):] for c in m.columns if c.startswith("time_")
                          and (m[c].fillna(0) > 0).any()])
    if roles:
        out.append(Section("sleeves-section", "Time in each sleeve",
                           sleeve_table(page, colors, roles),
                           "Average weight of each sleeve, and the share of days it was held "
                           "(weight above 1%)."))
    return out


def signals_section(page: RunPage, figs: dict[str, Any],
                    date_table: dict[str, list[str]]) -> Section | None:
    if not page.signals:
        return None
    start = page.returns.index[0]
    body = []
    for k, sig in enumerate(page.signals):
        iso = iso_dates(sig.frame.index)
        key = next((k2 for k2, v in date_table.items() if v == iso), f"h{k}")
        date_table[key] = iso
        fid = f"signal-{k}"
        if sig.kind == "concentration":
            figs[fid] = signal_figures.concentration(sig.frame, key, sig.thresholds,
                                                     period_start=start)
        elif sig.kind == "breakout" and sig.close is not None:
            figs[fid] = signal_figures.breakout(sig.close, sig.frame, key, series=sig.series,
                                                period_start=start)
        elif sig.kind == "trend" and sig.close is not None and "sma" in sig.frame:
            figs[fid] = signal_figures.trend(sig.close, sig.frame, key, series=sig.series,
                                             period_start=start)
        elif sig.kind == "indicator" and "score" in sig.frame:
            figs[fid] = signal_figures.indicator(sig.frame, key, sig.thresholds,
                                                 period_start=start)
        else:
            numeric = sig.frame.select_dtypes("number")
            figs[fid] = signal_figures.lines(numeric.iloc[:, :4], key,
                                             percent=sig.kind == "momentum",
                                             period_start=start)
        height = figs[fid]["layout"]["height"]
        body.append(figure_div(fid, height, esc(sig.title or f"{sig.name} — {sig.kind}"),
                               esc(sig.caption)))
    note = ("Each value uses data up to that day only; a decision at a close trades at a later "
            "close (the lag). Shaded: the signal's state on (green) or past its trigger (red); "
            "the dotted vertical line marks the start of the measurement period.")
    return Section("signals-section", "Signals", "".join(body), note)


def tearsheet_links(page: RunPage, colors: Mapping[str, str]) -> str:
    """The list of tearsheet links (one small function, so a later change can mark pending
    ones in one place)."""
    links = "".join(f'<li>{chip(colors[n])}<a href="{href(page.tearsheets[n])}">{esc(n)}</a>'
                    "</li>" for n in page.strategies if n in page.tearsheets)
    return f'<ul class="links">{links}</ul>'


def tearsheets_section(page: RunPage, colors: Mapping[str, str]) -> Section:
    return Section("tearsheets-section", "Tearsheets", tearsheet_links(page, colors),
                   "quantstats tearsheets of each strategy against the benchmark, over the "
                   "same period and risk-free series.")
