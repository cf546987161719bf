"""Every strategy's rule kernel on hand-made inputs, with exact expected weights.

The kernels are called exactly as the single backtest and the sweep call them:
``rule(inputs (D, S) f8, params (P,) f8, out (D, K) f8)``.
"""
from __future__ import annotations

import numpy as np
import pytest

import strategies
from engine.errors import ConfigError
from strategies import REGISTRY


def run(name: str, inputs: list[list[float]] | np.ndarray, n: int | None = None, **params):
    """Weights (D, K) from the registered kernel, as a dict role → column."""
    s = REGISTRY[name]
    x = np.ascontiguousarray(np.asarray(inputs, dtype=np.float64).reshape(
        (n if n is not None else len(inputs)), len(s.input_names)))
    out = np.full((x.shape[0], len(s.sleeves)), np.nan)
    s.rule(x, s.vector(s.params(params)), out)
    assert not np.isnan(out).any(), "the kernel must write every cell"
    return {role: out[:, k] for k, role in enumerate(s.sleeves)}


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=0, atol=1e-15)


# ----------------------------------------------------------------------------- benchmarks

def test_us_only_and_equal_thirds():
    w = run("us_only", np.zeros((3, 0)), n=3)
    close(w["us"], [1, 1, 1])
    w = run("equal_thirds", np.zeros((2, 0)), n=2)
    for r in ("us_mega", "ex_us", "em"):
        close(w[r], [1 / 3, 1 / 3])


def test_fixed_mix_listed_weights_replace_the_default():
    w = run("fixed_mix", np.zeros((2, 0)), n=2, ex_us=0.7, cash=0.3)
    close(w["ex_us"], [0.7, 0.7])
    close(w["cash"], [0.3, 0.3])
    for r in ("us_mega", "us", "em", "world", "bonds"):
        close(w[r], [0, 0])  # the default 60/40 is gone, not added to
    w = run("fixed_mix", np.zeros((1, 0)), n=1)
    close(w["us"], [0.6])
    close(w["bonds"], [0.4])


def test_world_caps_mix_and_sleeve():
    caps = [[300.0, 100.0, 100.0, 1.0], [600.0, 100.0, 300.0, 1.0]]
    w = run("world", caps, mode="caps")
    close(w["us"], [0.6, 0.6])
    close(w["ex_us"], [0.2, 0.1])
    close(w["em"], [0.2, 0.3])
    close(w["world"], [0, 0])
    # no caps (use_caps = 0): the params' mix
    w = run("world", [[0, 0, 0, 0.0]], mode="auto", us=0.5, ex_us=0.3, em=0.2)
    close([w["us"][0], w["ex_us"][0], w["em"][0], w["world"][0]], [0.5, 0.3, 0.2, 0])
    w = run("world", caps, mode="sleeve")
    close(w["world"], [1, 1])
    close(w["us"], [0, 0])


# ----------------------------------------------------------------------------- unwind

MIX = dict(us_mega=0.4, us=0.2, ex_us=0.3, em=0.1)


def test_unwind_shifts_exactly_shift_of_mega_and_reverts_on_new_high():
    # (drawdown of the chain as a fraction of its peak, running peak)
    x = [[0.0, 1.00],     # d0 at the peak: hold the mix
         [-0.03, 1.00],   # d1 3 % below: not yet
         [-0.05, 1.00],   # d2 exactly 5 % below: unwind (<= -threshold)
         [-0.02, 1.00],   # d3 recovered partly, no new high: stay shifted
         [-0.01, 1.02],   # d4 the peak rose since d3 (a new high in between): back to the mix
         [-0.049, 1.02],  # d5 just short of the threshold: mix
         [-0.20, 1.02]]   # d6 deep: unwind again
    w = run("concentration_unwind", x, drawdown=0.05, shift=0.5, **MIX)
    on = np.array([0, 0, 1, 1, 0, 0, 1], dtype=bool)
    move = 0.5 * 0.4  # shift × mega-cap sleeve
    close(w["us_mega"], np.where(on, 0.4 - move, 0.4))
    close(w["us"], [0.2] * 7)
    # ex-US and EM take the move in proportion to their mix weights (0.3 : 0.1)
    close(w["ex_us"], np.where(on, 0.3 + move * 0.75, 0.3))
    close(w["em"], np.where(on, 0.1 + move * 0.25, 0.1))
    total = w["us_mega"] + w["us"] + w["ex_us"] + w["em"]
    close(total, np.ones(7))


