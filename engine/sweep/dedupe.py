"""Variants that trade the same targets are simulated once.

A sweep's variant is simulated from four things only: its signal group (the rule inputs and
fill days), its rule's target sleeve weights at the group's decision rows, and its trading
settings (rebalance on change or not, drift band). Many grid points give the same targets —
a drawdown trigger of 10% or 11% that is crossed on the same months, a defensive share that
does not matter while the rule never turns defensive — and so the same daily values, costs
and metrics, bit for bit (the kernel's lanes do not interact).

:func:`representatives` runs only the rules (a few hundred decision rows each: a small fraction
of a simulation over thousands of days), hashes each variant's key, and maps every variant to
the first variant with the same key. Equality is then checked exactly — both variants' target
weights are recomputed and compared bit for bit — so a hash collision can only cost time
(the variant becomes its own representative), never a wrong result.

Units: weights are fractions; ``band`` as the sweep's ``trading`` gives it (≤ 0: none).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange, types

from engine.sweep.fused import RULE_TYPE, longest_group

@njit(types.uint64(types.uint64, types.uint64), cache=True, inline="always")
def _mix(h, x):
    """One step of a 64-bit hash: fold ``x`` into ``h`` (murmur3's finaliser on the xor)."""
    h ^= x + np.uint64(0x9E3779B97F4A7C15) + (h << np.uint64(6)) + (h >> np.uint64(2))
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


_f8_1 = types.float64[::1]
_f8_2 = types.float64[:, ::1]
_i8_1 = types.int64[::1]
_b1_1 = types.boolean[::1]
_u8_2 = types.uint64[:, ::1]

_HASH_SIG = types.void(RULE_TYPE, _i8_1, _i8_1, _f8_2, _f8_2, types.int64, _b1_1, _f8_1, _u8_2)


@njit(_HASH_SIG, cache=True, nogil=True, parallel=True)
def target_hashes_nb(rule, group, offsets, inputs, params, n_sleeves, on_change, band, out):
    """Two independent 64-bit hashes per variant (out (n, 2)) of its key: signal group,
    on_change, band bits and the bits of every target sleeve weight its rule returns
    (group's decision rows × ``n_sleeves``). −0.0 and 0.0 hash alike (they trade alike)."""
    n = params.shape[0]
    d_max = longest_group(offsets)
    n_slices = min(64, n)
    for c in prange(n_slices):
        sw_all = np.empty((d_max, n_sleeves))
        box = np.empty(1)
        box_bits = box.view(np.uint64)
        for v in range(c, n, n_slices):
            g = group[v]
            lo = offsets[g]
            D = offsets[g + 1] - lo
            sw = sw_all[:D]
            rule(inputs[lo:lo + D], params[v], sw)
            ha = _mix(np.uint64(0x9E3779B97F4A7C15), np.uint64(g))
            hb = _mix(np.uint64(0x632BE59BD9B4E019), np.uint64(g))
            oc = np.uint64(1) if on_change[v] else np.uint64(0)
            ha = _mix(ha, oc)
            hb = _mix(hb, oc ^ np.uint64(0x5555555555555555))
            box[0] = band[v] + 0.0
            bb = box_bits[0]
            ha = _mix(ha, bb)
            hb = _mix(hb, ~bb)
            # the weights: two polynomial hashes (one multiply each per weight), mixed at the end
            pa = np.uint64(0)
            pb = np.uint64(0)
            for d in range(D):
                for s in range(n_sleeves):
                    box[0] = sw[d, s] + 0.0      # −0.0 → 0.0
                    u = box_bits[0]
                    pa = pa * np.uint64(0x100000001B3) + u
                    pb = (pb ^ u) * np.uint64(0xC6A4A7935BD1E995)
            ha = _mix(ha, pa)
            hb = _mix(hb, pb)
            out[v, 0] = ha
            out[v, 1] = hb


_SAME_SIG = types.void(RULE_TYPE, _i8_1, _i8_1, _f8_2, _f8_2, types.int64, _b1_1, _f8_1, _i8_1,
                       _b1_1)


@njit(_SAME_SIG, cache=True, nogil=True, parallel=True)
def same_targets_nb(rule, group, offsets, inputs, params, n_sleeves, on_change, band, rep, ok):
    """ok[v] = variant v's key equals its representative rep[v]'s exactly (group, on_change,
    band and every target weight, −0.0 == 0.0); recomputes both rules' targets."""
    n = params.shape[0]
    d_max = longest_group(offsets)
    n_slices = min(64, n)
    for c in prange(n_slices):
        a_all = np.empty((d_max, n_sleeves))
        b_all = np.empty((d_max, n_sleeves))
        for v in range(c, n, n_slices):
            r = rep[v]
            if r == v:
                ok[v] = True
                continue
            g = group[v]
            if (group[r] != g or on_change[r] != on_change[v]
                    or not band[r] == band[v]):
                ok[v] = False
                continue
            lo = offsets[g]
            D = offsets[g + 1] - lo
            a = a_all[:D]
            b = b_all[:D]
            rule(inputs[lo:lo + D], params[v], a)
            rule(inputs[lo:lo + D], params[r], b)
            same = True
            for d in range(D):
                for s in range(n_sleeves):
                    if not a[d, s] == b[d, s]:
                        same = False
            ok[v] = same


def representatives(rule: Any, group: np.ndarray, stacked: tuple, params: np.ndarray,
                    n_sleeves: int, on_change: np.ndarray, band: np.ndarray) -> np.ndarray:
    """(n,) int64: for each variant, the first variant (lowest row) with exactly its key; a
    variant is its own representative when it is the first of its kind.

    ``rule`` is the compiled rule dispatcher, ``group`` (n,) signal group ids, ``stacked`` the
    problem's (first fill, offsets, fill_rel, inputs), ``params`` (n, P) param vectors,
    ``on_change`` (n,) bool, ``band`` (n,) float. Band NaN never matches (each its own)."""
    _, offsets, _, inputs = stacked
    n = params.shape[0]
    hashes = np.empty((n, 2), dtype=np.uint64)
    target_hashes_nb(rule, group, offsets, inputs, params, int(n_sleeves), on_change, band,
                     hashes)
    rep = first_rows(hashes)
    ok = np.empty(n, dtype=np.bool_)
    same_targets_nb(rule, group, offsets, inputs, params, int(n_sleeves), on_change, band, rep,
                    ok)
    rep[~ok] = np.flatnonzero(~ok)      # a collision (or NaN band): simulated on its own
    return rep


def first_rows(hashes: np.ndarray) -> np.ndarray:
    """(n,) int64: for each row of ``hashes`` (n, 2) the lowest row with the same pair."""
    n = hashes.shape[0]
    # rows sorted by (hash a, hash b), rows ascending within a run (lexsort is stable): a run
    # of equal pairs starts at its lowest row
    order = np.lexsort((hashes[:, 1], hashes[:, 0]))
    a, b = hashes[order, 0], hashes[order, 1]
    starts = np.ones(n, dtype=np.bool_)
    starts[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    run_of = np.cumsum(starts) - 1
    rep = np.empty(n, dtype=np.int64)
    rep[order] = order[np.flatnonzero(starts)][run_of]
    return rep


def problem_representatives(problem: Any) -> np.ndarray:
    """:func:`representatives` of every variant of a :class:`engine.sweep.problem.SweepProblem`."""
    from engine.sweep.fused import as_kernel_array, compiled_rule
    from strategies.params import to_vector

    grid = problem.grid
    rule = compiled_rule(problem.strategy().rule)
    vectors = as_kernel_array(grid.vectors(to_vector))
    on_change, band = problem.trading(vectors)
    group = as_kernel_array(grid.group_ids(problem.group_names), np.int64)
    return representatives(rule, group, problem.stacked(), vectors,
                           int(problem.sleeve_map.shape[0]),
                           as_kernel_array(on_change, np.bool_), as_kernel_array(band))
