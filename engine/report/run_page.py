"""The comparison page of one run (``results/<name>/index.html``) from plain inputs.

:class:`RunPage` holds only pandas objects and strings (no engine types), so the page can be
built and tested from synthetic returns. :func:`build_run_page` returns the HTML text: a
verdict and the signals today first, then metrics, interactive Plotly charts (one inlined copy of
plotly.js; the data as JSON), tables and the signals' history.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from engine.metrics.summary import periods_of
from engine.report import figures, provenance, signal_figures
from engine.report.colors import sleeve_colors, sleeve_order, strategy_colors
from engine.report.page import (Column, Section, bp, cards, chip, day, document, esc,
                                 heat_table, href, num, pct, pp, sign_class, table)
from engine.report.plotly_embed import data_block, dates as iso_dates, figure_div, scripts
from engine.report.provenance import OWN_MARK
from engine.report.splice_marks import mark_plotly


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

    ``frame``: the signal's columns (see :mod:`engine.report.signal_figures`); ``close``: the
    series a breakout or trend reads; ``thresholds``: label → positive fraction (concentration
    drawdown lines); ``caption``: one line saying what it is and who uses it; ``title``: its
    name with the series it reads (e.g. "exus_high: ACWX all-time-high breakout");
    ``series``: the label of ``close`` (e.g. "ACWX close").
    """

    name: str
    kind: str
    frame: pd.DataFrame
    close: pd.Series | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    caption: str = ""
    title: str = ""
    series: str = "close"


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
    rf: pd.Series | None = None  # daily risk-free returns (None = 0)
    focus: str | None = None  # the strategy the headline talks about (default: first non-bench)
    sleeve_labels: Mapping[str, str] = field(default_factory=dict)  # role → "ex_us (ACWX)"
    strips: Mapping[str, Mapping[str, pd.Series]] = field(default_factory=dict)  # states
    rebalance_logs: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    sleeve_returns: pd.DataFrame | None = None  # daily returns of each sleeve over the period
    today: str = ""  # the "as of" panel (HTML), see engine.report.today
    splices: tuple[Any, ...] = ()  # engine.report.splice_marks.Span: shaded on every chart

    @property
    def strategies(self) -> list[str]:
        return [str(c) for c in self.returns.columns]

    def sleeve_label(self, role: str) -> str:
        return self.sleeve_labels.get(role, role)


def prose(text: str) -> str:
    """A docstring-style text as HTML: paragraphs split on blank lines, hard line breaks joined,
    ``literal`` as <code>, and lines starting "- " as list items."""
    import re

    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        html_block = esc(" ".join(lines))
        html_block = re.sub(r"``(.+?)``", r"<code>\1</code>", html_block)
        out.append(f"<p>{html_block}</p>")
    return "".join(out)


def _strategy_cell(colors: Mapping[str, str], benchmark: str,
                   links: Mapping[str, str] | None = None) -> Callable[[str], str]:
    def cell(name: str) -> str:
        tag = ' <span class="badge bench">benchmark</span>' if name == benchmark else ""
        label = esc(name)
        if links and name in links:
            label = f'<a href="{href(links[name])}" title="quantstats tearsheet">{label}</a>'
        return f"{chip(colors[name])}{label}{tag}"
    return cell


def marked_columns() -> tuple[Column, ...]:
    """:data:`METRIC_COLUMNS` with rowboat's own numbers marked (header + tooltip; see
    :mod:`engine.report.provenance`)."""
    out = []
    for c in METRIC_COLUMNS:
        if provenance.source(c.key) == "rowboat":
            c = replace(c, header=f"{c.header}{OWN_MARK}",
                        tip=f"{c.tip}. {provenance.OWN[c.key]}")
        out.append(c)
    return tuple(out)


def metrics_section(page: RunPage, colors: Mapping[str, str]) -> Section:
    m = page.metrics.copy()
    if "excess_cagr" in m and page.benchmark in m.index:
        m.loc[page.benchmark, "excess_cagr"] = float("nan")  # shown as "–", not "+0.0 pp"
    body = table(page.strategies, marked_columns(), m, first_header="Strategy",
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
                        f'<div class="thesis-text">{prose(page.theses[n])}</div></details>')
            items.append(f"<li>{item}</li>")
        body += ("<h3>The strategies</h3><p class=\"note\">Click a strategy for its thesis."
                 f'</p><ul class="plain">{"".join(items)}</ul>')
    note = ("Percent on this page (internally every number is a fraction). Every number equals "
            f"quantstats' own metric except those marked {OWN_MARK} (rowboat's own: no "
            "quantstats equivalent). Best value per column in bold; hover a header for its "
            "definition"
            + ("; a strategy's name opens its quantstats tearsheet." if page.tearsheets else "."))
    return Section("metrics-section", "Metrics over the measurement period", body, note)


def header(page: RunPage, headline: str) -> str:
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
            f'<p class="headline" id="headline">{esc(headline)}</p>{cards(items)}</header>')


def focus_of(page: RunPage) -> str | None:
    if page.focus in page.strategies:
        return page.focus
    return next((n for n in page.strategies if n != page.benchmark), None)


def build_run_page(page: RunPage) -> str:
    """The run's comparison page as one self-contained HTML text (inline plotly.js, no
    request)."""
    from engine.report import run_sections as rs
    from engine.report.verdict import METHODS_NOTE, headline, verdict_rows, verdict_table

    names = page.strategies
    colors = strategy_colors(names, page.benchmark)
    r = page.returns
    figs: dict[str, dict] = {}
    date_table = {figures.PERIOD: iso_dates(r.index)}
    per = periods_of(pd.DatetimeIndex(r.index))
    rows = verdict_rows(r, page.benchmark, page.rf, page.calendar, periods=per)
    text = headline(rows, page.benchmark, r.index[0], r.index[-1], focus_of(page))
    sections = []
    if page.today:
        sections.append(Section("today-section", "Signals today", page.today))
    if len(names) > 1:
        sections.append(Section("verdict-section", f"Against {page.benchmark}: is the "
                                "difference real?", verdict_table(rows, colors, page.benchmark),
                                METHODS_NOTE))
    sections.append(metrics_section(page, colors))
    figs["equity"] = figures.equity(r, colors, page.benchmark)
    perf = figure_div("equity", 440, "Growth of 1 (log scale)",
                      "1 invested at the start of the period. Hover for values; click a legend "
                      "entry to hide it; drag to zoom (double-click to reset).")
    sections.append(Section("performance-section", "Performance", perf))
    sections.append(rs.picker_section(page, colors, figs, focus_of(page)))
    sections += rs.table_sections(page, colors)
    signals = rs.signals_section(page, figs, date_table)
    if signals is not None:
        sections.append(signals)
    if page.tearsheets:
        sections.append(rs.tearsheets_section(page, colors))
    for fig in figs.values():     # every chart has a date axis: shade the spliced history
        mark_plotly(fig, page.splices)
    title = f"{page.name} — rowboat" + (" (synthetic sample)" if page.synthetic else "")
    return document(title, header(page, text), sections, page.footer,
                    scripts=data_block(figs, date_table) + scripts())
