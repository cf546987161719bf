"""``simulate_values``: many portfolios on the same closes and schedule, daily values only.

The batched public call behind the benchmark and simple sweeps: V variants of target weights,
one calendar of fills, parallel over variants (``prange``), one (V, T) output allocated once.
"""
from __future__ import annotations

import numpy as np

from engine.errors import ConfigError
from engine.sim.inputs import MAX_RATE, check_closes, check_weights
from engine.sim.nb import simulate_values_nb


def _per_variant(name: str, x, V: int, lo: float, hi: float) -> np.ndarray:
    arr = np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), (V,)))
    if not np.all(np.isfinite(arr)) or np.any(arr < lo) or np.any(arr >= hi):
        raise ConfigError(f"{name} must be fractions in [{lo:g}, {hi:g}), got {x!r}")
    return arr


def simulate_values(close: np.ndarray, fill_idx: np.ndarray, targets: np.ndarray, *,
                    fee: float | np.ndarray = 0.0, slippage: float | np.ndarray = 0.0,
                    band: float | np.ndarray = 0.0, band_relative: bool = False,
                    on_change: bool = False, init_value: float = 1.0,
                    allow_leverage: bool = False, out: np.ndarray | None = None) -> np.ndarray:
    """Daily values (V, T) of V portfolios sharing ``close`` and ``fill_idx``.

    Parameters
    ----------
    close : (T, K) float64
        Total-return closes (finite, > 0; else a DataError naming the day and column).
    fill_idx : (D,) int
        Day index of each target row's fill (decision index + lag), strictly increasing.
    targets : (V, D, K) float64, or (D, K) for one portfolio
        Target weights per variant, fractions of value: finite; without ``allow_leverage``
        ≥ 0 and each row summing to at most 1 (the checks of :func:`engine.sim.backtest`).
    fee, slippage, band : float or (V,) array
        Fractions (10 bps = 0.001); band 0 = none. Per variant when arrays.
    band_relative, on_change, allow_leverage : bool
        As in :func:`engine.sim.backtest`.
    init_value : float
        Starting cash of every variant, currency.
    out : (V, T) float64, optional
        Written in place when given (C-contiguous), else allocated.

    Same rule and arithmetic as ``backtest`` (GUIDE §3): variant v's row equals
    ``backtest(...).value`` for the same weights to the last bit.
    """
    try:
        close = np.ascontiguousarray(close, dtype=np.float64)
        targets = np.asarray(targets, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError("close and targets must hold numbers (closes in currency, weights "
                          "as fractions of value)") from None
    fill_idx = np.ascontiguousarray(fill_idx, dtype=np.int64)
    single = targets.ndim == 2
    if single:
        targets = targets[None]
    targets = np.ascontiguousarray(targets)
    if close.ndim != 2 or targets.ndim != 3:
        raise ConfigError(f"close must be (T, K) and targets (V, D, K); got {close.shape} and "
                          f"{targets.shape}")
    T, K = close.shape
    V, D, K2 = targets.shape
    if K2 != K or fill_idx.shape != (D,):
        raise ConfigError(f"shapes disagree: close {close.shape}, fill_idx {fill_idx.shape}, "
                          f"targets {targets.shape} (need K columns and D rows)")
    if D and (fill_idx[0] < 0 or fill_idx[-1] >= T or np.any(np.diff(fill_idx) <= 0)):
        raise ConfigError(f"fill_idx must be strictly increasing day indices in [0, {T})")
    check_closes(close, lambda t, k: f"close[{t}, {k}] (day {t}, column {k})")
    check_weights(targets.reshape(V * D, K), bool(allow_leverage),
                  lambda r, k: (f"target weight targets[{r // D}, {r % D}, {k}] (variant "
                                f"{r // D}, fill day {fill_idx[r % D]}, column {k})"),
                  lambda r: (f"target weights of variant {r // D}, row {r % D} (fill day "
                             f"{fill_idx[r % D]})"))
    fee_v = _per_variant("fee", fee, V, 0.0, MAX_RATE)
    slip_v = _per_variant("slippage", slippage, V, 0.0, MAX_RATE)
    band_v = _per_variant("band", band, V, 0.0, 1.0)
    if out is None:
        out = np.empty((V, T))
    elif out.shape != (V, T) or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ConfigError(f"out must be a C-contiguous float64 array of shape {(V, T)}")
    simulate_values_nb(close, fill_idx, targets, bool(on_change), band_v, bool(band_relative),
                       fee_v, slip_v, float(init_value), bool(allow_leverage), out)
    return out[0] if single else out
