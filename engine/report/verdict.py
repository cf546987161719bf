"""The verdict at the top of the run page: a headline computed from the numbers, and per
strategy against the benchmark whether the difference is likely to be real.

Statistics (see :mod:`engine.metrics.inference` for the methods and their references):
excess CAGR with a 90 % circular block-bootstrap interval (63-day blocks, 2,000 resamples,
seed 0 — the same numbers on every run), the Probabilistic Sharpe Ratio (P(true Sharpe > 0)),
and the Ledoit–Wolf (2008) HAC test of equal Sharpe ratios. Sharpe ratios here are on returns
over the risk-free series, as the metrics table's.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.metrics.inference import (Interval, SharpeTest, excess_cagr_interval,
                                      probabilistic_sharpe, sharpe_difference)
from engine.report.page import chip, esc, num, pct, pp

#: The significance level the page reports against (two-sided).
ALPHA = 0.10


@dataclass(frozen=True)
class Row:
    """One strategy against the benchmark."""

    name: str
    cagr: float
    excess: Interval | None  # None for the benchmark itself
    years_ahead: int
    years: int
    psr: float
    sharpe: SharpeTest | None


def p_text(p: float) -> str:
    """"p = 0.23", or "p < 0.01" for the smallest values."""
    return "p < 0.01" if p < 0.01 else f"p = {p:.2f}"


def _cagr(r: pd.Series, periods: int = 252) -> float:
    return float(np.expm1(np.log1p(r.to_numpy()).sum() * periods / len(r)))


def verdict_rows(returns: pd.DataFrame, benchmark: str, rf: pd.Series | None = None,
                 calendar: pd.DataFrame | None = None, periods: int = 252) -> list[Row]:
    """Statistics per strategy (config order); ``calendar``: year × strategy returns;
    ``periods``: returns a year (252 daily, 12 monthly; the bootstrap's blocks are a quarter
    long: 63 days or 3 months)."""
    rf_p = (pd.Series(0.0, index=returns.index) if rf is None
            else rf.reindex(returns.index).fillna(0.0))
    b = returns[benchmark]
    rows = []
    for name in returns.columns:
        r = returns[name]
        excess = sharpe = None
        ahead = years = 0
        if name != benchmark:
            excess = excess_cagr_interval(r.to_numpy(), b.to_numpy(), periods=periods,
                                          block=max(3, periods // 4))
            try:
                sharpe = sharpe_difference((r - rf_p).to_numpy(), (b - rf_p).to_numpy(),
                                           periods=periods)
            except ValueError:
                sharpe = None
            if calendar is not None:
                diff = (calendar[name] - calendar[benchmark]).dropna()
                ahead, years = int((diff > 0).sum()), int(len(diff))
        rows.append(Row(str(name), _cagr(r, periods), excess, ahead, years,
                        probabilistic_sharpe((r - rf_p).to_numpy()), sharpe))
    return rows


def headline(rows: list[Row], benchmark: str, start: pd.Timestamp, end: pd.Timestamp,
             focus: str | None = None) -> str:
    """Two or three plain sentences (text, not HTML): who did best, how the focus strategy did
    against the benchmark, and whether any Sharpe difference is significant."""
    best = max(rows, key=lambda r: r.cagr)
    bench = next(r for r in rows if r.name == benchmark)
    span = f"Over {start:%Y-%m} → {end:%Y-%m}"
    others = [r for r in rows if r.name != benchmark]
    if best.name == benchmark:
        out = [f"{span}, the benchmark {benchmark} beat every other strategy "
               f"({pct(bench.cagr)} a year)."]
    else:
        out = [f"{span}, {best.name} did best: {pct(best.cagr)} a year, "
               f"{abs(best.cagr - bench.cagr) * 100:.1f} pp a year ahead of {benchmark}."]
    focus_row = next((r for r in others if r.name == focus), None)
    if focus_row is not None and focus_row.name != best.name and focus_row.excess is not None:
        d = focus_row.excess.estimate
        verb = "beat" if d > 0 else "trailed"
        out.append(f"{focus_row.name} {verb} {benchmark} by {abs(d) * 100:.1f} pp a year"
                   + (f", ahead in {focus_row.years_ahead} of {focus_row.years} calendar years."
                      if focus_row.years else "."))
    real = [r for r in others if r.sharpe is not None and r.sharpe.p_value < ALPHA]
    if others:
        if real:
            out.append("Sharpe ratio different from the benchmark's at the 10% level: "
                       + ", ".join(f"{r.name} ({p_text(r.sharpe.p_value)})" for r in real)
                       + ".")
        else:
            out.append(f"No strategy's Sharpe ratio differs from {benchmark}'s at the 10% "
                       "level: the differences may be luck.")
    return " ".join(out)


def verdict_table(rows: list[Row], colors: Mapping[str, str], benchmark: str) -> str:
    """The verdict table (HTML)."""
    head = ("<tr><th>Strategy</th><th title=\"Compound annual growth rate\">CAGR</th>"
            "<th title=\"CAGR minus the benchmark's, with a 90% block-bootstrap interval\">"
            "vs benchmark (90% interval)</th>"
            "<th title=\"Calendar years with a higher return than the benchmark\">"
            "Years ahead</th>"
            "<th title=\"Annualised Sharpe ratio minus the benchmark's; p-value of the "
            "Ledoit–Wolf HAC test of equal Sharpe ratios\">Sharpe vs benchmark (p)</th>"
            "<th title=\"Probabilistic Sharpe Ratio: probability that the true Sharpe ratio is "
            "above 0 given the sample's length, skew and kurtosis\">PSR</th></tr>")
    body = []
    for r in rows:
        tag = ' <span class="badge bench">benchmark</span>' if r.name == benchmark else ""
        if r.excess is None:
            ex = "–"
            cls = ""
        else:
            ex = (f"{pp(r.excess.estimate)} <span class=\"sub\">{esc(pp(r.excess.low))} … "
                  f"{esc(pp(r.excess.high))}</span>")
            cls = ' class="neg"' if r.excess.estimate < 0 else ""
        sh = "–"
        if r.sharpe is not None:
            star = " real" if r.sharpe.p_value < ALPHA else ""
            d = r.sharpe.difference
            sh = (f"{esc(('+' if d >= 0 else '') + num(d, 2))}"
                  f' <span class="sub{star}">{p_text(r.sharpe.p_value)}</span>')
        ahead = f"{r.years_ahead} of {r.years}" if r.years else "–"
        body.append(f'<tr data-strategy="{esc(r.name)}"><td class="name">{chip(colors[r.name])}'
                    f"{esc(r.name)}{tag}</td><td>{esc(pct(r.cagr))}</td><td{cls}>{ex}</td>"
                    f"<td>{esc(ahead)}</td><td>{sh}</td><td>{esc(pct(r.psr, 0))}</td></tr>")
    return (f'<div class="tablewrap"><table id="verdict"><thead>{head}</thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


METHODS_NOTE = (
    "Is a difference real? The interval resamples the period in quarter-long blocks (both series "
    "on the same days, 2,000 resamples, fixed seed): if it spans 0, the excess could be luck. "
    "The p-value tests equal Sharpe ratios allowing for autocorrelation and fat tails "
    "(Ledoit &amp; Wolf 2008, Newey–West HAC). PSR is the probability that the true Sharpe "
    "ratio is above 0 (Bailey &amp; López de Prado 2012), as quantstats computes it.")
