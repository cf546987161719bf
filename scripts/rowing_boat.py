#!/usr/bin/env python3
"""The article scenario ("the rowing boat") on the synthetic sample universe — `make demo`.

US mega-caps vs ex-US and EM: hold a world-like mix; move part of the mega-cap sleeve abroad when
the Magnificent Seven's weight in the US falls below its peak, or when ex-US/EM break to new
highs; compare with US-only, the world, equal thirds, dual momentum and SMA timing.

    python scripts/rowing_boat.py [--data sample|yahoo|FOLDER] [--out results] [--no-tearsheets]

Writes results/rowing_boat/ (replacing an earlier demo run) and prints the page's path. Same as
`rowboat run scripts/configs/rowing_boat.toml --data sample --force`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parent / "configs" / "rowing_boat.toml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="sample", help="sample (default), yahoo or a folder")
    parser.add_argument("--out", default="results", help="parent folder (default ./results)")
    parser.add_argument("--no-tearsheets", dest="tearsheets", action="store_false")
    args = parser.parse_args()

    from engine.errors import UserError
    from engine.report import run_config

    try:
        out = run_config(CONFIG, data=args.data, out=args.out, force=True,
                         tearsheets=args.tearsheets)
    except UserError as exc:
        print(f"rowing_boat.py: error: {exc}", file=sys.stderr)
        return 2
    from rich.console import Console

    from engine.report.terminal import summary_table

    console = Console(stderr=True)
    period = f"{out.metrics['start'].iloc[0]} to {out.metrics['end'].iloc[0]}"
    console.print(summary_table(out.metrics, out.benchmark, f"{out.path.name}: {period}",
                                width=console.width))
    console.print(f"{len(out.metrics)} strategies in {out.timings['total']:.1f} s "
                  f"({out.experiment.panel.source}). Open the comparison page:")
    print(out.index.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
