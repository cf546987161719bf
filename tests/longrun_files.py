"""Builders of long-history test files: an MSCI end-of-day ``.xls`` export (written with xlwt,
from the layout in issue 11), monthly ``Date,Close`` files and FRED/Shiller-style CSVs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def monthly_levels(start: str, end: str, mu: float, vol: float, seed: int,
                   anchor: str = "end") -> pd.Series:
    """Month-end (or month-start) levels of a random walk starting at 100."""
    dates = pd.date_range(start, end, freq="MS" if anchor == "start" else "ME")
    rng = np.random.default_rng(seed)
    r = rng.normal(mu, vol, len(dates))
    r[0] = 0.0
    return pd.Series(100.0 * np.cumprod(1.0 + r), index=dates)


def write_close_csv(path: Path, levels: pd.Series) -> Path:
    pd.DataFrame({"Date": levels.index.strftime("%Y-%m-%d"),
                  "Close": np.round(levels.to_numpy(), 6)}).to_csv(path, index=False)
    return path


def write_msci_xls(path: Path, levels: pd.Series, *, variant: str | None = "Gross",
                   currency: str = "USD", name: str = "EM (EMERGING MARKETS)",
                   text_cells: bool = True) -> Path:
    """An MSCI end-of-day history export: metadata lines, ``Date,<index name>``, dates written
    ``Dec 31, 1987``, levels with thousands separators (as text, like MSCI's), then a footer."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("History Index")
    rows: list[list[object]] = [["MSCI Inc. End of Day History"], [],
                                ["Index Code : 891800"]]
    if variant is not None:
        rows.append([f"Index Level : {variant}"])
    rows += [[f"Currency : {currency}"], ["Data Frequency : Monthly"], [],
             ["Date", f"MSCI {name} Standard (Large+Mid Cap)"]]
    for d, v in levels.items():
        value = f"{v:,.3f}" if text_cells else float(v)
        rows.append([d.strftime("%b %d, %Y"), value])
    rows += [[], ["The information contained herein is the property of MSCI Inc."],
             ["© 2026 MSCI Inc. All rights reserved."]]
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            sheet.write(i, j, cell)
    book.save(str(path))
    return path


def swept(exp, name: str, grid):
    """(problem, result) of sweeping strategy ``name`` of an experiment over ``grid`` in this
    process (the fused kernels, as ``rowboat sweep`` runs them)."""
    from engine.sweep.api import execute, finish
    from engine.sweep.problem import prepare

    problem = prepare(exp, name, grid)
    metrics, monthly = execute(problem)
    return problem, finish(problem, metrics, monthly, top=2)


def variant_backtest(exp, name: str, params):
    """One variant of strategy ``name`` of an experiment, backtested on its own with the
    config's lag and costs (what a sweep's row must equal)."""
    from engine.sim import backtest

    cfg = exp.config
    c = cfg.costs
    tg = cfg.strategy(name).strategy.targets(exp.panel, params, cfg.bound_signals(name),
                                             listed=exp.listed)
    return backtest(exp.panel, tg, lag=cfg.run.lag, rebalance=c.rebalance, band=c.band,
                    band_relative=c.band_relative, fee=c.fee, slippage=c.slippage,
                    cash=exp.cash)


def write_fred_csv(path: Path, name: str, values: pd.Series) -> Path:
    """FRED's layout: ``"Date","NAME"`` (quoted header), one row per month dated the 1st."""
    lines = [f'"Date","{name}"'] + [f"{d.strftime('%Y-%m-%d')},{v:g}" for d, v in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
