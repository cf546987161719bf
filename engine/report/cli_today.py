"""``rowboat today CONFIG``: where the signals stand at the last date and what each strategy
holds now and would hold at its next decision (no files written)."""
from __future__ import annotations

import argparse
from pathlib import Path

from engine.errors import ConfigError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="the experiment's TOML file")
    parser.add_argument("--data", metavar="sample|yahoo|FOLDER",
                        help="price data instead of the config's [data] source")
    parser.add_argument("--end", help="pretend today is this date (YYYY-MM-DD)")


def main(args: argparse.Namespace) -> int:
    from engine.experiment import load_experiment
    from engine.report.today import to_text, today

    if not args.config.is_file():
        raise ConfigError(f"config file {args.config} not found; give the path of a TOML file "
                          "(e.g. scripts/configs/rowing_boat.toml)")
    exp = load_experiment(args.config, data=args.data, end=args.end)
    print(to_text(today(exp)))
    return 0
