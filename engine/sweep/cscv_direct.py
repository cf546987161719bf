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
def _prefix_sums_nb(s1: np.ndarray, s2: np.ndarray, blocks: np.ndarray, prev: np.ndarray,
                    fresh: bool, p1: np.ndarray, p2: np.ndarray) -> None:
    """Running sums of ``blocks`` (sorted block numbers) over the rows of ``s1`` and ``s2``:
    level k of ``p1``/``p2`` (k, n) holds 0.0 + row b0 + row b1 + … + row bk, added in that
    order. Levels whose blocks agree with ``prev`` (the blocks the stack held; ignored when
    ``fresh``) are kept; the others are recomputed from the level below."""
    n = s1.shape[1]
    k0 = 0
    if not fresh:
        while k0 < blocks.size and blocks[k0] == prev[k0]:
            k0 += 1
    for k in range(k0, blocks.size):
        r1 = s1[blocks[k]]
        r2 = s2[blocks[k]]
        o1 = p1[k]
        o2 = p2[k]
        if k == 0:
            for j in range(n):
                o1[j] = 0.0 + r1[j]
            for j in range(n):
                o2[j] = 0.0 + r2[j]
        else:
            b1 = p1[k - 1]
            b2 = p2[k - 1]
            for j in range(n):
                o1[j] = b1[j] + r1[j]
            for j in range(n):
                o2[j] = b2[j] + r2[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _sharpe_nb(a: np.ndarray, q: np.ndarray, count: int, center: np.ndarray,
               out: np.ndarray) -> None:
    """Per-period Sharpe of each trial from its sum ``a`` and sum of squares ``q`` of
    ``count`` centred returns; −inf where undefined (no spread)."""
    for j in range(a.size):
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
    top = train[0]
    for j in range(1, train.size):
        if train[j] > top:
            top = train[j]
            best = j
    v = test[best]
    less = 0
    equal = 0
    for j in range(test.size):          # no branches: about half the trials are below v
        t = test[j]
        less += weight[j] * (t < v)
        equal += weight[j] * (t == v)
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
    half = chosen.shape[1]
    n_chunks = min(n_half, 64)
    for ch in prange(n_chunks):
        perf_a = np.empty(n)
        perf_b = np.empty(n)
        a1 = np.empty((half, n))        # running sums of the in-sample blocks …
        a2 = np.empty((half, n))
        b1 = np.empty((half, n))        # … and of the out-of-sample ones
        b2 = np.empty((half, n))
        lo = ch * n_half // n_chunks
        hi = (ch + 1) * n_half // n_chunks
        for c in range(lo, hi):
            # splits in lexicographic order: the next one shares most of its blocks' sums
            _prefix_sums_nb(s1, s2, chosen[c], chosen[c - 1], c == lo, a1, a2)
            _prefix_sums_nb(s1, s2, other[c], other[c - 1], c == lo, b1, b2)
            _sharpe_nb(a1[half - 1], a2[half - 1], count, center, perf_a)
            _sharpe_nb(b1[half - 1], b2[half - 1], count, center, perf_b)
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
