"""``rowboat compare``: one page across several run folders (e.g. sample vs real data).

Reads each run's ``manifest.json``, ``metrics.csv`` and ``returns.csv`` — nothing else — and
writes a self-contained ``index.html`` (interactive Plotly charts, one inlined plotly.js): the
runs side by side (data, period, costs), every strategy's metrics, grouped bars of CAGR / Sharpe
/ max drawdown per strategy and run, and each run's equity curves. A strategy keeps its colour
across runs.

With ``--common-period`` (:func:`on_common_period`) every run is cut to the dates all of them
cover and its metrics are recomputed there from ``returns.csv`` and ``risk_free.csv`` (turnover
and costs cannot be, and are left blank).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import DataError
from engine.report import figures
from engine.report.colors import strategy_colors
from engine.report.page import Section, chip, day, document, esc, href, table
from engine.report.plotly_embed import data_block, dates as iso_dates, figure_div, scripts
from engine.report.run_page import METRIC_COLUMNS
from engine.report.writer import read_manifest

REQUIRED = ("manifest.json", "metrics.csv", "returns.csv")


@dataclass(frozen=True)
class RunFolder:
    """One run folder as the compare page reads it."""

    path: Path
    label: str
    manifest: dict
    metrics: pd.DataFrame
    returns: pd.DataFrame

    @property
    def benchmark(self) -> str:
        return str(self.manifest.get("benchmark") or self.metrics.index[0])


def read_run(path: Path) -> RunFolder:
    """Read a run folder; DataError naming the folder and the missing file when incomplete."""
    path = Path(path)
    if not path.is_dir():
        raise DataError(f"{path}: not a run folder; give folders written by `rowboat run` "
                        "(e.g. results/rowing_boat)")
    missing = [f for f in REQUIRED if not (path / f).is_file()]
    if missing:
        raise DataError(f"{path}: missing {', '.join(missing)}; is this a folder written by "
                        "`rowboat run`? Re-run it to regenerate the files")
    try:
        manifest = read_manifest(path / "manifest.json")
        metrics = pd.read_csv(path / "metrics.csv", index_col=0)
        returns = pd.read_csv(path / "returns.csv", index_col=0, parse_dates=True)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot read its files ({exc}); re-run `rowboat run`") from None
    for col in ("max_dd_peak", "max_dd_trough", "max_dd_recovery", "start", "end"):
        if col in metrics:
            metrics[col] = pd.to_datetime(metrics[col])
    metrics.index = metrics.index.astype(str)
    return RunFolder(path, str(manifest.get("name") or path.name), manifest, metrics, returns)


def on_common_period(runs: list[RunFolder]) -> list[RunFolder]:
    """Each run cut to the common period (the latest first date to the earliest last date of
    their ``returns.csv``), metrics recomputed with the same definitions as ``rowboat run``.

    DataError when the runs do not overlap or a run has no ``risk_free.csv`` (older runs).
    """
    from engine.report.scorecard import scorecard

    start = max(r.returns.index[0] for r in runs)
    end = min(r.returns.index[-1] for r in runs)
    if start >= end:
        spans = "; ".join(f"{r.label} {day(r.returns.index[0])} → {day(r.returns.index[-1])}"
                          for r in runs)
        raise DataError(f"--common-period: the runs share no period ({spans}); compare them "
                        "without --common-period")
    out = []
    for run in runs:
        rf_file = run.path / "risk_free.csv"
        if not rf_file.is_file():
            raise DataError(f"{run.path}: no risk_free.csv (written by `rowboat run` since this "
                            "version); re-run it, or compare without --common-period")
        rf = pd.read_csv(rf_file, index_col=0, parse_dates=True)["risk_free"]
        returns = run.returns.loc[start:end]
        metrics = scorecard(returns, run.benchmark, rf.reindex(returns.index).fillna(0.0))
        metrics[["turnover_per_year", "costs_per_year"]] = np.nan  # needs the trades
        metrics.index = metrics.index.astype(str)
        period = {"start": returns.index[0], "end": returns.index[-1]}
        out.append(RunFolder(run.path, run.label, {**run.manifest, "period": period},
                             metrics, returns))
    return out


def unique_labels(runs: list[RunFolder]) -> list[RunFolder]:
    """Make run labels unique (a run name used twice gets its folder's parent as a suffix)."""
    seen: dict[str, int] = {}
    out = []
    for run in runs:
        label = run.label
        if label in seen or sum(r.label == label for r in runs) > 1:
            label = f"{label} ({run.path.parent.name or run.path})"
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} #{seen[label]}"
        out.append(RunFolder(run.path, label, run.manifest, run.metrics, run.returns))
    return out