def test_unwind_new_high_and_crossing_in_the_same_period_stays_shifted():
    # the peak rose after d1, then fell 6 % by d2: the unwind is on at d2
    w = run("concentration_unwind", [[0.0, 1.0], [-0.06, 1.1]], drawdown=0.05, shift=1.0, **MIX)
    close(w["us_mega"], [0.4, 0.0])


# ----------------------------------------------------------------------------- breakout rotation

def test_rotation_moves_shift_of_the_us_side_into_what_breaks_out():
    x = [[0, 0], [1, 0], [0, 1], [1, 1]]  # (ex_us_on, em_on)
    w = run("breakout_rotation", x, shift=0.5, **MIX)
    move = 0.5 * (0.4 + 0.2)  # half of the US side, taken pro rata from mega and broad US
    close(w["us_mega"], [0.4, 0.4 - move * 2 / 3, 0.4 - move * 2 / 3, 0.4 - move * 2 / 3])
    close(w["us"], [0.2, 0.2 - move / 3, 0.2 - move / 3, 0.2 - move / 3])
    close(w["ex_us"], [0.3, 0.3 + move, 0.3, 0.3 + move / 2])
    close(w["em"], [0.1, 0.1, 0.1 + move, 0.1 + move / 2])


# ----------------------------------------------------------------------------- rowing boat

BOAT = dict(us_mega=0.4, us=0.2, ex_us=0.3, em=0.1, drawdown=0.05, shift=0.5)


def boat(x, **kw):
    return run("rowing_boat", x, **{**BOAT, **kw})


def test_rowing_boat_either_signal_tilts():
    # (conc_drawdown, conc_peak, ex_us_on, em_on, us_above_sma)
    x = [[0.0, 1.0, 0, 0, 1],    # calm: the mix
         [-0.06, 1.0, 0, 0, 1],  # unwinding, nothing breaks out: to ex/EM pro rata
         [-0.06, 1.0, 1, 0, 1],  # unwinding + ex-US breaks out: all of it to ex-US
         [0.0, 1.1, 0, 1, 1],    # new high (unwind off), EM breaks out: tilt to EM
         [0.0, 1.1, 1, 1, 1]]    # both break out: split equally
    w = boat(x, combine="either", defensive=0.0)
    m = 0.5 * 0.4
    close(w["us_mega"], [0.4, 0.4 - m, 0.4 - m, 0.4 - m, 0.4 - m])
    close(w["us"], [0.2] * 5)
    close(w["ex_us"], [0.3, 0.3 + 0.75 * m, 0.3 + m, 0.3, 0.3 + m / 2])
    close(w["em"], [0.1, 0.1 + 0.25 * m, 0.1, 0.1 + m, 0.1 + m / 2])
    close(w["bonds"], [0] * 5)
    close(w["cash"], [0] * 5)


def test_rowing_boat_both_signals_needed():
    x = [[-0.06, 1.0, 0, 0, 1],   # unwinding only: no tilt with combine = both
         [0.0, 1.1, 1, 0, 1],     # breakout only (new high ended the unwind): no tilt
         [-0.06, 1.1, 1, 0, 1]]   # both: tilt to ex-US
    w = boat(x, combine="both", defensive=0.0)
    close(w["us_mega"], [0.4, 0.4, 0.2])
    close(w["ex_us"], [0.3, 0.3, 0.5])


def test_rowing_boat_fallback_when_nobody_rows():
    x = [[0.0, 1.0, 0, 0, 0],     # US below its SMA, no breakout: defensive
         [-0.06, 1.0, 0, 0, 0],   # also unwinding: tilt, then defensive on top
         [0.0, 1.1, 1, 0, 0]]     # a breakout is on: no fallback even with the US trend down
    w = boat(x, combine="either", defensive=0.25, fallback="cash")
    m = 0.5 * 0.4
    close(w["cash"], [0.25, 0.25, 0.0])
    close(w["bonds"], [0, 0, 0])
    close(w["us_mega"], [0.4 * 0.75, (0.4 - m) * 0.75, 0.4 - m])
    close(w["us"], [0.2 * 0.75, 0.2 * 0.75, 0.2])
    close(w["ex_us"], [0.3 * 0.75, (0.3 + 0.75 * m) * 0.75, 0.3 + m])
    close(w["em"], [0.1 * 0.75, (0.1 + 0.25 * m) * 0.75, 0.1])
    w = boat(x[:1], defensive=1.0, fallback="bonds")
    close([w[r][0] for r in ("us_mega", "us", "ex_us", "em", "bonds", "cash")],
          [0, 0, 0, 0, 1, 0])


# ----------------------------------------------------------------------------- GEM, SMA

