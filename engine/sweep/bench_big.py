"""Sweeps end to end, as a user runs them: ``rowboat sweep`` as a whole process.

* :func:`sweep_e2e` (Task C's ``sweep_e2e_seconds``): ``rowboat sweep`` of the ETF config's
  ``rowing_boat`` strategy over its documented grid (10,800 variants) — signals, kernel,
  statistics, files and the page; warm (one untimed run first: numba's cache, the file cache
  and Python's bytecode cache), the median of three; ``sweep_e2e_server_seconds`` the same with
  a ``rowboat server`` started first (:mod:`engine.server`).
* :func:`big` (``--task big``): 1,000,000 variants of the same strategy (:data:`BIG_GRID`:
  drawdown 100 × shift 100 × defensive 100 values, one signal group), end to end; wall seconds
  and the process's peak resident memory (``wait4``'s ``ru_maxrss`` of that child alone).

The sample config is used when ../shared/data is absent (the JSON says so).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.bench import ROOT, child_env, resident
from engine.bench_d import config_path

#: 100 × 100 × 100 = 1,000,000 variants; the other params fixed (one signal group)
BIG_GRID = ("drawdown=0.0025:0.25:0.0025", "shift=0.01:1:0.01", "defensive=0:0.99:0.01",
            "combine=either", "fallback=bonds", "years=0", "confirm_days=1", "trend_months=10")
#: --quick: 1,000 variants (a smoke run of the harness)
QUICK_GRID = ("drawdown=0.025:0.25:0.025", "shift=0.1:1:0.1", "defensive=0:0.9:0.1",
              "combine=either", "fallback=bonds", "years=0", "confirm_days=1", "trend_months=10")


def _sweep_cmd(out: Path, grid: tuple[str, ...] = ()) -> list[str]:
    config, _ = config_path()
    cmd = [sys.executable, "-m", "engine.cli", "sweep", str(config), "--strategy", "rowing_boat",
           "--out", str(out), "--force", "--quiet", "--yes"]
    for g in grid:
        cmd += ["--grid", g]
    return cmd


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process (environment: ``env`` or
    :func:`child_env`); a failure raises with its stderr. In a server, the RSS is the small
    ``rowboat`` process's."""
    env = child_env() if env is None else env
    with tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n"
                               f"{err.read()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024.0        # Linux: KiB


def sweep_e2e(quick: bool = False, runs: int = 3) -> dict:
    """``sweep_e2e_seconds``: the whole ``rowboat sweep`` process (see the module doc)."""
    config, desc = config_path()
    with tempfile.TemporaryDirectory(prefix="rowboat-sweep-e2e-") as tmp:
        cmd = _sweep_cmd(Path(tmp))
        run_child(cmd)                                  # warm-up: numba cache, file cache
        results = [run_child(cmd) for _ in range(1 if quick else runs)]
        with resident(child_env()) as served:           # the same in a `rowboat server`
            run_child(cmd, served)                      # its first run, untimed
            in_server = [run_child(cmd, served)[0] for _ in range(1 if quick else runs)]
    times = [s for s, _ in results]
    return {"sweep_e2e_seconds": statistics.median(times), "sweep_e2e_runs": times,
            "sweep_e2e_server_seconds": statistics.median(in_server),
            "sweep_e2e_server_runs": in_server,
            "sweep_e2e_peak_rss_mb": max(m for _, m in results),
            "sweep_e2e_config": f"{config.name}, strategy rowing_boat, its documented grid"}


def big(quick: bool = False) -> dict:
    """``task_big``: 1,000,000 variants end to end (see the module doc)."""
    config, desc = config_path()
    grid = QUICK_GRID if quick else BIG_GRID
    with tempfile.TemporaryDirectory(prefix="rowboat-big-") as tmp:
        cmd = _sweep_cmd(Path(tmp), grid)
        run_child(_sweep_cmd(Path(tmp), QUICK_GRID))    # warm-up: numba cache, file cache
        seconds, rss = run_child(cmd)
        variants = _variants(Path(tmp))
    return {"variants": variants, "seconds": seconds, "peak_rss_mb": rss,
            "grid": list(grid), "config": config.name, "data": desc, "quick": quick}


def _variants(folder: Path) -> int:
    import json

    manifest = next(folder.glob("*/manifest.json"))
    return int(json.loads(manifest.read_text())["grid"]["variants"])
