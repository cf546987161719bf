"""The backtest :class:`Result` and how it is named from the kernel's arrays.

Both backends (numba and vectorbt) hand :func:`build_result` the same arrays: end-of-day value,
cash and units held, which target rows traded, their pre-trade value, traded value and costs, and
the trade log. Definitions (all fractions of the value *before* the rebalance's trades):

- one-way turnover = Σ|Δ units|·close / (2·V): 0.5 for the first investment out of cash, 1.0
  for selling everything and buying something else;
- cost = (fees + slippage) / V, slippage = Σ|Δ units|·close·s.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.sim.inputs import Plan

#: Name of the idle-cash column in ``weights`` and ``sleeve_weights``.
CASH = "cash"


@dataclass(frozen=True, eq=False)
class Result:
    """One backtest, named. Values in currency (``initial_value`` = the start), returns and
    weights as fractions.

    Attributes
    ----------
    value : Series
        End-of-day portfolio value on every panel date (``initial_value`` before the first fill).
    returns : Series
        Daily simple returns, value_t / value_{t−1} − 1 with value_{−1} = initial_value; 0
        before the first fill.
    weights : DataFrame
        Realised end-of-day weights per traded ticker, plus ``cash`` (idle cash, earns 0).
    sleeve_weights : DataFrame
        Realised weights per targets column (sleeve role or ticker, plus the cash sleeve), plus
        ``cash``; when a sleeve is itself named ``cash`` the idle cash is added to it. A ticker
        held by several columns is split in proportion to their targets at the last rebalance.
    targets : DataFrame
        The targets as given.
    rebalances : DataFrame
        One row per executed rebalance, indexed by fill date: ``decision_date``, ``turnover``
        (one-way, Σ|traded|/(2·V)), ``cost`` (fees + slippage as a fraction of V),
        ``cost_value`` (currency), where V is the value before the trades.
    trades : DataFrame
        ``date, ticker, size`` (units, + buy / − sell), ``price`` (fill price incl. slippage),
        ``fee`` (currency).
    start : Timestamp
        First fill date = first day invested.
    """

    name: str
    value: pd.Series
    returns: pd.Series
    weights: pd.DataFrame
    sleeve_weights: pd.DataFrame
    targets: pd.DataFrame
    rebalances: pd.DataFrame
    trades: pd.DataFrame
    start: pd.Timestamp
    lag: int
    fee: float
    slippage: float
    backend: str
    portfolio: Any = None

    @property
    def total_cost(self) -> float:
        """Fees plus slippage paid over the whole run, in currency."""
        return float(self.rebalances["cost_value"].sum())

    @property
    def turnover(self) -> float:
        """Sum of one-way turnover over all rebalances (fraction of value)."""
        return float(self.rebalances["turnover"].sum())


def _sleeve_weights(plan: Plan, w: np.ndarray, cash_w: np.ndarray,
                    executed: np.ndarray) -> np.ndarray:
    """(T, C+1) realised weight per targets column plus idle cash."""
    T, K = w.shape
    C = len(plan.columns)
    contrib = plan.contrib[executed]                       # (R, C, K)
    tot = contrib.sum(axis=1)                              # (R, K)
    share = np.divide(contrib, tot[:, None, :], out=np.zeros_like(contrib),
                      where=tot[:, None, :] != 0)
    out = np.zeros((T, C + 1))
    out[:, C] = cash_w
    if len(share) == 0:
        return out
    # The common case: every ticker belongs to one column, always the same → one matrix product.
    if np.all((share == 0) | (share == 1)) and np.all(share == share[:1]):
        out[:, :C] = w @ share[0].T
        return out
    fills = plan.fill_idx[executed]
    applied = np.searchsorted(fills, np.arange(T), side="right") - 1   # last rebalance ≤ t
    live = applied >= 0
    out[live, :C] = np.einsum("tk,tck->tc", w[live], share[applied[live]])
    return out


def build_result(plan: Plan, targets: pd.DataFrame, name: str, backend: str, *,
                 value: np.ndarray, cash: np.ndarray, pos: np.ndarray, executed: np.ndarray,
                 value_pre: np.ndarray, traded: np.ndarray, cost: np.ndarray,
                 tr_t: np.ndarray, tr_k: np.ndarray, tr_size: np.ndarray,
                 tr_price: np.ndarray, tr_fee: np.ndarray, portfolio: Any = None) -> Result:
    """Name the arrays (see :mod:`engine.sim.nb` for their meaning)."""
    dates = plan.dates
    value_s = pd.Series(value, index=dates, name=name)
    prev = np.empty_like(value)
    prev[0] = plan.initial_value
    prev[1:] = value[:-1]
    returns = pd.Series(value / prev - 1.0, index=dates, name=name)

    with np.errstate(divide="ignore", invalid="ignore"):
        w = pos * plan.close / value[:, None]
        cash_w = cash / value
    weights = pd.DataFrame(np.column_stack([w, cash_w]), index=dates,
                           columns=[*plan.tickers, CASH])
    sw = _sleeve_weights(plan, w, cash_w, executed)
    cols = list(plan.columns)
    if CASH in cols:                                       # a sleeve named "cash" absorbs idle cash
        sw[:, cols.index(CASH)] += sw[:, -1]
        sw = sw[:, :-1]
    else:
        cols.append(CASH)
    sleeve_weights = pd.DataFrame(sw, index=dates, columns=cols)

    fills = plan.fill_idx[executed]
    vpre = value_pre[executed]
    rebalances = pd.DataFrame(
        {"decision_date": dates[plan.decision_idx[executed]],
         "turnover": traded[executed] / (2.0 * vpre),
         "cost": cost[executed] / vpre,
         "cost_value": cost[executed]},
        index=pd.DatetimeIndex(dates[fills], name="date"))
    tick = np.asarray(plan.tickers, dtype=object)
    trades = pd.DataFrame({"date": dates[tr_t], "ticker": tick[tr_k], "size": tr_size,
                           "price": tr_price, "fee": tr_fee})
    start = dates[fills[0]] if len(fills) else pd.NaT
    return Result(name=name, value=value_s, returns=returns, weights=weights,
                  sleeve_weights=sleeve_weights, targets=targets.copy(), rebalances=rebalances,
                  trades=trades, start=start, lag=plan.lag, fee=plan.fee,
                  slippage=plan.slippage, backend=backend, portfolio=portfolio)
