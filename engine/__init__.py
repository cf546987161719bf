"""rowboat's engine: data, signals, simulation, metrics, reports and sweeps.

Importing the package points numba's on-disk cache at a writable folder inside the checkout
(``.cache/numba``) unless ``NUMBA_CACHE_DIR`` is already set, so compiled kernels survive between
runs without writing next to the installed sources.
"""
from __future__ import annotations

import os
from pathlib import Path

__version__ = "0.1.0"


def _default_numba_cache() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    root = Path(__file__).resolve().parent.parent
    for candidate in (root / ".cache" / "numba", Path.home() / ".cache" / "rowboat" / "numba"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            os.environ["NUMBA_CACHE_DIR"] = str(candidate)
            return


_default_numba_cache()
