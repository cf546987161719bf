"""Checked, array-shaped inputs for one backtest: target weights per ticker, fill days, closes.

:func:`prepare` turns the user's ``targets`` (decision dates × sleeve roles and/or tickers) into
a :class:`Plan` the kernel and the vectorbt backend both run. Every bad input raises one
:class:`~engine.errors.ConfigError` or :class:`~engine.errors.DataError` that names the thing and
the fix. Pandas work is kept to a minimum: index lookups are done once with NumPy.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import ConfigError, DataError
from engine.sim.nb_checks import NEGATIVE, NON_FINITE, OVER_ONE, weight_findings_nb

#: Weights may sum to 1 + this without leverage (rounding in user arithmetic).
SUM_TOL = 1e-9
#: Fees and slippage are fractions in [0, MAX_RATE): 0.1 = 1,000 bps is surely a unit mistake.
MAX_RATE = 0.1
REBALANCE_MODES = ("decision", "change")


@dataclass(frozen=True, eq=False)
class Plan:
    """What a backend needs. Shapes: T days, K tickers traded, D kept decisions, C columns.

    ``weights`` (D, K) target weights per ticker including the cash sleeve's remainder;
    ``fill_idx`` (D,) day index of each kept decision's fill; ``decision_idx`` (D,) its own day
    index; ``columns`` the sleeve-weight columns (targets' columns plus the cash sleeve) and
    ``contrib`` (D, C, K) each column's part of each ticker's target weight.
    """

    dates: pd.DatetimeIndex
    tickers: list[str]
    close: np.ndarray
    weights: np.ndarray
    fill_idx: np.ndarray
    decision_idx: np.ndarray
    columns: list[str]
    contrib: np.ndarray
    on_change: bool
    band: float
    band_relative: bool
    fee: float
    slippage: float
    allow_leverage: bool
    initial_value: float
    lag: int


def _check_rate(name: str, x: float) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number (a fraction: 10 bps = 0.001), "
                          f"got {x!r}") from None
    if not np.isfinite(x) or x < 0 or x >= MAX_RATE:
        raise ConfigError(f"{name} = {x:g} is outside [0, {MAX_RATE:g}); give a fraction "
                          f"(10 bps = 0.001), not percent or bps")
    return x


def check_options(lag: int, rebalance: str, band: float | None, band_relative: bool,
                  fee: float, slippage: float, initial_value: float) -> tuple[float, float, float]:
    """Scalar options; returns (band (0 = none), fee, slippage) as floats."""
    if isinstance(lag, (bool, np.bool_)) or not isinstance(lag, (int, np.integer)) or lag < 0:
        raise ConfigError(f"lag must be a whole number of trading days >= 0, got {lag!r} "
                          "(1 = fill at the next close, the default)")
    if rebalance not in REBALANCE_MODES:
        raise ConfigError(f"rebalance = {rebalance!r} is not known; use 'decision' (every "
                          "decision date) or 'change' (only when the target changes)")
    if band is None:
        if band_relative:
            raise ConfigError("band_relative=True needs a band (e.g. band=0.2 for 20% of "
                              "each target)")
        band_f = 0.0
    else:
        try:
            band_f = float(band)
        except (TypeError, ValueError):
            raise ConfigError(f"band must be a fraction (0.05 = 5 points), got {band!r}") from None
        if not np.isfinite(band_f) or band_f <= 0 or band_f >= 1:
            raise ConfigError(f"band = {band_f:g} is outside (0, 1); give a fraction (0.05 = 5 "
                              "weight points, or 5% of the target with band_relative) or None")
    fee_f = _check_rate("fee", fee)
    slip_f = _check_rate("slippage", slippage)
    try:
        iv = float(initial_value)
    except (TypeError, ValueError):
        iv = float("nan")
    if not np.isfinite(iv) or iv <= 0:
        raise ConfigError(f"initial_value must be a positive amount, got {initial_value!r}")
    return band_f, fee_f, slip_f


def _check_targets(panel, targets) -> tuple[np.ndarray, list[str]]:
    """Shape, index and column checks; returns (day index of each row, column names)."""
    if not isinstance(targets, pd.DataFrame):
        raise ConfigError(f"targets must be a DataFrame (decision dates × sleeves or tickers), "
                          f"got {type(targets).__name__}")
    if targets.shape[0] == 0 or targets.shape[1] == 0:
        raise ConfigError("targets is empty: give at least one decision date and one sleeve "
                          "(e.g. fixed_mix(panel, {'us': 0.6, 'bonds': 0.4}))")
    if not isinstance(targets.index, pd.DatetimeIndex):
        raise ConfigError("targets must be indexed by dates (a DatetimeIndex of decision dates), "
                          f"got a {type(targets.index).__name__}; use pd.to_datetime on the index")
    cols = [str(c) for c in targets.columns]
    if len(set(cols)) != len(cols):
        dup = sorted({c for c in cols if cols.count(c) > 1})
        raise ConfigError(f"targets name {dup} more than once; give each sleeve one column")
    known_sleeves = set(panel.sleeves)
    known_tickers = set(panel.tr.columns)
    unknown = [c for c in cols if c not in known_sleeves and c not in known_tickers]
    if unknown:
        raise ConfigError(f"targets name {unknown}, neither a sleeve {sorted(known_sleeves)} nor "
                          f"a ticker {sorted(known_tickers)}; add the sleeve or fix the name")
    idx = targets.index
    if idx.tz is not None:
        raise ConfigError("targets' dates carry a time zone; the panel's calendar has none "
                          "(use targets.tz_localize(None))")
    if idx.has_duplicates:
        first = idx[idx.duplicated()][0]
        raise ConfigError(f"targets has date {first.date()} more than once; one row per "
                          "decision date")
    if not idx.is_monotonic_increasing:
        raise ConfigError("targets' dates are not in increasing order; sort them "
                          "(targets.sort_index())")
    pos = panel.dates.get_indexer(idx)
    if (pos < 0).any():
        missing = idx[pos < 0]
        raise DataError(f"targets has {len(missing)} date(s) that are not trading days of the "
                        f"panel (first {missing[0].date()}); the panel covers "
                        f"{panel.dates[0].date()} to {panel.dates[-1].date()} — decide on panel "
                        "dates (engine.sim.schedule_dates gives period ends)")
    return pos.astype(np.int64), cols


def check_weights(vals: np.ndarray, allow_leverage: bool, cell: Callable[[int, int], str],
                  row: Callable[[int], str]) -> None:
    """Target weights ``vals`` (N rows × C columns, fractions of value): every entry finite
    (else :class:`DataError`); without leverage every entry ≥ 0 and each row summing, in column
    order, to at most 1 + ``SUM_TOL`` (else :class:`ConfigError`). ``cell(r, c)`` names an entry
    ("target weight for 'us' on 2020-01-31"), ``row(r)`` a row ("target weights on 2020-01-31").
    """
    vals = np.ascontiguousarray(vals, dtype=np.float64)
    first_row = np.empty(3, dtype=np.int64)
    first_col = np.empty(3, dtype=np.int64)
    n_bad = weight_findings_nb(vals, not allow_leverage, 1.0 + SUM_TOL, first_row, first_col)
    if n_bad:
        r, c = first_row[NON_FINITE], first_col[NON_FINITE]
        raise DataError(f"{cell(r, c)} is {vals[r, c]} ({n_bad} missing or infinite "
                        "entries); give 0.0 for 'hold none', or drop the row")
    if first_row[NEGATIVE] >= 0:
        r, c = first_row[NEGATIVE], first_col[NEGATIVE]
        raise ConfigError(f"{cell(r, c)} is {vals[r, c]:g} (negative = short); pass "
                          "allow_leverage=True to allow shorts, or use weights >= 0")
    if first_row[OVER_ONE] >= 0:
        r = int(first_row[OVER_ONE])
        total = 0.0
        for c in range(vals.shape[1]):
            total = total + vals[r, c]
        raise ConfigError(f"{row(r)} sum to {total:.10g} > 1 (leverage); scale them to sum "
                          "to at most 1 (the rest stays in cash) or pass allow_leverage=True")


def check_closes(close: np.ndarray, cell: Callable[[int, int], str]) -> None:
    """Closes ``close`` (T days × K assets, currency per unit) are finite and positive — else a
    :class:`DataError`; ``cell(t, k)`` names an entry ("close of 'A' on 2020-01-31")."""
    ok = np.isfinite(close) & (close > 0)
    if not ok.all():
        r, k = np.argwhere(~ok)[0]
        raise DataError(f"{cell(r, k)} is {close[r, k]}; every traded ticker needs a positive "
                        "close on every day (start the data later or drop the ticker)")


def listed_closes(close: np.ndarray, weights: np.ndarray, fill_idx: np.ndarray,
                  cell: Callable[[int, int], str]) -> np.ndarray:
    """Closes ready for the kernels: a ticker's NaN closes BEFORE its first price (it is not
    listed yet) are accepted as long as no fill gives it a non-zero weight, and are replaced by
    its first close (the position is 0 there, so values do not change); any other missing or
    non-positive close is a :class:`DataError`. ``close`` (T, K), ``weights`` (D, K) target
    weights filled on days ``fill_idx`` (D,); ``cell(t, k)`` names an entry."""
    T, K = close.shape
    listed = np.isfinite(close)
    first = np.where(listed.any(axis=0), np.argmax(listed, axis=0), T)
    bad = (weights != 0.0) & (fill_idx[:, None] < first[None, :])
    if bad.any():
        d, k = np.argwhere(bad)[0]
        raise DataError(f"{cell(int(fill_idx[d]), int(k))} is missing (no price yet: its first "
                        f"price is {'never' if first[k] >= T else 'later'}) but the target gives "
                        f"it {weights[d, k]:g} on that day; hold it only from its first date "
                        "(start the targets later or put the weight elsewhere)")
    out = close.copy()
    for k in range(K):
        out[:first[k], k] = close[first[k], k] if first[k] < T else 1.0   # never held there
    check_closes(out, cell)
    return np.ascontiguousarray(out)


def _check_values(targets: pd.DataFrame, cols: list[str], allow_leverage: bool) -> np.ndarray:
    try:
        vals = targets.to_numpy(dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise ConfigError("targets must hold numbers (fractions of value); found non-numeric "
                          "entries") from None
    day = targets.index
    check_weights(vals, allow_leverage,
                  lambda r, c: f"target weight for '{cols[c]}' on {day[r].date()}",
                  lambda r: f"target weights on {day[r].date()}")
    return vals


def _column_map(panel, name: str) -> tuple[list[str], list[float]]:
    if name in panel.sleeves:
        sl = panel.sleeves[name]
        return list(sl.tickers), list(sl.weights)
    return [name], [1.0]


def prepare(panel, targets: pd.DataFrame, *, lag: int = 1, rebalance: str = "decision",
            band: float | None = None, band_relative: bool = False, fee: float = 0.0,
            slippage: float = 0.0, cash: str | None = None, allow_leverage: bool = False,
            initial_value: float = 1.0) -> Plan:
    """Check everything and build the :class:`Plan` (see :func:`engine.sim.backtest`)."""
    band_f, fee_f, slip_f = check_options(lag, rebalance, band, band_relative, fee, slippage,
                                          initial_value)
    day, cols = _check_targets(panel, targets)
    vals = _check_values(targets, cols, bool(allow_leverage))
    if cash is not None and cash not in panel.sleeves and cash not in panel.tr.columns:
        raise ConfigError(f"cash = '{cash}' is neither a sleeve {sorted(panel.sleeves)} nor a "
                          f"ticker {sorted(panel.tickers)}; name the sleeve that earns the cash "
                          "rate, or leave cash=None (idle cash earns 0)")

    T = len(panel.dates)
    keep = day + lag < T
    if not keep.any():
        raise DataError(f"no decision fills inside the data: the last decision "
                        f"({targets.index[-1].date()}) fills {lag} trading day(s) later, after "
                        f"the panel's last date {panel.dates[-1].date()}; extend the data or "
                        "decide earlier")
    day = day[keep]
    vals = vals[keep]

    # Sleeve-weight columns: the targets' columns, then the cash sleeve when not among them.
    columns = list(cols)
    if cash is not None and cash not in columns:
        columns.append(cash)
        vals = np.concatenate([vals, np.zeros((len(vals), 1))], axis=1)
    D, C = vals.shape
    # Remainder to the cash sleeve (summed in column order, as the fused sweep does).
    if cash is not None:
        total = np.zeros(D)
        for c in range(len(cols)):
            total = total + vals[:, c]
        rest = 1.0 - total
        if not allow_leverage:
            rest = np.maximum(rest, 0.0)
    # Expand columns to tickers, accumulating in column order and adding the cash remainder
    # last, exactly as the fused sweep (engine.sweep.fused) does, so both give the same bits.
    # contrib[d, c, k] = column c's part of ticker k's weight (for realised sleeve weights).
    all_tickers = list(panel.tr.columns)
    tpos = {t: i for i, t in enumerate(all_tickers)}
    contrib_all = np.zeros((D, C, len(all_tickers)))
    weights_all = np.zeros((D, len(all_tickers)))
    for c, name in enumerate(columns):
        for t, b in zip(*_column_map(panel, name)):
            part = vals[:, c] * b
            contrib_all[:, c, tpos[t]] += part
            weights_all[:, tpos[t]] += part
    if cash is not None:
        c = columns.index(cash)
        for t, b in zip(*_column_map(panel, cash)):
            part = rest * b
            contrib_all[:, c, tpos[t]] += part
            weights_all[:, tpos[t]] += part
    used = np.flatnonzero((weights_all != 0).any(axis=0))
    if len(used) == 0:   # always all cash: keep the named tickers so K >= 1 (they stay at 0)
        used = np.flatnonzero(contrib_all.any(axis=(0, 1)) | np.isin(all_tickers, [
            t for name in columns for t in _column_map(panel, name)[0]]))
    tickers = [all_tickers[i] for i in used]
    fill_idx = np.ascontiguousarray(day + lag)
    close = listed_closes(panel.tr.to_numpy(dtype=np.float64)[:, used], weights_all[:, used],
                          fill_idx, lambda r, k: f"close of '{tickers[k]}' on "
                          f"{panel.dates[r].date()}")
    return Plan(dates=panel.dates, tickers=tickers, close=close,
                weights=np.ascontiguousarray(weights_all[:, used]),
                fill_idx=fill_idx, decision_idx=day, columns=columns,
                contrib=contrib_all[:, :, used], on_change=rebalance == "change", band=band_f,
                band_relative=bool(band_relative), fee=fee_f, slippage=slip_f,
                allow_leverage=bool(allow_leverage), initial_value=float(initial_value), lag=lag)
