"""Variants that trade the same targets are simulated once — and every variant's numbers stay
bit for bit those of simulating it on its own."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.experiment import load_experiment
from engine.sweep import dedupe
from engine.sweep.api import execute
from engine.sweep.fused import as_kernel_array, compiled_rule, run_variants
from engine.sweep.problem import prepare
from strategies.params import to_vector

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"
#: with shift 0 nothing moves whatever defensive is, and nearby drawdown triggers cross on the
#: same months: duplicates (24 variants, 18 distinct targets); rebalance and band then make equal
#: targets trade differently (every combination of them is simulated)
GRID = ["drawdown=0.05,0.06,0.07,0.08", "shift=0,0.5,1", "defensive=0,0.5",
        "rebalance=decision,change", "band=none,0.05"]


@pytest.fixture(scope="module")
def problem():
    return prepare(load_experiment(CONFIG), "rowing_boat", GRID)


def targets(problem, v: int) -> np.ndarray:
    """Variant v's target sleeve weights at its group's decision rows (the rule run alone)."""
    rule = compiled_rule(problem.strategy().rule)
    vec = as_kernel_array(problem.grid.vectors(to_vector, np.array([v])))[0]
    g = int(problem.grid.group_ids(problem.group_names, np.array([v]))[0])
    _, offsets, _, inputs = problem.stacked()
    lo, hi = offsets[g], offsets[g + 1]
    out = np.empty((hi - lo, problem.sleeve_map.shape[0]))
    rule(np.ascontiguousarray(inputs[lo:hi]), vec, out)
    return out


def test_deduplicated_sweep_equals_every_variant_simulated(problem) -> None:
    info: dict = {}
    metrics, monthly = execute(problem, chunk=7, info=info)
    ref = run_variants(problem, np.arange(problem.n_variants))
    assert info["simulated_variants"] < problem.n_variants       # there was something to share
    assert np.array_equal(metrics, ref.metrics, equal_nan=True)
    assert np.array_equal(monthly, ref.monthly, equal_nan=True)


def test_representatives_share_group_trading_and_targets(problem) -> None:
    rep = dedupe.problem_representatives(problem)
    n = problem.n_variants
    assert np.all(rep <= np.arange(n)) and np.array_equal(rep[rep], rep)
    vectors = problem.grid.vectors(to_vector)
    on_change, band = problem.trading(vectors)
    group = problem.grid.group_ids(problem.group_names)
    shared = np.flatnonzero(rep != np.arange(n))
    assert shared.size > 0
    for v in shared:
        r = rep[v]
        assert group[v] == group[r] and on_change[v] == on_change[r] and band[v] == band[r]
        assert np.array_equal(targets(problem, v), targets(problem, r))
    # and variants left on their own differ from every earlier one in something
    firsts = np.flatnonzero(rep == np.arange(n))
    keys = {(group[v], on_change[v], band[v], targets(problem, v).tobytes()) for v in firsts}
    assert len(keys) == firsts.size


def test_a_hash_collision_costs_time_not_results(problem, monkeypatch) -> None:
    """Every variant hashed alike: exact verification sends each one whose targets differ from
    variant 0's to be simulated on its own, and the numbers stay exact."""
    def same_hash(rule, group, offsets, inputs, params, n_sleeves, on_change, band, out):
        out[:] = 7

    monkeypatch.setattr(dedupe, "target_hashes_nb", same_hash)
    info: dict = {}
    metrics, monthly = execute(problem, info=info)
    ref = run_variants(problem, np.arange(problem.n_variants))
    assert np.array_equal(metrics, ref.metrics, equal_nan=True)
    assert np.array_equal(monthly, ref.monthly, equal_nan=True)
    assert 1 < info["simulated_variants"] <= problem.n_variants


def test_first_rows_picks_the_lowest_row_of_each_pair() -> None:
    h = np.array([[5, 1], [3, 2], [5, 1], [5, 2], [3, 2], [5, 1]], dtype=np.uint64)
    assert dedupe.first_rows(h).tolist() == [0, 1, 0, 3, 1, 0]
