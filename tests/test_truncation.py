"""Truncation: every registered signal and strategy computed on data CUT at a date t equals its
full-data output up to t. This catches look-ahead that perturbing future prices cannot — in
warm-ups, snapshot cleaning, calendars and alignment — and a test shows it catches a look-ahead
variant.

Cut dates: spread over the history, month-ends and mid-month days. One known limit is left out:
the final date of a cut is a month-end (a monthly decision date) only if it is its month's last
weekday, so a cut on the trading day before a month-ending exchange holiday (e.g. Friday
2021-05-28 before Memorial Day, Monday 31 May) does not see the month-end that the full calendar
shows; rowboat has no exchange calendar to know the holiday in advance.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.data import Panel, load_panel
from engine.data.calendar import period_end_flags
from engine.errors import DataWarning
from strategies import REGISTRY, SignalSpec
from strategies.signals import SETTINGS, compute

Compute = Callable[[Panel, pd.Timestamp | None], pd.DataFrame]


@pytest.fixture(scope="module")
def panel() -> Panel:
    return load_panel("sample")


@pytest.fixture(scope="module")
def weekly() -> Panel:
    """The sample resampled to Friday closes (a weekly panel, 52 periods a year)."""
    return load_panel("sample", frequency="weekly")


@pytest.fixture(scope="module", params=["daily", "weekly"])
def cut_panel(request, panel, weekly) -> tuple[Panel, list[pd.Timestamp]]:
    """(panel, its cut dates): the daily sample, and the sample resampled to weeks."""
    if request.param == "daily":
        return panel, cut_dates(panel.dates)
    return weekly, weekly_cuts(weekly.dates)


def cut_dates(dates: pd.DatetimeIndex, n: int = 7, first: int = 760,
              skip_limit: bool = True) -> list[pd.Timestamp]:
    """``n`` dates from row ``first`` on (the 3rd year of a daily panel), alternating
    month-ends and mid-month days, skipping the calendar's known limit (see the module
    docstring) when ``skip_limit`` — a weekly panel has none: its last Friday of a month is
    known to end the month (the next Friday is in the next month)."""
    me = period_end_flags(dates, "monthly")
    out = []
    for k, pos in enumerate(np.linspace(first, len(dates) - 6, n).astype(int)):
        if k % 2 == 0:  # move to the next month-end
            pos = int(np.flatnonzero(me[pos:])[0]) + pos
        if skip_limit and period_end_flags(dates[: pos + 1], "monthly")[-1] != me[pos]:
            pos -= 1
        out.append(dates[pos])
    return out


def weekly_cuts(dates: pd.DatetimeIndex) -> list[pd.Timestamp]:
    return cut_dates(dates, n=7, first=160, skip_limit=False)


def first_mismatch(compute_fn: Compute, panel: Panel,
                   cuts: list[pd.Timestamp]) -> str | None:
    """None when ``compute_fn`` on the panel cut at each t equals its full output up to t;
    else the first difference, in words."""
    full = compute_fn(panel, None)
    for t in cuts:
        part = compute_fn(panel.slice(None, t), t)
        a, b = full.loc[:t], part.loc[:t]
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True, check_freq=False)
        except AssertionError as exc:
            return f"cut at {t.date()}: {str(exc).splitlines()[0:4]}"
    return None


# ----------------------------------------------------------------------------- signals

SIGNAL_SPECS = {
    "concentration (caps)": SignalSpec(kind="concentration", basket="us_mega", index="us"),
    "concentration (basket list)": SignalSpec(kind="concentration",
                                              basket=("AAPL", "MSFT", "NVDA"), index="US"),
    "breakout (all-time, trailing)": SignalSpec(kind="breakout", series="ex_us"),
    "breakout (3 years, entry, k=3, month-end, low)": SignalSpec(
        kind="breakout", series="em", settings=(("confirm_days", 3), ("exit_from", "entry"),
                                                ("exit_low_days", 40), ("month_end", True),
                                                ("years", 3))),
    "breakout (exclude days, min_years 2)": SignalSpec(
        kind="breakout", series="us", settings=(("exclude_days", 5), ("min_years", 2))),
    "trend (month-end)": SignalSpec(kind="trend", series="us"),
    "trend (days)": SignalSpec(kind="trend", series="ex_us", settings=(("basis", "days"),)),
    "momentum (month-end, 12-1)": SignalSpec(kind="momentum", series="em",
                                             settings=(("skip_months", 1),)),
    "momentum (days)": SignalSpec(kind="momentum", series="us", settings=(("basis", "days"),)),
    "indicator (CAPE percentile)": SignalSpec(kind="indicator", series="CAPE"),
    "indicator (close z-score)": SignalSpec(kind="indicator", series="em", settings=(
        ("min_history", 250), ("off", 1.0), ("on", 1.5), ("transform", "zscore"))),
}


def test_every_signal_kind_is_covered():
    assert {s.kind for s in SIGNAL_SPECS.values()} == set(SETTINGS)


@pytest.mark.parametrize("label", sorted(SIGNAL_SPECS))
def test_signal_on_cut_data_equals_full_data(cut_panel, label):
    spec = SIGNAL_SPECS[label]
    q, cuts = cut_panel
    assert first_mismatch(lambda p, t: compute(p, spec), q, cuts) is None


def test_weekly_cuts_end_months_as_the_full_calendar_does(weekly):
    """Each month-end cut's last row is a month-end on the cut calendar too (no look-ahead in
    the decision dates of a weekly panel)."""
    cuts = weekly_cuts(weekly.dates)
    me = pd.Series(period_end_flags(weekly.dates, "monthly"), index=weekly.dates)
    ends = [t for t in cuts if me[t]]
    assert len(ends) >= 4
    for t in ends:
        assert period_end_flags(weekly.dates[weekly.dates <= t], "monthly")[-1], t


# ----------------------------------------------------------------------------- anchored concentration
MEMBERS = ("AAPL", "MSFT", "AMZN", "GOOGL", "GOOG", "META", "NVDA", "TSLA")


def _snapshot_rows(dates: pd.DatetimeIndex) -> list[str]:
    """Weekly snapshots of the sample's seven (GOOG 0), with a hole (AAPL and MSFT at 0 %)."""
    rows = []
    rng = np.random.default_rng(3)
    for k, d in enumerate(dates[300::5]):
        w = np.round(rng.uniform(1.0, 6.0, len(MEMBERS)), 2)
        w[4] = 0.0
        if k == 200:
            w[0] = w[1] = 0.0
        rows.append(f"{d.date()},FUND," + ",".join(f"{x:.2f}" for x in w) + ",0,0,x")
    return rows


