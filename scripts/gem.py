#!/usr/bin/env python3
"""Global Equities Momentum (Antonacci's dual momentum) against US-only and 60/40.

Hold US (SPY) or ex-US (ACWX), whichever has the higher 12-month total return, while the US beats
T-bills; else bonds. Runs scripts/configs/gem.toml — real ETFs from the folder in its [data]
source — or any data you name:

    python scripts/gem.py [--data FOLDER|yahoo] [--out results] [--no-tearsheets]

Writes results/gem/ (replacing an earlier run) and prints the page's path.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parent / "configs" / "gem.toml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="a folder of CSVs or 'yahoo' (default: "
                        "the config's [data] source)")
    parser.add_argument("--out", default="results")
    parser.add_argument("--no-tearsheets", dest="tearsheets", action="store_false")
    args = parser.parse_args()

    from engine.errors import UserError
    from engine.report import run_config

    try:
        out = run_config(CONFIG, data=args.data, out=args.out, force=True,
                         tearsheets=args.tearsheets)
    except UserError as exc:
        print(f"gem.py: error: {exc}", file=sys.stderr)
        return 2
    gem, bench = out.metrics.loc["gem"], out.metrics.loc[out.benchmark]
    print(f"GEM CAGR {gem['cagr']:.1%} (max drawdown {gem['max_drawdown']:.1%}) vs "
          f"{out.benchmark} {bench['cagr']:.1%} ({bench['max_drawdown']:.1%})", file=sys.stderr)
    print(out.index.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
