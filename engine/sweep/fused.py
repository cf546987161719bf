"""The fused sweep kernel: rule → simulation → streamed metrics, one pass per variant.

In one ``prange`` loop over variants (each variant belongs to a *signal group*: the variants
that share rule inputs and decision dates), taken ``LANES`` at a time, the kernel calls per
variant:

1. the strategy's own ``rule_nb(inputs, params, out)`` (passed as a first-class function typed
   by its signature, so this kernel compiles once, is cached on disk, and serves every strategy)
   over ALL the group's decision rows, every one of them traded (as ``rowboat run`` does);
2. the sleeve → ticker expansion of its traded target weights (basket weights, summed in
   sleeve order; the remainder 1 − Σ w to the cash sleeve when there is one) — as
   ``engine.sim.backtest`` does, bit for bit (only the baskets' non-zero entries are visited);
3. the engine's ``simulate_costs_nb`` (daily values and each rebalance's traded value and
   cost), from the group's first traded fill on (before it the portfolio is idle cash worth 1.0 — the
   same arithmetic, fewer days);
4. the engine's metric accumulator (``acc_trade`` per counted rebalance; the daily returns of
   the measured days through ``acc_update_lanes``, the variants of a batch side by side as SIMD
   lanes — the bits of ``acc_update`` per day; then ``acc_finalize``) with the risk-free
   returns, and the monthly excess returns (float32) that the overfitting statistics need.

Trading metrics (TURNOVER, COSTS, COST_TOTAL, N_REBALANCES) are defined as the run report's
scorecard defines them for a single backtest (``engine.report.scorecard.rule_rebalances`` then
``engine.metrics.summary`` over the measured days): the first executed rebalance (the initial
purchase) is left out, and so is every rebalance whose fill day is outside ``start … stop − 1``;
each counted one adds one-way turnover ``traded / (2·V)`` and cost ``cost / V`` (V = value
before its trades), fed only when one of them is non-zero — as ``metrics_full_nb`` does.

The groups' inputs and fill days are stacked (rows ``offsets[g] … offsets[g+1] − 1``), so one
call covers any mix of groups: one parallel region per chunk, not one per group.

Memory is per-work-item scratch (D × (K_sleeves + K + 3) weights and per-rebalance figures,
(T + 1) × LANES values, BLOCK × LANES returns, LANES accumulators), reused across that item's
variants; nothing V × T × K exists. Daily returns are written only when ``daily_out`` has rows
(the top-N re-run). Units: weights and returns are fractions; day indices count the panel's
trading days.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, prange, types

from engine import simd as _simd
from engine.metrics.nb import (ACC_SIZE, LANES, LANES_STATE, N_OUT, acc_finalize, acc_get_lane,
                               acc_init, acc_set_lane, acc_trade, acc_update_lanes)
from engine.sim.nb import simulate_costs_nb

#: The rule kernel's signature: (inputs (D, S) f8 C, params (P,) f8 C, out (D, K) f8 C) -> None.
RULE_SIG = types.void(types.float64[:, ::1], types.float64[::1], types.float64[:, ::1])
RULE_TYPE = types.FunctionType(RULE_SIG)


@njit(cache=True, nogil=True, inline="always")
def longest_group(offsets: np.ndarray) -> int:
    """The most decision rows of any signal group (group g: rows offsets[g] … offsets[g+1] − 1):
    the size of a work item's target-weight scratch."""
    d_max = 0
    for g in range(offsets.shape[0] - 1):
        d_max = max(d_max, offsets[g + 1] - offsets[g])
    return d_max


