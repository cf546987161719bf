"""PBO by CSCV for sweeps whose per-block sums fit in cache (up to :data:`DIRECT_MAX` distinct
trials): one numba pass per split pair that computes every trial's Sharpe ratio on both halves
and takes the in-sample winner and its out-of-sample rank from them.

The tiled two-pass kernels of :mod:`engine.sweep.moments` read the block sums twice and
classify trials to skip the exact arithmetic; for ~10⁴ trials (1.6 MB of sums) that costs more
than it saves. Both compute each half's Sharpe ratio with the same arithmetic (blocks added in
the same order, :func:`engine.sweep.moments._exact`), so the results are the same bits.
Per-period Sharpe ratios of per-period returns in fractions; −inf where a half has no spread.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

#: at most this many distinct trials take the direct pass (16 blocks × 2 sums × 8 bytes each:
#: 16 MB of block sums at the bound); more take the tiled passes
DIRECT_MAX = 60_000


@njit(cache=True, nogil=True, error_model="numpy")
def _half_sharpe_nb(s1: np.ndarray, s2: np.ndarray, blocks: np.ndarray, count: int,
                    center: np.ndarray, a: np.ndarray, q: np.ndarray, out: np.ndarray) -> None:
    """Per-period Sharpe of each trial over ``blocks``; −inf where undefined (no spread).
    ``a`` and ``q`` are scratch (n,): the blocks are added one block row at a time
    (contiguous, SIMD), in the blocks' order."""
    n = s1.shape[1]
    for j in range(n):
        a[j] = 0.0
        q[j] = 0.0
    for k in range(blocks.size):
        r1 = s1[blocks[k]]
        r2 = s2[blocks[k]]
        for j in range(n):
            a[j] += r1[j]
        for j in range(n):
            q[j] += r2[j]
    for j in range(n):
        var = (q[j] - a[j] * a[j] / count) / (count - 1)
        if var > 0.0:
            out[j] = (center[j] + a[j] / count) / np.sqrt(var)
        else:
            out[j] = -np.inf


@njit(cache=True, nogil=True, error_model="numpy")
def _winner_rank_nb(train: np.ndarray, test: np.ndarray, weight: np.ndarray) -> tuple[int, float]:
    """IS winner (first argmax of ``train``) and its average rank (1-based) in ``test``, each
    trial counted ``weight`` times (its number of identical copies)."""
    best = 0
    for j in range(1, train.size):
        if train[j] > train[best]:
            best = j
    v = test[best]
    less = 0
    equal = 0
    for j in range(test.size):
        if test[j] < v:
            less += weight[j]
        elif test[j] == v:
            equal += weight[j]
    return best, less + (equal + 1) / 2.0


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def cscv_direct_nb(s1: np.ndarray, s2: np.ndarray, center: np.ndarray, chosen: np.ndarray,
                   other: np.ndarray, count: int, weight: np.ndarray, n_total_trials: int,
                   rank_out: np.ndarray, best_out: np.ndarray, is_out: np.ndarray,
                   oos_out: np.ndarray) -> None:
    """Per-split results from the per-block sums (S, n) of n trials. Split c (< H =
    chosen.shape[0]) trains on blocks ``chosen[c]`` and tests on ``other[c]``; split C − 1 − c
    (C = 2H) the other way round. Ranks are divided by ``n_total_trials`` + 1."""
    n_half = chosen.shape[0]
    n_total = 2 * n_half
    n = s1.shape[1]
    n_chunks = min(n_half, 64)
    for ch in prange(n_chunks):
        perf_a = np.empty(n)
        perf_b = np.empty(n)
        a = np.empty(n)
        q = np.empty(n)
        for c in range(ch, n_half, n_chunks):
            _half_sharpe_nb(s1, s2, chosen[c], count, center, a, q, perf_a)
            _half_sharpe_nb(s1, s2, other[c], count, center, a, q, perf_b)
            best, rank = _winner_rank_nb(perf_a, perf_b, weight)
            rank_out[c] = rank / (n_total_trials + 1.0)
            best_out[c] = best
            is_out[c] = perf_a[best]
            oos_out[c] = perf_b[best]
            m = n_total - 1 - c
            best, rank = _winner_rank_nb(perf_b, perf_a, weight)
            rank_out[m] = rank / (n_total_trials + 1.0)
            best_out[m] = best
            is_out[m] = perf_b[best]
            oos_out[m] = perf_a[best]
