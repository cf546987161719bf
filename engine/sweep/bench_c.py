"""Benchmark Task C: a 10,000-variant sweep of the rowing-boat (regime) rule.

The real 2008–2026 ETF panel from ../shared/data/prices — six traded sleeves us_mega MGK, us SPY,
ex_us ACWX, em EEM, bonds AGG, cash BIL (ACWI read by the concentration signal only) — or, when
that folder is absent, the synthetic sample universe (the JSON says which). Monthly decisions,
daily simulation, 5 bps fee + 5 bps slippage, 2-point band. The grid:

    drawdown 0.01…0.10 (10) × shift 0.1…1.0 (10) × defensive 0…1 (5)
    × years {0, 3} × confirm_days {1, 5} × trend_months {6, 8, 10, 12, 14}  = 10,000 variants,
    in 20 signal groups.

Timed (warm: one run first to compile / load numba's cache, then the median of ``runs``):
``seconds`` = rule inputs of every signal group (signals and sampling included) + every
variant through the fused kernel + the top-20 re-run for daily returns; ``grid_seconds`` =
parsing and validating the grid (``grid_for``: every value, and the params' cross-field rules
once per distinct combination of the fields they read), apart; ``stats_seconds`` = DSR, PBO
(16 blocks over the monthly excess returns) and the walk-forward. Loading the CSVs is not
timed. ``ns_per_asset_day_variant`` = seconds / (variants × simulated days × traded tickers);
``ns_per_asset_day_simulated_variant`` divides by the variants actually simulated (those trading
the same targets are simulated once, :mod:`engine.sweep.dedupe`; ``simulated_variants``).

Run alone: ``python -m engine.sweep.bench_c [--quick]`` prints ``{"task_c": {...}}``; the
project benchmark calls :func:`worker` in its own process.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from engine.bench import ROOT, SHARED_PRICES

SLEEVES = {"us_mega": "MGK", "us": "SPY", "ex_us": "ACWX", "em": "EEM", "bonds": "AGG",
           "cash": "BIL"}
SIGNAL_ONLY = ("ACWI",)
GRID = ["drawdown=0.01:0.10:0.01", "shift=0.1:1.0:0.1", "defensive=0:1:0.25", "years=0,3",
        "confirm_days=1,5", "trend_months=6:14:2"]
QUICK_GRID = ["drawdown=0.02,0.05", "shift=0.25,0.5,1", "defensive=0,0.5", "years=0,3",
              "confirm_days=1,5", "trend_months=6,10"]


def config_dict(prices: Path | None) -> tuple[dict[str, Any], str]:
    """The benchmark's config (as TOML would parse it) and a description of its data."""
    base: dict[str, Any] = {
        "run": {"name": "task_c", "benchmark": "rowing_boat", "lag": 1, "risk_free": "cash"},
        "costs": {"fee_bps": 5, "slippage_bps": 5, "rebalance": "decision", "band": 0.02},
        "strategy": [{"name": "rowing_boat", "rule": "rowing_boat",
                      "params": {"drawdown": 0.05, "shift": 0.5, "defensive": 0.5}}],
    }
    tickers = [*SLEEVES.values(), *SIGNAL_ONLY]
    if prices is not None and all((prices / f"{t}.csv").exists() for t in tickers):
        base["data"] = {"source": str(prices)}
        base["sleeves"] = dict(SLEEVES)
        # the US share of the world (SPY in ACWI), anchored to the article's 60.8% on 2026-02-06
        base["signals"] = {"us_weight": {"kind": "concentration", "basket": "SPY",
                                         "index": "ACWI", "anchors": {"2026-02-06": 0.608}}}
        base["strategy"][0]["signals"] = {"concentration": "us_weight"}  # bound by name
        return base, f"real: {'/'.join(SLEEVES.values())} (+ACWI for the signal) from {prices}"
    base["data"] = {"source": "sample"}
    return base, f"synthetic sample universe ({SHARED_PRICES} not found)"


