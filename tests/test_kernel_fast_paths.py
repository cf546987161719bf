"""The kernels' fast paths give the very bits of their plain paths: the metric accumulator fed a
whole series (``acc_update_many``) or SIMD lanes side by side (``acc_update_lanes``) against one
``acc_update`` per day, and the simulation's register valuation (K ≤ 8 assets) against the
general loop that ``simulate_full_nb`` runs."""
from __future__ import annotations

import numpy as np
import pytest

from engine.metrics import nb
from engine.sim.nb import simulate_full_nb, simulate_nb
from sim_panels import random_walk


def _series(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Daily returns with missing days (NaN, ±inf), a constant stretch and a crash; rf."""
    rng = np.random.default_rng(seed)
    r = rng.normal(3e-4, 0.012, n)
    r[rng.random(n) < 0.01] = np.nan
    if n >= 100:
        r[n // 3] = np.inf
        r[n // 3 + 1] = -np.inf
        r[n // 2:n // 2 + 20] = 0.001
        r[2 * n // 3] = -0.4
    rf = np.abs(rng.normal(1e-4, 3e-5, n))
    return r, rf


def _one_by_one(r: np.ndarray, rf: np.ndarray) -> np.ndarray:
    """Accumulator after one acc_update per day (the reference), plus its metrics."""
    acc = np.empty(nb.ACC_SIZE)
    nb.acc_init(acc)
    for t in range(r.size):
        nb.acc_update(acc, r[t], rf[t])
    nb.acc_trade(acc, 0.25, 0.001)
    return acc


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint64)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 700])
def test_update_many_equals_daily_updates(n):
    r, rf = _series(n, seed=n)
    ref = _one_by_one(r, rf)
    acc = np.empty(nb.ACC_SIZE)
    nb.acc_init(acc)
    nb.acc_update_many(acc, r, rf)
    nb.acc_trade(acc, 0.25, 0.001)
    assert np.array_equal(_bits(acc), _bits(ref))
    # no risk-free (an empty rf) is rf = 0 on every day
    nb.acc_init(acc)
    nb.acc_update_many(acc, r, np.empty(0))
    nb.acc_trade(acc, 0.25, 0.001)
    assert np.array_equal(_bits(acc), _bits(_one_by_one(r, np.zeros(n))))


@pytest.mark.parametrize("n_lanes", sorted({1, 3, 7, nb.LANES} & set(range(1, nb.LANES + 1))))
def test_lanes_equal_lone_accumulators(n_lanes):
    """Each lane ends with the accumulator (and so the metrics) a lone one gets, whatever its
    neighbours hold — missing days, a drawdown, a constant stretch — fed in chunks of odd and
    even lengths (the update alternates between the state's two halves day by day)."""
    n = 600
    series = [_series(n, seed=100 + j)[0] for j in range(nb.LANES)]
    rf = _series(n, seed=99)[1]
    returns = np.ascontiguousarray(np.stack(series, axis=1))       # (n, LANES), day-major
    state = np.full(nb.LANES_STATE, np.nan)                       # lanes past n_lanes: untouched
    acc = np.empty(nb.ACC_SIZE)
    for j in range(n_lanes):
        nb.acc_init(acc)
        nb.acc_trade(acc, 0.25, 0.001)
        nb.acc_set_lane(state, j, acc)
    for a, b in ((0, 251), (251, 351), (351, n)):
        nb.acc_update_lanes(state, returns[a:b], rf[a:b], n_lanes)
    for j in range(n_lanes):
        nb.acc_get_lane(state, j, acc)
        assert np.array_equal(_bits(acc), _bits(_one_by_one(series[j], rf)))
        got, want = np.empty(nb.N_OUT), np.empty(nb.N_OUT)
        nb.acc_finalize(acc, got)
        nb.metrics_full_nb(series[j], rf, np.array([0.25] + [0.0] * (n - 1)),
                           np.array([0.001] + [0.0] * (n - 1)), want)
        assert np.array_equal(_bits(got), _bits(want))
    assert np.isnan(state.reshape(2, nb.ACC_SIZE, nb.LANES)[:, :, n_lanes:]).all()


@pytest.mark.parametrize("k", [1, 4, 5, 6, 7, 8, 9])
@pytest.mark.parametrize("band", [0.0, 0.03])
def test_register_valuation_equals_general_loop(k, band):
    """simulate_nb values the book in registers for K ≤ 8 assets (unused slots add 0·close);
    simulate_full_nb always runs the general loop: the daily values agree bit for bit."""
    T = 400
    close = random_walk(T, tuple(f"A{i}" for i in range(k)), seed=k, vol=0.03).to_numpy()
    rng = np.random.default_rng(k)
    fill_idx = np.arange(1, T, 7, dtype=np.int64)
    D = fill_idx.size
    w = rng.dirichlet(np.ones(k), size=D) * 0.98
    w[rng.random((D, k)) < 0.3] = 0.0                                  # zero positions too
    lean = np.empty(T)
    simulate_nb(close, fill_idx, w, False, band, False, 0.001, 0.0005, 1.0, False, lean)
    full = np.empty(T)
    log = [np.empty(D * k, dtype=np.int64), np.empty(D * k, dtype=np.int64)]
    log += [np.empty(D * k) for _ in range(3)]
    simulate_full_nb(close, fill_idx, w, False, band, False, 0.001, 0.0005, 1.0, False, full,
                     np.empty(T), np.empty((T, k)), np.empty(D, dtype=np.bool_), np.empty(D),
                     np.empty(D), np.empty(D), *log)
    assert np.array_equal(_bits(lean), _bits(full))
    assert lean[-1] != lean[0]
