#!/usr/bin/env python3
"""The article scenario ("the rowing boat") on the synthetic sample universe — `make demo`.

US mega-caps vs ex-US and EM: hold a world-like mix; move part of the mega-cap sleeve abroad when
the Magnificent Seven's weight in the US falls below its peak, or when ex-US/EM break to new
highs; compare with US-only, the world, equal thirds, dual momentum and SMA timing.

    python scripts/rowing_boat.py [--data sample|yahoo|FOLDER] [--out results] [--no-tearsheets]

Writes results/rowing_boat/ (replacing an earlier demo run), prints the summary table as soon as
the backtests are measured, then the closing line and the page's path. Exactly
`rowboat run scripts/configs/rowing_boat.toml --data sample --force` (the same code prints).
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

    from engine.cli import main as rowboat

    argv = ["run", str(CONFIG), "--data", args.data, "--out", args.out, "--force"]
    return rowboat(argv + ([] if args.tearsheets else ["--no-tearsheets"]))


if __name__ == "__main__":
    sys.exit(main())
