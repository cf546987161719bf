"""Walk-forward selection: windows, choices by hand, and no use of out-of-sample data."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.sweep.walkforward import column_sharpe, walk_forward


def test_windows_rolling_and_anchored() -> None:
    x = np.random.default_rng(0).normal(0, 0.01, size=(30, 4))
    r = walk_forward(x, train=10, test=6)
    np.testing.assert_array_equal(r.test_start, [10, 16, 22, 28])
    np.testing.assert_array_equal(r.test_end, [16, 22, 28, 30])       # last fold is short
    np.testing.assert_array_equal(r.train_start, [0, 6, 12, 18])
    np.testing.assert_array_equal(r.train_end, r.test_start)
    a = walk_forward(x, train=10, test=6, anchored=True)
    np.testing.assert_array_equal(a.train_start, [0, 0, 0, 0])
    assert r.oos_returns.size == 20 and r.start == 10


def test_choice_by_hand() -> None:
    # Column 1 is best in rows 0..3, column 0 best in rows 4..7.
    x = np.array([[0.00, 0.02, 0.01],
                  [0.01, 0.03, 0.00],
                  [0.00, 0.02, 0.01],
                  [0.01, 0.03, 0.00],
                  [0.03, 0.00, 0.01],
                  [0.05, -0.01, 0.00],
                  [0.03, 0.00, 0.01],
                  [0.05, -0.01, 0.00]])
    # train 4, test 2. Fold 0 (rows 0..3): column 1 (Sharpe 0.025/0.00577). Fold 1 rolling
    # (rows 2..5): column 0 has mean 0.0225, sd 0.0222 (1.01) vs column 1's 0.01/0.0183 (0.55).
    r = walk_forward(x, train=4, test=2)
    np.testing.assert_array_equal(r.chosen, [1, 0])
    np.testing.assert_array_equal(r.oos_returns, np.r_[x[4:6, 1], x[6:8, 0]])
    # Anchored fold 1 (rows 0..5): column 0 0.01667/0.01966 (0.85) < column 1 0.015/0.0164 (0.91).
    a = walk_forward(x, train=4, test=2, anchored=True)
    np.testing.assert_array_equal(a.chosen, [1, 1])
    # A 2-row rolling window: rows 0..1 → 1, rows 2..3 → 1, rows 4..5 → 0 (0.04/0.01414).
    r2 = walk_forward(x, train=2, test=2)
    np.testing.assert_array_equal(r2.chosen, [1, 1, 0])
    assert r2.is_sharpe[2] == pytest.approx(0.04 / (0.02 / np.sqrt(2)), rel=1e-12)
    assert r.is_sharpe[0] == pytest.approx(column_sharpe(x[:4])[1])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), anchored=st.booleans(), train=st.integers(2, 12),
       test=st.integers(1, 8))
def test_choice_never_reads_out_of_sample(seed: int, anchored: bool, train: int, test: int) -> None:
    """Perturb everything from a fold's test window on: that fold's choice (and every earlier
    one) is unchanged."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.01, size=(40, 7))
    base = walk_forward(x, train, test, anchored=anchored)
    for k in range(base.n_folds):
        y = x.copy()
        s = base.test_start[k]
        y[s:] = rng.normal(0.05, 0.2, size=y[s:].shape)      # wildly different future
        pert = walk_forward(y, train, test, anchored=anchored)
        np.testing.assert_array_equal(pert.chosen[:k + 1], base.chosen[:k + 1])
        np.testing.assert_array_equal(pert.is_sharpe[:k + 1], base.is_sharpe[:k + 1])


def test_bad_windows() -> None:
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="nothing to test"):
        walk_forward(x, train=10, test=2)
    with pytest.raises(ValueError, match="train"):
        walk_forward(x, train=1, test=2)