#: Extra output slot after the engine's metric slots: every rebalance executed over the whole
#: simulation, the initial purchase and those before the measured period included (the length of
#: a single backtest's ``Result.rebalances``; the metric slot N_REBALANCES counts only the
#: measured rule rebalances with turnover > 0).
REBALANCES = N_OUT
N_COLS = N_OUT + 1
#: Work items per parallel region, at most (variants are dealt round-robin to them) …
N_SLICES = 64
#: … and at least this many variants each (two batches of LANES: each item allocates scratch).
SLICE_MIN = 2 * LANES
#: Days per block of the metric pass (BLOCK × LANES floats: fits L1).
BLOCK = 256
#: Doubles per SIMD vector on this CPU (8 with AVX-512, 4 with AVX2; :mod:`engine.simd`); a
#: batch runs its lanes in whole vectors.
SIMD = _simd.level()[1] or 2

_f8_1 = types.float64[::1]
_f8_2 = types.float64[:, ::1]
_i8_1 = types.int64[::1]
_b1_1 = types.boolean[::1]

_SIG = types.void(RULE_TYPE, _f8_2, _i8_1, _i8_1, _i8_1, _i8_1, _f8_2, _f8_2, _f8_2, _f8_1,
                  types.boolean, _b1_1, _f8_1, types.boolean, types.float64, types.float64,
                  types.boolean, _f8_1, types.int64, types.int64, _i8_1, _f8_1, _f8_2,
                  types.float32[:, ::1], _f8_2, types.float64)


