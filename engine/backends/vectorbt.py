"""The vectorbt backend: rowboat's target weights through ``vectorbt.Portfolio.from_orders``.

``backtest(..., backend="vectorbt")`` runs the same :class:`~engine.sim.inputs.Plan` as the numba
kernel through ``Portfolio.from_orders(size_type='targetpercent', group_by=True,
cash_sharing=True, call_seq='auto', min_size=0)`` and returns the same
:class:`~engine.sim.result.Result`, plus ``result.portfolio`` (the vectorbt Portfolio) for users
who want its analytics. Both follow GUIDE §3 and agree to rounding (daily values to 1e-9
relative, returns to 1e-12 absolute; the oracle tests check it).

What vectorbt cannot do by itself, and how this backend handles it:

- **Bands and "rebalance on change" are decided by rowboat.** vectorbt has no notion of a
  band; rowboat runs its own kernel to find which candidate bars trade and passes NaN (no
  order) on every other bar.
- **No leverage.** vectorbt cannot let cash go negative; ``allow_leverage=True`` is refused.
- **Idle cash earns nothing** (as in rowboat without a cash sleeve).
- **A cash sleeve is an ordinary column**: its remainder weight is simply part of the targets.
- ``min_size=0`` is passed because vectorbt's default (1e-8 units) would silently skip small
  orders that GUIDE §3 executes (only |Δ| ≤ 1e-12 is skipped).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from engine.sim.inputs import Plan


def size_frame(plan: Plan, executed: np.ndarray) -> pd.DataFrame:
    """(T, K) target-percent orders: the target row on executed fill days, NaN elsewhere."""
    T, K = plan.close.shape
    size = np.full((T, K), np.nan)
    size[plan.fill_idx[executed]] = plan.weights[executed]
    return pd.DataFrame(size, index=plan.dates, columns=plan.tickers)


def from_orders(close: pd.DataFrame, size: pd.DataFrame, *, fee: float, slippage: float,
                init_cash: float, group_by=True):
    """``vectorbt.Portfolio.from_orders`` with the GUIDE §3 settings (one call for the oracle
    tests, the backend and the benchmark)."""
    import vectorbt as vbt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vbt.Portfolio.from_orders(
            close, size, size_type="targetpercent", direction="both", group_by=group_by,
            cash_sharing=True, call_seq="auto", fees=fee, slippage=slippage,
            init_cash=init_cash, min_size=0.0, freq="1D")


def run_vectorbt(plan: Plan) -> tuple[dict[str, np.ndarray], object]:
    """Run ``plan`` through vectorbt; returns the arrays :func:`build_result` takes and the
    Portfolio."""
    if plan.on_change or plan.band > 0:
        from engine.sim.portfolio import run_numba

        executed = run_numba(plan)["executed"]
    else:
        executed = np.ones(len(plan.fill_idx), dtype=np.bool_)
    close = pd.DataFrame(plan.close, index=plan.dates, columns=plan.tickers)
    pf = from_orders(close, size_frame(plan, executed), fee=plan.fee, slippage=plan.slippage,
                     init_cash=plan.initial_value)
    value = np.asarray(pf.value(), dtype=np.float64).reshape(-1)
    cash = np.asarray(pf.cash(), dtype=np.float64).reshape(-1)
    pos = np.asarray(pf.assets(), dtype=np.float64).reshape(plan.close.shape)

    rec = pf.orders.values
    order = np.argsort(rec["id"], kind="stable")              # simulation order
    rec = rec[order]
    tr_t = rec["idx"].astype(np.int64)
    tr_k = rec["col"].astype(np.int64)
    sign = np.where(rec["side"] == 0, 1.0, -1.0)              # OrderSide.Buy = 0
    tr_size = sign * rec["size"]
    at_close = rec["size"] * plan.close[tr_t, tr_k]
    T = len(plan.dates)
    traded_day = np.bincount(tr_t, weights=at_close, minlength=T)
    cost_day = np.bincount(tr_t, weights=rec["fees"] + at_close * plan.slippage, minlength=T)

    prev_cash = np.concatenate([[plan.initial_value], cash[:-1]])
    prev_pos = np.vstack([np.zeros((1, pos.shape[1])), pos[:-1]])
    fills = plan.fill_idx
    value_pre = np.where(executed,
                         prev_cash[fills] + (prev_pos[fills] * plan.close[fills]).sum(axis=1),
                         np.nan)
    arrays = {"value": value, "cash": cash, "pos": pos, "executed": executed,
              "value_pre": value_pre, "traded": np.where(executed, traded_day[fills], 0.0),
              "cost": np.where(executed, cost_day[fills], 0.0), "tr_t": tr_t, "tr_k": tr_k,
              "tr_size": tr_size, "tr_price": rec["price"].astype(np.float64),
              "tr_fee": rec["fees"].astype(np.float64)}
    return arrays, pf
