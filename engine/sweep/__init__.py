"""Parameter sweeps of 10,000+ variants with overfitting statistics, locally or on Dask.

``run_sweep(config, strategy=..., grid=[...])`` (or ``rowboat sweep``) runs every variant of a
strategy's grid through the fused kernel (the strategy's own rule → the engine's simulation →
the engine's streaming metrics, one pass per variant, numba ``prange``), reports the Deflated
Sharpe Ratio of the best, the Probability of Backtest Overfitting (CSCV) and a walk-forward, and
writes ``results/<name>-sweep/``. Modules: ``grid`` (parsing, validation), ``combos`` (the
params' cross-field rules over every combination), ``problem`` (arrays
per signal group), ``fused`` (the kernel), ``dask`` (chunks on a cluster), ``overfit`` and
``walkforward`` (the statistics), ``stats``, ``ranking``, ``api``, ``output``, ``page``, ``cli``,
``bench_c`` (Task C of the benchmark).
"""
from __future__ import annotations

import importlib
from typing import Any

#: public name → the module that defines it; imported on first use (PEP 562), so that
#: ``rowboat sweep --help`` or a bad option does not first load numba and the fused kernel
_PUBLIC = {"SweepResult": "api", "run_sweep": "api", "Grid": "grid", "build_grid": "grid",
           "deflated_sharpe_ratio": "overfit", "expected_max_sharpe": "overfit",
           "pbo_cscv": "overfit", "walk_forward": "walkforward"}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'engine.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(f"engine.sweep.{_PUBLIC[name]}"), name)
