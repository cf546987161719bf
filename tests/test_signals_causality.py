"""Look-ahead: perturb prices (and anchors) after a date d — every signal value at or before d
is unchanged. Covers every signal: breakout (all rules), SMA trend, momentum, concentration
from caps and from anchors (including weekend-dated anchors), and the Panel wrapper."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data.panel import Panel, Sleeve
from engine.errors import DataWarning
from engine.signals import (
    breakout,
    concentration,
    concentration_from_anchors,
    concentration_from_caps,
    momentum,
    sma_trend,
)

T = 700
DATES = pd.bdate_range("2019-01-01", periods=T, name="Date")
SEEDS = st.integers(0, 2**32 - 1)
CUT = st.integers(5, T - 5)


def _walk(rng: np.random.Generator, shape) -> np.ndarray:
    return 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, shape), axis=0))


def _perturb(values: np.ndarray, d: int, rng: np.random.Generator) -> np.ndarray:
    out = values.copy()
    out[d + 1:] *= np.exp(rng.normal(0, 0.05, out[d + 1:].shape))
    return out


def _same_until(a: pd.DataFrame, b: pd.DataFrame, d: int) -> None:
    pd.testing.assert_frame_equal(a.iloc[: d + 1], b.iloc[: d + 1], check_exact=True)


BREAKOUT_PARAMS = st.fixed_dictionaries({
    "years": st.sampled_from([None, 1, 2]), "exclude_days": st.integers(0, 10),
    "confirm_days": st.integers(1, 4), "month_end": st.booleans(),
    "exit_drop": st.sampled_from([None, 0.03, 0.1]),
    "exit_low_days": st.sampled_from([None, 5, 63])})


@settings(max_examples=40, deadline=None)
@given(SEEDS, CUT, BREAKOUT_PARAMS)
def test_breakout_is_causal(seed, d, params):
    rng = np.random.default_rng(seed)
    close = pd.Series(_walk(rng, T), index=DATES)
    moved = pd.Series(_perturb(close.to_numpy(), d, rng), index=DATES)
    _same_until(breakout(close, **params), breakout(moved, **params), d)
    # the same holds when the future is simply absent
    _same_until(breakout(close, **params), breakout(close.iloc[: d + 1], **params), d)


@settings(max_examples=25, deadline=None)
@given(SEEDS, CUT, st.integers(1, 12), st.integers(0, 11))
def test_trend_and_momentum_are_causal(seed, d, months, skip):
    rng = np.random.default_rng(seed)
    close = pd.Series(_walk(rng, T), index=DATES)
    moved = pd.Series(_perturb(close.to_numpy(), d, rng), index=DATES)
    _same_until(sma_trend(close, months), sma_trend(moved, months), d)
    skip = min(skip, months - 1)
    _same_until(momentum(close, months, skip).to_frame(),
                momentum(moved, months, skip).to_frame(), d)


def _caps_case(rng):
    caps = pd.DataFrame(_walk(rng, (T, 3)), index=DATES, columns=["A", "B", "C"])
    return caps, caps.sum(axis=1) * 3 + pd.Series(_walk(rng, T), index=DATES)


@settings(max_examples=25, deadline=None)
@given(SEEDS, CUT, st.integers(1, 100))
def test_concentration_from_caps_is_causal(seed, d, window):
    rng = np.random.default_rng(seed)
    caps, index_cap = _caps_case(rng)
    caps2 = pd.DataFrame(_perturb(caps.to_numpy(), d, rng), index=DATES, columns=caps.columns)
    index2 = pd.Series(_perturb(index_cap.to_numpy(), d, rng), index=DATES)
    _same_until(concentration_from_caps(caps, index_cap, window).frame(),
                concentration_from_caps(caps2, index2, window).frame(), d)


def _random_anchors(rng, n: int, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """n anchors on random CALENDAR days (weekends included) in [lo, hi]."""
    span = (hi - lo).days
    if n == 0 or span < 0:
        return pd.DataFrame(columns=["A", "B", "C"], dtype=float)
    days = np.unique(rng.integers(0, span + 1, n))
    idx = lo + pd.to_timedelta(days, "D")
    return pd.DataFrame(rng.uniform(0.01, 0.2, (len(idx), 3)), index=idx, columns=["A", "B", "C"])


def _anchored(members, index, anchors):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return concentration_from_anchors(members, index, anchors, window=21)


@settings(max_examples=40, deadline=None)
@given(SEEDS, CUT, st.integers(0, 6), st.integers(1, 6))
def test_concentration_from_anchors_is_causal(seed, d, n_before, n_after):
    rng = np.random.default_rng(seed)
    members = pd.DataFrame(_walk(rng, (T, 3)), index=DATES, columns=["A", "B", "C"])
    index = pd.Series(_walk(rng, T), index=DATES)
    cut = DATES[d]
    early = _random_anchors(rng, n_before, DATES[0], cut)
    late_a = _random_anchors(rng, n_after, cut + pd.Timedelta(days=1), DATES[-1])
    late_b = _random_anchors(rng, n_after, cut + pd.Timedelta(days=1), DATES[-1])
    if early.empty and late_a.empty:
        late_a = _random_anchors(rng, 1, DATES[-1], DATES[-1])
    if early.empty and late_b.empty:
        late_b = _random_anchors(rng, 1, DATES[-1], DATES[-1])
    members2 = pd.DataFrame(_perturb(members.to_numpy(), d, rng), index=DATES,
                            columns=members.columns)
    index2 = pd.Series(_perturb(index.to_numpy(), d, rng), index=DATES)
    a = _anchored(members, index, pd.concat([early, late_a]))
    b = _anchored(members2, index2, pd.concat([early, late_b]))
    causal = ["level", "chain", "peak", "drawdown", "drawdown_pts", "change", "chain_change"]
    _same_until(a.frame()[causal], b.frame()[causal], d)
    ja = a.jumps[a.jumps["available"] <= cut]
    jb = b.jumps[b.jumps["available"] <= cut]
    pd.testing.assert_frame_equal(ja, jb, check_exact=True)
    # an anchor dated after d is never used at or before d
    assert (a.jumps.loc[a.jumps["snapshot_date"] > cut, "available"] > cut).all()


@settings(max_examples=15, deadline=None)
@given(SEEDS, CUT)
def test_panel_concentration_is_causal(seed, d):
    rng = np.random.default_rng(seed)
    cols = ["A", "B", "US"]

    def panel(tr: np.ndarray) -> Panel:
        frame = pd.DataFrame(tr, index=DATES, columns=cols)
        return Panel(tr=frame, pr=frame, sleeves={"mega": Sleeve("mega", ("A", "B"), (0.5, 0.5))},
                     source="random walk")

    tr = _walk(rng, (T, 3))
    anchors = pd.DataFrame({"A": [0.1, 0.12], "B": [0.2, 0.15]}, index=DATES[[d // 2, d]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # random anchors jump; not the point here
        before = concentration(panel(tr), "mega", "US", anchors=anchors).frame()
        after = concentration(panel(_perturb(tr, d, rng)), "mega", "US", anchors=anchors).frame()
    _same_until(before.drop(columns="projected"), after.drop(columns="projected"), d)
