"""``backtest``: a Panel and target weights in, a named :class:`~engine.sim.result.Result` out.

The numba backend runs :func:`engine.sim.nb.simulate_full_nb`; ``backend="vectorbt"`` runs the
same target weights through ``vectorbt.Portfolio.from_orders`` (see
:mod:`engine.backends.vectorbt`). Both follow GUIDE §3 and agree to rounding.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.errors import ConfigError
from engine.sim.inputs import Plan, prepare
from engine.sim.nb import simulate_full_nb
from engine.sim.result import Result, build_result

BACKENDS = ("numba", "vectorbt")


def run_numba(plan: Plan) -> dict[str, np.ndarray]:
    """The kernel's raw outputs for ``plan`` (keyword arrays of :func:`build_result`)."""
    T, K = plan.close.shape
    D = len(plan.fill_idx)
    out = {"value": np.empty(T), "cash": np.empty(T), "pos": np.empty((T, K)),
           "executed": np.empty(D, dtype=np.bool_), "value_pre": np.empty(D),
           "traded": np.empty(D), "cost": np.empty(D)}
    tr_t = np.empty(D * K, dtype=np.int64)
    tr_k = np.empty(D * K, dtype=np.int64)
    tr_size = np.empty(D * K)
    tr_price = np.empty(D * K)
    tr_fee = np.empty(D * K)
    n = simulate_full_nb(plan.close, plan.fill_idx, plan.weights, plan.on_change, plan.band,
                         plan.band_relative, plan.fee, plan.slippage, plan.initial_value,
                         plan.allow_leverage, out["value"], out["cash"], out["pos"],
                         out["executed"], out["value_pre"], out["traded"], out["cost"],
                         tr_t, tr_k, tr_size, tr_price, tr_fee)
    out.update(tr_t=tr_t[:n], tr_k=tr_k[:n], tr_size=tr_size[:n], tr_price=tr_price[:n],
               tr_fee=tr_fee[:n])
    return out


def backtest(panel, targets: pd.DataFrame, *, lag: int = 1, rebalance: str = "decision",
             band: float | None = None, band_relative: bool = False, fee: float = 0.0,
             slippage: float = 0.0, cash: str | None = None, allow_leverage: bool = False,
             initial_value: float = 1.0, backend: str = "numba",
             name: str = "portfolio") -> Result:
    """Simulate holding ``targets`` on ``panel``'s total-return closes.

    Parameters
    ----------
    panel : Panel
    targets : DataFrame
        Index: decision dates (panel dates, increasing); columns: sleeve roles and/or tickers;
        values: target weights (fractions of value, ≥ 0, summing to ≤ 1 unless
        ``allow_leverage``) decided at that date's close. The rest stays in cash.
    lag : int
        Orders fill at the close ``lag`` trading days after the decision (1 = next close;
        0 only on purpose). Decisions whose fill would fall past the last date are dropped.
    rebalance : ``"decision"`` | ``"change"``
        Every decision is a rebalance candidate, or only those whose target differs from the
        last applied one. The first decision always trades.
    band : float or None
        A candidate trades only when some ticker's realised weight is off its target by more
        than ``band`` (fraction points), or by more than ``band × target`` when
        ``band_relative``. Checked on the fill day before trading, at the closes the orders are
        sized at.
    fee, slippage : float
        Proportional, fractions in [0, 0.1) (10 bps = 0.001). Fee is charged on the slipped
        price. Order rule: GUIDE §3 (vectorbt's).
    cash : str or None
        A sleeve role or ticker that receives 1 − Σ weights (it then earns its own returns);
        without it idle cash earns 0.
    allow_leverage : bool
        Allow negative weights (shorts) and sums above 1 (borrowing at 0%). Numba backend only.
    initial_value : float
        Starting value, currency.
    backend : ``"numba"`` | ``"vectorbt"``
    name : str
        Name of the value/returns Series.
    """
    if backend not in BACKENDS:
        raise ConfigError(f"backend = {backend!r} is not known; use one of {list(BACKENDS)}")
    if backend == "vectorbt" and allow_leverage:
        raise ConfigError("the vectorbt backend cannot borrow cash (allow_leverage=True); use "
                          "backend='numba'")
    plan = prepare(panel, targets, lag=lag, rebalance=rebalance, band=band,
                   band_relative=band_relative, fee=fee, slippage=slippage, cash=cash,
                   allow_leverage=allow_leverage, initial_value=initial_value)
    if backend == "numba":
        arrays = run_numba(plan)
        return build_result(plan, targets, name, backend, **arrays)
    from engine.backends.vectorbt import run_vectorbt

    arrays, portfolio = run_vectorbt(plan)
    return build_result(plan, targets, name, backend, portfolio=portfolio, **arrays)
