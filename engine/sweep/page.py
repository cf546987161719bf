"""The sweep's ``index.html``: one self-contained page in the reports' style (no request; its
charts are Plotly figures the browser draws from the page's JSON block with the inlined
plotly.js, as on the run page). Sections: summary, top variants, heat maps over every pair of swept parameters (the
others at the best variant's values) — all three by the ranking metric (``--rank-by``: Sharpe
unless sortino, calmar or cagr is asked for) — the Deflated Sharpe Ratio, PBO by CSCV (logit
histogram), walk-forward (equity vs the in-sample best, folds), notes. The statistics always
rank by Sharpe ratios of excess returns, and the page says so when the ranking differs.
"""
from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from engine.report.page import Section, bp, cards, day, document, esc, num, pct, pp
from engine.report.plotly_embed import data_block, figure_div, scripts
from engine.sweep import page_charts as charts

#: a chart's figure dict by its id (filled by the sections, drawn by the page script)
Figures = dict[str, dict[str, Any]]

SQRT12 = math.sqrt(12.0)
#: values per heat-map axis, at most (a parameter with more is thinned, see :func:`heat_values`)
HEAT_MAX = 40
#: --rank-by metric → (its name on the page, how a value is shown)
RANKS = {"sharpe": ("Sharpe ratio", num), "sortino": ("Sortino ratio", num),
         "calmar": ("Calmar ratio", num), "cagr": ("CAGR", pct)}


def _rank(result: Any) -> tuple[str, str, Any]:
    """(column, label, formatter) of the metric the sweep ranks by."""
    label, fmt = RANKS[result.rank_by]
    return result.rank_by, label, fmt


def _on_sharpe(result: Any, what: str) -> str:
    """A sentence for the statistics' notes when the ranking is not by Sharpe."""
    if result.rank_by == "sharpe":
        return ""
    return (f" {what} rank variants by Sharpe ratio on excess returns, whatever --rank-by says "
            f"(here {RANKS[result.rank_by][0]}): the highest-Sharpe variant is "
            f"#{result.stats.best}.")


def _simulated(result: Any) -> str:
    """'; N simulated' when variants trading the same targets were simulated once."""
    n = result.simulated_variants
    if n is None or n == result.problem.n_variants:
        return ""
    return (f"; {n:,} simulated (the others trade exactly the same targets as one of them, "
            "so their results are copied)")


def _params_text(problem: Any, v: int) -> str:
    p = problem.grid.variant(int(v))
    return ", ".join(f"{n}={getattr(p, n)}" for n in problem.grid.names) or "base params"


