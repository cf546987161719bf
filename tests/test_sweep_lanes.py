"""The fused sweep gives the same bits at every lane width (ROWBOAT_LANES = 4, 8, 16), and those
equal a single backtest + summary of each variant.

The width is a compile-time constant chosen at import (engine.simd), so each width runs in a
process of its own (its kernels compile into their own cache folder the first time: about a
minute per width on 2 cores). ``make test`` checks this CPU's width against the other width the
CPU detection can choose (8 on AVX2, 16 on AVX-512); ``ROWBOAT_TEST_ALL_LANES=1`` adds width 4,
which is only ever forced by hand (it kept ``make test`` near its 10-minute limit).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import simd
from engine.experiment import load_experiment
from engine.metrics import nb, summary
from engine.sim import backtest
from engine.sweep.api import execute
from engine.sweep.fused import N_COLS
from engine.sweep.problem import prepare

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"
GRID = ["drawdown=0.03,0.08", "shift=0.5,1", "defensive=0,0.5", "years=0,3",
        "schedule=monthly,quarterly", "rebalance=decision,change", "band=none,0.05"]
#: each width's run: 128 variants in chunks of 37 (batches with fewer lanes than the width)
SCRIPT = """
import json, sys
import numpy as np
from engine.experiment import load_experiment
from engine.metrics import nb
from engine.sweep.api import execute
from engine.sweep.problem import prepare
problem = prepare(load_experiment(sys.argv[1]), "rowing_boat", json.loads(sys.argv[2]))
metrics, monthly = execute(problem, chunk=37)
np.savez(sys.argv[3], metrics=metrics, monthly=monthly)
print(nb.LANES)
"""
KEYS = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "total_return",
        "skew", "kurtosis")


def _run_width(width: int, out: Path) -> tuple[np.ndarray, np.ndarray]:
    env = dict(os.environ, ROWBOAT_LANES=str(width), NUMBA_NUM_THREADS="2")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(CONFIG), json.dumps(GRID),
                           str(out)], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout.split()[-1]) == width            # the width really was forced
    got = np.load(out)
    return got["metrics"], got["monthly"]


@pytest.mark.slow
def test_every_lane_width_gives_the_same_bits(tmp_path):
    exp = load_experiment(CONFIG)
    problem = prepare(exp, "rowing_boat", GRID)
    here_m, here_mo = execute(problem, chunk=37)           # this process: the CPU's width
    assert here_m.shape == (128, N_COLS)
    widths = [w for w in simd.WIDTHS if w != nb.LANES
              and (w in (8, 16) or os.environ.get("ROWBOAT_TEST_ALL_LANES") == "1")]
    runs = {w: _run_width(w, tmp_path / f"lanes{w}.npz") for w in widths}
    assert runs and all(w != nb.LANES for w in runs)
    for w, (m, mo) in runs.items():
        assert np.array_equal(m.view(np.int64), here_m.view(np.int64)), w     # bit for bit
        assert np.array_equal(mo.view(np.int32), here_mo.view(np.int32)), w
    # and each width's numbers are a single backtest's (a sample of variants)
    s, e = problem.period
    c = exp.config.costs
    sc = exp.config.strategy("rowing_boat")
    for v in (0, 37, 77, 127):
        p = problem.grid.variant(v)
        targets = sc.strategy.targets(exp.panel, p, exp.config.bound_signals("rowing_boat"),
                                      listed=exp.listed)
        res = backtest(exp.panel, targets, lag=exp.config.run.lag,
                       rebalance=p.rebalance or c.rebalance,
                       band=p.band if p.band is not None else c.band,
                       band_relative=c.band_relative, fee=c.fee, slippage=c.slippage,
                       cash=exp.cash)
        expect = summary(res.returns.loc[s:e], exp.rf.loc[s:e])
        for w, (m, _) in {**runs, nb.LANES: (here_m, here_mo)}.items():
            for k in KEYS:
                assert m[v, nb.OUT_NAMES.index(k)] == pytest.approx(expect[k], rel=1e-9, abs=1e-12), \
                    (w, v, k)