def _anchored(tmp: Path, panel: Panel) -> tuple[Compute, pd.Timestamp]:
    """A concentration signal from a snapshot file; cutting the data at t cuts the file too
    (what was known at t). Returns the compute function and the hole's date."""
    rows = _snapshot_rows(panel.dates)
    hole = pd.Timestamp(rows[200].split(",")[0])
    header = "date,fund," + ",".join(MEMBERS) + ",MAG7_TOTAL,SUM_LISTED,source\n"
    nocaps = Panel(tr=panel.tr, pr=panel.pr, price_return=panel.price_return,
                   sleeves=panel.sleeves, source="sample without caps")

    def fn(p: Panel, t: pd.Timestamp | None) -> pd.DataFrame:
        keep = [r for r in rows if t is None or pd.Timestamp(r.split(",")[0]) <= t]
        path = tmp / f"snap-{'full' if t is None else t.date()}.csv"
        path.write_text(header + "\n".join(keep) + "\n")
        spec = SignalSpec(kind="concentration", basket=("AAPL", "MSFT", "AMZN", "GOOGL",
                                                        "META", "NVDA", "TSLA"),
                          index="US", anchors=path, fund="FUND")
        q = nocaps if t is None else nocaps.slice(None, t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            return compute(q, spec)

    return fn, hole


def test_anchored_concentration_on_cut_data_and_snapshot_file(panel, tmp_path):
    fn, hole = _anchored(tmp_path, panel)
    cuts = [*cut_dates(panel.dates), hole]  # including the day the bad snapshot is the newest
    assert first_mismatch(fn, panel, cuts) is None


# ----------------------------------------------------------------------------- strategies


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_strategy_targets_on_cut_data_equal_full_data(cut_panel, name):
    s = REGISTRY[name]
    p = s.params()

    def fn(q: Panel, t: pd.Timestamp | None) -> pd.DataFrame:
        tg = s.targets(q, p)
        return tg.reindex(columns=list(s.sleeves), fill_value=0.0)

    assert first_mismatch(fn, *cut_panel) is None


# ----------------------------------------------------------------------------- the test can fail


def test_the_truncation_test_catches_a_look_ahead_signal(panel):
    """A centred moving average reads 10 closes after t: the test must say so."""
    def centred(q: Panel, t: pd.Timestamp | None) -> pd.DataFrame:
        return q.close("us", "tr").rolling(21, center=True).mean().to_frame("sma")

    msg = first_mismatch(centred, panel, cut_dates(panel.dates))
    assert msg is not None and "cut at" in msg


def test_the_truncation_test_catches_look_ahead_snapshot_cleaning(panel, tmp_path,
                                                                  monkeypatch):
    """The old cleaning (a hole is a member at 0 % held before AND after) decided on a snapshot
    with later snapshots; cut at the hole's date, the file then known keeps it."""
    import engine.signals.anchors as anchors
    import strategies.signals as sig

    def old_rule(w: np.ndarray) -> np.ndarray:
        bad = np.any(np.isnan(w) | (w < 0), axis=1) | np.all(np.nan_to_num(w) == 0, axis=1)
        held = np.nan_to_num(w) > 0
        before = np.maximum.accumulate(held, axis=0)
        after = np.maximum.accumulate(held[::-1], axis=0)[::-1]
        hole = np.nan_to_num(w) == 0
        hole[1:] &= before[:-1]
        hole[0] = False
        hole[:-1] &= after[1:]
        hole[-1] = False
        return bad | np.any(hole, axis=1)

    monkeypatch.setattr(anchors, "_bad_snapshots", old_rule)
    sig._snapshots.cache_clear()
    fn, hole = _anchored(tmp_path, panel)
    msg = first_mismatch(fn, panel, [hole])
    sig._snapshots.cache_clear()
    assert msg is not None and str(hole.date()) in msg
