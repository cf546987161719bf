"""Signal kernels: NumPy arrays in, arrays out (written into ``*_out`` arguments).

Every kernel is causal: the value at position ``t`` reads inputs at positions ``<= t`` only (the
anchors used at ``t`` are those placed at positions ``<= t``). The one exception is documented:
``back_out`` of :func:`concentration_nb` is a chart-only backward projection.

Units: prices are positive floats; weights and levels are fractions (0.608 = 60.8 %); windows are
trading days (positions), except the breakout look-back, which is in calendar years of the
``days`` array (int64 days since 1970-01-01). Kernels allocate at most once per call (work
buffers), never per step.
"""
from __future__ import annotations

import numpy as np
from numba import njit

# ----------------------------------------------------------------------------- calendar helpers


@njit(cache=True, nogil=True)
def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of the proleptic Gregorian date y-m-d (H. Hinnant's algorithm)."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(cache=True, nogil=True)
def civil_from_days(z: int) -> tuple[int, int, int]:
    """(year, month, day) of ``z`` days since 1970-01-01."""
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return y, m, d


@njit(cache=True, nogil=True)
def minus_years(day: int, years: int) -> int:
    """The same calendar date ``years`` earlier (29 February → 28 February), as int days."""
    y, m, d = civil_from_days(day)
    y -= years
    if m == 2 and d == 29:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        if not leap:
            d = 28
    return days_from_civil(y, m, d)


# ----------------------------------------------------------------------------- peaks


@njit(cache=True, nogil=True)
def running_peak_nb(x: np.ndarray, peak_out: np.ndarray, dd_out: np.ndarray,
                    dd_pts_out: np.ndarray) -> None:
    """Running maximum of ``x`` and the drawdown from it.

    ``peak_out[t]`` = max of the finite ``x[:t+1]`` (NaN until the first finite value);
    ``dd_out[t]`` = x[t] / peak[t] − 1 (a fraction of the peak, ≤ 0);
    ``dd_pts_out[t]`` = x[t] − peak[t] (in the units of ``x``, ≤ 0). NaN where ``x[t]`` is NaN.
    """
    peak = np.nan
    for t in range(x.shape[0]):
        v = x[t]
        if np.isnan(v):
            peak_out[t] = peak
            dd_out[t] = np.nan
            dd_pts_out[t] = np.nan
            continue
        if np.isnan(peak) or v > peak:
            peak = v
        peak_out[t] = peak
        dd_out[t] = v / peak - 1.0
        dd_pts_out[t] = v - peak


# ----------------------------------------------------------------------------- concentration


@njit(cache=True, nogil=True)
def _rebase(members: np.ndarray, b: int, w: np.ndarray, units: np.ndarray) -> float:
    """Hold the composition ``w`` (weights at close ``b``): set units, return Σ w."""
    total = 0.0
    for i in range(units.shape[0]):
        units[i] = w[i] / members[b, i]
        total += w[i]
    return total


@njit(cache=True, nogil=True)
def concentration_nb(members: np.ndarray, index: np.ndarray, base_pos: np.ndarray,
                     avail_pos: np.ndarray, anchor_w: np.ndarray, level_out: np.ndarray,
                     chain_out: np.ndarray, back_out: np.ndarray,
                     proj_at_anchor_out: np.ndarray) -> None:
    """Weight of a basket inside an index from known weights (anchors) and relative prices.

    members (T, N) closes of the basket's members (> 0); index (T,) the index's closes (> 0);
    anchor_w (A, N) the members' weights in the index (fractions ≥ 0) at the close
    ``base_pos`` (A,) (strictly increasing); each anchor is usable from close ``avail_pos``
    (A,) ≥ base_pos on (a snapshot dated Saturday: base = Friday, usable from Monday).

    Level (causal): with a = the last anchor usable at t,
    ``level[t] = Σ_i w_{i,a} · (P_{i,t} / P_{i,b}) / (I_t / I_b)`` (b = a's base close) — each
    member's weight rolls forward with its own return relative to the index. NaN before the
    first anchor is usable; equal to Σ_i w_{i,a} when usable at its own base close.

    Chain (causal, from t = 0): ``chain[0] = 1``; ``chain[t] = chain[t-1] · (B_t / B_{t-1}) /
    (I_t / I_{t-1})``, B held at the latest composition known at t that describes a close
    ≤ t−1: equal weights at the first close (bought and held) until the first anchor, then each
    anchor's weights from its base close on. A new anchor changes the composition, never the
    chain's value, so the chain has no jumps; between anchors chain / level is constant.

    proj_at_anchor_out (A,): at each anchor's base close, the level rolled forward from the
    previous anchor (NaN for the first) — compare with Σ w of the new anchor to find jumps.

    back_out (T,): CHART ONLY, not causal — the first anchor projected backwards,
    ``w_{a1} · (B_t / B_{b1}) / (I_t / I_{b1})`` for t ≤ b1 (its base close); NaN after.
    """
    n_t, n_m = members.shape
    n_a = base_pos.shape[0]
    units = np.empty(n_m)  # basket units held per member (composition in effect)
    for i in range(n_m):
        units[i] = (1.0 / n_m) / members[0, i]
    base_index = np.nan  # index close at the current anchor's base
    anchored = False
    nxt = 0
    for t in range(n_t):
        for phase in range(2):  # 0: anchors describing earlier closes; 1: this close
            while nxt < n_a and avail_pos[nxt] == t and (phase == 1 or base_pos[nxt] < t):
                b = base_pos[nxt]
                proj = np.nan
                if anchored:
                    s = 0.0
                    for i in range(n_m):
                        s += units[i] * members[b, i]
                    proj = s / (index[b] / base_index)
                proj_at_anchor_out[nxt] = proj
                _rebase(members, b, anchor_w[nxt], units)
                base_index = index[b]
                anchored = True
                nxt += 1
            if phase == 0:
                if t == 0:
                    chain_out[0] = 1.0
                else:
                    b_now = 0.0
                    b_prev = 0.0
                    for i in range(n_m):
                        b_now += units[i] * members[t, i]
                        b_prev += units[i] * members[t - 1, i]
                    chain_out[t] = (chain_out[t - 1] * (b_now / b_prev)
                                    / (index[t] / index[t - 1]))
        if anchored:
            s = 0.0
            for i in range(n_m):
                s += units[i] * members[t, i]
            level_out[t] = s / (index[t] / base_index)
        else:
            level_out[t] = np.nan
    # chart-only backward projection from the first anchor
    for t in range(n_t):
        back_out[t] = np.nan
    if n_a > 0:
        a = base_pos[0]
        for t in range(a + 1):
            s = 0.0
            for i in range(n_m):
                s += anchor_w[0, i] * members[t, i] / members[a, i]
            back_out[t] = s / (index[t] / index[a])


# ----------------------------------------------------------------------------- breakout


@njit(cache=True, nogil=True)
def breakout_level_nb(close: np.ndarray, days: np.ndarray, years: int, exclude_days: int,
                      min_years: int, level_out: np.ndarray) -> None:
    """Highest close of the prior ``years`` calendar years, excluding the last ``exclude_days``.

    ``level[t] = max(close[s])`` over positions s with ``s ≤ t − 1 − exclude_days`` and
    ``days[s] ≥ days[t] − years`` (same calendar date ``years`` earlier). ``years = 0`` means
    unlimited (the all-time high of the prior closes). NaN while the window is empty and until
    ``max(years, min_years)`` full calendar years of history exist
    (``days[0] ≤ days[t] − max(years, min_years)``): an all-time high needs a history.
    Sliding maximum with a monotone queue: O(T), one work buffer per call.
    """
    n = close.shape[0]
    q = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    lo = 0
    need = years if years > min_years else min_years
    for t in range(n):
        e = t - 1 - exclude_days
        if e >= 0:
            while tail > head and close[q[tail - 1]] <= close[e]:
                tail -= 1
            q[tail] = e
            tail += 1
        defined = e >= 0
        if need > 0 and days[0] > minus_years(days[t], need):
            defined = False
        if years > 0:
            cutoff = minus_years(days[t], years)
            while lo < n and days[lo] < cutoff:
                lo += 1
            while tail > head and q[head] < lo:
                head += 1
        if defined and tail > head:
            level_out[t] = close[q[head]]
        else:
            level_out[t] = np.nan


@njit(cache=True, nogil=True)
def breakout_state_nb(close: np.ndarray, level: np.ndarray, month_end_flags: np.ndarray,
                      confirm_days: int, month_end: bool, exit_drop: float, trailing: bool,
                      exit_low_days: int, state_out: np.ndarray, new_high_out: np.ndarray,
                      on_out: np.ndarray, off_out: np.ndarray) -> None:
    """Breakout state machine over a level from :func:`breakout_level_nb`.

    new_high[t] = close[t] > level[t] (False where the level is NaN). Counting consecutive new
    highs, the state turns ON at t when the count reaches ``confirm_days`` — and, if
    ``month_end``, only on a month-end close (``month_end_flags[t]``) that ends such a run.
    While ON (from the day after entry), it turns OFF at the first close below
    ``ref · (1 − exit_drop)`` (``exit_drop`` NaN = no such exit), where ``ref`` is — with
    ``trailing`` — the highest close since the state turned on (the entry close included; a
    trailing exit), else the level at entry (fixed); or below the lowest of the previous
    ``exit_low_days`` closes (0 = no such exit). An exit resets the count, so re-entry needs
    ``confirm_days`` fresh new highs after the exit day. With no exit rule the state stays on
    once on. on[t] / off[t] mark the days the state turns on / off.
    """
    n = close.shape[0]
    state = 0
    count = 0
    ref = np.nan
    for t in range(n):
        c = close[t]
        nh = (not np.isnan(level[t])) and c > level[t]
        new_high_out[t] = nh
        count = count + 1 if nh else 0
        on_out[t] = False
        off_out[t] = False
        if state == 1:
            out = False
            if not np.isnan(exit_drop) and c < ref * (1.0 - exit_drop):
                out = True
            if exit_low_days > 0 and not out:
                lo = np.inf
                for s in range(max(0, t - exit_low_days), t):
                    if close[s] < lo:
                        lo = close[s]
                if c < lo:
                    out = True
            if out:
                state = 0
                count = 0
                off_out[t] = True
            elif trailing and c > ref:
                ref = c
        elif count >= confirm_days and (not month_end or month_end_flags[t]):
            state = 1
            ref = c if trailing else level[t]
            on_out[t] = True
        state_out[t] = state


@njit(cache=True, nogil=True)
def breakout_nb(close: np.ndarray, days: np.ndarray, month_end_flags: np.ndarray, years: int,
                exclude_days: int, min_years: int, confirm_days: int, month_end: bool,
                exit_drop: float, trailing: bool, exit_low_days: int, level_out: np.ndarray,
                state_out: np.ndarray, new_high_out: np.ndarray, on_out: np.ndarray,
                off_out: np.ndarray) -> None:
    """Level then state: :func:`breakout_level_nb` followed by :func:`breakout_state_nb`.

    close (T,) f8 > 0; days (T,) i8 days since 1970-01-01, increasing; month_end_flags (T,) bool;
    years 0 = unlimited; min_years: calendar years of history before any level; exit_drop NaN =
    none; trailing: exit_drop from the highest close since entry (else from the entry level);
    exit_low_days 0 = none. Outputs: level f8, state i8 (0/1), new_high / on / off bool.
    """
    breakout_level_nb(close, days, years, exclude_days, min_years, level_out)
    breakout_state_nb(close, level_out, month_end_flags, confirm_days, month_end, exit_drop,
                      trailing, exit_low_days, state_out, new_high_out, on_out, off_out)


# ----------------------------------------------------------------------------- trend / momentum


@njit(cache=True, nogil=True)
def sma_nb(close: np.ndarray, window: int, out: np.ndarray) -> None:
    """Simple moving average of the last ``window`` closes (t−window+1 .. t); NaN before.

    Each mean is summed afresh (no running-sum drift), O(T · window)."""
    n = close.shape[0]
    for t in range(n):
        if t + 1 < window:
            out[t] = np.nan
            continue
        s = 0.0
        for k in range(t - window + 1, t + 1):
            s += close[k]
        out[t] = s / window


@njit(cache=True, nogil=True)
def momentum_nb(close: np.ndarray, lookback: int, skip: int, out: np.ndarray) -> None:
    """Return from ``lookback`` to ``skip`` trading days ago:
    ``close[t − skip] / close[t − lookback] − 1``.

    NaN for t < lookback. ``skip < lookback``."""
    n = close.shape[0]
    for t in range(n):
        if t < lookback:
            out[t] = np.nan
        else:
            out[t] = close[t - skip] / close[t - lookback] - 1.0


@njit(cache=True, nogil=True)
def month_end_sma_nb(close: np.ndarray, month_end: np.ndarray, months: int,
                     sma_out: np.ndarray, ref_out: np.ndarray) -> None:
    """Faber's SMA on month-end closes: at t, with m the last month-end close at or before t,
    ``sma[t]`` = mean of the ``months`` month-end closes ending at m (each summed afresh) and
    ``ref[t]`` = the close of m — both hold until the next month-end. NaN until ``months``
    month-ends have passed. ``month_end`` (T,) bool flags the month-end closes."""
    n = close.shape[0]
    pos = np.empty(n, dtype=np.int64)  # positions of the month-ends seen so far
    k = 0
    for t in range(n):
        if month_end[t]:
            pos[k] = t
            k += 1
        if k >= months:
            s = 0.0
            for j in range(k - months, k):
                s += close[pos[j]]
            sma_out[t] = s / months
            ref_out[t] = close[pos[k - 1]]
        else:
            sma_out[t] = np.nan
            ref_out[t] = np.nan if k == 0 else close[pos[k - 1]]


@njit(cache=True, nogil=True)
def month_end_momentum_nb(close: np.ndarray, month_end: np.ndarray, months: int, skip: int,
                          out: np.ndarray) -> None:
    """Antonacci's momentum on month-end closes: at t, with m_0 the last month-end at or before
    t and m_j the month-end j months before it, ``out[t] = close[m_skip] / close[m_months] − 1``
    (held until the next month-end); NaN until ``months + 1`` month-ends have passed."""
    n = close.shape[0]
    pos = np.empty(n, dtype=np.int64)
    k = 0
    for t in range(n):
        if month_end[t]:
            pos[k] = t
            k += 1
        if k > months:
            out[t] = close[pos[k - 1 - skip]] / close[pos[k - 1 - months]] - 1.0
        else:
            out[t] = np.nan
