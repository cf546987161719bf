"""``rowboat compare RUN_DIR…``: one comparison page across several run folders."""
from __future__ import annotations

import argparse
from pathlib import Path

from engine.errors import ConfigError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR",
                        help="folders written by `rowboat run` (e.g. results/rowing_boat)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the page (default: results/compare-<runs>)")
    parser.add_argument("--force", action="store_true", help="replace an existing --out folder")
    parser.add_argument("--common-period", action="store_true",
                        help="measure every run over the dates all of them cover (metrics "
                             "recomputed from returns.csv and risk_free.csv)")


def main(args: argparse.Namespace) -> int:
    from engine.report.compare import build_compare_page, default_out, read_run
    from engine.report.quiet import quiet
    from engine.report.writer import atomic_folder, check_target

    quiet()
    if len({p.resolve() for p in args.runs}) != len(args.runs):
        raise ConfigError("the same run folder is given twice; list each run once")
    runs = [read_run(p) for p in args.runs]
    out = args.out or default_out(args.runs)
    check_target(out, force=args.force)
    page = build_compare_page(runs, out, common_period=args.common_period)  # errors first
    with atomic_folder(out, force=args.force) as tmp:
        (tmp / "index.html").write_text(page, encoding="utf-8")
    print(out / "index.html")
    return 0
