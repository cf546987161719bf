"""Numba kernels for the overfitting statistics of large sweeps: a few passes over the (V, M)
monthly excess returns as they are (float32 or float64, rows = trials), never a V × M float64
copy, and the CSCV splits tile by tile so that the per-block sums being read stay in cache.

* :func:`standardized_sums_nb` — per work item, the sum of the standardized rows (ddof = 1)
  of the trials whose returns vary, and how many there are: what
  :func:`engine.sweep.overfit.effective_trials` needs for the average pairwise correlation.
* :func:`cscv_winners_nb` and :func:`cscv_ranks_nb` — PBO by CSCV from per-block sums (see
  ``engine.sweep.overfit._block_sums_nb``): pass 1 finds, for every split, the in-sample
  winner (the first trial of the highest in-sample Sharpe), pass 2 counts the trials below and
  equal to the winner out of sample (each counted with its number of identical copies). Each
  trial's half-sample Sharpe ratio is computed with exactly the arithmetic of a one-pass
  version (blocks added in the same order), so the results are the same bits whatever the
  tiling; only the memory traffic changes — a 16-block split of 10⁶ trials reads ~256 MB of
  block sums, which a pass per split would stream 12,870 times.

Per-period Sharpe ratios (mean / standard deviation, ddof = 1) of per-period returns in
fractions; −inf where a half has no spread.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

#: trials per tile: 16 blocks × 2 sums × TILE doubles (64 KB) plus scratch stay in L1/L2
TILE = 256
#: work items per parallel region: each keeps its own per-split winners or counts
N_ITEMS = 64


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def standardized_sums_nb(x: np.ndarray, colsum: np.ndarray, counts: np.ndarray) -> None:
    """Rows of ``x`` (V, T) split into ``colsum.shape[0]`` contiguous work items. Item i adds
    each of its rows r whose returns vary (max > min and a finite, positive standard deviation,
    ddof = 1) standardized, (x_r − mean_r) / sd_r, into ``colsum[i]`` (T,) and counts them in
    ``counts[i]``. Reads float32 or float64 rows; sums in float64."""
    v, t = x.shape
    n_items = colsum.shape[0]
    per = (v + n_items - 1) // n_items
    for it in prange(n_items):
        acc = colsum[it]
        n = 0
        for r in range(it * per, min(v, (it + 1) * per)):
            tot = 0.0
            lo = np.float64(x[r, 0])
            hi = lo
            for k in range(t):
                y = np.float64(x[r, k])
                tot += y
                lo = min(lo, y)
                hi = max(hi, y)
            mean = tot / t
            ss = 0.0
            for k in range(t):
                d = np.float64(x[r, k]) - mean
                ss += d * d
            sd = np.sqrt(ss / (t - 1))
            if hi > lo and np.isfinite(sd) and sd > 0.0:
                n += 1
                for k in range(t):
                    acc[k] += (np.float64(x[r, k]) - mean) / sd
        counts[it] = n


@njit(cache=True, nogil=True, error_model="numpy")
def _sums_tile(s1: np.ndarray, s2: np.ndarray, blocks: np.ndarray, lo: int, m: int,
               a: np.ndarray, q: np.ndarray) -> None:
    """Σ over ``blocks`` of the deviation sums and squares of trials lo … lo + m − 1 into
    a[:m], q[:m]: the blocks added one block row at a time, in the given order (plain
    contiguous loops: SIMD)."""
    aa = a[:m]
    qq = q[:m]
    for j in range(m):
        aa[j] = 0.0
        qq[j] = 0.0
    for k in range(blocks.size):
        r1 = s1[blocks[k], lo:lo + m]
        r2 = s2[blocks[k], lo:lo + m]
        for j in range(m):
            aa[j] += r1[j]
        for j in range(m):
            qq[j] += r2[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _exact(a: float, q: float, c: float, count: int) -> float:
    """The per-period Sharpe from a half's sums: the reference arithmetic (−inf without
    spread)."""
    var = (q - a * a / count) / (count - 1)
    if var > 0.0:
        return (c + a / count) / np.sqrt(var)
    return -np.inf


@njit(cache=True, nogil=True, error_model="numpy")
def _classify(a: np.ndarray, q: np.ndarray, center: np.ndarray, lo: int, m: int, count: int,
              v: float, code: np.ndarray) -> None:
    """Where each trial's Sharpe (num / sd) lies against a finite ``v``, without division or
    square root: code 1 = certainly below v, 2 = certainly above, 0 = too close to tell from
    the rounded figures (or no spread) — those take the exact arithmetic. Margins: num and the
    variance are computed with reciprocals (a few ulps off the exact ones); a num or variance
    that cancels to below 1e-6 of its terms is undecided, and otherwise num² against v²·var
    decides outside a relative band of :data:`BAND`."""
    i_n = 1.0 / count
    i_n1 = 1.0 / (count - 1)
    v2 = v * v
    lo_band = 1.0 - BAND
    hi_band = 1.0 + BAND
    cc = center[lo:lo + m]
    for j in range(m):
        x = a[j] * i_n
        num = cc[j] + x
        var = (q[j] - a[j] * x) * i_n1
        unsure = (var <= 1e-6 * q[j] * i_n1) | (abs(num) <= 1e-6 * (abs(cc[j]) + abs(x)))
        lhs = num * num
        rhs = v2 * var
        neg = num < 0.0
        pos = num > 0.0
        small = lhs < rhs * lo_band
        large = lhs > rhs * hi_band
        if v >= 0.0:
            below = neg | small
            above = pos & large
        else:
            below = neg & large
            above = pos | small
        # 1 below, 2 above, 0 undecided (branch-free: the loop stays SIMD)
        code[j] = np.int8(~unsure & below) + np.int8(2) * np.int8(~unsure & ~below & above)


#: relative band of num² vs v²·var inside which the exact arithmetic decides (the rounded
#: figures are within ~1e-9 of the exact ones after the cancellation guards)
BAND = 1e-7


@njit(cache=True, nogil=True, error_model="numpy")
def half_sharpe_nb(s1: np.ndarray, s2: np.ndarray, blocks: np.ndarray, count: int,
                   center: np.ndarray, j: int) -> float:
    """Trial ``j``'s per-period Sharpe over ``blocks`` (the same bits as the tiled passes)."""
    a = np.empty(1)
    q = np.empty(1)
    _sums_tile(s1, s2, blocks, j, 1, a, q)
    return _exact(a[0], q[0], center[j], count)


