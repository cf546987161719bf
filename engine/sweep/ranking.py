"""Which metric a sweep ranks its variants by, and the ranking itself (numpy only: the CLI
reads :data:`RANK_METRICS` for ``--rank-by`` without loading the sweep's kernels)."""
from __future__ import annotations

import numpy as np

from engine.errors import ConfigError

#: metrics the top list, the best variant and the heat maps can rank by (higher is better); the
#: overfitting statistics (DSR, PBO, walk-forward) always rank by Sharpe on excess returns
RANK_METRICS = ("sharpe", "sortino", "calmar", "cagr")


def ranked(score: np.ndarray) -> np.ndarray:
    """Variant numbers by ``score`` (e.g. Sharpe), highest first; NaN last; ties by variant
    number."""
    key = np.where(np.isnan(score), -np.inf, score)
    return np.lexsort((np.arange(score.size), -key))


def check_rank_by(rank_by: str) -> str:
    if rank_by not in RANK_METRICS:
        raise ConfigError(f"--rank-by {rank_by}: not a ranking metric; use one of "
                          f"{', '.join(RANK_METRICS)}")
    return rank_by
