"""The rebalancing kernel: numba, NumPy arrays in and out, no per-step allocation.

One portfolio of K assets over T trading days. Target weights (fractions of portfolio value) are
given on D decision rows; row ``d`` is a rebalance *candidate* on day ``fill_idx[d]`` (the wrapper
has already added the lag). ``fill_idx`` is strictly increasing.

The order rule is vectorbt's ``Portfolio.from_orders(size_type='targetpercent', cash_sharing=True,
call_seq='auto', group_by=..., min_size=0)``, including its floating-point operation order and its
tolerances (relative 1e-9, absolute 1e-12), so the two agree to rounding (GUIDE §3):

1. value V = cash + Σ position·close (columns in order, zero positions skipped), fixed for all the
   orders of the bar;
2. order size Δ_k = (w_k·V)/close_k − position_k; |Δ| ≤ 1e-12 is skipped;
3. orders run in ascending order of w_k·V − position_k·close_k (stable insertion sort): sells
   first, largest first, then buys, smallest first;
4. a sell fills at q = close·(1−s): cash += Δq − Δq·f;
5. a buy fills at q = close·(1+s) in full when Δq + Δq·f ≤ cash (or within 1e-9 relative
   of it; cash then snaps to 0), else partly: cash/(1+f) buys cash/(1+f)/q units and
   cash − cash/(1+f) is the fee;
6. end-of-day value = cash + Σ position·close.

With ``allow_leverage`` buys are never cut by cash (cash may go negative: borrowing at 0) and
sells may go short; a bar whose value V ≤ 0 does not trade (the portfolio is bust), as vectorbt
rejects target-percent orders on a non-positive value.

Rebalance decision on a candidate bar (before trading, on the same closes the orders are sized
at): the first candidate always trades; with ``on_change`` a candidate whose target row equals the
last applied one is skipped; with ``band > 0`` it trades only when some asset's realised weight
(position·close/V) is off its target by more than ``band`` (absolute, fraction points) or, with
``band_relative``, by more than ``band·|target|``.

Units: closes in currency per unit, weights and rates as fractions, values in currency.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

#: vectorbt's tolerances (vectorbt.utils.math_): relative and absolute.
REL_TOL = 1e-9
ABS_TOL = 1e-12


@njit(cache=True, nogil=True, inline="always")
def _near_zero(a: float) -> bool:
    """vectorbt ``is_close_nb(a, 0)``: |a| <= 1e-12 (False for NaN and inf)."""
    return abs(a) <= ABS_TOL


@njit(cache=True, nogil=True, inline="always")
def _fits(total: float, cash: float) -> bool:
    """vectorbt ``is_close_or_less_nb(total, cash)``: total <= cash, or within 1e-9 relative."""
    if total <= cash:
        return True
    if np.isnan(total) or np.isnan(cash) or np.isinf(total) or np.isinf(cash):
        return False
    return total - cash <= max(REL_TOL * max(abs(total), abs(cash)), ABS_TOL)


@njit(cache=True, nogil=True, inline="always")
def _add(a: float, b: float) -> float:
    """vectorbt ``add_nb``: a + b, snapped to 0 when the two nearly cancel.

    Same result as vectorbt's ``is_addition_zero_nb`` test: for operands of different sign
    |fl(a+b)| equals |fl(|a|-|b|)|, so |a+b| <= max(1e-9·max(|a|,|b|), 1e-12); for the same
    sign |a+b| <= 1e-12.
    """
    s = a + b
    if np.sign(a) != np.sign(b):
        tol = max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)
    else:
        tol = ABS_TOL
    return 0.0 if abs(s) <= tol else s


@njit(cache=True, nogil=True)
def _simulate(close: np.ndarray, fill_idx: np.ndarray, targets: np.ndarray, on_change: bool,
              band: float, band_relative: bool, fee: float, slippage: float, init_value: float,
              allow_leverage: bool, book: bool, record: bool, value_out: np.ndarray,
              cash_out: np.ndarray, pos_out: np.ndarray, executed_out: np.ndarray,
              value_pre_out: np.ndarray, traded_out: np.ndarray, cost_out: np.ndarray,
              tr_t: np.ndarray, tr_k: np.ndarray, tr_size: np.ndarray, tr_price: np.ndarray,
              tr_fee: np.ndarray) -> tuple[int, int]:
    """The one simulation loop behind :func:`simulate_nb`, :func:`simulate_costs_nb` and
    :func:`simulate_full_nb`.

    Two switches pick what is written besides ``value_out``: ``book`` — per target row, the
    value before trading, traded value and cost (``value_pre_out``, ``traded_out``,
    ``cost_out``); ``record`` — everything else a single backtest reports (``executed_out``,
    daily cash and positions, the trade log; used together with ``book``). Arrays a mode does
    not write may be empty.
    Written as a single body on purpose: numba reference-counts arrays passed to helper
    functions, which cost more than the arithmetic of a 4-asset rebalance.
    Returns (rebalances executed, trade-log rows written).
    """
    T = close.shape[0]
    K = close.shape[1]
    D = fill_idx.shape[0]
    pos = np.zeros(K)
    last = np.zeros(K)
    order_value = np.empty(K)
    order_idx = np.empty(K, dtype=np.int64)
    cash = init_value
    applied = False
    n_reb = 0
    n_tr = 0
    d = 0
    next_fill = fill_idx[0] if D > 0 else T
    t = 0
    while t < T:
        if t == next_fill:
            # ---- 1. value before trading, summed as vectorbt sums it; computed once for the
            # band test and the orders (nothing changes between them)
            value = cash
            for k in range(K):
                if pos[k] != 0:
                    value += pos[k] * close[t, k]
            # ---- the rebalance decision (before trading, on today's closes)
            trade = True
            if applied:
                if on_change:
                    same = True
                    for k in range(K):
                        if targets[d, k] != last[k]:
                            same = False
                    if same:
                        trade = False
                if trade and band > 0.0:
                    off = False
                    if value > 0.0:
                        for k in range(K):
                            dev = abs(pos[k] * close[t, k] / value - targets[d, k])
                            limit = band * abs(targets[d, k]) if band_relative else band
                            if dev > limit:
                                off = True
                    trade = off
            if record:
                executed_out[d] = False
            if book:
                value_pre_out[d] = np.nan
                traded_out[d] = 0.0
                cost_out[d] = 0.0
            if trade:
                # vectorbt rejects target-percent orders when the value is <= 0 (within
                # 1e-12): the portfolio is bust
                trade = value > ABS_TOL
            if trade:
                traded = 0.0
                cost = 0.0
                # ---- 3. call sequence: stable insertion argsort (vectorbt insert_argsort_nb)
                for k in range(K):
                    order_value[k] = targets[d, k] * value - pos[k] * close[t, k]
                    order_idx[k] = k
                for j in range(1, K):
                    a_j = order_value[j]
                    i_j = order_idx[j]
                    i = j - 1
                    while i >= 0 and (order_value[i] > a_j or np.isnan(order_value[i])):
                        order_value[i + 1] = order_value[i]
                        order_idx[i + 1] = order_idx[i]
                        i -= 1
                    order_value[i + 1] = a_j
                    order_idx[i + 1] = i_j
                for j in range(K):
                    k = order_idx[j]
                    price = close[t, k]
                    # numerical hygiene exactly as vectorbt's execute_order_nb
                    if _near_zero(cash):
                        cash = 0.0
                    p = pos[k]
                    if _near_zero(p):
                        p = 0.0
                    pos[k] = p
                    # ---- 2. order size, in vectorbt's operation order
                    size = targets[d, k] * value
                    size /= price
                    size -= p
                    if abs(size) <= ABS_TOL or np.isnan(size):
                        continue
                    if size > 0.0:
                        # ---- 5. buy at close·(1+s), partial fill when cash cannot cover
                        q = price * (1.0 + slippage)
                        if cash == 0.0 and not allow_leverage:
                            continue
                        req_cash = size * q
                        req_fee = req_cash * fee
                        total = req_cash + req_fee
                        if allow_leverage or _fits(total, cash):
                            filled = size
                            paid_fee = req_fee
                            outlay = total
                        else:
                            max_req = cash / (1.0 + fee)
                            if max_req <= 0.0:
                                continue
                            filled = max_req / q
                            paid_fee = cash - max_req
                            outlay = cash
                        cash = _add(cash, -outlay)
                        pos[k] = _add(p, filled)
                        signed = filled
                    else:
                        # ---- 4. sell at close·(1−s), fee on the slipped price
                        filled = -size
                        q = price * (1.0 - slippage)
                        acq = filled * q
                        paid_fee = acq * fee
                        net = _add(acq, -paid_fee)
                        if net < 0.0:
                            continue
                        cash = cash + net
                        pos[k] = _add(p, -filled)
                        signed = -filled
                    if book:
                        traded += filled * price
                        cost += paid_fee + filled * price * slippage
                    if record:
                        tr_t[n_tr] = t
                        tr_k[n_tr] = k
                        tr_size[n_tr] = signed
                        tr_price[n_tr] = q
                        tr_fee[n_tr] = paid_fee
                        n_tr += 1
                for k in range(K):
                    last[k] = targets[d, k]
                applied = True
                n_reb += 1
                if record:
                    executed_out[d] = True
                if book:
                    value_pre_out[d] = value
                    traded_out[d] = traded
                    cost_out[d] = cost
            d += 1
            next_fill = fill_idx[d] if d < D else T
        # ---- 6. end-of-day values of days t … next_fill − 1 (positions constant): held is
        # summed over assets in column order, then added to cash
        end = max(next_fill, t + 1)     # (a non-increasing fill_idx entry never fires)
        if 0 < K <= 4 and not record:
            # fast paths: positions in registers; missing columns add 0·close = +0 exactly
            # (held is never −0: its first term p0·close has p0 never −0 and close > 0)
            k1 = min(1, K - 1)
            k2 = min(2, K - 1)
            k3 = min(3, K - 1)
            p0 = pos[0]
            p1 = pos[1] if K > 1 else 0.0
            p2 = pos[2] if K > 2 else 0.0
            p3 = pos[3] if K > 3 else 0.0
            for s in range(t, end):
                held = p0 * close[s, 0]
                held += p1 * close[s, k1]
                held += p2 * close[s, k2]
                held += p3 * close[s, k3]
                value_out[s] = cash + held
        elif K <= 8 and not record:
            # (a loop of its own: padding K ≤ 4 to 8 columns would slow the common case)
            k5 = min(5, K - 1)
            k6 = min(6, K - 1)
            k7 = min(7, K - 1)
            p0 = pos[0]
            p1 = pos[1]
            p2 = pos[2]
            p3 = pos[3]
            p4 = pos[4]
            p5 = pos[5] if K > 5 else 0.0
            p6 = pos[6] if K > 6 else 0.0
            p7 = pos[7] if K > 7 else 0.0
            for s in range(t, end):
                held = p0 * close[s, 0]
                held += p1 * close[s, 1]
                held += p2 * close[s, 2]
                held += p3 * close[s, 3]
                held += p4 * close[s, 4]
                held += p5 * close[s, k5]
                held += p6 * close[s, k6]
                held += p7 * close[s, k7]
                value_out[s] = cash + held
        else:
            for s in range(t, end):
                held = 0.0
                for k in range(K):
                    held += pos[k] * close[s, k]
                value_out[s] = cash + held
                if record:
                    cash_out[s] = cash
                    for k in range(K):
                        pos_out[s, k] = pos[k]
        t = end
    return n_reb, n_tr


@njit(cache=True, nogil=True)
def simulate_nb(close: np.ndarray, fill_idx: np.ndarray, targets: np.ndarray, on_change: bool,
                band: float, band_relative: bool, fee: float, slippage: float, init_value: float,
                allow_leverage: bool, value_out: np.ndarray) -> int:
    """Daily values of one portfolio: the lean kernel (for sweeps and :func:`simulate_values_nb`).

    Parameters
    ----------
    close : (T, K) float64
        Total-return closes, currency per unit, no NaN.
    fill_idx : (D,) int64
        Day index at which target row ``d`` is a rebalance candidate (decision index + lag);
        strictly increasing, every entry in [0, T).
    targets : (D, K) float64
        Target weights, fractions of value; the remainder 1 − Σw stays in idle cash at 0%.
    on_change : bool
        Skip candidates whose row equals the last applied row.
    band : float
        Weight band in fraction points (relative: a fraction of |target|); <= 0 means none.
    band_relative : bool
    fee, slippage : float
        Proportional fee and slippage, fractions (10 bps = 0.001).
    init_value : float
        Starting cash, currency.
    allow_leverage : bool
        Let cash go negative (borrowing at 0%) and positions go short.
    value_out : (T,) float64
        Written in place: end-of-day portfolio value, currency.

    Returns the number of rebalances executed. Allocates four length-K scratch arrays per call
    and nothing per day, so it can run per variant inside another kernel's ``prange``.
    """
    e_i = np.empty(0, dtype=np.int64)
    e_f = np.empty(0)
    e_b = np.empty(0, dtype=np.bool_)
    e_2 = np.empty((0, 0))
    n_reb, _ = _simulate(close, fill_idx, targets, on_change, band, band_relative, fee, slippage,
                         init_value, allow_leverage, False, False, value_out, e_f, e_2, e_b, e_f,
                         e_f, e_f, e_i, e_i, e_f, e_f, e_f)
    return n_reb


@njit(cache=True, nogil=True)
def simulate_costs_nb(close: np.ndarray, fill_idx: np.ndarray, targets: np.ndarray,
                      on_change: bool, band: float, band_relative: bool, fee: float,
                      slippage: float, init_value: float, allow_leverage: bool,
                      value_out: np.ndarray, value_pre_out: np.ndarray, traded_out: np.ndarray,
                      cost_out: np.ndarray) -> int:
    """Daily values plus each rebalance's traded value and cost: the sweep's kernel.

    Same loop and arithmetic as :func:`simulate_nb` (so ``value_out`` has the same bits) and
    the same per-row figures as :func:`simulate_full_nb`, without positions, cash or the trade
    log. Inputs and ``value_out`` as :func:`simulate_nb` (``fill_idx`` strictly increasing,
    inside [0, T): not checked here). Extra outputs (written in place), per target row (D,):
    ``value_pre_out`` value before
    trading, currency (NaN when the row did not trade: skipped by ``on_change``/``band``, or
    the portfolio was bust); ``traded_out`` Σ|Δ units|·close, currency (0 when not traded);
    ``cost_out`` fees + slippage Σ|Δ units|·close·s, currency. One-way turnover of row d is
    ``traded_out[d] / (2·value_pre_out[d])``, its cost ``cost_out[d] / value_pre_out[d]``.

    Returns the number of rebalances executed. Allocates like :func:`simulate_nb`.
    """
    e_i = np.empty(0, dtype=np.int64)
    e_f = np.empty(0)
    e_b = np.empty(0, dtype=np.bool_)
    e_2 = np.empty((0, 0))
    n_reb, _ = _simulate(close, fill_idx, targets, on_change, band, band_relative, fee, slippage,
                         init_value, allow_leverage, True, False, value_out, e_f, e_2, e_b,
                         value_pre_out, traded_out, cost_out, e_i, e_i, e_f, e_f, e_f)
    return n_reb


@njit(cache=True, nogil=True)
def simulate_full_nb(close: np.ndarray, fill_idx: np.ndarray, targets: np.ndarray,
                     on_change: bool, band: float, band_relative: bool, fee: float,
                     slippage: float, init_value: float, allow_leverage: bool,
                     value_out: np.ndarray, cash_out: np.ndarray, pos_out: np.ndarray,
                     executed_out: np.ndarray, value_pre_out: np.ndarray,
                     traded_out: np.ndarray, cost_out: np.ndarray,
                     tr_t: np.ndarray, tr_k: np.ndarray, tr_size: np.ndarray,
                     tr_price: np.ndarray, tr_fee: np.ndarray) -> int:
    """Everything a single backtest reports; same loop and arithmetic as :func:`simulate_nb`.

    Extra outputs (written in place): ``cash_out`` (T,) end-of-day cash; ``pos_out`` (T, K)
    end-of-day units held; per target row (D,): ``executed_out`` (bool), ``value_pre_out``
    (value before trading; NaN when skipped), ``traded_out`` (Σ|Δ|·close, currency),
    ``cost_out`` (fees + slippage Σ|Δ|·close·s, currency); the trade log ``tr_*`` (capacity
    D·K rows: day index, asset index, signed units, fill price, fee in currency). Returns the
    number of trade-log rows written.
    """
    _, n_tr = _simulate(close, fill_idx, targets, on_change, band, band_relative, fee, slippage,
                        init_value, allow_leverage, True, True, value_out, cash_out, pos_out,
                        executed_out, value_pre_out, traded_out, cost_out, tr_t, tr_k, tr_size,
                        tr_price, tr_fee)
    return n_tr


@njit(cache=True, nogil=True, parallel=True)
def simulate_values_nb(close: np.ndarray, fill_idx: np.ndarray, targets: np.ndarray,
                       on_change: bool, band: np.ndarray, band_relative: bool, fee: np.ndarray,
                       slippage: np.ndarray, init_value: float, allow_leverage: bool,
                       out: np.ndarray) -> None:
    """V portfolios on the same closes and schedule, in parallel over variants.

    ``targets`` (V, D, K); ``band``, ``fee``, ``slippage`` (V,) per variant; ``out`` (V, T) is
    written with each variant's end-of-day values.
    """
    for v in prange(targets.shape[0]):
        simulate_nb(close, fill_idx, targets[v], on_change, band[v], band_relative, fee[v],
                    slippage[v], init_value, allow_leverage, out[v])