@njit(cache=True, nogil=True, error_model="numpy")
def _scan_max(a: np.ndarray, q: np.ndarray, center: np.ndarray, lo: int, m: int, count: int,
              best: float, at: int, seed: bool, code: np.ndarray) -> tuple[float, int]:
    """Continue a first-argmax scan (strict >) over trials lo … lo + m − 1 from (best, at);
    ``seed``: trial lo starts the scan. Trials certainly not above the best at the start of
    the tile are skipped; the others are compared with their exact Sharpe."""
    p = _exact(a[0], q[0], center[lo], count)      # the first trial, as a scan takes it
    if seed or p > best:
        best = p
        at = lo
    j0 = 1
    if np.isfinite(best):
        _classify(a, q, center, lo, m, count, best, code)
    else:
        for j in range(m):
            code[j] = 0
    for j in range(j0, m):
        if code[j] != 1:
            p = _exact(a[j], q[j], center[lo + j], count)
            if p > best:
                best = p
                at = lo + j
    return best, at


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def cscv_winners_nb(s1: np.ndarray, s2: np.ndarray, center: np.ndarray, chosen: np.ndarray,
                    other: np.ndarray, count: int, best_val: np.ndarray,
                    best_idx: np.ndarray) -> None:
    """Pass 1. Split c (< H = chosen.shape[0]) trains on blocks ``chosen[c]`` and tests on
    ``other[c]``; split C − 1 − c (C = 2H) the other way round. For each work item i (a
    contiguous range of trials) and split: the highest in-sample Sharpe ``best_val[i, ·]`` and
    its first trial ``best_idx[i, ·]`` (−inf and −1 when none beats −inf; the item holding trial
    0 starts from it, as a plain first-argmax scan does). Merging the items in order with a
    strict ``>`` gives the first argmax over all trials."""
    n = s1.shape[1]
    n_half = chosen.shape[0]
    n_total = 2 * n_half
    n_items = best_val.shape[0]
    per = (n + n_items - 1) // n_items
    for it in prange(n_items):
        a = np.empty(TILE)
        q = np.empty(TILE)
        code = np.empty(TILE, dtype=np.int8)
        for c in range(n_total):
            best_val[it, c] = -np.inf
            best_idx[it, c] = -1
        hi_item = min(n, (it + 1) * per)
        for lo in range(it * per, hi_item, TILE):
            m = min(TILE, hi_item - lo)
            for c in range(n_half):
                for side in range(2):
                    d = c if side == 0 else n_total - 1 - c
                    _sums_tile(s1, s2, chosen[c] if side == 0 else other[c], lo, m, a, q)
                    best, at = _scan_max(a, q, center, lo, m, count, best_val[it, d],
                                         best_idx[it, d], lo == 0, code)
                    best_val[it, d] = best
                    best_idx[it, d] = at


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def cscv_ranks_nb(s1: np.ndarray, s2: np.ndarray, center: np.ndarray, chosen: np.ndarray,
                  other: np.ndarray, count: int, weight: np.ndarray, value: np.ndarray,
                  less: np.ndarray, equal: np.ndarray) -> None:
    """Pass 2. For each work item i and split d (numbered as in :func:`cscv_winners_nb`): the
    copies (``weight``) of the item's trials whose out-of-sample Sharpe is below
    ``value[d]`` (the split's winner's) into ``less[i, d]``, equal to it into ``equal[i, d]``
    — exactly: only trials too close to tell take the exact arithmetic (:func:`_classify`)."""
    n = s1.shape[1]
    n_half = chosen.shape[0]
    n_total = 2 * n_half
    n_items = less.shape[0]
    per = (n + n_items - 1) // n_items
    for it in prange(n_items):
        a = np.empty(TILE)
        q = np.empty(TILE)
        code = np.empty(TILE, dtype=np.int8)
        for c in range(n_total):
            less[it, c] = 0
            equal[it, c] = 0
        hi_item = min(n, (it + 1) * per)
        for lo in range(it * per, hi_item, TILE):
            m = min(TILE, hi_item - lo)
            w = weight[lo:lo + m]
            for c in range(n_half):
                for side in range(2):
                    # split c tests on the other blocks; its mirror on the chosen ones
                    d = c if side == 0 else n_total - 1 - c
                    _sums_tile(s1, s2, other[c] if side == 0 else chosen[c], lo, m, a, q)
                    v = value[d]
                    if np.isfinite(v):
                        _classify(a, q, center, lo, m, count, v, code)
                    else:
                        for j in range(m):
                            code[j] = 0
                    lc = 0
                    ec = 0
                    for j in range(m):
                        if code[j] == 1:
                            lc += w[j]
                    for j in range(m):
                        if code[j] == 0:
                            p = _exact(a[j], q[j], center[lo + j], count)
                            if p < v:
                                lc += w[j]
                            elif p == v:
                                ec += w[j]
                    less[it, d] += lc
                    equal[it, d] += ec
