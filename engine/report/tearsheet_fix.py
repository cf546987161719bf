"""What rowboat corrects in a quantstats 0.0.86 tearsheet, in one function:
:func:`fix_tearsheet_html` (quantstats' HTML in, corrected HTML out; pure given the job).

* **Treynor ratio**: with a risk-free *series* quantstats prints the whole Series in the cell
  ("Date 2009-04-01 546.23 … Length: 4360, dtype: float64%"). It is recomputed with quantstats'
  formula ``(comp(returns) − rf) / beta`` where ``rf`` is the risk-free's compounded return over
  the same days (:func:`treynor_ratio`; with a zero rate this is exactly quantstats' value).
* **Charts**: "EOY Returns vs Benchmark", the log-scaled cumulative returns and the monthly
  heatmap are replaced by corrected drawings (:mod:`engine.report.tearsheet_charts`).
* **Drawdown dates**: one convention with the comparison page — peak (last close at the high) →
  recovery (first close back at it), from :func:`engine.metrics.drawdown_periods`. The rows
  "Max DD Period Start/End" become "Max DD Peak"/"Max DD Recovered" and the "Worst 10
  Drawdowns" table lists peak, recovery, depth and calendar days peak → recovery (quantstats
  dates by the first and last day under water and calls the latter "Recovered").
* **Spliced history** (``job.splices``): a note under the heading names each splice (sleeve,
  fund, index, cost, splice date, tracking difference over the overlap); the corrected charts
  mark the spliced years and months (:mod:`engine.report.tearsheet_splices`, which also shades
  quantstats' own time-series charts while they render).
* **Title**: the page ``<title>`` names the strategy and the period; the heading shows the period
  once (quantstats appends it to the title it is given, so it is given the strategy name only —
  see :func:`engine.report.tearsheet.quantstats_inputs`).
"""
from __future__ import annotations

import html as _html
import re
from typing import TYPE_CHECKING

import pandas as pd

from engine.metrics.drawdowns import drawdown_periods
from engine.report import tearsheet_charts as charts
from engine.report.tearsheet_splices import splice_note_html

if TYPE_CHECKING:
    from engine.report.tearsheet import TearsheetJob

TOP_DRAWDOWNS = 10


def comp(returns: pd.Series) -> float:
    """Compounded return over the series (fraction), quantstats' ``comp``."""
    return float((1.0 + returns.astype(float)).prod() - 1.0)


def treynor_ratio(returns: pd.Series, benchmark: pd.Series, rf_daily: pd.Series | None) -> float:
    """quantstats' Treynor ratio ``(comp(returns) − rf) / beta`` with ``rf`` the compounded
    return of the daily risk-free series over the same days (0 when ``None``); ``beta`` is
    quantstats' (``cov(r, b) / var(b)`` of the daily returns). A fraction, not annualised."""
    r = returns.astype(float)
    b = benchmark.astype(float).reindex(r.index)
    beta = float(r.cov(b) / b.var())
    if beta == 0.0 or pd.isna(beta):
        return float("nan")
    rf = 0.0 if rf_daily is None else comp(rf_daily.reindex(r.index))
    return (comp(r) - rf) / beta


def _day(ts: object) -> str:
    return "not yet" if pd.isna(ts) else f"{pd.Timestamp(ts):%Y-%m-%d}"


def _row_pattern(label: str) -> re.Pattern[str]:
    return re.compile(rf"<tr><td>{re.escape(label)}</td>(.*?)</tr>", re.S)


def set_row(text: str, label: str, values: list[str], new_label: str | None = None) -> str:
    """Replace the value cells of the metrics-table row ``label`` (and optionally its label);
    a row that is not there is left alone (e.g. Treynor in the benchmark's own tearsheet)."""
    cells = "".join(f"<td>{_html.escape(v)}</td>" for v in values)
    name = _html.escape(new_label or label)
    return _row_pattern(label).sub(lambda m: f"<tr><td>{name}</td>{cells}</tr>", text, count=1)


def replace_chart(text: str, div_id: str, svg: str) -> str:
    """Put ``svg`` inside ``<div id="div_id">…</div>`` (quantstats' chart containers)."""
    pattern = re.compile(rf'(<div id="{re.escape(div_id)}">).*?(</div>)', re.S)
    if not pattern.search(text):
        raise ValueError(f"tearsheet has no chart container #{div_id}")
    return pattern.sub(lambda m: m.group(1) + "\n" + svg + "\n" + m.group(2), text, count=1)


