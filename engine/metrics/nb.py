"""Performance-metric kernels, defined exactly as quantstats 0.0.86 defines them.

Arrays in, arrays out (``@njit``); names, dates and checks live in :mod:`engine.metrics.summary`.
Units: returns are simple daily returns as fractions (0.01 = 1 %), one per trading day; a year is
``PERIODS = 252`` trading days unless a ``periods`` argument says otherwise (12 for a monthly
panel, 52 weekly: every "day" below is then one period). Day indices count the days fed to the
accumulator (0 = the first day), ``-1`` = none.

One implementation (the one-day update ``_step``), several ways to drive it, all agreeing bit for
bit: a streaming accumulator (``acc_init`` / ``acc_update`` once per day / ``acc_finalize``) that
a simulation loop can feed without storing the series; ``acc_update_many`` feeding a whole array
with the state in registers (``metrics_nb`` uses it); ``acc_update_lanes`` feeding ``LANES``
accumulators side by side, which the compiler turns into SIMD (the sweep uses it).

Definitions (quantstats 0.0.86, ``periods=252``; ``e = r - rf`` is the excess return):

* ``CAGR = prod(1 + r) ** (252 / n) - 1`` — raw returns (quantstats' ``cagr`` ignores ``rf``),
  ``n`` = number of observed days (``returns.count()``); NaN when terminal wealth < 0.
* ``VOL = std(r, ddof=1) * sqrt(252)`` — raw returns.
* ``SHARPE = mean(e) / std(e, ddof=1) * sqrt(252)``.
* ``SORTINO = mean(e) / sqrt(sum(e[e < 0] ** 2) / n) * sqrt(252)``; NaN when nothing is negative.
* ``MAX_DD = min(W_t / max(1, max_{s<=t} W_s)) - 1`` with ``W_t = prod_{s<=t}(1 + r_s)``: the
  equity starts at 1 the day before the first return (quantstats' "phantom baseline"), so a loss
  on the first day is a drawdown. ``<= 0``.
* ``CALMAR = CAGR / |MAX_DD|`` (IEEE: +inf when there is no drawdown and CAGR > 0).
* ``TOTAL_RETURN = prod(1 + r) - 1`` (``quantstats.stats.comp``).

Drawdown dates of the deepest drawdown (the first one, if two are equally deep):
``DD_PEAK`` last day at the running peak before it (``-1`` when the peak is the starting equity,
i.e. the drawdown begins on day 0); ``DD_START = DD_PEAK + 1`` the first day under water
(quantstats ``drawdown_details`` "start"); ``DD_TROUGH`` the first day at its low ("valley");
``DD_RECOVERY`` the first day back at or above the peak (``-1`` if never); ``DD_END`` the last
day under water (``DD_RECOVERY - 1``, or the last day when not recovered: quantstats "end").

Missing days (a NaN or inf return): like quantstats, they are left out of every mean, standard
deviation and count, and hold the equity flat (so they still count as days for drawdown dates).
The risk-free return must be finite on every day.

Degenerate cases: fewer than 2 observed days → VOL, SHARPE NaN; zero standard deviation → SHARPE
NaN (pandas returns NaN for an all-zero series; for a constant non-zero series its two-pass
standard deviation leaves rounding noise ~1e-19 and quantstats reports a Sharpe of ~1e16 — we
report NaN, the ratio being undefined). Likewise a standard deviation (or downside deviation) of
the excess returns below ``EXCESS_TOL`` (1e-12 per day) is rounding noise, not risk — a strategy
that holds exactly the risk-free asset shows ~1e-16 and would get a Sharpe of e.g. −0.68 and a
Sortino of 1e9 — so SHARPE and SORTINO are NaN there, as they are on exact arithmetic. SKEW
(n ≥ 3) and KURT (n ≥ 4, excess) follow pandas' ``Series.skew()`` / ``Series.kurt()`` on the RAW
returns, as quantstats' ``skew`` and ``kurtosis`` do (they ignore ``rf``), NaN on zero variance.
Kernels never
raise on arithmetic (``error_model="numpy"``), so a sweep cannot stop on a degenerate variant.
Not copied on purpose: quantstats guesses that a series with no negative value and a value > 1
holds *prices* (and takes pct_change); these kernels always read returns.

Precision: first and second moments use error-free (TwoSum) compensated sums of values shifted by
the first observation, so the variance is exact to ~1e-16 relative and exactly 0 for a constant
series; agreement with pandas/quantstats is ~1e-14 relative on 6,000 real days.

Trading aggregates (optional; ``acc_trade``): ``TURNOVER`` = Σ one-way turnover / years, ``COSTS``
= Σ cost / years (each a fraction of portfolio value at its rebalance; years = n / 252),
``COST_TOTAL`` = Σ cost, ``N_REBALANCES`` = number of rebalances with turnover > 0.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine import simd as _simd

PERIODS = 252.0
_SQRT_PERIODS = math.sqrt(PERIODS)
#: Daily standard deviation of excess returns (a fraction) below which it is rounding noise:
#: real series have 1e-6 or more, floating-point noise on returns near 1e-2 is ~1e-17.
EXCESS_TOL = 1e-12

# ---- output vector layout (out[...]: float64; day indices stored as floats, -1 = none) --------
CAGR = 0            #: compound annual growth rate, fraction per year (raw returns)
VOL = 1             #: annualised volatility of raw returns, fraction (ddof=1)
SHARPE = 2          #: annualised Sharpe ratio of excess returns
SORTINO = 3         #: annualised Sortino ratio of excess returns
MAX_DD = 4          #: maximum drawdown, a fraction <= 0
DD_PEAK = 5         #: day index of the peak before the max drawdown (-1: starting equity)
DD_START = 6        #: first day under water (quantstats "start")
DD_TROUGH = 7       #: day of the low (quantstats "valley")
DD_END = 8          #: last day under water (quantstats "end")
DD_RECOVERY = 9     #: first day back at the peak (-1: not recovered)
CALMAR = 10         #: CAGR / |MAX_DD|
TOTAL_RETURN = 11   #: compounded return over the whole series, fraction
DAYS = 12           #: number of observed (finite) daily returns
MEAN = 13           #: mean daily excess return, fraction per day
STD = 14            #: standard deviation of daily excess returns (ddof=1), fraction per day
SKEW = 15           #: skewness of daily raw returns (pandas .skew(), quantstats' skew)
KURT = 16           #: excess kurtosis of daily raw returns (pandas .kurt(), quantstats' kurtosis)
TURNOVER = 17       #: annualised one-way turnover, fraction of value per year
COSTS = 18          #: annualised costs, fraction of value per year
COST_TOTAL = 19     #: sum of costs, fraction of value
N_REBALANCES = 20   #: rebalances with turnover > 0
N_OUT = 21          #: length of the output vector

#: names of the output slots, in order (for wrappers and CSV headers)
OUT_NAMES = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "dd_peak", "dd_start",
             "dd_trough", "dd_end", "dd_recovery", "calmar", "total_return", "days", "mean",
             "std", "skew", "kurtosis", "turnover", "costs", "cost_total", "n_rebalances")

# ---- accumulator layout (private) --------------------------------------------------------------
_T = 0          # days fed so far (including missing ones)
_N = 1          # observed days
_KR = 2         # shift for raw returns (first observation)
_KE = 3         # shift for excess returns (first observation)
_R1 = 4         # Σ(r-KR), compensation at +1
_R2 = 6         # Σ(r-KR)², compensation at +1
_E1 = 8         # Σ(e-KE), compensation at +1
_E2 = 10        # Σ(e-KE)², compensation at +1
_R3 = 12        # Σ(r-KR)³ (plain)
_R4 = 13        # Σ(r-KR)⁴ (plain)
_D2 = 14        # Σ min(e, 0)², compensation at +1
_CUM = 16       # Π(1 + r)
_PEAK = 17      # running peak of the equity (starts at the baseline 1)
_PEAK_T = 18    # last day at the running peak (-1: baseline)
_MDD = 19       # deepest drawdown so far (<= 0)
_MDD_PEAK = 20
_MDD_TROUGH = 21
_MDD_REC = 22
_PENDING = 23   # 1 while the deepest drawdown is the current, unrecovered one
_TURN = 24      # Σ turnover
_COST = 25      # Σ cost
_NREB = 26      # rebalances with turnover > 0
ACC_SIZE = 27   #: length of the accumulator array


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _two_sum(s, c, x):
    """(s + x, c + the rounding error of s + x): TwoSum, branch-free."""
    t = s + x
    bp = t - s
    return t, c + ((s - (t - bp)) + (x - bp))


@njit(cache=True, nogil=True, error_model="numpy")
def acc_init(acc):
    """Reset an accumulator (float64 array of length ``ACC_SIZE``) to "no days yet"."""
    acc[:] = 0.0
    acc[_CUM] = 1.0
    acc[_PEAK] = 1.0
    acc[_PEAK_T] = -1.0
    acc[_MDD_PEAK] = -1.0
    acc[_MDD_TROUGH] = -1.0
    acc[_MDD_REC] = -1.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _load(acc, j, m):
    """The per-day state (slots _T … _PENDING) of the accumulator whose slot i sits at
    ``acc[i · m + j]`` (one accumulator: j = 0, m = 1), as a tuple of scalars."""
    return (acc[j], acc[m + j], acc[2 * m + j], acc[3 * m + j], acc[4 * m + j],
            acc[5 * m + j], acc[6 * m + j], acc[7 * m + j], acc[8 * m + j], acc[9 * m + j],
            acc[10 * m + j], acc[11 * m + j], acc[12 * m + j], acc[13 * m + j], acc[14 * m + j],
            acc[15 * m + j], acc[16 * m + j], acc[17 * m + j], acc[18 * m + j], acc[19 * m + j],
            acc[20 * m + j], acc[21 * m + j], acc[22 * m + j], acc[23 * m + j])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _store(acc, j, m, st):
    """Write a state tuple back (laid out as :func:`_load` reads it)."""
    (acc[j], acc[m + j], acc[2 * m + j], acc[3 * m + j], acc[4 * m + j],
     acc[5 * m + j], acc[6 * m + j], acc[7 * m + j], acc[8 * m + j], acc[9 * m + j],
     acc[10 * m + j], acc[11 * m + j], acc[12 * m + j], acc[13 * m + j], acc[14 * m + j],
     acc[15 * m + j], acc[16 * m + j], acc[17 * m + j], acc[18 * m + j], acc[19 * m + j],
     acc[20 * m + j], acc[21 * m + j], acc[22 * m + j], acc[23 * m + j]) = st


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _step(st, r, rf_r):
    """One day on the state tuple (the accumulator's slots, in order): the whole per-day update,
    written on scalars so a loop keeps the state in registers."""
    (t, n, kr, ke, r1, r1c, r2, r2c, e1, e1c, e2, e2c, r3, r4, d2, d2c, cum, peak, peak_t,
     mdd, mdd_peak, mdd_trough, mdd_rec, pending) = st
    if (r - r) == 0.0:  # finite
        e = r - rf_r
        if n == 0.0:
            kr = r
            ke = e
        n = n + 1.0
        y = r - kr
        y2 = y * y
        r1, r1c = _two_sum(r1, r1c, y)
        r2, r2c = _two_sum(r2, r2c, y2)
        r3 += y2 * y
        r4 += y2 * y2
        z = e - ke
        e1, e1c = _two_sum(e1, e1c, z)
        e2, e2c = _two_sum(e2, e2c, z * z)
        d = min(e, 0.0)
        d2, d2c = _two_sum(d2, d2c, d * d)
        cum *= 1.0 + r
    # quantstats' equity: base + base * (cumprod - 1) with base 1
    price = 1.0 + (cum - 1.0)
    if price >= peak:
        if pending != 0.0:
            mdd_rec = t
            pending = 0.0
        peak = price
        peak_t = t
    else:
        dd = price / peak - 1.0
        if dd < mdd:
            mdd = dd
            mdd_peak = peak_t
            mdd_trough = t
            mdd_rec = -1.0
            pending = 1.0
    return (t + 1.0, n, kr, ke, r1, r1c, r2, r2c, e1, e1c, e2, e2c, r3, r4, d2, d2c, cum, peak,
            peak_t, mdd, mdd_peak, mdd_trough, mdd_rec, pending)


@njit(cache=True, nogil=True, error_model="numpy")
def acc_update(acc, r, rf_r):
    """Feed one trading day: ``r`` the day's simple return, ``rf_r`` the risk-free return for
    the same day (both fractions; pass 0.0 for no risk-free). A NaN/inf ``r`` is a missing day."""
    _store(acc, 0, 1, _step(_load(acc, 0, 1), r, rf_r))


@njit(cache=True, nogil=True, error_model="numpy")
def acc_update_many(acc, returns, rf):
    """Feed ``returns`` (n,) day by day, as n calls of :func:`acc_update` would (same bits), with
    risk-free returns ``rf`` ((n,), or empty for none). The state stays in registers through the
    loop: the fast way to feed a whole series."""
    st = _load(acc, 0, 1)
    if rf.shape[0] > 0:
        for t in range(returns.shape[0]):
            st = _step(st, returns[t], rf[t])
    else:
        for t in range(returns.shape[0]):
            st = _step(st, returns[t], 0.0)
    _store(acc, 0, 1, st)


#: accumulators fed in lockstep by :func:`acc_update_lanes`, chosen per CPU at import
#: (:mod:`engine.simd`: 16 with AVX-512, else 8; ``ROWBOAT_LANES`` forces 4, 8 or 16). A
#: compile-time constant of every kernel that uses it, so it names numba's cache folder.
LANES = _simd.lanes()
#: length of a lanes state array: two copies of ACC_SIZE · LANES (see :func:`acc_update_lanes`)
LANES_STATE = 2 * ACC_SIZE * LANES
_HALF = ACC_SIZE * LANES


@njit(cache=True, nogil=True, error_model="numpy")
def acc_set_lane(state, j, acc):
    """Copy accumulator ``acc`` (ACC_SIZE,) into lane ``j`` of ``state`` (LANES_STATE,),
    slot i of lane j at ``i · LANES + j``."""
    for i in range(ACC_SIZE):
        state[i * LANES + j] = acc[i]


@njit(cache=True, nogil=True, error_model="numpy")
def acc_get_lane(state, j, acc):
    """Copy lane ``j`` of ``state`` back into accumulator ``acc`` (ACC_SIZE,)."""
    for i in range(ACC_SIZE):
        acc[i] = state[i * LANES + j]


@njit(cache=True, nogil=True, error_model="numpy")
def acc_update_lanes(state, returns, rf, n_lanes):
    """Feed ``n_lanes`` (≤ LANES) accumulators in lockstep: lane j (of ``state``, laid out as
    :func:`acc_set_lane` says) gets the returns ``returns[:, j]`` ((n, LANES), C order) with the
    risk-free returns ``rf`` (n,) — bit for bit what n calls of :func:`acc_update` give it: each
    lane runs the one-day update's very operations, which LLVM turns into SIMD (the lane count
    must stay a run-time value: a constant trip count is unrolled, not vectorised; the fixed
    lane stride lets LLVM see that the lanes' slots never overlap).

    Ping-pong: a day reads the state from one half of ``state`` and writes it to the other
    (even days first half → second, odd days back), so no store writes the slot its select
    just read. Updated in place, a lane's unchanged slot (a missing day, no new peak) is a
    store of the loaded value under a condition, which LLVM vectorises as a masked store:
    fast with AVX-512's mask registers, microcoded and ~2× slower for the whole sweep kernel
    with AVX2's ``vmaskmovpd`` (AMD Zen 3, measured). Lane j's state is in the first half
    between calls."""
    n = returns.shape[0]
    for t in range(0, n - 1, 2):
        rf_t = rf[t]
        for j in range(n_lanes):
            _store(state, _HALF + j, LANES, _step(_load(state, j, LANES), returns[t, j], rf_t))
        rf_t = rf[t + 1]
        for j in range(n_lanes):
            _store(state, j, LANES, _step(_load(state, _HALF + j, LANES), returns[t + 1, j],
                                          rf_t))
    if n % 2 == 1:
        rf_t = rf[n - 1]
        for j in range(n_lanes):
            _store(state, _HALF + j, LANES, _step(_load(state, j, LANES), returns[n - 1, j],
                                                  rf_t))
        for j in range(n_lanes):
            _store(state, j, LANES, _load(state, _HALF + j, LANES))


@njit(cache=True, nogil=True, error_model="numpy")
def acc_trade(acc, turnover, cost):
    """Record one rebalance: one-way ``turnover`` and ``cost``, both fractions of portfolio value
    at that rebalance. Optional; only feeds TURNOVER, COSTS, COST_TOTAL, N_REBALANCES."""
    acc[_TURN] += turnover
    acc[_COST] += cost
    if turnover > 0.0:
        acc[_NREB] += 1.0


@njit(cache=True, nogil=True, error_model="numpy")
def _ratio(num, den):
    """IEEE num / den without numba's ZeroDivisionError (0/0 and NaN → NaN)."""
    if den != 0.0:
        return num / den
    if num > 0.0:
        return np.inf
    if num < 0.0:
        return -np.inf
    return np.nan


@njit(cache=True, nogil=True, error_model="numpy")
def acc_finalize(acc, out, periods=PERIODS):
    """Write the metrics of everything fed so far into ``out`` (length >= ``N_OUT``); the
    accumulator is left unchanged, so it can be finalised again after more days. ``periods``:
    returns per year (252 daily, 52 weekly, 12 monthly — quantstats' ``periods``)."""
    nan = np.nan
    n = acc[_N]
    t_last = acc[_T] - 1.0
    # central moments from shifted, compensated sums
    r1 = acc[_R1] + acc[_R1 + 1]
    r2 = acc[_R2] + acc[_R2 + 1]
    e1 = acc[_E1] + acc[_E1 + 1]
    e2 = acc[_E2] + acc[_E2 + 1]
    d2 = acc[_D2] + acc[_D2 + 1]
    if n > 0.0:
        mr = r1 / n
        me = e1 / n
        m2r = max(r2 - r1 * mr, 0.0)
        m2e = max(e2 - e1 * me, 0.0)
        mean_e = acc[_KE] + me
    else:
        mr = me = m2r = m2e = 0.0
        mean_e = nan
    std_r = math.sqrt(m2r / (n - 1.0)) if n > 1.0 else nan
    std_e = math.sqrt(m2e / (n - 1.0)) if n > 1.0 else nan

    years = n / periods
    sqrt_periods = math.sqrt(periods)
    wealth = acc[_CUM]
    if n == 0.0 or wealth < 0.0:
        cagr = nan
    else:
        cagr = wealth ** (1.0 / years) - 1.0
    out[CAGR] = cagr
    out[VOL] = std_r * sqrt_periods
    out[SHARPE] = mean_e / std_e * sqrt_periods if std_e > EXCESS_TOL else nan
    downside = math.sqrt(d2 / n) if n > 0.0 else nan
    out[SORTINO] = mean_e / downside * sqrt_periods if downside > EXCESS_TOL else nan
    mdd = acc[_MDD]
    out[MAX_DD] = mdd
    if mdd < 0.0:
        rec = acc[_MDD_REC]
        out[DD_PEAK] = acc[_MDD_PEAK]
        out[DD_START] = acc[_MDD_PEAK] + 1.0
        out[DD_TROUGH] = acc[_MDD_TROUGH]
        out[DD_END] = rec - 1.0 if rec >= 0.0 else t_last
        out[DD_RECOVERY] = rec
    else:
        out[DD_PEAK] = -1.0
        out[DD_START] = -1.0
        out[DD_TROUGH] = -1.0
        out[DD_END] = -1.0
        out[DD_RECOVERY] = -1.0
    out[CALMAR] = _ratio(cagr, abs(mdd))
    out[TOTAL_RETURN] = wealth - 1.0
    out[DAYS] = n
    out[MEAN] = mean_e
    out[STD] = std_e
    # pandas' bias-corrected skewness (G1) and excess kurtosis (G2) of the raw returns
    skew = nan
    kurt = nan
    if m2r > 0.0:
        m3 = acc[_R3] - 3.0 * mr * r2 + 2.0 * n * mr * mr * mr
        m4 = acc[_R4] - 4.0 * mr * acc[_R3] + 6.0 * mr * mr * r2 - 3.0 * n * mr * mr * mr * mr
        den3 = m2r ** 1.5
        den4 = m2r * m2r
        if n >= 3.0 and den3 > 0.0:  # (a variance so small its powers underflow: NaN)
            skew = n * math.sqrt(n - 1.0) / (n - 2.0) * m3 / den3
        if n >= 4.0 and den4 > 0.0:
            a = (n + 1.0) * n * (n - 1.0) / ((n - 2.0) * (n - 3.0))
            b = 3.0 * (n - 1.0) ** 2 / ((n - 2.0) * (n - 3.0))
            kurt = a * m4 / den4 - b
    out[SKEW] = skew
    out[KURT] = kurt
    out[TURNOVER] = acc[_TURN] / years if n > 0.0 else nan
    out[COSTS] = acc[_COST] / years if n > 0.0 else nan
    out[COST_TOTAL] = acc[_COST]
    out[N_REBALANCES] = acc[_NREB]


@njit(cache=True, nogil=True, error_model="numpy")
def metrics_full_nb(returns, rf, turnover, cost, out, periods=PERIODS):
    """Metrics of a daily returns array (T,) into ``out`` (N_OUT,).

    ``rf``: risk-free daily returns (T,) or an empty array for none. ``turnover``, ``cost``:
    per-day one-way turnover and cost as fractions of value (T,), 0 on days without a rebalance,
    or empty arrays. ``periods``: returns per year (252 daily, 12 monthly). One small
    allocation (the accumulator) per call.
    """
    acc = np.empty(ACC_SIZE)
    acc_init(acc)
    acc_update_many(acc, returns, rf)
    # (the trading slots are apart from the daily state: feeding them after the days is the same)
    for t in range(turnover.shape[0]):
        if turnover[t] != 0.0 or cost[t] != 0.0:
            acc_trade(acc, turnover[t], cost[t])
    acc_finalize(acc, out, periods)


@njit(cache=True, nogil=True, error_model="numpy")
def metrics_nb(returns, rf, out, periods=PERIODS):
    """Metrics of a daily returns array (T,) with risk-free daily returns ``rf`` ((T,) or empty
    for none) into ``out`` (N_OUT,); the trading slots are 0."""
    empty = np.empty(0)
    metrics_full_nb(returns, rf, empty, empty, out, periods)


@njit(cache=True, nogil=True, error_model="numpy")
def drawdown_nb(returns, out):
    """Drawdown series (T,) from daily returns (T,): equity / running peak − 1, ≤ 0, with the
    equity starting at 1 before day 0 and missing returns holding it flat — as quantstats'
    ``to_drawdown_series``."""
    cum = 1.0
    peak = 1.0
    for t in range(returns.shape[0]):
        r = returns[t]
        if (r - r) == 0.0:
            cum *= 1.0 + r
        price = 1.0 + (cum - 1.0)
        if price >= peak:
            peak = price
            out[t] = 0.0
        else:
            out[t] = price / peak - 1.0