def test_gem_absolute_then_relative_momentum():
    # (mom_us, mom_ex_us, mom_cash)
    x = [[0.10, 0.05, 0.02],   # US beats cash and ex-US → US
         [0.10, 0.15, 0.02],   # US beats cash, ex-US better → ex-US
         [0.01, 0.30, 0.02],   # US below cash → bonds, however good ex-US is
         [0.10, 0.10, 0.02],   # tie → US
         [0.02, 0.01, 0.02]]   # US equal to cash is not above → bonds
    w = run("dual_momentum", x)
    close(w["us"], [1, 0, 0, 1, 0])
    close(w["ex_us"], [0, 1, 0, 0, 0])
    close(w["bonds"], [0, 0, 1, 0, 1])
    close(w["cash"], [0] * 5)
    w = run("dual_momentum", [[0.01, 0.0, 0.02]], hurdle="zero", fallback="cash")
    close(w["us"], [1])  # 1 % beats a zero hurdle
    w = run("dual_momentum", [[-0.01, 0.0, -0.05]], hurdle="zero", fallback="cash")
    close(w["cash"], [1])


def test_sma_timing_each_sleeve_on_its_own_trend():
    # (above_us_mega, above_us, above_ex_us, above_em)
    x = [[1, 1, 1, 1], [1, 0, 1, 0], [0, 0, 0, 0]]
    w = run("sma_timing", x, us_mega=0.1, us=0.5, ex_us=0.3, em=0.1, fallback="bonds")
    close(w["us_mega"], [0.1, 0.1, 0])
    close(w["us"], [0.5, 0, 0])
    close(w["ex_us"], [0.3, 0.3, 0])
    close(w["em"], [0.1, 0, 0])
    close(w["bonds"], [0, 0.6, 1.0])
    close(w["cash"], [0, 0, 0])


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_kernel_writes_full_weights_within_bounds(name):
    """On random 0/1 states and signals, every default strategy writes weights in [0, 1] that
    sum to 1 (all mixes sum to 1; moves only move weight)."""
    s = REGISTRY[name]
    rng = np.random.default_rng(1)
    d = 40
    x = rng.integers(0, 2, size=(d, len(s.input_names))).astype(float)
    if name in ("concentration_unwind", "rowing_boat"):
        x[:, 0] = -rng.uniform(0, 0.2, d)
        x[:, 1] = np.maximum.accumulate(1 + rng.uniform(0, 0.1, d))
    if name == "world":
        x[:, :3] = rng.uniform(1, 10, (d, 3))
    if name == "dual_momentum":
        x = rng.normal(0, 0.1, (d, 3))
    out = np.full((d, len(s.sleeves)), np.nan)
    s.rule(np.ascontiguousarray(x), s.vector(s.params()), out)
    assert np.all(out >= -1e-15) and np.all(out <= 1 + 1e-15)
    close(out.sum(axis=1), np.ones(d))


def test_registry_lists_the_library():
    assert list(REGISTRY) == ["us_only", "world", "fixed_mix", "equal_thirds",
                              "concentration_unwind", "breakout_rotation", "rowing_boat",
                              "dual_momentum", "sma_timing", "valuation_tilt"]
    assert strategies.get("rowing_boat") is REGISTRY["rowing_boat"]
    assert len(REGISTRY["rowing_boat"].sleeves) >= 5
    with pytest.raises(ConfigError, match="registered rules: us_only"):
        strategies.get("nope")


GRIDDED = [n for n, s in REGISTRY.items() if s.GRID]


@pytest.mark.parametrize("name", GRIDDED)
def test_every_grid_variant_writes_a_full_portfolio(name):
    """Property (hypothesis): for any variant of the documented grid and any 0/1 states and
    signal values, the weights are in [0, 1] and sum to 1."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    s = REGISTRY[name]
    keys = list(s.GRID)

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(combo=st.tuples(*(st.sampled_from(s.GRID[k]) for k in keys)),
           seed=st.integers(0, 2**32 - 1))
    def check(combo, seed):
        params = s.params(dict(zip(keys, combo)))
        rng = np.random.default_rng(seed)
        d = 25
        x = rng.integers(0, 2, size=(d, len(s.input_names))).astype(float)
        if name in ("concentration_unwind", "rowing_boat"):
            x[:, 0] = -rng.uniform(0, 0.15, d)
            x[:, 1] = np.maximum.accumulate(1 + rng.uniform(0, 0.05, d))
        if name == "dual_momentum":
            x = rng.normal(0, 0.1, (d, 3))
        out = np.full((d, len(s.sleeves)), np.nan)
        s.rule(np.ascontiguousarray(x), s.vector(params), out)
        assert np.all(out >= -1e-15) and np.all(out <= 1 + 1e-15)
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=0, atol=1e-12)

    check()