def run_task_c(quick: bool = False, runs: int = 3, prices: Path | None = SHARED_PRICES) -> dict:
    """Task C's numbers (see the module doc)."""
    import numba
    import numpy as np

    from engine.bench import peak_rss_mb
    from engine.config import config_from_dict
    from engine.experiment import load_experiment
    from engine.metrics import nb
    from engine.sweep.api import execute, ranked
    from engine.sweep.fused import run_variants
    from engine.sweep.problem import grid_for, prepare
    from engine.sweep.stats import sweep_statistics

    raw, desc = config_dict(prices)
    cfg = config_from_dict(raw, base_dir=ROOT)
    exp = load_experiment(cfg)                       # CSVs → panel: not timed
    spec = QUICK_GRID if quick else GRID
    grid = grid_for(cfg, "rowing_boat", spec)

    info: dict = {}

    def sweep():
        problem = prepare(exp, "rowing_boat", grid)   # signals + rule inputs per group
        metrics, monthly = execute(problem, info=info)
        top = np.ascontiguousarray(ranked(metrics[:, nb.SHARPE])[:20])
        daily = run_variants(problem, top, daily=True).daily
        return problem, metrics, monthly, daily

    def stats(out):
        problem, metrics, monthly, daily = out
        rf = problem.rf[problem.start:problem.stop]
        return sweep_statistics(metrics[:, nb.SHARPE], monthly, daily[0] - rf)

    out = sweep()                                    # warm-up: compile or load the cache
    stats(out)
    times, cpu_times, stat_times, grid_times = [], [], [], []
    for _ in range(max(1, runs)):
        t = time.perf_counter()
        grid = grid_for(cfg, "rowing_boat", spec)
        grid_times.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        out = sweep()
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - c)
        t = time.perf_counter()
        st = stats(out)
        stat_times.append(time.perf_counter() - t)
    problem, metrics, monthly, _ = out
    seconds = statistics.median(times)
    V, (T, K) = problem.n_variants, problem.close.shape
    # the panel keeps every series' own history (SPY from 1993); the kernel simulates from the
    # first fill on, so those are the days the time is divided by
    sim_days = T - min(int(g.fill_idx[0]) for g in problem.groups)
    return {
        "variants": V, "seconds": seconds, "grid_seconds": statistics.median(grid_times),
        "stats_seconds": statistics.median(stat_times),
        "peak_rss_mb": peak_rss_mb(),
        "ns_per_asset_day_variant": seconds / (V * sim_days * K) * 1e9,
        # variants trading the same targets are simulated once (engine.sweep.dedupe)
        "simulated_variants": info["simulated_variants"],
        "ns_per_asset_day_simulated_variant":
            seconds / (info["simulated_variants"] * sim_days * K) * 1e9,
        "runs": len(times), "all_seconds": times,
        "cpu_seconds": statistics.median(cpu_times),     # all threads: ~2 × seconds when idle
        "days": sim_days, "panel_days": T, "assets": K,
        "measured_days": problem.stop - problem.start, "months": int(problem.month_last.size),
        "signal_groups": len(problem.groups), "period": [str(d.date()) for d in problem.period],
        "threads": numba.get_num_threads(), "cpus": os.cpu_count(), "data": desc,
        "best_sharpe": float(metrics[st.best, nb.SHARPE]),
        "dsr": None if st.dsr is None else st.dsr.dsr,
        "pbo": None if st.pbo is None else st.pbo.pbo, "quick": quick,
    }


def worker(quick: bool, out: Path | None = None) -> dict:
    """For ``engine.bench``: one side, run in its own process (``out`` is unused)."""
    return run_task_c(quick=quick, runs=3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.sweep.bench_c",
                                     description="Task C: a 10,000-variant sweep (JSON out)")
    parser.add_argument("--quick", action="store_true", help="96 variants (smoke test)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (median; default 3)")
    args = parser.parse_args(argv)
    print(json.dumps({"task_c": run_task_c(quick=args.quick, runs=args.runs)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