def header(result: Any) -> str:
    p = result.problem
    s, e = p.period
    badge = ' <span class="badge synthetic">synthetic sample</span>' if p.synthetic else ""
    years = (p.stop - p.start) / getattr(p, "periods", 252)
    dsr = result.stats.dsr
    pbo = result.stats.pbo
    best = result.variants.loc[result.best]
    col, label, fmt = _rank(result)
    ranked = "" if col == "sharpe" else f"{label} {esc(fmt(best[col]))}, "
    items = [
        ("Variants", f"<b>{p.n_variants:,}</b> in {len(p.groups)} signal group(s); "
                     f"{result.stats.distinct:,} distinct results"
                     f"{_simulated(result)}<br>"
                     f'<span class="note">{esc(p.grid.describe())}</span>'),
        ("Measured period", f"<b>{esc(day(s))} → {esc(day(e))}</b> ({years:.1f} years)<br>"
                            f'<span class="note">{esc(p.period_reason)}</span>'),
        (f"Best variant (in sample, by {label})",
         f"<b>#{result.best}</b>: {esc(_params_text(p, result.best))}"
         f"<br>{ranked}Sharpe {esc(num(best['sharpe']))}, CAGR "
                                     f"{esc(pct(best['cagr']))}, max DD "
                                     f"{esc(pct(best['max_drawdown']))}"),
        *([] if result.references is None else [(
            "Same period: benchmark · as configured", "<br>".join(
                f"<b>{esc(ref)}</b>: Sharpe {esc(num(r['sharpe']))}, CAGR {esc(pct(r['cagr']))}"
                f", max DD {esc(pct(r['max_drawdown']))}"
                for ref, r in result.references.metrics.iterrows()))]),
        ("Deflated Sharpe Ratio", "–" if dsr is None else
         f"<b>{esc(pct(dsr.dsr))}</b> probability the best's true Sharpe beats the best of "
         f"{dsr.n_effective:,.0f} independent skill-less trials ({esc(num(dsr.sr0_annual))}; "
         f"the effective number of the {dsr.n_trials:,} correlated variants)"
         + ("" if result.stats.best == result.best else
            f" — of the highest-Sharpe variant, #{result.stats.best}")),
        ("Probability of backtest overfitting", "–" if pbo is None else
         f"<b>{esc(pct(pbo.pbo))}</b> of {pbo.n_combinations:,} CSCV splits put the in-sample "
         f"best at or below the out-of-sample median"),
        ("Data · costs", f"{esc(p.source)}{' (synthetic, not market history)' if p.synthetic else ''}"
                         f"<br>risk-free {esc(p.rf_label)}; fee {p.fee * 1e4:g} bps, slippage "
                         f"{p.slippage * 1e4:g} bps, lag {p.lag}, rebalance {esc(p.rebalance)}"
                         f"{', band ' + format(p.band, 'g') if p.band else ''}"),
    ]
    return (f"<h1>Sweep: {esc(p.name)}{badge}</h1>"
            f'<div class="subtitle">rule <b>{esc(p.rule)}</b> — every variant simulated daily '
            f"with the engine's kernels and measured over the same period</div>"
            + cards(items))


def _param_cell(grid: Any, k: int, values: np.ndarray) -> str:
    """The values parameter ``k`` takes among variants with one result ("any" = all of them)."""
    seen = list(dict.fromkeys(values))
    if len(seen) == 1:
        return esc(seen[0])
    if len(seen) == len(grid.values[k]):
        return f'<span class="note">any ({len(seen)})</span>'
    return esc(", ".join(str(v) for v in seen))


def _metric_cells(r: pd.Series) -> list[str]:
    return [pct(r["cagr"]), pct(r["volatility"]), num(r["sharpe"]), num(r["sortino"]),
            pct(r["max_drawdown"]), num(r["calmar"]), pct(r["turnover_per_year"], 0),
            bp(r["costs_per_year"]), str(int(r["rebalances"]))]


