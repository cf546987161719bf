"""Parameter sweeps of 10,000+ variants with overfitting statistics, locally or on Dask.

``run_sweep(config, strategy=..., grid=[...])`` (or ``rowboat sweep``) runs every variant of a
strategy's grid through the fused kernel (the strategy's own rule → the engine's simulation →
the engine's streaming metrics, one pass per variant, numba ``prange``), reports the Deflated
Sharpe Ratio of the best, the Probability of Backtest Overfitting (CSCV) and a walk-forward, and
writes ``results/<name>-sweep/``. Modules: ``grid`` (parsing, validation), ``combos`` (the
params' cross-field rules over every combination), ``problem`` (arrays
per signal group), ``fused`` (the kernel), ``dask`` (chunks on a cluster), ``overfit`` and
``walkforward`` (the statistics), ``stats``, ``api``, ``output``, ``page``, ``cli``,
``bench_c`` (Task C of the benchmark).
"""
from __future__ import annotations

from engine.sweep.api import SweepResult, run_sweep
from engine.sweep.grid import Grid, build_grid
from engine.sweep.overfit import deflated_sharpe_ratio, expected_max_sharpe, pbo_cscv
from engine.sweep.walkforward import walk_forward

__all__ = ["Grid", "SweepResult", "build_grid", "deflated_sharpe_ratio", "expected_max_sharpe",
           "pbo_cscv", "run_sweep", "walk_forward"]