def drawdown_table_html(periods: pd.DataFrame) -> str:
    """The "Worst 10 Drawdowns" table: Peak, Recovered, Drawdown (percent), Days (calendar days
    peak → recovery). Four columns, as quantstats' CSS expects (it appends "%" to the third)."""
    rows = "".join(
        f"<tr><td>{_day(p.peak) if not pd.isna(p.peak) else 'start'}</td>"
        f"<td>{_day(p.recovery)}</td><td>{p.depth * 100:.2f}</td><td>{p.days}</td></tr>"
        for p in periods.itertuples())
    return ("<table>\n<thead>\n<tr><th>Peak</th><th>Recovered</th><th>Drawdown</th>"
            f"<th>Days</th></tr>\n</thead>\n<tbody>\n{rows}\n</tbody>\n</table>")


def _fix_drawdowns(text: str, series: list[pd.Series]) -> str:
    tables = [drawdown_periods(s) for s in series]
    first = [t.iloc[0] if len(t) else None for t in tables]
    text = set_row(text, "Max DD Date", [_day(f.trough) if f is not None else "-" for f in first])
    text = set_row(text, "Max DD Period Start",
                   [_day(f.peak) if f is not None and not pd.isna(f.peak) else "-"
                    for f in first], "Max DD Peak")
    text = set_row(text, "Max DD Period End",
                   [_day(f.recovery) if f is not None else "-" for f in first],
                   "Max DD Recovered")
    text = set_row(text, "Longest DD Days",
                   [str(int(t["days"].max())) if len(t) else "-" for t in tables])
    own = tables[-1].head(TOP_DRAWDOWNS)
    pattern = re.compile(r'(<div id="ddinfo">.*?<h3>)[^<]*(</h3>).*?<table>.*?</table>', re.S)
    return pattern.sub(lambda m: m.group(1) + "Worst 10 Drawdowns (peak → recovery)"
                       + m.group(2) + "\n" + drawdown_table_html(own), text, count=1)


#: quantstats lays the tearsheet out in two fixed columns; on a phone they stack, charts scale to
#: the screen and wide tables scroll sideways instead of widening the page.
PHONE_CSS = ("<style>@media (max-width:700px){body{margin:8px}.container{max-width:100%}"
             "#left,#right{width:100%!important;float:none!important;margin:0!important}"
             "svg{max-width:100%;height:auto}"
             "table{display:block;overflow-x:auto;max-width:100%}}</style>")


def fix_tearsheet_html(text: str, job: TearsheetJob) -> str:
    """quantstats' tearsheet HTML for ``job`` → the corrected HTML (see the module doc).

    The metrics table's value columns are (benchmark, strategy) when the job has a benchmark,
    else (strategy); rows keep that order.
    """
    returns = job.returns.astype(float).rename(job.strategy)
    bench = None if job.benchmark is None else \
        job.benchmark.astype(float).reindex(returns.index).rename(job.benchmark_name)
    text = re.sub(r"<title>.*?</title>", lambda m: f"<title>{_html.escape(job.title)}</title>",
                  text, count=1, flags=re.S)
    if bench is not None:
        value = treynor_ratio(returns, bench, job.rf_daily)
        text = set_row(text, "Treynor Ratio",
                       ["-", "-" if pd.isna(value) else f"{value * 100:.2f}%"])
    text = replace_chart(text, "log_returns", charts.log_returns_svg(returns, bench))
    spans = tuple(job.splices or ())
    text = replace_chart(text, "eoy_returns", charts.eoy_svg(returns, bench, spans))
    text = replace_chart(text, "monthly_heatmap",
                         charts.monthly_heatmap_svg(returns, job.strategy, spans))
    text = text.replace("</head>", PHONE_CSS + "</head>", 1)
    if spans:  # under the heading, before the first chart
        note = splice_note_html(spans)
        text = re.sub(r"(</h4>\s*)(<hr>)", lambda m: m.group(1) + note + m.group(2), text,
                      count=1)
    return _fix_drawdowns(text, [returns] if bench is None else [bench, returns])
