"""``rowboat run CONFIG``: backtest every strategy of a config and write ``results/<name>/``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.errors import ConfigError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="the experiment's TOML file")
    parser.add_argument("--data", metavar="sample|yahoo|FOLDER",
                        help="price data instead of the config's [data] source: 'sample' (the "
                             "synthetic universe), 'yahoo' (download + cache) or a folder of "
                             "CSVs")
    parser.add_argument("--out", type=Path, default=Path("results"),
                        help="folder that receives <name>/ (default: ./results)")
    parser.add_argument("--start", help="first date (YYYY-MM-DD), overrides [run] start")
    parser.add_argument("--end", help="last date (YYYY-MM-DD), overrides [run] end")
    parser.add_argument("--backend", choices=("numba", "vectorbt"), default="numba",
                        help="simulation engine (same numbers; default numba)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing results folder")
    parser.add_argument("--no-tearsheets", dest="tearsheets", action="store_false",
                        help="skip the quantstats tearsheets (faster)")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes that build tearsheets in parallel (default 2)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars or summary table; print only the page's path")


def main(args: argparse.Namespace) -> int:
    from engine import startup_gc

    startup_gc.pause()   # until the backtests are measured: imports, data, kernels (see there)
    try:
        return _main(args)
    finally:
        startup_gc.settle()


def _main(args: argparse.Namespace) -> int:
    from engine import startup_gc
    from engine.report.run import run_config
    from engine.report.terminal import closing_line, print_summary

    if not args.config.is_file():
        raise ConfigError(f"config file {args.config} not found; give the path of a TOML file "
                          "(e.g. scripts/configs/rowing_boat.toml)")
    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")

    def measured(*scorecard) -> None:
        startup_gc.settle()   # loaded and measured: collect the page's garbage as usual
        if not args.quiet:    # the summary table appears as soon as the backtests are measured
            print_summary(*scorecard)

    def ready(out) -> None:   # the page is in place; tearsheets may still be rendering
        if args.quiet:
            return
        for line in out.experiment.config.binding_lines():
            print(f"signal: {line}")
        for line in data_lines(out.experiment):
            print(f"data: {line}")
        print(f"period: {out.experiment.period_reason}")
        print(f"page: {out.index}", flush=True)

    out = run_config(args.config, data=args.data, out=args.out, start=args.start, end=args.end,
                     backend=args.backend, force=args.force, tearsheets=args.tearsheets,
                     workers=args.workers, show_progress=not args.quiet,
                     argv=["rowboat", *sys.argv[1:]], on_ready=ready,
                     on_measured=measured)
    if not args.quiet:
        print(closing_line(out))
    print(out.index)
    return 0


def data_lines(exp) -> list[str]:
    """What the run output states about the data beyond a daily panel: its frequency, the
    extended series (splice date, tracking difference) and the declared series' lags."""
    panel = exp.panel
    freq = getattr(panel, "frequency", "daily")
    lines = [] if freq == "daily" else [
        f"{freq} panel ({panel.periods_per_year} periods a year): decisions at each period's "
        "close fill at a later period's close; metrics annualised with "
        f"{panel.periods_per_year}"]
    lines += [sp.describe() for sp in getattr(panel, "splices", {}).values()]
    cfg = exp.config
    for name, spec in (cfg.data.series.items() if cfg is not None else ()):
        lines.append(f"{name}: {spec.file.name} [{spec.column}] as {spec.kind}, used "
                     f"{spec.periods_lag} period(s) after its own")
    return lines
