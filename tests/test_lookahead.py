"""No look-ahead, for EVERY registered strategy and EVERY signal kind.

Perturb every price (and cap, and every anchor dated) after date d on the sample panel; every
signal value at or before d, every target decided at or before d, and every simulated value up to
d must be unchanged. The strategies come from the registry, so a new one is covered
automatically; the signal kinds come from ``strategies.signals.KINDS``.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from engine.data.sample import SEVEN, sample_panel
from engine.errors import DataWarning
from engine.sim import backtest
from strategies import REGISTRY, SignalSpec
from strategies.signals import KINDS, compute

# d in the middle of a month, and d on a month's last trading day (a decision date itself)
CUTS = ("2015-03-11", "2020-02-28")
SIGNALS = {
    "mega_weight": SignalSpec(kind="concentration", name="mega_weight", basket=SEVEN, index="US"),
    "exus_high": SignalSpec(kind="breakout", name="exus_high", series="ex_us"),
    "em_high": SignalSpec(kind="breakout", name="em_high", series="em"),
    "us_trend": SignalSpec(kind="trend", name="us_trend", series="us"),
}


@pytest.fixture(scope="module")
def panel():
    return sample_panel(7)


def perturb(panel, d: pd.Timestamp, seed: int = 0):
    """The same panel with every close and cap after d multiplied by independent lognormal
    noise (5 % a day; not a walk, so a basket's caps stay below its index's)."""
    rng = np.random.default_rng(seed)
    after = np.asarray(panel.dates > d)
    n_after = int(after.sum())

    def walk(frame: pd.DataFrame) -> pd.DataFrame:
        shock = np.exp(rng.normal(0.0, 0.05, (n_after, frame.shape[1])))
        out = frame.copy()
        out.iloc[np.flatnonzero(after)] = frame.to_numpy()[after] * shock
        return out

    return dataclasses.replace(panel, tr=walk(panel.tr), pr=walk(panel.pr),
                               caps=None if panel.caps is None else walk(panel.caps),
                               indicators=None if panel.indicators is None
                               else walk(panel.indicators))


def same_up_to(a: pd.DataFrame, b: pd.DataFrame, d: pd.Timestamp, what: str) -> None:
    left, right = a.loc[:d], b.loc[:d]
    assert left.index.equals(right.index), what
    pd.testing.assert_frame_equal(left, right, check_exact=True, obj=what)


def write_snapshots(path, rows):
    """A synthetic snapshot file in the documented layout (percent of the fund)."""
    cols = ["date", "fund", "AAPL", "MSFT", "AMZN", "GOOGL", "GOOG", "META", "NVDA", "TSLA",
            "source"]
    recs = []
    for date, w in rows:
        recs.append([date, "US", *w[:4], 0.0, *w[4:], "synthetic"])
    pd.DataFrame(recs, columns=cols).to_csv(path, index=False)


def signal_specs(tmp_path, d: pd.Timestamp):
    """One spec per kind and variant; the anchored concentration gets anchors before AND after
    d (the ones after d are changed in the perturbed run)."""
    before = [("2012-01-06", [3, 2.5, 1.5, 1.5, 1, 0.5, 0.3]),
              ((d - pd.Timedelta(days=40)).strftime("%Y-%m-%d"), [3.5, 3, 2, 2, 1.5, 1, 0.5])]
    after = [((d + pd.Timedelta(days=30)).strftime("%Y-%m-%d"), [4, 3.5, 2.5, 2, 1.5, 1.5, 1])]
    after_changed = [(after[0][0], [9, 9, 9, 9, 9, 9, 9])]
    f1, f2 = tmp_path / "snap.csv", tmp_path / "snap_changed.csv"
    write_snapshots(f1, before + after)
    write_snapshots(f2, before + after_changed)
    specs = [
        (SignalSpec(kind="breakout", series="ex_us"),) * 2,
        (SignalSpec(kind="breakout", series="EM", settings=(("confirm_days", 3),
                                                            ("exit_drop", 0.1),
                                                            ("years", 1))),) * 2,
        (SignalSpec(kind="breakout", series="em", settings=(("exclude_days", 21),
                                                            ("exit_low_days", 63),
                                                            ("month_end", True))),) * 2,
        (SignalSpec(kind="trend", series="us"),) * 2,
        (SignalSpec(kind="trend", series="EXUS", settings=(("months", 3),)),) * 2,
        (SignalSpec(kind="momentum", series="us", settings=(("skip_months", 1),)),) * 2,
        (SignalSpec(kind="indicator", series="CAPE", settings=(("min_history", 24),)),) * 2,
        (SignalSpec(kind="indicator", series="us", settings=(("transform", "zscore"),
                                                             ("min_history", 60))),) * 2,
        (SignalSpec(kind="concentration", basket=SEVEN, index="US"),) * 2,
        (SignalSpec(kind="concentration", basket=SEVEN, index="US", anchors=f1),
         SignalSpec(kind="concentration", basket=SEVEN, index="US", anchors=f2)),
    ]
    assert {s[0].kind for s in specs} == set(KINDS), "every signal kind is covered"
    return specs


@pytest.mark.parametrize("cut", CUTS)
def test_every_signal_kind_is_causal(panel, tmp_path, cut):
    d = pd.Timestamp(cut)
    moved = perturb(panel, d)
    no_caps = dataclasses.replace(panel, caps=None)
    moved_no_caps = dataclasses.replace(moved, caps=None)
    for spec, spec_after in signal_specs(tmp_path, d):
        anchored = spec.anchors is not None
        base, pert = (no_caps, moved_no_caps) if anchored else (panel, moved)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # synthetic anchors jump; expected
            a = compute(base, spec)
            b = compute(pert, spec_after)
        a, b = a.drop(columns=["projected"], errors="ignore"), \
            b.drop(columns=["projected"], errors="ignore")  # chart-only, documented non-causal
        same_up_to(a, b, d, f"{spec.kind} {spec.series or spec.basket} {spec.settings}")
        assert not a.loc[d:].iloc[1:].equals(b.loc[d:].iloc[1:]), "the perturbation bites"


def variants(strategy):
    """Defaults, weekly decisions, and the grid's first and last value of every param."""
    out = [strategy.params(), strategy.params(schedule="weekly")]
    if strategy.GRID:
        out.append(strategy.params({k: v[0] for k, v in strategy.GRID.items()}))
        out.append(strategy.params({k: v[-1] for k, v in strategy.GRID.items()}))
    return out


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_strategy_decides_without_look_ahead(panel, name):
    strategy = REGISTRY[name]
    bound = strategy.bind(SIGNALS, None, panel.sleeves)
    for cut in CUTS:
        d = pd.Timestamp(cut)
        moved = perturb(panel, d, seed=hash(name) % 1000)
        for params in variants(strategy):
            a = strategy.targets(panel, params, bound)
            b = strategy.targets(moved, params, bound)
            assert a.index[0] <= d, "some decision at or before d is tested"
            same_up_to(a, b, d, f"{name} {params}")
            ia = strategy.inputs(panel, params, bound).frame()
            ib = strategy.inputs(moved, params, bound).frame()
            same_up_to(ia, ib, d, f"{name} inputs {params}")
        # and through the simulation: values up to d are unchanged
        ra = backtest(panel, strategy.targets(panel, None, bound), fee=0.001)
        rb = backtest(moved, strategy.targets(moved, None, bound), fee=0.001)
        pd.testing.assert_series_equal(ra.value.loc[:d], rb.value.loc[:d], check_exact=True)


def test_the_check_catches_a_rule_that_peeks(panel):
    """The same harness fails a strategy whose input reads the next day's close."""
    from strategies.base import Strategy
    from strategies.momentum import GEM

    def peeking_inputs(p, params, bound):
        frame = GEM.build_inputs(p, params, bound)
        nxt = p.close("us", "tr").shift(-1) / p.close("us", "tr") - 1.0
        frame["mom_us"] = frame["mom_us"] + 100.0 * nxt.fillna(0.0)  # tomorrow's move
        return frame

    peeker = dataclasses.replace(GEM, name="peeker", build_inputs=peeking_inputs)
    assert isinstance(peeker, Strategy)
    d = pd.Timestamp(CUTS[1])  # a month end: its decision reads the close of d + 1
    moved = perturb(panel, d)
    a = peeker.inputs(panel, peeker.params()).frame()
    b = peeker.inputs(moved, peeker.params()).frame()
    with pytest.raises(AssertionError):
        same_up_to(a, b, d, "peeker")
