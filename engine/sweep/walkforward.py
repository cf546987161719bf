"""Walk-forward selection: choose the best variant on an in-sample window, hold it out of sample.

The rows are periods in time order (the sweep uses monthly excess returns). Fold k tests rows
``[train + k·test, train + (k+1)·test)`` (the last fold may be shorter) and chooses on

* rolling: the ``train`` rows just before the test window;
* anchored: every row from the first up to the test window.

The choice for a fold reads only rows before its test window — never the test window or later —
so the stitched out-of-sample returns are what a user re-optimising on schedule would have had.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WalkForward:
    """Per fold (row indices, end exclusive) and the stitched out-of-sample returns."""

    train_start: np.ndarray
    train_end: np.ndarray
    test_start: np.ndarray
    test_end: np.ndarray
    chosen: np.ndarray          #: column chosen on the fold's in-sample rows
    is_sharpe: np.ndarray       #: its in-sample per-period Sharpe
    oos_sharpe: np.ndarray      #: its out-of-sample per-period Sharpe (NaN for < 2 rows)
    oos_returns: np.ndarray     #: rows test_start[0] … end, the chosen column of each fold
    anchored: bool
    train: int
    test: int

    @property
    def n_folds(self) -> int:
        return int(self.chosen.size)

    @property
    def start(self) -> int:
        """First out-of-sample row."""
        return int(self.test_start[0])


def column_sharpe(x: np.ndarray) -> np.ndarray:
    """Per-period Sharpe (mean / std ddof=1) of each column; −inf where the column has no spread."""
    mean = x.mean(axis=0)
    std = x.std(axis=0, ddof=1) if x.shape[0] > 1 else np.zeros(x.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = mean / std
    spread = x.max(axis=0) - x.min(axis=0) if x.shape[0] else np.zeros(x.shape[1])
    out[~(spread > 0) | ~np.isfinite(out)] = -np.inf
    return out


def walk_forward(returns: np.ndarray, train: int, test: int, *, anchored: bool = False) -> WalkForward:
    """Walk-forward over ``returns`` (T periods × N variants, fractions): choose by per-period
    Sharpe on ``train`` periods (rolling) or on everything so far (``anchored``; ``train`` is then
    the first window's length), hold for ``test`` periods, repeat to the end."""
    x = np.asarray(returns, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError("returns must be a 2-D array: rows are periods, columns are variants")
    t = x.shape[0]
    if train < 2 or test < 1:
        raise ValueError(f"walk-forward needs train ≥ 2 and test ≥ 1 periods, got {train}, {test}")
    if train >= t:
        raise ValueError(f"walk-forward train window ({train} periods) leaves nothing to test in "
                         f"{t} periods; use a shorter window")
    starts = np.arange(train, t, test, dtype=np.int64)
    ends = np.minimum(starts + test, t)
    tr_start = np.zeros_like(starts) if anchored else starts - train
    chosen = np.empty(starts.size, dtype=np.int64)
    is_sr = np.empty(starts.size)
    oos_sr = np.empty(starts.size)
    oos = np.empty(t - train)
    for k, (a, s, e) in enumerate(zip(tr_start, starts, ends)):
        sr = column_sharpe(x[a:s])
        j = int(np.argmax(sr))
        chosen[k] = j
        is_sr[k] = sr[j]
        seg = x[s:e, j]
        oos_sr[k] = column_sharpe(seg[:, None])[0] if seg.size > 1 else np.nan
        oos[s - train:e - train] = seg
    return WalkForward(train_start=tr_start, train_end=starts.copy(), test_start=starts,
                       test_end=ends, chosen=chosen, is_sharpe=is_sr, oos_sharpe=oos_sr,
                       oos_returns=oos, anchored=anchored, train=train, test=test)


def walk_forward_rows(rows: np.ndarray, pick: np.ndarray, train: int, test: int, *,
                      anchored: bool = False, chunk: int | None = None) -> WalkForward:
    """:func:`walk_forward` of ``rows[pick].T`` — ``rows`` (V, T): a sweep's monthly excess
    returns, variants as rows, float32 or float64 — reading ``chunk`` rows at a time instead of
    a (T, len(pick)) float64 copy (default: 4 MB of float64 at a time); ``chosen`` holds row
    numbers. Each fold's choice is the first
    highest in-sample Sharpe over the chunks in order, every Sharpe computed exactly as
    :func:`walk_forward` computes it (the same column layout), so the result is the same."""
    pick = np.asarray(pick, dtype=np.int64)
    t = rows.shape[1]
    if pick.size < 1:
        raise ValueError("walk-forward needs at least one variant")
    if train < 2 or test < 1:
        raise ValueError(f"walk-forward needs train ≥ 2 and test ≥ 1 periods, got {train}, {test}")
    if train >= t:
        raise ValueError(f"walk-forward train window ({train} periods) leaves nothing to test in "
                         f"{t} periods; use a shorter window")
    chunk = max(256, 2 ** 22 // (8 * t)) if chunk is None else int(chunk)
    starts = np.arange(train, t, test, dtype=np.int64)
    tr_start = np.zeros_like(starts) if anchored else starts - train
    best = np.full(starts.size, -np.inf)
    chosen = np.zeros(starts.size, dtype=np.int64)
    for lo in range(0, pick.size, chunk):
        part = pick[lo:lo + chunk]
        x = np.asarray(rows[part].T, dtype=np.float64)
        for k, (a, s) in enumerate(zip(tr_start, starts)):
            sr = column_sharpe(x[a:s])
            j = int(np.argmax(sr))
            if lo == 0 or sr[j] > best[k]:
                best[k] = sr[j]
                chosen[k] = part[j]
    ends = np.minimum(starts + test, t)
    oos_sr = np.empty(starts.size)
    oos = np.empty(t - train)
    for k, (s, e) in enumerate(zip(starts, ends)):
        seg = np.asarray(rows[chosen[k], s:e], dtype=np.float64)
        oos_sr[k] = column_sharpe(seg[:, None])[0] if seg.size > 1 else np.nan
        oos[s - train:e - train] = seg
    return WalkForward(train_start=tr_start, train_end=starts.copy(), test_start=starts,
                       test_end=ends, chosen=chosen, is_sharpe=best, oos_sharpe=oos_sr,
                       oos_returns=oos, anchored=anchored, train=train, test=test)