def _source_html(run: RunFolder) -> str:
    data = run.manifest.get("data", {}) or {}
    src = esc(data.get("source", "?"))
    if data.get("synthetic"):
        src += ' <span class="badge synthetic">synthetic sample</span>'
    return src


def runs_table(runs: list[RunFolder], out_dir: Path) -> str:
    head = ("<tr><th>Run</th><th>Data</th><th>Measured</th><th>Benchmark</th>"
            "<th>Risk-free</th><th>Lag</th><th>Fee / slippage</th><th>Data hash</th></tr>")
    rows = []
    for run in runs:
        m = run.manifest
        period = m.get("period", {}) or {}
        link = os.path.relpath(run.path / "index.html", out_dir)
        fee, slip = m.get("fee"), m.get("slippage")
        costs = (f"{float(fee) * 1e4:g} / {float(slip) * 1e4:g} bps"
                 if fee is not None and slip is not None else "–")
        rows.append(
            f'<tr data-run="{esc(run.label)}"><td class="name"><a href="{href(link)}">'
            f"{esc(run.label)}</a></td><td style=\"white-space:normal\">{_source_html(run)}</td>"
            f"<td>{esc(day(period.get('start')))} → {esc(day(period.get('end')))}</td>"
            f"<td>{esc(run.benchmark)}</td><td style=\"white-space:normal\">"
            f"{esc(m.get('risk_free', '–'))}</td><td>{esc(m.get('lag', '–'))}</td>"
            f"<td>{esc(costs)}</td><td><code>{esc(str((m.get('data') or {}).get('hash', ''))[:12])}"
            "</code></td></tr>")
    return (f'<div class="tablewrap"><table id="runs"><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def combined_metrics(runs: list[RunFolder]) -> pd.DataFrame:
    """All runs' metrics stacked, grouped by strategy (runs in the given order within each);
    index "strategy · run"; columns ``strategy``, ``run`` + the metrics."""
    frames = []
    for k, run in enumerate(runs):
        m = run.metrics.copy()
        m.insert(0, "run", run.label)
        m.insert(0, "strategy", m.index)
        m.insert(0, "_run_order", k)
        m.insert(0, "_strategy_order", range(len(m)))
        m.loc[m.index == run.benchmark, "excess_cagr"] = np.nan
        m.index = [f"{s} · {run.label}" for s in m.index]
        frames.append(m)
    out = pd.concat(frames)
    first = out.groupby("strategy", sort=False)["_strategy_order"].transform("min")
    out = out.assign(_first=first).sort_values(["_first", "strategy", "_run_order"], kind="stable")
    return out.drop(columns=["_first", "_strategy_order", "_run_order"])


def bars_figure(runs: list[RunFolder], key: str, percent: bool,
                colors: dict[str, str]) -> dict:
    """Grouped bars of one metric: for each strategy (colour), one bar per run (pattern)."""
    strategies = list(dict.fromkeys(s for r in runs for s in r.metrics.index))
    patterns = ("", "/", ".", "x", "\\", "+")
    traces = []
    for k, run in enumerate(runs):
        vals = [float(run.metrics.at[s, key]) if s in run.metrics.index else None
                for s in strategies]
        traces.append({"type": "bar", "name": run.label, "x": strategies,
                       "y": [None if v is None or np.isnan(v) else round(v, 5) for v in vals],
                       "marker": {"pattern": {"shape": patterns[k % len(patterns)]},
                                  "color": [colors.get(s, "#999999") for s in strategies],
                                  "line": {"color": "#ffffff", "width": 0.5}}})
    yaxis = figures.pct_axis() if percent else {"hoverformat": ".2f", "automargin": True}
    lay = figures.layout(320, barmode="group", hovermode="x", yaxis=yaxis,
                         xaxis={"type": "category", "automargin": True, "tickangle": -30})
    return {"data": traces, "layout": lay}


def build_compare_page(runs: list[RunFolder], out_dir: Path, *,
                       common_period: bool = False) -> str:
    """The comparison page of several runs as one self-contained HTML text; with
    ``common_period`` every run is measured over the dates all of them cover."""
    runs = unique_labels(on_common_period(runs) if common_period else runs)
    names = list(dict.fromkeys(s for r in runs for s in r.metrics.index))
    colors = strategy_colors(names, runs[0].benchmark)
    figs: dict[str, dict] = {}
    date_table: dict[str, list[str]] = {}
    combined = combined_metrics(runs)

    def first_cell(row: str) -> str:
        s, r = combined.at[row, "strategy"], combined.at[row, "run"]
        return f'{chip(colors[s])}{esc(s)} <span class="badge">{esc(r)}</span>'

    sections = [
        Section("runs-section", "Runs", runs_table(runs, out_dir),
                (f"All runs measured over their common period {day(runs[0].returns.index[0])} "
                 f"→ {day(runs[0].returns.index[-1])} (--common-period): metrics recomputed "
                 "there; turnover and costs are not (blank)." if common_period else
                 "Each run is measured over its own common period (see each run's page); "
                 "--common-period cuts them to the dates all of them cover.")),
        Section("metrics-section", "Metrics", table(
            list(combined.index), METRIC_COLUMNS, combined, first_header="Strategy · run",
            first_cell=first_cell, table_id="metrics", highlight_best=False,
            css_class="compact"),
            "Percent (internally fractions). Each strategy's runs are next to each other; "
            "\"vs benchmark\" is against each run's own benchmark."),
    ]
    bars = []
    for key, title, percent in (("cagr", "CAGR", True), ("sharpe", "Sharpe", False),
                                ("max_drawdown", "Max drawdown", True)):
        figs[f"bars-{key}"] = bars_figure(runs, key, percent, colors)
        bars.append(figure_div(f"bars-{key}", 320, esc(title)))
    sections.append(Section("bars-section", "Side by side", "".join(bars),
                            "One bar per run for each strategy; hover for values, click a run "
                            "in the legend to hide it."))
    curves = []
    for k, run in enumerate(runs):
        r = run.returns
        date_table[f"r{k}"] = iso_dates(r.index)
        fig = figures.equity(r, colors, run.benchmark)
        for trace in fig["data"]:
            trace["x"] = f"r{k}"
        figs[f"equity-{k}"] = fig
        curves.append(figure_div(f"equity-{k}", 440,
                                 esc(f"{run.label}: growth of 1 (log scale), "
                                     f"{day(r.index[0])} → {day(r.index[-1])}")))
    sections.append(Section("equity-section", "Equity curves", "".join(curves)))
    synthetic = any((r.manifest.get("data") or {}).get("synthetic") for r in runs)
    badge = ' <span class="badge synthetic">includes synthetic data</span>' if synthetic else ""
    header = (f"<header><h1>Comparison of {len(runs)} runs{badge}</h1>"
              f'<div class="subtitle">{esc(", ".join(r.label for r in runs))}</div></header>')
    return document("rowboat comparison: " + ", ".join(r.label for r in runs), header,
                    sections, "Made by rowboat compare from each run's metrics.csv, returns.csv "
                    "and manifest.json.", scripts=data_block(figs, date_table) + scripts())


def default_out(runs: list[Path], root: Path = Path("results")) -> Path:
    """results/compare-<run>-<run>… (names shortened)."""
    label = "-".join(Path(p).resolve().name for p in runs)[:80]
    return root / f"compare-{label}"
