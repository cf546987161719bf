"""The comparison page of one run (``results/<name>/index.html``) from plain inputs.

:class:`RunPage` holds only pandas objects and strings (no engine types), so the page can be
built and tested from synthetic returns. :func:`build_run_page` returns the HTML text.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from engine.metrics.summary import periods_of
from engine.report import plots, signal_plots
from engine.report.page import (Column, Section, bp, cards, chart, chip, day, document, esc,
                                 heat_table, num, pct, pp, sign_class, table)

def _dd_months(row: pd.Series) -> str:
    """"Nov 2007 → Mar 2009": peak and trough months of the max drawdown."""
    peak, trough = row.get("max_dd_peak"), row.get("max_dd_trough")
    if pd.isna(peak) or pd.isna(trough):
        return ""
    return f"{pd.Timestamp(peak):%b %Y} → {pd.Timestamp(trough):%b %Y}"


#: The metrics table of the page, in order. Keys are scorecard columns (fractions).
METRIC_COLUMNS: tuple[Column, ...] = (
    Column("cagr", "CAGR", "Compound annual growth rate over the period (rows / 252 trading "
           "days a year, or 12 months on a monthly panel)",
           pct, "high"),
    Column("excess_cagr", "vs benchmark", "CAGR minus the benchmark's CAGR, percentage points",
           pp, "high"),
    Column("volatility", "Volatility", "Annualised standard deviation of daily returns",
           pct, "low", signed=False),
    Column("sharpe", "Sharpe", "Annualised mean excess return over the risk-free series / its "
           "standard deviation (quantstats' definition)", num, "high"),
    Column("sortino", "Sortino", "Like Sharpe with downside deviation (quantstats' definition)",
           num, "high"),
    Column("max_drawdown", "Max drawdown", "Largest fall from a running peak of value; below, "
           "the month of the peak → the month of the trough (dates in the drawdown table)",
           pct, "high", sub=lambda row: _dd_months(row)),
    Column("calmar", "Calmar", "CAGR / |max drawdown|", num, "high"),
    Column("worst_year", "Worst year", "Worst calendar-year return in the period "
           "(first and last years may be partial)", pct, "high", label_key="worst_year_label"),
    Column("pct_positive_months", "Months up", "Share of calendar months with a positive "
           "return (flat months left out, as quantstats' monthly win rate)",
           lambda v: pct(v, 0), "high", signed=False),
    Column("turnover_per_year", "Turnover / yr", "One-way turnover per year as a fraction of "
           "value, excluding the initial purchase", lambda v: pct(v, 0), None, signed=False),
    Column("costs_per_year", "Costs / yr", "Fees and slippage paid per year, in basis points "
           "of value (1 bp = 0.01%), excluding the initial purchase", bp, "low", signed=False),
)


@dataclass(frozen=True)
class SignalPanel:
    """One signal chart. ``kind``: "concentration" | "breakout" | "trend" | "momentum" | other
    (plain lines).

    ``frame``: the signal's columns (see :mod:`engine.report.signal_plots`); ``close``: the
    series a breakout or trend reads; ``thresholds``: label → positive fraction (concentration drawdown lines);
    ``caption``: one line saying what it is and who uses it.
    """

    name: str
    kind: str
    frame: pd.DataFrame
    close: pd.Series | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    caption: str = ""


@dataclass(frozen=True)
class RunPage:
    """Everything the run page shows (fractions throughout; the page formats percent)."""

    name: str
    returns: pd.DataFrame  # daily returns over the measurement period, one column per strategy
    benchmark: str
    metrics: pd.DataFrame  # engine.report.scorecard.scorecard(...)
    calendar: pd.DataFrame  # year × strategy
    period_reason: str
    source: str
    synthetic: bool
    rf_label: str
    allocations: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # sleeve weights
    signals: tuple[SignalPanel, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()  # extra (label, HTML) cards: lag, costs, ...
    tearsheets: Mapping[str, str] = field(default_factory=dict)  # strategy → relative link
    descriptions: Mapping[str, str] = field(default_factory=dict)  # strategy → rule + params
    theses: Mapping[str, str] = field(default_factory=dict)  # strategy → the rule's thesis
    footer: str = ""

    @property
    def strategies(self) -> list[str]:
        return [str(c) for c in self.returns.columns]


def _strategy_cell(colors: Mapping[str, str], benchmark: str,
                   links: Mapping[str, str] | None = None) -> Callable[[str], str]:
    def cell(name: str) -> str:
        tag = ' <span class="badge bench">benchmark</span>' if name == benchmark else ""
        label = esc(name)
        if links and name in links:
            label = f'<a href="{esc(links[name])}" title="quantstats tearsheet">{label}</a>'
        return f"{chip(colors[name])}{label}{tag}"
    return cell


def metrics_section(page: RunPage, colors: Mapping[str, str]) -> Section:
    m = page.metrics.copy()
    if "excess_cagr" in m and page.benchmark in m.index:
        m.loc[page.benchmark, "excess_cagr"] = float("nan")  # shown as "–", not "+0.0 pp"
    body = table(page.strategies, METRIC_COLUMNS, m, first_header="Strategy",
                 first_cell=_strategy_cell(colors, page.benchmark, page.tearsheets),
                 table_id="metrics")
    if page.descriptions:
        items = []
        for n in page.strategies:
            if n not in page.descriptions:
                continue
            item = (f"{chip(colors[n])}<b>{esc(n)}</b> — "
                    f'<span class="thesis">{esc(page.descriptions[n])}</span>')
            if page.theses.get(n):
                item = (f"<details><summary>{item}</summary>"
                        f'<pre class="thesis-text">{esc(page.theses[n])}</pre></details>')
            items.append(f"<li>{item}</li>")
        body += ("<h3>The strategies</h3><p class=\"note\">Click a strategy for its thesis."
                 f'</p><ul class="plain">{"".join(items)}</ul>')
    note = ("Percent on this page (internally every number is a fraction). Best value per "
            "column in bold; hover a header for its definition"
            + ("; a strategy's name opens its quantstats tearsheet." if page.tearsheets else "."))
    return Section("metrics-section", "Metrics over the measurement period", body, note)


def drawdown_table(page: RunPage, colors: Mapping[str, str]) -> str:
    """Max drawdown of each strategy with its peak, trough and recovery dates."""
    m = page.metrics
    head = ("<tr><th>Strategy</th><th>Max drawdown</th><th>Peak</th><th>Trough</th>"
            "<th>Recovered</th></tr>")
    rows = []
    cell = _strategy_cell(colors, page.benchmark)
    for n in page.strategies:
        rec = m.at[n, "max_dd_recovery"] if "max_dd_recovery" in m else pd.NaT
        rows.append(f'<tr data-strategy="{esc(n)}"><td class="name">{cell(n)}</td>'
                    f'<td class="{sign_class(m.at[n, "max_drawdown"])}">'
                    f'{esc(pct(m.at[n, "max_drawdown"]))}</td>'
                    f'<td>{esc(day(m.at[n, "max_dd_peak"]))}</td>'
                    f'<td>{esc(day(m.at[n, "max_dd_trough"]))}</td>'
                    f'<td>{esc(day(rec)) if not pd.isna(rec) else "not yet"}</td></tr>')
    return (f'<div class="tablewrap"><table id="drawdowns-table"><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def sleeve_table(page: RunPage, colors: Mapping[str, str], roles: list[str]) -> str:
    """Per strategy and sleeve: share of days as the largest holding, and average weight."""
    m = page.metrics
    head = "<tr><th>Strategy</th>" + "".join(
        f'<th title="average weight of {esc(r)}; below, the share of days it was held '
        f'(weight above 1%)">{esc(r)}</th>' for r in roles) + "</tr>"
    cell = _strategy_cell(colors, page.benchmark)
    rows = []
    for n in page.strategies:
        cells = "".join(f'<td>{esc(pct(m.at[n, "avg_" + r], 0))}<span class="sub">held '
                        f'{esc(pct(m.at[n, "time_" + r], 0))} of days</span></td>'
                        for r in roles)
        rows.append(f'<tr data-strategy="{esc(n)}"><td class="name">{cell(n)}</td>{cells}</tr>')
    return (f'<div class="tablewrap"><table id="sleeves"><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def sleeve_section(page: RunPage, colors: Mapping[str, str]) -> Section | None:
    m = page.metrics
    roles = plots.sleeve_order([c[len("time_"):] for c in m.columns if c.startswith("time_")
                                and (m[c].fillna(0) > 0).any()])  # sleeves someone holds
    allocs = {n: page.allocations[n] for n in page.strategies if n in page.allocations}
    if not allocs:
        return None
    body = chart(plots.allocation_chart(allocs, colors), "allocation")
    if roles:
        body += "<h3>Time in each sleeve</h3>" + sleeve_table(page, colors, roles)
    note = ("Realised end-of-day weight of each sleeve (after drift between rebalances); "
            "cash is idle cash. The table gives each sleeve's average weight and the share of "
            "days it was held (weight above 1%).")
    return Section("allocation-section", "Allocation over time", body, note)


def signals_section(page: RunPage) -> Section | None:
    if not page.signals:
        return None
    start = page.returns.index[0]
    body = []
    for k, sig in enumerate(page.signals):
        cid = f"signal-{k}"
        if sig.kind == "concentration":
            svg = signal_plots.concentration_chart(sig.frame, sig.thresholds, period_start=start)
            heading = f"{sig.name} — concentration"
        elif sig.kind == "breakout" and sig.close is not None:
            svg = signal_plots.breakout_chart(sig.close, sig.frame, period_start=start)
            heading = f"{sig.name} — breakout"
        elif sig.kind == "trend" and sig.close is not None and "sma" in sig.frame:
            svg = signal_plots.trend_chart(sig.close, sig.frame, period_start=start)
            heading = f"{sig.name} — trend"
        elif sig.kind == "momentum":
            svg = signal_plots.line_chart(sig.frame, percent=True, period_start=start)
            heading = f"{sig.name} — momentum"
        else:
            svg = signal_plots.line_chart(sig.frame, period_start=start)
            heading = f"{sig.name} — {sig.kind}"
        body.append(chart(svg, cid, heading, sig.caption))
    note = ("Each value uses data up to that day only; a decision at a close trades at a later "
            "close (the lag). Signals are shown over the whole history; the dotted vertical line "
            "marks the start of the measurement period.")
    return Section("signals-section", "Signals", "".join(body), note)


def header(page: RunPage) -> str:
    start, end = page.returns.index[0], page.returns.index[-1]
    per = periods_of(pd.DatetimeIndex(page.returns.index))      # 252 daily, 12 monthly
    years = len(page.returns) / per
    unit = {12: "months", 52: "weeks"}.get(per, "trading days")
    badge = ' <span class="badge synthetic">synthetic sample</span>' if page.synthetic else ""
    source = esc(page.source) + (" — synthetic data, not market history" if page.synthetic else "")
    items = [
        ("Measurement period (wide)", f"<b>{esc(day(start))} → {esc(day(end))}</b> "
                               f"({years:.1f} years, {len(page.returns)} {unit})<br>"
                               f'<span class="note">{esc(page.period_reason)}</span>'),
        ("Data source", source),
        ("Benchmark · risk-free", f"benchmark <b>{esc(page.benchmark)}</b><br>risk-free: "
                                  + ("none (0)" if page.rf_label in ("0", "")
                                     else esc(page.rf_label))),
        *page.facts,
    ]
    return (f"<header><h1>{esc(page.name)}{badge}</h1>"
            f'<div class="subtitle">{len(page.strategies)} strategies compared over the same '
            f"period, against {esc(page.benchmark)}</div>{cards(items)}</header>")


def build_run_page(page: RunPage) -> str:
    """The run's comparison page as one self-contained HTML text (no script, no request)."""
    names = page.strategies
    colors = plots.strategy_colors(names, page.benchmark)
    r = page.returns
    sections = [metrics_section(page, colors)]
    perf = chart(plots.equity_chart(r, colors, page.benchmark), "equity",
                 "Growth of 1 (log scale)", "1 invested at the start of the period; final "
                 "values at the right.")
    perf += chart(plots.drawdown_chart(r, colors, page.benchmark), "drawdowns",
                  "Drawdown from peak")
    perf += drawdown_table(page, colors)
    per = periods_of(pd.DatetimeIndex(r.index))
    if len(r) > per and len(names) > 1:
        excess = plots.rolling_excess_frame(r, page.benchmark, per)
        rows = {12: "12-month", 52: "52-week"}.get(per, f"{per}-day")
        perf += chart(plots.rolling_excess_chart(excess, colors, page.benchmark),
                      "rolling-excess", f"Rolling 12-month excess return vs {page.benchmark}",
                      f"Trailing {rows} compounded return minus the benchmark's; above zero = "
                      "ahead of the benchmark over the past year.")
    sections.append(Section("performance-section", "Performance", perf))
    sections.append(Section(
        "calendar-section", "Calendar-year returns",
        heat_table(page.calendar, colors, index_header="Year", table_id="calendar"),
        "Compounded daily returns within each calendar year of the period (first and last "
        "years may be partial)."))
    for extra in (sleeve_section(page, colors), signals_section(page)):
        if extra is not None:
            sections.append(extra)
    if page.tearsheets:
        links = "".join(f'<li>{chip(colors[n])}<a href="{esc(page.tearsheets[n])}">{esc(n)}</a>'
                        "</li>" for n in names if n in page.tearsheets)
        sections.append(Section("tearsheets-section", "Tearsheets",
                                f'<ul class="links">{links}</ul>',
                                "quantstats tearsheets of each strategy against the benchmark, "
                                "over the same period and risk-free series."))
    title = f"{page.name} — rowboat" + (" (synthetic sample)" if page.synthetic else "")
    return document(title, header(page), sections, page.footer)
