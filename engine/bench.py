"""``rowboat bench``: speed against vectorbt and bt, printed as ONE JSON object.

Each side of each task runs in its own Python process (``python -m engine.bench --worker
SIDE``), so the peak RSS it reports is that side's alone and no side warms another's caches.

- **Task A** (throughput): V = 1,000 fixed-mix variants × K = 4 assets (SPY/EFA/EEM/IEF,
  2003-09-29 → 2026-07-31 = 5,746 days from ../shared/data/prices; the synthetic sample's
  US/EXUS/EM/BONDS when that folder is absent, and the JSON says so), monthly rebalancing,
  10 bps fees. Inside each timer each side produces the V × T matrix of daily values: rowboat
  through ``engine.sim.simulate_values``; vectorbt through ``Portfolio.from_orders`` +
  ``value()``, its input frames built outside the timer. Medians of ≥ 5 (rowboat) and ≥ 3
  (vectorbt) warm runs, their ratio, the max relative difference of the daily values,
  nanoseconds per asset·day·variant and each side's peak RSS.
- **Task B** (one backtest, end to end): one fixed mix through the public ``backtest()``
  (Panel in, Result out) vs the same through bt (``integer_positions=False``): median seconds.

More tasks: add a :class:`Task` to :data:`TASKS` and its worker function(s) to :data:`WORKERS`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from engine.simd import simd

ROOT = Path(__file__).resolve().parent.parent
#: Real data lives beside the project (never inside it); ROWBOAT_SHARED_DATA overrides.
def child_env(**extra: str) -> dict[str, str]:
    """The environment of a timed child process: as a user's shell has it — Python may write its
    bytecode cache (a shell with PYTHONDONTWRITEBYTECODE set would recompile every engine module
    in every timed run, ~0.3 s no user's second run pays) — with warnings off and ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONWARNINGS"] = "ignore"
    env["ROWBOAT_NO_SERVER"] = "1"     # a `rowboat server` is timed only where the JSON says so
    env.update(extra)
    return env


@contextmanager
def resident(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A ``rowboat server`` (:mod:`engine.server`) for commands run with the environment this
    yields (``env`` with a socket folder of its own); stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="rowboat-bench-server-") as folder:
        env = {k: v for k, v in env.items() if k != "ROWBOAT_NO_SERVER"}
        env["ROWBOAT_SERVER_DIR"] = folder
        server = [sys.executable, "-m", "engine.cli", "server"]
        subprocess.run([*server, "start", "--idle", "30"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        try:
            yield env
        finally:
            subprocess.run([*server, "stop"], env=env, cwd=ROOT, capture_output=True)


SHARED_PRICES = Path(os.environ.get("ROWBOAT_SHARED_DATA",
                                    ROOT.parent / "shared" / "data")) / "prices"
REAL = {"us": "SPY", "ex_us": "EFA", "em": "EEM", "bonds": "IEF"}
SAMPLE = {"us": "US", "ex_us": "EXUS", "em": "EM", "bonds": "BONDS"}
START, END = "2003-09-29", "2026-07-31"
FEE = 0.001
MIX_B = {"us": 0.4, "ex_us": 0.2, "em": 0.1, "bonds": 0.3}


# --------------------------------------------------------------------------- shared helpers
def _panel():
    """(panel, description): the real four-asset universe, or the sample when it is absent."""
    from engine.data import load_panel

    if all((SHARED_PRICES / f"{t}.csv").exists() for t in REAL.values()):
        panel = load_panel(SHARED_PRICES, REAL, start=START, end=END)
        return panel, f"real: {'/'.join(REAL.values())} from {SHARED_PRICES}"
    from engine.data.panel import Sleeve
    from engine.data.sample import sample_panel

    panel = sample_panel().with_sleeves({r: Sleeve.parse(r, t) for r, t in SAMPLE.items()})
    return panel, (f"synthetic sample {'/'.join(SAMPLE.values())} ({panel.source}); "
                   f"{SHARED_PRICES} not found")


def peak_rss_mb() -> float:
    """This process's peak resident memory, MiB, since it started.

    Linux: ``VmHWM`` of the process's own memory map. (``getrusage``'s ``ru_maxrss`` is carried
    across fork and exec, so a worker would report its parent's peak when that is larger.)
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0   # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux units: KiB


def _times(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall seconds of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _warm_up(fn: Callable[[], object], seconds: float) -> None:
    """Call ``fn`` at least 3 times and for at least ``seconds``: compiles / loads the numba
    cache and brings the machine to a steady state (fresh pages for the outputs, CPU clocks)
    before anything is timed."""
    t0 = time.perf_counter()
    n = 0
    while n < 3 or time.perf_counter() - t0 < seconds:
        fn()
        n += 1


def _task_a_inputs(quick: bool):
    """Closes (T, K), fill days (D,), per-variant weights (V, K), description."""
    from engine.sim import schedule_dates

    panel, desc = _panel()
    close = np.ascontiguousarray(panel.tr[[panel.sleeves[r].tickers[0] for r in REAL]]
                                 .to_numpy(dtype=np.float64))
    decisions = panel.dates.get_indexer(schedule_dates(panel.dates, "monthly"))
    fill_idx = decisions[decisions + 1 < len(panel)] + 1
    n_var = 50 if quick else 1000
    weights = np.random.default_rng(2026).dirichlet(np.ones(close.shape[1]), size=n_var)
    return close, fill_idx.astype(np.int64), weights, desc


# --------------------------------------------------------------------------- workers
def _worker_a_rowboat(quick: bool, out: Path | None) -> dict:
    from engine.sim import simulate_values

    close, fill_idx, weights, desc = _task_a_inputs(quick)
    targets = np.ascontiguousarray(np.repeat(weights[:, None, :], len(fill_idx), axis=1))
    V, T, K = len(weights), close.shape[0], close.shape[1]
    # the (V, T) output is allocated (and faulted in) once: each timed run measures the
    # simulation writing into it, not the kernel's page faults on a fresh 46 MB matrix
    values = np.zeros((V, T))
    run = lambda: simulate_values(close, fill_idx, targets, fee=FEE, out=values)  # noqa: E731
    _warm_up(run, 1.0)
    runs = 7 if quick else 21
    times = _times(run, runs)
    if out is not None:
        np.save(out, values)
    return {"seconds": statistics.median(times), "min_seconds": min(times), "runs": runs,
            "variants": V, "days": T, "assets": K,
            "rebalances": int(len(fill_idx)), "data": desc, "rss_mb": peak_rss_mb()}


def _worker_a_vectorbt(quick: bool, out: Path | None) -> dict:
    import pandas as pd

    from engine.backends.vectorbt import from_orders

    close, fill_idx, weights, desc = _task_a_inputs(quick)
    V, (T, K) = len(weights), close.shape
    size = np.full((T, V * K), np.nan)
    size[fill_idx] = weights.reshape(1, V * K)
    close_f = pd.DataFrame(np.tile(close, (1, V)))
    size_f = pd.DataFrame(size)
    groups = np.repeat(np.arange(V), K)

    def run():
        pf = from_orders(close_f, size_f, fee=FEE, slippage=0.0, init_cash=1.0, group_by=groups)
        return pf.value().to_numpy()

    run()                                                                  # compile / load cache
    runs = 3
    secs, values = _median_time(run, runs)
    if out is not None:
        np.save(out, np.ascontiguousarray(values.T))
    return {"seconds": secs, "runs": runs, "variants": V, "days": T, "assets": K,
            "data": desc, "rss_mb": peak_rss_mb()}


def _worker_b(quick: bool, out: Path | None) -> dict:
    import bt
    import pandas as pd

    from engine.sim import backtest, fixed_mix

    panel, desc = _panel()
    targets = fixed_mix(panel, MIX_B, "monthly")
    ours = lambda: backtest(panel, targets, fee=FEE)                         # noqa: E731
    res = ours()
    fills = res.rebalances.index
    tickers = {panel.sleeves[r].tickers[0]: w for r, w in MIX_B.items()}

    def theirs() -> pd.Series:
        strategy = bt.Strategy("mix", [bt.algos.RunOnDate(*fills),
                                       bt.algos.WeighSpecified(**tickers), bt.algos.Rebalance()])
        test = bt.Backtest(strategy, panel.tr[list(tickers)], initial_capital=1.0,
                           commissions=lambda q, p: abs(q) * p * FEE, integer_positions=False,
                           progress_bar=False)
        bt.run(test)
        return test.strategy.values

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _warm_up(theirs, 0.5)
        bt_s, bt_values = _median_time(theirs, 2 if quick else 5)
    _warm_up(ours, 0.5)
    rb_s, res = _median_time(ours, 21 if quick else 51)
    rel = float(np.max(np.abs(res.value / bt_values.reindex(panel.dates) - 1)))
    return {"rowboat_s": rb_s, "bt_s": bt_s, "ratio": bt_s / rb_s, "data": desc,
            "days": len(panel), "max_rel_diff_vs_bt": rel, "rss_mb": peak_rss_mb()}


def _worker_c(quick: bool, out: Path | None = None) -> dict:
    """Task C: a 10,000-variant sweep of the regime rule (engine.sweep.bench_c)."""
    from engine.sweep import bench_c

    return bench_c.worker(quick, out)


def _worker_c_e2e(quick: bool, out: Path | None = None) -> dict:
    """Task C end to end: ``rowboat sweep`` of the ETF config as a whole process."""
    from engine.sweep import bench_big

    return bench_big.sweep_e2e(quick)


def _worker_d(quick: bool, out: Path | None = None) -> dict:
    """Task D: ``rowboat run`` vs a vectorbt + quantstats script (engine.bench_d)."""
    from engine import bench_d

    return bench_d.worker(quick, out)


def _worker_big(quick: bool, out: Path | None = None) -> dict:
    """Task big: 1,000,000 variants end to end (engine.sweep.bench_big)."""
    from engine.sweep import bench_big

    return bench_big.big(quick)


#: side name → worker(quick, out_path) -> dict
WORKERS: dict[str, Callable[[bool, Path | None], dict]] = {
    "a.rowboat": _worker_a_rowboat,
    "a.vectorbt": _worker_a_vectorbt,
    "b": _worker_b,
    "c": _worker_c,
    "c.e2e": _worker_c_e2e,
    "d": _worker_d,
    "big": _worker_big,
}


# --------------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class Task:
    """A benchmark task: its JSON key, the worker sides (one process each) and how to merge
    their outputs (``{side: dict}`` plus the folder where sides saved arrays) into the JSON."""

    key: str
    sides: tuple[str, ...]
    combine: Callable[[dict[str, dict], Path], dict]


def _combine_a(parts: dict[str, dict], folder: Path) -> dict:
    ours, theirs = parts["a.rowboat"], parts["a.vectorbt"]
    a = np.load(folder / "a.rowboat.npy")
    b = np.load(folder / "a.vectorbt.npy")
    V, T, K = ours["variants"], ours["days"], ours["assets"]
    return {"rowboat_s": ours["seconds"], "rowboat_min_s": ours["min_seconds"],
            "vectorbt_s": theirs["seconds"],
            "ratio": theirs["seconds"] / ours["seconds"],
            "ratio_at_min": theirs["seconds"] / ours["min_seconds"],
            "timed": ("rowboat: simulate_values writing into a preallocated (V, T) output, input "
                      "checks included; median and min of the runs. vectorbt: from_orders + "
                      "value(), median"),
            "max_rel_diff": float(np.max(np.abs(a / b - 1.0))),
            "ns_per_asset_day_variant": ours["seconds"] / (V * T * K) * 1e9,
            "ns_per_asset_day_variant_min": ours["min_seconds"] / (V * T * K) * 1e9,
            "rowboat_rss_mb": ours["rss_mb"], "vectorbt_rss_mb": theirs["rss_mb"],
            "variants": V, "days": T, "assets": K, "rebalances": ours["rebalances"],
            "fee": FEE, "rowboat_runs": ours["runs"], "vectorbt_runs": theirs["runs"],
            "data": ours["data"]}


def _combine_b(parts: dict[str, dict], folder: Path) -> dict:
    return dict(parts["b"])


#: task id (``--task``) → Task. Add new tasks here.
TASKS: dict[str, Task] = {
    "a": Task("task_a", ("a.rowboat", "a.vectorbt"), _combine_a),
    "b": Task("task_b", ("b",), _combine_b),
    "c": Task("task_c", ("c", "c.e2e"), lambda parts, folder: {**parts["c"],
                                                               **parts["c.e2e"]}),
    "d": Task("task_d", ("d",), lambda parts, folder: dict(parts["d"])),
    "big": Task("task_big", ("big",), lambda parts, folder: dict(parts["big"])),
}
#: what ``make bench`` / ``rowboat bench`` run without ``--task`` (big is on request only)
DEFAULT_TASKS = ("a", "b", "c", "d")


def machine() -> dict:
    """Where the numbers came from."""
    import numba

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    # versions from the installed metadata: importing vectorbt/bt here would only grow this
    # (parent) process
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("numpy", "pandas", "numba", "vectorbt", "bt"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:   # a missing optional peer is reported, not fatal
            versions[dist] = None
    return {"cpu": cpu, "simd": simd(), "cores": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "memory_gb": mem_gb, "os": platform.platform(), "versions": versions,
            "load_average_before": [round(x, 2) for x in os.getloadavg()]}


def _run_side(side: str, quick: bool, folder: Path) -> dict:
    cmd = [sys.executable, "-m", "engine.bench", "--worker", side,
           "--out", str(folder / f"{side}.npy")] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=child_env(),
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark side {side} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(tasks: list[str], quick: bool = False) -> dict:
    """Run the tasks (each side in its own process) and return the JSON-ready dict."""
    report: dict = {"machine": machine(), "quick": quick}
    if quick:
        report["note"] = ("--quick: smaller sizes (task A: 50 variants instead of 1,000) and "
                          "fewer repeats; a smoke run, not the benchmark's numbers")
    with tempfile.TemporaryDirectory(prefix="rowboat-bench-") as tmp:
        folder = Path(tmp)
        for tid in tasks:
            task = TASKS[tid]
            parts = {side: _run_side(side, quick, folder) for side in task.sides}
            report[task.key] = task.combine(parts, folder)
    return report


# --------------------------------------------------------------------------- CLI
def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes for a smoke run (the JSON says so)")
    parser.add_argument("--task", choices=sorted(TASKS), action="append",
                        help="run only this task (repeatable); default: a, b, c, d "
                             "('big': 1,000,000 variants end to end, on request)")


def main(args: argparse.Namespace) -> int:
    tasks = args.task or list(DEFAULT_TASKS)
    print(json.dumps(run(tasks, quick=args.quick), indent=2))
    return 0


def _worker_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="engine.bench --worker")
    p.add_argument("--worker", required=True, choices=sorted(WORKERS))
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    print(json.dumps(WORKERS[a.worker](a.quick, a.out)))
    return 0


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
