"""What a sweep computes once instead of once per signal group or chunk gives the same values as
computing it each time: grid encodings, period-end flags, first dates, the rules' flag inputs."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import strategies
from engine.data.calendar import _period_end_flags, period_end_flags
from engine.sweep.grid import build_grid
from strategies.params import to_vector
from strategies.signals import breakout_input, trend_input


def test_grid_vectors_equal_each_variants_own_vector() -> None:
    strat = strategies.get("rowing_boat")
    grid = build_grid(strat.Params, dict(strat.GRID), base=strat.Params())
    ids = np.arange(0, grid.n_variants, 7)
    want = np.array([to_vector(grid.variant(int(i))) for i in ids])
    for _ in range(2):                      # the second call reads the grid's encodings
        got = grid.vectors(to_vector, ids)
        np.testing.assert_array_equal(got, want)
    part = grid.vectors(to_vector, ids[5:9])
    np.testing.assert_array_equal(part, want[5:9])
    # an equal grid built anew (another sweep) has its own encodings, with the same values
    other = dataclasses.replace(grid)
    np.testing.assert_array_equal(other.vectors(to_vector, ids), want)


@pytest.mark.parametrize("period", ["weekly", "monthly", "quarterly", "yearly"])
def test_period_end_flags_are_the_same_each_call_and_a_fresh_array(period: str) -> None:
    days = pd.bdate_range("2019-12-20", "2021-03-31")
    dates = days.delete(days.get_indexer(pd.to_datetime(["2019-12-25", "2020-04-10",
                                                         "2020-12-31", "2021-01-01"])))
    for cut in (len(dates), len(dates) - 3, 40):
        d = dates[:cut]
        want = _period_end_flags(d, period)
        first = period_end_flags(d, period)
        np.testing.assert_array_equal(first, want)
        first[:] = ~first                   # a caller writing into its flags …
        np.testing.assert_array_equal(period_end_flags(d, period), want)   # … changes no other
    shifted = dates + pd.Timedelta(days=3)          # same length, other dates: its own flags
    np.testing.assert_array_equal(period_end_flags(shifted, period),
                                  _period_end_flags(shifted, period))


def test_first_date_equals_a_scan_of_each_column() -> None:
    from engine.data.sample import sample_panel

    panel = sample_panel(7)
    for name in (*panel.tickers, *panel.sleeves):
        tickers = panel.sleeves[name].tickers if name in panel.sleeves else (name,)
        firsts = [panel.tr[t].first_valid_index() for t in tickers]
        want = pd.NaT if any(f is None for f in firsts) else max(firsts)
        assert panel.first_date(name) == want, name
    later = panel.slice(panel.dates[300], None)     # a slice finds its own first rows
    for t in later.tickers:
        assert later.first_date(t) == max(later.dates[0], panel.first_date(t)), t


def test_flag_inputs_equal_the_pandas_expression() -> None:
    rng = np.random.default_rng(3)
    idx = pd.date_range("2020-01-01", periods=200, freq="B")
    level = rng.normal(size=200)
    level[:37] = np.nan
    level[90] = np.nan
    state = rng.random(200) > 0.5
    frame = pd.DataFrame({"level": level, "state": state, "sma": level, "above": state},
                         index=idx)
    floats = frame.assign(state=np.where(state, 1.0, 0.0), above=np.where(state, 1.0, 0.0))
    for f in (frame, floats):
        want_b = f["state"].astype(float).where(f["level"].notna())
        want_t = f["above"].astype(float).where(f["sma"].notna())
        pd.testing.assert_series_equal(breakout_input(f), want_b)
        pd.testing.assert_series_equal(trend_input(f), want_t)
    out = breakout_input(floats)
    out.iloc[50] = 7.0                      # the input is a copy: the signal frame is intact
    assert floats["state"].iloc[50] in (0.0, 1.0)
