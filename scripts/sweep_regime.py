#!/usr/bin/env python3
"""Sweep the rowing-boat (regime) rule and see how much of its best result is luck.

10,800 variants of the combined rule — drawdown trigger, shift size, "either"/"both", defensive
part and fallback, breakout horizon and confirmation, US trend length (the strategy's documented
grid) — each simulated daily with costs, then: the Deflated Sharpe Ratio of the best, the
Probability of Backtest Overfitting (CSCV over 16 blocks of months) and a 5-year/1-year
walk-forward.

    python scripts/sweep_regime.py [--data sample|yahoo|FOLDER] [--scheduler tcp://HOST:PORT]
                                   [--grid PARAM=VALUES …] [--out results]

Writes results/rowing_boat-sweep/ (replacing an earlier run) and prints the page's path. The
same from the command line:
`rowboat sweep scripts/configs/rowing_boat.toml --strategy rowing_boat --force`.
Copy this file and edit GRID to sweep your own ranges (start:stop:step includes stop).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parent / "configs" / "rowing_boat.toml"
#: None = the strategy's documented grid; or e.g.
#: {"drawdown": "0.02:0.10:0.01", "shift": [0.25, 0.5, 1.0], "years": [0, 3, 5]}
GRID = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="sample, yahoo or a folder (default: the "
                                                     "config's source, the synthetic sample)")
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler, tcp://HOST:PORT")
    parser.add_argument("--grid", action="append", default=None, metavar="PARAM=VALUES",
                        help="override GRID, e.g. --grid drawdown=0.02:0.1:0.02")
    parser.add_argument("--out", default="results", help="parent folder (default ./results)")
    args = parser.parse_args()

    from engine.errors import UserError
    from engine.sweep import run_sweep
    from engine.sweep.cli import summary_text

    try:
        result = run_sweep(CONFIG, strategy="rowing_boat", grid=args.grid or GRID,
                           data=args.data, scheduler=args.scheduler, out=args.out, force=True,
                           progress=True)
    except UserError as exc:
        print(f"sweep_regime.py: error: {exc}", file=sys.stderr)
        return 2
    print(summary_text(result), file=sys.stderr)
    print(result.index.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