def top_section(result: Any) -> Section:
    from engine.sweep.api import ranked
    from engine.sweep.distinct import distinct_top

    p = result.problem
    v = result.variants
    names = list(p.grid.names)
    col, label, _ = _rank(result)
    head = ["#", "variant", "same result", *names, "CAGR", "Vol", "Sharpe", "Sortino", "Max DD",
            "Calmar", "Turnover / yr", "Costs / yr", "Rebalances"]
    rows = []
    refs = result.references
    if refs is not None:
        for ref, r in refs.metrics.iterrows():
            rows.append('<tr class="reference" style="background:#f3f6fa">'
                        + "".join(f"<td>{c}</td>" for c in (
                            "ref", f"<b>{esc(ref)}</b>", "", *[""] * len(names),
                            *_metric_cells(r))) + "</tr>")
    groups = distinct_top(v, ranked(v[col].to_numpy()), len(result.top))
    values = [np.asarray(vals, dtype=object) for vals in p.grid.values]
    for rank, g in enumerate(groups, start=1):
        r = v.loc[g.variant]
        codes = p.grid.codes(g.members)         # the members' params only, not every variant's
        params = [_param_cell(p.grid, k, values[k][codes[:, k]])
                  for k in range(len(names))]
        same = "1" if g.count == 1 else f"<b>×{g.count:,}</b>"
        cells = [str(rank), f"#{g.variant}", same, *params, *_metric_cells(r)]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    body = ('<div class="tablewrap"><table id="top"><thead><tr>'
            # a long parameter name may break after its underscores
            + "".join(f"<th>{esc(h).replace('_', '_<wbr>')}</th>" for h in head)
            + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")
    how = {"sharpe": "annualised, on daily returns in excess of the risk-free sleeve",
           "sortino": "annualised, on daily returns in excess of the risk-free sleeve",
           "calmar": "CAGR over the largest drawdown", "cagr": "compound annual growth"}
    ref_note = ("The first rows (ref) are the run's benchmark and the strategy as the config "
                "sets it, measured over the same days as every variant. " if refs is not None
                else "")
    note = (f"{ref_note}The best {len(groups)} distinct results of {p.n_variants:,} variants by "
            f"{label} ({how[result.rank_by]}; --rank-by). Variants that give the same result "
            "(identical returns: a parameter that changes nothing there) are one row: \"same "
            "result\" counts them and a parameter column lists the values they take (\"any\" = "
            "every value swept); the row shows the best-ranked of them. Percentages are "
            "fractions shown as percent. Turnover (one-way) and costs (fees + slippage, in "
            "basis points of value) are per year over the measured period, excluding the "
            "initial purchase, as on the run page; Rebalances counts every rebalance executed "
            "from the first fill on (the initial purchase and those before the period "
            "included). best.csv lists the top variants with every parameter.")
    return Section("top-section", "Top variants", body, note)


def heatmap_section(result: Any) -> Section | None:
    p = result.problem
    grid = p.grid
    if not grid.names:
        return None
    col, label, fmt = _rank(result)
    score = result.variants[col].to_numpy()
    finite = score[np.isfinite(score)]
    lo, hi = (float(np.percentile(finite, 2)), float(finite.max())) if finite.size else (0, 0)
    best_codes = grid.codes(np.array([result.best]))[0]
    dims = [k for k, n in enumerate(grid.shape) if n >= 2]
    if not dims:
        return None
    pairs: list[tuple[int, int | None]] = list(itertools.combinations(dims, 2))
    if not pairs:
        pairs = [(dims[0], None)]
    parts, uniform = [], []
    shown = {k: heat_values(grid.shape[k], int(best_codes[k])) for k in dims}
    for a, b in pairs:
        ri = shown[a]
        ci = shown[b] if b is not None else np.zeros(1, dtype=np.int64)
        rows = [grid.values[a][i] for i in ri]
        cols = [grid.values[b][j] for j in ci] if b is not None else (label,)
        codes = np.repeat(best_codes[None, :], ri.size * ci.size, axis=0)
        codes[:, a] = np.repeat(ri, ci.size)
        if b is not None:
            codes[:, b] = np.tile(ci, ri.size)
        vals = score[np.ravel_multi_index(tuple(codes.T), grid.shape)].reshape(ri.size, ci.size)
        title = (f"{grid.names[a]} × {grid.names[b]}" if b is not None else grid.names[a])
        if is_uniform(vals):
            uniform.append(title)
            continue
        star = (int(np.flatnonzero(ri == best_codes[a])[0]),
                int(np.flatnonzero(ci == best_codes[b])[0]) if b is not None else 0)
        fixed = [f"{grid.names[k]}={grid.values[k][best_codes[k]]}" for k in range(len(grid.names))
                 if k not in (a, b)]
        parts.append(f'<div class="heatmap"><h3>{esc(title)}</h3>'
                     + (f'<p class="note">others at the best: {esc(", ".join(fixed))}</p>'
                        if fixed else "")
                     + charts.heat_grid(rows, cols, vals, row_name=grid.names[a],
                                        col_name=grid.names[b] if b is not None else "",
                                        best=star, lo=lo, hi=hi, fmt=fmt) + "</div>")
    unit = " (annualised)" if col in ("sharpe", "sortino") else ""
    note = (f"{label}{unit} over each pair of swept parameters, the other parameters "
            "held at the best variant's values; ★ marks the best variant. One colour scale for "
            f"every table (from {fmt(lo)}, the 2nd percentile of all variants, to the best, "
            f"{fmt(hi)}). A lone bright cell in a dim table is a warning sign; a broad plateau is "
            "what a robust rule looks like.")
    thinned = [grid.names[k] for k in dims if shown[k].size < grid.shape[k]]
    if thinned:
        note += (f" {', '.join(thinned)}: more than {HEAT_MAX} values, so the tables show "
                 f"{HEAT_MAX} evenly spaced ones (first and last included) and the best's; "
                 "variants.parquet holds every variant.")
    if uniform:
        note += (f" Not drawn, every cell being the same {label} (those parameters change "
                 f"nothing at the best's other values): {', '.join(uniform)}.")
    if not parts:
        return Section("heatmaps", f"{label} heat maps", "", note)
    # min(380px, 100%): one column on a phone instead of a card wider than the screen
    layout = ('<div style="display:grid;grid-template-columns:repeat(auto-fill,'
              'minmax(min(380px,100%),1fr));gap:4px 18px">')
    title = "Sharpe heat maps" if col == "sharpe" else f"{label} heat maps"
    return Section("heatmaps", title, layout + "".join(parts) + "</div>", note)


def heat_values(n: int, best: int, cap: int | None = None) -> np.ndarray:
    """Positions of a parameter's ``n`` values a heat map shows: all of them up to ``cap``
    (:data:`HEAT_MAX`), else ``cap`` evenly spaced ones (the first and the last included) and
    the best variant's ``best`` — the same for the same grid, whatever the results."""
    cap = HEAT_MAX if cap is None else cap
    if n <= cap:
        return np.arange(n, dtype=np.int64)
    even = np.rint(np.linspace(0, n - 1, cap)).astype(np.int64)
    return np.unique(np.r_[even, best]).astype(np.int64)


def is_uniform(values: np.ndarray) -> bool:
    """True when every finite cell of a heat map is the same (to 1e-12 relative)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return True
    lo, hi = float(finite.min()), float(finite.max())
    return hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300)


def dsr_section(result: Any, figs: Figures) -> Section:
    dsr = result.stats.dsr
    sharpe = result.variants["sharpe"].to_numpy()
    best = float(sharpe[result.stats.best])
    if dsr is None:
        return Section("dsr", "Deflated Sharpe Ratio", "<p>Not available.</p>")
    ppy = dsr.periods_per_year
    items = [
        ("Deflated Sharpe Ratio", f"<b>{esc(pct(dsr.dsr))}</b>"),
        ("Best Sharpe · hurdle SR0", f"{esc(num(dsr.sharpe_annual))} · {esc(num(dsr.sr0_annual))}"
                                     " (annualised)"),
        ("Trials · their Sharpe dispersion", f"{dsr.n_trials:,} · "
                                              f"{esc(num(dsr.trials_sr_std * math.sqrt(ppy)))}"),
        ("Effective independent trials", f"{dsr.n_effective:,.0f} of {dsr.n_trials:,} "
                                         f"(DSR counting all {dsr.n_trials:,}: "
                                         f"{esc(pct(dsr.dsr_all_trials))})"),
        ("Best's skewness · kurtosis", f"{esc(num(dsr.skew))} · {esc(num(dsr.kurtosis))} "
                                       f"({dsr.n_obs:,} {'monthly' if ppy == 12 else 'daily'} "
                                       "returns)"),
        ("PSR vs 0 (no deflation)", esc(pct(dsr.psr_zero))),
    ]
    refs = result.references
    lines = {} if refs is None else {k: float(v) for k, v in refs.metrics["sharpe"].items()}
    figs["sharpe-hist"] = charts.sharpe_histogram(sharpe, best, dsr.sr0_annual, lines)
    note = ("Bailey & López de Prado (2014): SR0 is the Sharpe ratio the best of N skill-less "
            "variants reaches by luck, from N and the variance of the variants' Sharpe ratios; "
            "the DSR is the probability that the best variant's true Sharpe exceeds SR0, given "
            "its sample length, skewness and kurtosis. Near variants are correlated, so N is the "
            "effective number of independent trials, ρ̄ + (1 − ρ̄)·(variants) with ρ̄ the average "
            "correlation of the variants' monthly excess returns (as the paper suggests); the "
            "DSR counting every variant is the cautious bound beside it."
            + _on_sharpe(result, "The DSR, PBO and walk-forward"))
    return Section("dsr", "Deflated Sharpe Ratio", cards(items)
                   + figure_div("sharpe-hist", 320), note)


def pbo_section(result: Any, figs: Figures) -> Section:
    pbo = result.stats.pbo
    if pbo is None:
        why = [n for n in result.stats.notes if n.startswith("PBO")]
        return Section("pbo", "Probability of backtest overfitting",
                       f"<p>{esc(why[0] if why else 'Not available.')}</p>")
    items = [
        ("PBO", f"<b>{esc(pct(pbo.pbo))}</b>"),
        ("Blocks · combinations", f"{pbo.n_blocks} · {pbo.n_combinations:,} "
                                  f"({pbo.n_obs} months)"),
        ("IS best loses out of sample", esc(pct(pbo.prob_oos_loss))),
        ("Median logit", esc(num(float(np.median(pbo.logits))))),
    ]
    figs["pbo-logits"] = charts.pbo_logits(pbo.logits, pbo.pbo)
    figs["pbo-scatter"] = charts.pbo_scatter(pbo.is_perf * SQRT12, pbo.oos_perf * SQRT12)
    # side by side on a wide screen, one above the other on a phone
    pair = ('<div style="display:grid;grid-template-columns:repeat(auto-fill,'
            'minmax(min(420px,100%),1fr));gap:4px 18px">'
            + figure_div("pbo-logits", 340) + figure_div("pbo-scatter", 340) + "</div>")
    note = ("Combinatorially symmetric cross-validation (Bailey, Borwein, López de Prado & Zhu): "
            f"the monthly excess returns are cut into {pbo.n_blocks} blocks; for every choice of "
            "half of them as in-sample, the in-sample best variant is ranked among all variants "
            "out of sample. PBO is the share of splits where it lands at or below the median "
            "(logit ≤ 0). About 50% means choosing the best in sample carried no information. "
            f"Computed over the {result.stats.distinct_series:,} distinct monthly series, each "
            "counted with its number of identical copies (the same result as over every "
            "variant)."
            + _on_sharpe(result, "PBO and the walk-forward"))
    return Section("pbo", "Probability of backtest overfitting", cards(items) + pair, note)


def walk_forward_section(result: Any, figs: Figures) -> Section:
    wf = result.stats.walk_forward
    if wf is None:
        why = [n for n in result.stats.notes if n.startswith("walk-forward")]
        return Section("walk-forward", "Walk-forward",
                       f"<p>{esc(why[0] if why else 'Not available.')}</p>")
    p = result.problem
    months = p.months
    rf_m = p.rf_month
    span = slice(wf.start, months.size)
    oos = wf.oos_returns + rf_m[span]
    cols = {"walk-forward (out of sample)": oos,
            f"in-sample best #{result.stats.best}":
            result.monthly[result.stats.best, span].astype(np.float64) + rf_m[span]}
    refs = result.references
    hold = None
    if refs is not None:
        hold = refs.monthly[refs.benchmark].to_numpy()[span]
        cols[f"hold {refs.benchmark_name} (benchmark)"] = hold
    frame = pd.DataFrame(cols, index=months[span])
    figs["walk-forward-equity"] = charts.walk_forward_figure(frame, months[wf.start - 1])
    rows = []
    for k in range(wf.n_folds):
        a, s, e = wf.train_start[k], wf.test_start[k], wf.test_end[k]
        vs = [] if hold is None else [pp(_total(oos[s - wf.start:e - wf.start])
                                         - _total(hold[s - wf.start:e - wf.start]))]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
            f"{day(months[a])[:7]} → {day(months[s - 1])[:7]}",
            f"{day(months[s])[:7]} → {day(months[e - 1])[:7]}",
            f"#{int(wf.chosen[k])}",
            f'<span style="white-space:normal">{esc(_params_text(p, wf.chosen[k]))}</span>',
            num(wf.is_sharpe[k] * SQRT12), num(wf.oos_sharpe[k] * SQRT12), *vs)) + "</tr>")
    vs_head = "" if hold is None else "<th>OOS return − hold</th>"
    table = ('<div class="tablewrap"><table id="folds"><thead><tr><th>in sample</th>'
             "<th>out of sample</th><th>chosen</th><th>params</th><th>IS Sharpe</th>"
             f"<th>OOS Sharpe</th>{vs_head}</tr></thead><tbody>" + "".join(rows)
             + "</tbody></table></div>")
    summary = ""
    if hold is not None:
        n = len(oos)
        fold = [slice(s - wf.start, e - wf.start) for s, e in zip(wf.test_start, wf.test_end)]
        wins = sum(_total(oos[f]) > _total(hold[f]) for f in fold)
        summary = cards([
            ("Walk-forward, out of sample", f"<b>{esc(pct(_annual(oos)))}</b> a year over "
                                            f"{n} months"),
            (f"Holding {esc(refs.benchmark_name)}",
             f"<b>{esc(pct(_annual(hold)))}</b> a year, same months"),
            ("Walk-forward − hold", f"<b>{esc(pp(_annual(oos) - _annual(hold)))}</b> a year; "
                                    f"ahead in {wins} of {wf.n_folds} folds"),
        ])
    kind = "anchored (all months so far)" if wf.anchored else f"rolling {wf.train} months"
    hold_note = ("" if hold is None else
                 f" It is also compared with simply holding the benchmark, {refs.benchmark_name}, "
                 "over the same months — what choosing no variant at all would have earned; "
                 "\"OOS return − hold\" is each fold's total return difference in percentage "
                 "points.")
    note = (f"Every {wf.test} months the variant with the best Sharpe over the in-sample window "
            f"({kind}) is chosen and held for the next {wf.test} months; the chart strings those "
            "out-of-sample months together (monthly total returns, growth of 1) against the "
            "variant that is best over the whole period — which no one could have known in "
            f"advance.{hold_note} Sharpe ratios from monthly excess returns, annualised."
            + _on_sharpe(result, "The walk-forward and the variant it is compared with"))
    return Section("walk-forward", "Walk-forward", summary
                   + figure_div("walk-forward-equity", 400) + table, note)


def _total(monthly: np.ndarray) -> float:
    """Compounded return of monthly returns (fraction)."""
    return float(np.prod(1.0 + np.asarray(monthly, dtype=np.float64)) - 1.0)


def _annual(monthly: np.ndarray) -> float:
    """Annualised compounded return of monthly returns (fraction a year)."""
    n = len(monthly)
    return float((1.0 + _total(monthly)) ** (12.0 / n) - 1.0) if n else float("nan")


def notes_section(result: Any) -> Section | None:
    if not result.stats.notes:
        return None
    items = "".join(f"<li>{esc(n)}</li>" for n in result.stats.notes)
    return Section("notes", "Notes", f'<ul class="plain">{items}</ul>')


def sweep_page(result: Any) -> str:
    """The complete HTML page of a sweep result."""
    figs: Figures = {}
    sections = [s for s in (top_section(result), heatmap_section(result),
                            dsr_section(result, figs), pbo_section(result, figs),
                            walk_forward_section(result, figs), notes_section(result))
                if s is not None]
    footer = ("Files: <code>variants.parquet</code> (every variant), <code>best.csv</code>, "
              "<code>top_returns.parquet</code> (daily returns of the top variants), "
              "<code>manifest.json</code>. Made by rowboat; past results, synthetic or real, "
              "say nothing certain about the future.")
    return document(f"Sweep: {result.problem.name}", header(result), sections, footer,
                    scripts=data_block(figs, {}) + scripts() if figs else "")