@njit(_SIG, cache=True, nogil=True, parallel=True)
def fused_nb(rule, close, group, first_fill, offsets, fill_rel, inputs, params,
             sleeve_map, cash_map, has_cash, on_change, band, band_relative, fee, slippage,
             allow_leverage, rf, start, stop, month_last, rf_month, metrics_out, monthly_out,
             daily_out, periods):
    """Run every row of ``params`` (n, P) through rule → simulation → metrics.

    close (T, K) total-return closes. group (n,) each variant's signal group g; first_fill (G,)
    the day of g's first fill; offsets (G + 1,) g's rows in ``fill_rel`` / ``inputs`` (the rule
    runs over all of them and every decision is traded, as in the single backtest); fill_rel
    (ΣD,) each decision's fill day minus first_fill[g] (lag applied); inputs (ΣD, S) the rule's
    inputs at the decision dates. sleeve_map (Ks, K) sleeve → ticker basket weights;
    cash_map (K,) the cash sleeve's basket (used when ``has_cash``); on_change (n,), band (n,)
    per variant (band ≤ 0: none); rf (T,) risk-free daily returns. Measured days are
    ``start … stop − 1`` (start ≥ every first fill); month_last (M,) the last measured day of
    each month, rf_month (M,) each month's risk-free return. Outputs: metrics_out (n, N_COLS),
    monthly_out (n, M) monthly excess returns, daily_out (n, stop − start) daily returns or
    (0, ·) for none. periods: rows per year of the panel (252 daily, 12 monthly) for the
    annualised metrics.
    """
    n = params.shape[0]
    T, K = close.shape
    Ks = sleeve_map.shape[0]
    M = month_last.shape[0]
    d_max = longest_group(offsets)
    # the baskets' non-zero entries, ticker by ticker (sleeve s: entries basket_at[s] …
    # basket_at[s + 1] − 1; the cash basket last)
    basket_at = np.zeros(Ks + 2, dtype=np.int64)
    basket_k = np.empty((Ks + 1) * K, dtype=np.int64)
    basket_w = np.empty((Ks + 1) * K)
    q = 0
    for s in range(Ks + 1):
        for k in range(K):
            w = sleeve_map[s, k] if s < Ks else cash_map[k]
            if w != 0.0:
                basket_k[q] = k
                basket_w[q] = w
                q += 1
        basket_at[s + 1] = q
    keep_daily = daily_out.shape[0] > 0
    n_days = stop - start
    rf_measured = rf[start:stop]
    # work items taking every n_slices-th variant, in batches of LANES; each allocates its
    # scratch (~(T + BLOCK) · LANES floats) once per call, so not too many
    n_slices = min(N_SLICES, (n + SLICE_MIN - 1) // SLICE_MIN)
    for c in prange(n_slices):
        sw_all = np.empty((d_max, Ks))
        tw_all = np.empty((d_max, K))
        vpre_all = np.empty(d_max)
        traded_all = np.empty(d_max)
        cost_all = np.empty(d_max)
        acc = np.empty(ACC_SIZE)
        out = np.empty(N_OUT)
        lanes = np.empty(LANES_STATE)
        for j in range(LANES):
            acc_init(acc)
            acc_set_lane(lanes, j, acc)
        # row t + 1 = lane j's value at the close of day t; row f0 = 1.0 (idle cash before the
        # first fill): day-major, so the returns of the lanes are one SIMD division
        values = np.empty((T + 1, LANES))
        returns = np.empty((BLOCK, LANES))
        n_reb = np.empty(LANES)
        n_mine = (n - c + n_slices - 1) // n_slices
        for b0 in range(0, n_mine, LANES):
            n_lanes = min(LANES, n_mine - b0)
            for j in range(n_lanes):
                v = c + (b0 + j) * n_slices
                g = group[v]
                lo = offsets[g]
                D = offsets[g + 1] - lo
                f0 = first_fill[g]
                sw = sw_all[:D]
                rule(inputs[lo:lo + D], params[v], sw)
                tw = tw_all[:D]
                for d in range(D):
                    for k in range(K):
                        tw[d, k] = 0.0
                    total = 0.0
                    for s in range(Ks):
                        w = sw[d, s]
                        total += w
                        if w != 0.0:
                            for q in range(basket_at[s], basket_at[s + 1]):
                                tw[d, basket_k[q]] += w * basket_w[q]
                    if has_cash:
                        rest = 1.0 - total
                        if rest < 0.0 and not allow_leverage:
                            rest = 0.0
                        if rest != 0.0:
                            for q in range(basket_at[Ks], basket_at[Ks + 1]):
                                tw[d, basket_k[q]] += rest * basket_w[q]
                value = values[f0 + 1:, j]
                values[f0, j] = 1.0
                vpre = vpre_all[:D]
                traded = traded_all[:D]
                cost = cost_all[:D]
                n_reb[j] = simulate_costs_nb(close[f0:], fill_rel[lo:lo + D], tw, on_change[v],
                                             band[v], band_relative, fee, slippage, 1.0,
                                             allow_leverage, value, vpre, traded, cost)
                acc_init(acc)
                # rule rebalances filled inside the measured days (initial purchase left out)
                first = True
                for d in range(D):
                    if np.isnan(vpre[d]):
                        continue
                    if first:
                        first = False
                        continue
                    day = f0 + fill_rel[lo + d]
                    if day < start or day >= stop:
                        continue
                    turn = traded[d] / (2.0 * vpre[d])
                    c_frac = cost[d] / vpre[d]
                    if turn != 0.0 or c_frac != 0.0:
                        acc_trade(acc, turn, c_frac)
                acc_set_lane(lanes, j, acc)
                # month by month excess returns
                month_base = values[start, j]
                for m in range(M):
                    x = values[month_last[m] + 1, j]
                    monthly_out[v, m] = np.float32(x / month_base - 1.0 - rf_month[m])
                    month_base = x
            # the batch's daily returns and metrics, its lanes side by side, BLOCK days at a
            # time (the block stays in L1); lanes past n_lanes (stale values, results unused)
            # fill the last SIMD vector, rather than a scalar remainder loop
            n_run = min(LANES, (n_lanes + SIMD - 1) // SIMD * SIMD)
            if b0 == 0:     # (only a first batch can have lanes never written)
                for t in range(start, stop + 1):
                    for j in range(n_lanes, n_run):
                        values[t, j] = 1.0
            for a in range(0, n_days, BLOCK):
                n_block = min(BLOCK, n_days - a)
                for i in range(n_block):
                    t = start + a + i
                    for j in range(n_run):
                        returns[i, j] = values[t + 1, j] / values[t, j] - 1.0
                if keep_daily:
                    for j in range(n_lanes):
                        v = c + (b0 + j) * n_slices
                        for i in range(n_block):
                            daily_out[v, a + i] = returns[i, j]
                acc_update_lanes(lanes, returns[:n_block], rf_measured[a:a + n_block], n_run)
            for j in range(n_lanes):
                v = c + (b0 + j) * n_slices
                acc_get_lane(lanes, j, acc)
                acc_finalize(acc, out, periods)
                for i in range(N_OUT):
                    metrics_out[v, i] = out[i]
                metrics_out[v, REBALANCES] = n_reb[j]


# ---------------------------------------------------------------------------- Python side
@dataclass(frozen=True, eq=False)
class ChunkResult:
    """Outputs for a set of variants (rows in the order of ``variants``)."""

    variants: np.ndarray     #: (n,) int64 variant numbers
    metrics: np.ndarray      #: (n, N_COLS) float64: engine.metrics.nb slots + REBALANCES
    monthly: np.ndarray      #: (n, M) float32 monthly excess returns
    daily: np.ndarray | None  #: (n, stop − start) float64 daily returns, when asked for


_COMPILED: set[int] = set()


def compiled_rule(rule: Any) -> Any:
    """The strategy's rule dispatcher with the fused kernel's signature compiled (cached)."""
    if id(rule) not in _COMPILED:
        rule.compile(RULE_SIG)
        _COMPILED.add(id(rule))
    return rule


def as_kernel_array(a: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    """A C-contiguous, writeable array (unpickled or pandas-backed arrays may be read-only; the
    kernel's compiled signature takes writeable ones)."""
    a = np.ascontiguousarray(a, dtype=dtype)
    return a if a.flags.writeable else a.copy()


#: problem → its kernel arrays (:meth:`SweepProblem.stacked`, the groups' inputs copied into one
#: array): made once for all the chunks of a sweep
_STACKS: weakref.WeakKeyDictionary[Any, tuple[np.ndarray, ...]] = weakref.WeakKeyDictionary()


def _stacked(problem: Any) -> tuple[np.ndarray, ...]:
    if problem not in _STACKS:
        _STACKS[problem] = problem.stacked()
    return _STACKS[problem]


def run_variants(problem: Any, variants: np.ndarray, *, daily: bool = False) -> ChunkResult:
    """Run the given variant numbers through :func:`fused_nb` (one parallel call)."""
    from strategies.params import to_vector

    variants = np.ascontiguousarray(variants, dtype=np.int64)
    n = variants.size
    grid = problem.grid
    rule = compiled_rule(problem.strategy().rule)
    vectors = as_kernel_array(grid.vectors(to_vector, variants))
    on_change, band = problem.trading(vectors)
    group = as_kernel_array(grid.group_ids(problem.group_names, variants), np.int64)
    stacked = _stacked(problem)     # first fill, offsets, fill_rel, inputs
    metrics = np.empty((n, N_COLS))
    monthly = np.empty((n, problem.month_last.size), dtype=np.float32)
    daily_out = np.empty((n if daily else 0, problem.stop - problem.start))
    fused_nb(rule, as_kernel_array(problem.close), group, *stacked, vectors, as_kernel_array(problem.sleeve_map),
             as_kernel_array(problem.cash_map), bool(np.any(problem.cash_map != 0.0)),
             as_kernel_array(on_change, np.bool_), as_kernel_array(band),
             problem.band_relative, problem.fee, problem.slippage, False, as_kernel_array(problem.rf),
             problem.start, problem.stop, as_kernel_array(problem.month_last, np.int64),
             as_kernel_array(problem.rf_month), metrics, monthly, daily_out, float(problem.periods))
    return ChunkResult(variants=variants, metrics=metrics, monthly=monthly,
                       daily=daily_out if daily else None)
