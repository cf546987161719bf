"""``rowboat sweep CONFIG --strategy NAME [--grid …]…``: a parameter sweep with overfitting
statistics, written to ``results/<name>-sweep/`` (see :mod:`engine.sweep.api`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.sweep.ranking import RANK_METRICS   # light: the kernels load only to run a sweep


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="the experiment's TOML file")
    parser.add_argument("--strategy", required=True, metavar="NAME",
                        help="a [[strategy]] name of the config (its params are the base) or a "
                             "registered rule (its defaults)")
    parser.add_argument("--grid", action="append", default=None, metavar="PARAM=VALUES",
                        help="values of one parameter: v1,v2,… or start:stop:step (stop "
                             "included); repeat for more parameters; none = the strategy's "
                             "documented grid")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run the chunks on this Dask scheduler's workers (default: this "
                             "machine, numba on all cores)")
    parser.add_argument("--chunk", type=int, metavar="N",
                        help="variants per chunk (a Dask task; a progress step locally)")
    parser.add_argument("--top", type=int, default=20, metavar="N",
                        help="variants kept with daily returns and listed in best.csv (20)")
    parser.add_argument("--rank-by", default="sharpe", choices=RANK_METRICS,
                        help="metric of the top list, the best variant and the heat maps "
                             "(default sharpe); the DSR, PBO and walk-forward always use "
                             "Sharpe ratios of excess returns"),
    parser.add_argument("--data", metavar="sample|yahoo|FOLDER",
                        help="price data instead of the config's [data] source")
    parser.add_argument("--start", help="first date (YYYY-MM-DD), overrides [run] start")
    parser.add_argument("--end", help="last date (YYYY-MM-DD), overrides [run] end")
    parser.add_argument("--out", type=Path, default=Path("results"),
                        help="folder that receives <name>-sweep/ (default: ./results)")
    parser.add_argument("--pbo-blocks", type=int, default=16, metavar="S",
                        help="time blocks for PBO by CSCV, even (16)")
    parser.add_argument("--wf-train", type=int, default=60, metavar="MONTHS",
                        help="walk-forward in-sample window, months (60)")
    parser.add_argument("--wf-test", type=int, default=12, metavar="MONTHS",
                        help="walk-forward out-of-sample window, months (12)")
    parser.add_argument("--wf-anchored", action="store_true",
                        help="walk-forward in-sample window grows from the start (anchored) "
                             "instead of rolling")
    parser.add_argument("--force", action="store_true", help="replace an existing folder")
    parser.add_argument("--yes", action="store_true",
                        help="run a grid of more than 10 million variants")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar or summary; print only the page's path")


def main(args: argparse.Namespace) -> int:
    from engine import startup_gc

    startup_gc.pause()      # the imports below are set aside from the cycle collector
    try:
        from engine.sweep.api import run_sweep
    finally:
        startup_gc.settle()
    result = run_sweep(args.config, strategy=args.strategy, grid=args.grid, data=args.data,
                       start=args.start, end=args.end, scheduler=args.scheduler,
                       chunk=args.chunk, top=args.top, out=args.out, force=args.force,
                       yes=args.yes, pbo_blocks=args.pbo_blocks, wf_train=args.wf_train,
                       wf_test=args.wf_test, wf_anchored=args.wf_anchored,
                       rank_by=args.rank_by, progress=not args.quiet,
                       argv=["rowboat", *sys.argv[1:]])
    if not args.quiet:
        print(summary_text(result))
    print(result.index)
    return 0


def summary_text(result) -> str:
    """A few lines for the terminal: size, time, best, DSR, PBO, walk-forward."""
    p = result.problem
    st = result.stats
    best = result.variants.loc[result.best]
    names = ", ".join(f"{n}={getattr(result.best_params, n)}" for n in p.grid.names)
    lines = [f"{p.n_variants:,} variants of {p.name} in {result.timings.get('variants', 0):.2f} s "
             f"({'dask' if result.scheduler else 'local'}); period {p.period[0].date()} to "
             f"{p.period[1].date()} ({p.period_reason})",
             f"best #{result.best} by {result.rank_by} ({names or 'base'}): Sharpe "
             f"{best['sharpe']:.2f}, Sortino {best['sortino']:.2f}, Calmar "
             f"{best['calmar']:.2f}, CAGR {best['cagr']:.1%}, max drawdown "
             f"{best['max_drawdown']:.1%}"]
    if st.dsr is not None:
        of = "" if st.best == result.best else f" of the highest-Sharpe variant #{st.best}"
        lines.append(f"deflated Sharpe ratio{of} {st.dsr.dsr:.1%} (hurdle Sharpe "
                     f"{st.dsr.sr0_annual:.2f} for {st.dsr.n_effective:,.0f} effective "
                     f"independent trials of {st.dsr.n_trials:,}; counting all "
                     f"{st.dsr.n_trials:,}: {st.dsr.dsr_all_trials:.1%})")
    if st.pbo is not None:
        lines.append(f"probability of backtest overfitting {st.pbo.pbo:.1%} "
                     f"({st.pbo.n_combinations:,} CSCV splits)")
    for note in st.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)
