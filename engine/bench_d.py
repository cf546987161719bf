"""Benchmark Task D: end to end as a user runs it, each command in its own process.

The ETF config (``scripts/configs/rowing_boat_etfs.toml`` on ../shared/data/prices; the sample
config when that folder is absent, and the JSON says so):

* ``page_s``: ``rowboat run CONFIG --no-tearsheets`` (warm: numba's cache and the OS file cache
  filled by a first, untimed run; the median of the timed runs);
* ``full_s``: ``rowboat run CONFIG`` with tearsheets and an empty tearsheet cache (cold);
* ``rerun_s``: the same again with nothing changed (the cache is warm; median);
* ``page_server_s``: ``page_s`` with a ``rowboat server`` started first (:mod:`engine.server`:
  the command runs in a fork of a warm process; its first run untimed; median). Every other
  figure is timed without a server;
* ``peer_s``: the peer — one Python process (:func:`peer`) that runs the same eight backtests
  through vectorbt (``backend="vectorbt"``: the same target weights through
  ``Portfolio.from_orders``) and writes the same eight quantstats tearsheets with
  ``quantstats.reports.html``, one after the other, as a script would. Warm too: an untimed
  ``--peer-warm`` process runs the eight vectorbt backtests first, so vectorbt's kernels come
  from numba's cache as they would on a user's second run. A cold cache (after any edit of
  rowboat's sources, which names the cache folder) added 20–30 s of compiling to the peer
  (115 s cold vs 86–89 s warm on one day) and flattered the ratios.

``full_ratio = peer_s / full_s``, ``rerun_ratio = peer_s / rerun_s``. Wall seconds of whole
processes (interpreter start and imports included). This module is imported only by
``engine.bench``, never by ``rowboat run``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.bench import ROOT, SHARED_PRICES, child_env, resident

ETF_CONFIG = ROOT / "scripts" / "configs" / "rowing_boat_etfs.toml"
SAMPLE_CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"
ETF_TICKERS = ("MGK", "SPY", "ACWX", "EEM", "ACWI", "BIL", "AGG")


def config_path() -> tuple[Path, str]:
    """The config Task D runs, and a description of its data."""
    if all((SHARED_PRICES / f"{t}.csv").exists() for t in ETF_TICKERS):
        return ETF_CONFIG, f"real: {ETF_CONFIG.name} on {SHARED_PRICES}"
    return SAMPLE_CONFIG, f"synthetic sample ({SAMPLE_CONFIG.name}; {SHARED_PRICES} not found)"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one process; a failure is an error with its stderr."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds


def peer(config: Path, out: Path | None) -> None:
    """The peer script: eight vectorbt backtests, eight quantstats tearsheets, one process
    (``out`` None: the backtests only, to fill numba's cache with vectorbt's kernels)."""
    from engine.experiment import load_experiment

    exp = load_experiment(config, backend="vectorbt")
    if out is None:
        return
    import quantstats as qs

    from engine.report.quiet import quiet
    from engine.report.tearsheet import quantstats_inputs, tearsheet_jobs

    quiet()
    returns = exp.returns()
    out.mkdir(parents=True, exist_ok=True)
    files = {n: f"{n}.html" for n in returns.columns}
    for job in tearsheet_jobs(returns, exp.benchmark, exp.rf, exp.rf_label, out, files):
        qs.reports.html(output=str(job.path), **quantstats_inputs(job))


def run_task_d(quick: bool = False, runs: int = 3) -> dict:
    """Task D's numbers (see the module doc)."""
    config, desc = config_path()
    runs = 1 if quick else max(1, runs)
    with tempfile.TemporaryDirectory(prefix="rowboat-task-d-") as tmp:
        base = Path(tmp)
        env = child_env(ROWBOAT_TEARSHEET_CACHE=str(base / "cache"))
        run = [sys.executable, "-m", "engine.cli", "run", str(config), "--out",
               str(base / "out"), "--force", "--quiet"]
        timed(run + ["--no-tearsheets"], env)                     # warm-up, untimed
        page = [timed(run + ["--no-tearsheets"], env) for _ in range(runs)]
        with resident(env) as served:                            # the same in a `rowboat server`
            timed(run + ["--no-tearsheets"], served)             # its first run, untimed
            page_server = [timed(run + ["--no-tearsheets"], served) for _ in range(runs)]
        shutil.rmtree(base / "cache", ignore_errors=True)
        full = timed(run, env)
        rerun = [timed(run, env) for _ in range(runs)]
        timed([sys.executable, "-m", "engine.bench_d", "--peer-warm", str(config)], env)
        peer_s = timed([sys.executable, "-m", "engine.bench_d", "--peer", str(config),
                        str(base / "peer")], env)
    full_s, rerun_s = full, statistics.median(rerun)
    return {"page_s": statistics.median(page), "full_s": full_s, "rerun_s": rerun_s,
            "peer_s": peer_s, "full_ratio": peer_s / full_s, "rerun_ratio": peer_s / rerun_s,
            "page_runs": page, "rerun_runs": rerun,
            "page_server_s": statistics.median(page_server), "page_server_runs": page_server,
            "config": config.name, "data": desc,
            "workers": 2, "quick": quick,
            "timed": "wall seconds of whole processes; page and rerun: median of the runs"}


def worker(quick: bool, out: Path | None = None) -> dict:
    """For ``engine.bench``: Task D from its own process (``out`` is unused)."""
    return run_task_d(quick=quick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.bench_d",
                                     description="Task D: rowboat run vs a vectorbt + quantstats "
                                                 "script, end to end (JSON out)")
    parser.add_argument("--peer", nargs=2, metavar=("CONFIG", "OUT"),
                        help="run the peer script only (what Task D times)")
    parser.add_argument("--peer-warm", metavar="CONFIG",
                        help="the peer's backtests only (untimed: fills numba's cache)")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    args = parser.parse_args(argv)
    if args.peer:
        peer(Path(args.peer[0]), Path(args.peer[1]))
        return 0
    if args.peer_warm:
        peer(Path(args.peer_warm), None)
        return 0
    print(json.dumps({"task_d": run_task_d(quick=args.quick)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
