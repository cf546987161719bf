"""Breakout: exact hand-made cases for every rule, a brute-force oracle, and input errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ConfigError, DataError
from engine.signals import breakout
from engine.signals.checks import days_since_epoch, month_end_flags
from engine.signals.nb import civil_from_days, days_from_civil, minus_years

NAN = np.nan


def _series(values, start="2024-01-01", dates=None) -> pd.Series:
    idx = (pd.DatetimeIndex(dates) if dates is not None
           else pd.bdate_range(start, periods=len(values)))
    return pd.Series(np.asarray(values, dtype=float), index=idx, name="X")


def _bools(s: str) -> list[bool]:
    return [c == "T" for c in s]


def test_all_time_high_k1_no_exit_stays_on():
    b = breakout(_series([1, 2, 1.5, 3, 2.5]), min_years=0)
    np.testing.assert_array_equal(b["level"].to_numpy(), [NAN, 1, 2, 2, 3])
    assert b["new_high"].tolist() == _bools("FTFTF")
    assert b["state"].tolist() == [0, 1, 1, 1, 1]
    assert b["on"].tolist() == _bools("FTFFF")
    assert not b["off"].any()
    assert list(b.columns) == ["level", "state", "new_high", "on", "off"]
    assert b["state"].dtype == np.int64 and b["on"].dtype == bool


def test_confirmation_k_consecutive_closes():
    close = _series([2, 3, 1.7, 2.5, 3.2, 3.4])
    b = breakout(close, confirm_days=2, min_years=0)
    # level [nan 2 3 3 3 3.2]; new highs on days 1, 4, 5 → the first run of 2 ends on day 5
    assert b["state"].tolist() == [0, 0, 0, 0, 0, 1]
    assert b["on"].tolist() == _bools("FFFFFT")
    assert breakout(close, confirm_days=3, min_years=0)["state"].sum() == 0


def test_exclusion_of_last_m_days():
    b = breakout(_series([1, 3, 2, 2.5, 4]), exclude_days=1, min_years=0)
    # level[t] = max(close[0 .. t-2])
    np.testing.assert_array_equal(b["level"].to_numpy(), [NAN, NAN, 1, 3, 3])
    assert b["new_high"].tolist() == _bools("FFTFT")
    assert b["on"].tolist() == _bools("FFTFF")


def test_n_years_window_and_undefined_period():
    dates = ["2020-01-01", "2020-06-01", "2020-12-31", "2021-01-01", "2021-01-02", "2021-06-02",
             "2022-01-01"]
    close = _series([5, 1, 2, 3, 4, 2.5, 1.5], dates=dates)
    b = breakout(close, years=1)
    # undefined until 2021-01-01 (one full year after the first close); window = dates on or
    # after the same date a year earlier, before t
    np.testing.assert_array_equal(b["level"].to_numpy(), [NAN, NAN, NAN, 5, 3, 4, 4])
    assert b["new_high"].tolist() == _bools("FFFFTFF")
    assert b["on"].tolist() == _bools("FFFFTFF")
    ath = breakout(close, min_years=0)
    np.testing.assert_array_equal(ath["level"].to_numpy(), [NAN, 5, 5, 5, 5, 5, 5])
    assert not ath["new_high"].any()
    # the default all-time high needs one year of history, like a 1-year look-back
    np.testing.assert_array_equal(breakout(close)["level"].to_numpy(),
                                  [NAN, NAN, NAN, 5, 5, 5, 5])


def test_exit_by_drop_below_entry_level_and_reentry():
    b = breakout(_series([2, 3, 1.7, 2.5, 3.2, 3.4]), exit_drop=0.1, exit_from="entry",
                 min_years=0)
    # on day 1 (entry level 2, exit below 1.8); off day 2 (1.7); on again day 4 (entry 3)
    np.testing.assert_array_equal(b["level"].to_numpy(), [NAN, 2, 3, 3, 3, 3.2])
    assert b["state"].tolist() == [0, 1, 0, 0, 1, 1]
    assert b["on"].tolist() == _bools("FTFFTF")
    assert b["off"].tolist() == _bools("FFTFFF")


def test_exit_needs_close_strictly_below_threshold():
    # entry level 2, exit_drop 0.25 → threshold exactly 1.5: a close AT 1.5 keeps the state on
    b = breakout(_series([2, 3, 1.5, 1.49]), exit_drop=0.25, exit_from="entry", min_years=0)
    assert b["state"].tolist() == [0, 1, 1, 0]


def test_exit_by_m_day_low():
    b = breakout(_series([1, 2, 3, 2.5, 2.8, 2.4, 3.1]), exit_low_days=2, min_years=0)
    # day 5: 2.4 < min(2.5, 2.8) → off; day 6: 3.1 > level 3 → on again
    assert b["state"].tolist() == [0, 1, 1, 1, 1, 0, 1]
    assert b["on"].tolist() == _bools("FTFFFFT")
    assert b["off"].tolist() == _bools("FFFFFTF")


def test_no_reentry_on_the_exit_day():
    # exclude_days=1 keeps the level below the close, so day 4 is a new high AND an exit
    # (3.5 < the 1-day low 4): the state goes off and re-entry waits for a fresh new high
    b = breakout(_series([1, 2, 3, 4, 3.5, 4.5]), exclude_days=1, exit_low_days=1,
                 min_years=0)
    np.testing.assert_array_equal(b["level"].to_numpy(), [NAN, NAN, 1, 2, 3, 4])
    assert b["new_high"].tolist() == _bools("FFTTTT")
    assert b["state"].tolist() == [0, 0, 1, 1, 0, 1]
    assert b["on"].tolist() == _bools("FFTFFT")
    assert b["off"].tolist() == _bools("FFFFTF")


def test_month_end_mode():
    dates = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-28", "2024-02-29", "2024-03-01"]
    close = _series([1, 0.9, 1.2, 1.3, 1.4, 1.5], dates=dates)
    assert month_end_flags(close.index).tolist() == _bools("FTFFTF")
    assert breakout(close, min_years=0)["on"].tolist() == _bools("FFTFFF")
    # month-end mode waits for the month-end close above the level (Feb 29)
    assert breakout(close, month_end=True, min_years=0)["on"].tolist() == _bools("FFFFTF")
    assert breakout(close, month_end=True, confirm_days=3, min_years=0)["on"].tolist() == _bools("FFFFTF")
    assert not breakout(close, month_end=True, confirm_days=4, min_years=0)["on"].any()


def test_month_end_flags_final_date_rule():
    assert month_end_flags(pd.DatetimeIndex(["2024-05-30", "2024-05-31"])).tolist() == [False, True]
    assert not month_end_flags(pd.DatetimeIndex(["2024-05-29", "2024-05-30"])).any()
    # 2024-08-31 is a Saturday: Friday the 30th is the last weekday of August
    assert month_end_flags(pd.DatetimeIndex(["2024-08-29", "2024-08-30"])).tolist() == [False, True]


def test_leading_nan_starts_history_later():
    full = _series([NAN, NAN, 1, 2, 1.5, 3])
    tail = full.iloc[2:]
    b, bt = breakout(full, min_years=0), breakout(tail, min_years=0)
    pd.testing.assert_frame_equal(b.iloc[2:], bt)
    assert b["level"].iloc[:2].isna().all() and (b["state"].iloc[:2] == 0).all()


def test_calendar_helpers():
    for day in range(-800_000, 800_000, 997):
        y, m, d = civil_from_days(day)
        assert days_from_civil(y, m, d) == day
    leap = days_since_epoch(pd.DatetimeIndex(["2024-02-29"]))[0]
    assert minus_years(leap, 1) == days_since_epoch(pd.DatetimeIndex(["2023-02-28"]))[0]
    assert minus_years(leap, 4) == days_since_epoch(pd.DatetimeIndex(["2020-02-29"]))[0]


def _brute_level(close: pd.Series, years: int | None, exclude: int,
                 min_years: int = 1) -> np.ndarray:
    out = np.full(len(close), np.nan)
    dates = close.index
    need = max(years or 0, min_years)
    for t in range(len(close)):
        end = t - 1 - exclude
        if end < 0:
            continue
        if need and dates[0] > dates[t] - pd.DateOffset(years=need):
            continue  # not enough history yet
        start_date = dates[t] - pd.DateOffset(years=years) if years else dates[0]
        window = close.iloc[: end + 1]
        window = window[window.index >= start_date]
        if len(window):
            out[t] = window.max()
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.5, 2.0), min_size=2, max_size=80),
       st.lists(st.integers(1, 200), min_size=80, max_size=80),
       st.sampled_from([None, 1, 2]), st.integers(0, 5), st.sampled_from([0, 1, 3]))
def test_level_matches_brute_force(values, gaps, years, exclude, min_years):
    # irregular calendars (gaps of 1–200 days) exercise the calendar-year window
    dates = pd.Timestamp("2015-02-27") + pd.to_timedelta(np.cumsum(gaps[: len(values)]), "D")
    close = pd.Series(values, index=dates)
    got = breakout(close, years=years, exclude_days=exclude, min_years=min_years)["level"]
    np.testing.assert_array_equal(got.to_numpy(), _brute_level(close, years, exclude, min_years))


def test_all_time_high_equals_shifted_cummax():
    rng = np.random.default_rng(3)
    close = _series(np.exp(np.cumsum(rng.normal(0, 0.01, 600))))
    b = breakout(close, min_years=0)
    ref = close.cummax().shift(1)
    np.testing.assert_array_equal(b["level"].to_numpy(), ref.to_numpy())
    assert (b["new_high"] == (close > ref)).all()
    # by default the same level, undefined in the first calendar year
    first_year = close.index < close.index[0] + pd.DateOffset(years=1)
    d = breakout(close)["level"]
    assert d[first_year].isna().all()
    np.testing.assert_array_equal(d[~first_year].to_numpy(), ref[~first_year].to_numpy())


@pytest.mark.parametrize("kw, match", [
    ({"years": 0}, "years"), ({"years": 1.5}, "years"), ({"confirm_days": 0}, "confirm_days"),
    ({"exclude_days": -1}, "exclude_days"), ({"exit_drop": 5}, "exit_drop"),
    ({"exit_drop": 0}, "exit_drop"), ({"exit_low_days": 0}, "exit_low_days"),
    ({"min_years": -1}, "min_years"), ({"exit_from": "peak"}, "exit_from"),
])
def test_bad_parameters_are_config_errors(kw, match):
    with pytest.raises(ConfigError, match=match):
        breakout(_series([1, 2, 3]), **kw)


def test_bad_closes_are_data_errors():
    with pytest.raises(DataError, match="2024-01-02"):
        breakout(_series([1, NAN, 3]))
    with pytest.raises(DataError, match="positive"):
        breakout(_series([1, -0.01, 3]))
    with pytest.raises(DataError, match="DatetimeIndex"):
        breakout(pd.Series([1.0, 2.0]))
    with pytest.raises(DataError, match="ascending"):
        breakout(_series([1, 2], dates=["2024-01-02", "2024-01-01"]))


# ----------------------------------------------------------------------------- the exit rule


def test_trailing_exit_follows_the_highest_close_since_entry():
    close = _series([2, 3, 4, 5, 4.4, 4.6, 6])
    # on day 1 (3 > 2); trailing: highest close since entry 5 on day 3 → off below 4.5 (day 4)
    t = breakout(close, exit_drop=0.1, min_years=0)
    assert t["state"].tolist() == [0, 1, 1, 1, 0, 0, 1]
    assert t["off"].tolist() == _bools("FFFFTFF")
    assert t["on"].tolist() == _bools("FTFFFFT")
    # the old rule: 10 % below the level at entry (2 → 1.8) never moves up, so it stays on
    e = breakout(close, exit_drop=0.1, exit_from="entry", min_years=0)
    assert e["state"].tolist() == [0, 1, 1, 1, 1, 1, 1]
    assert not e["off"].any()


def test_trailing_reference_includes_the_entry_close():
    # entry close 10 (level 2): a close of 8.9 is 11 % below it → off at once
    t = breakout(_series([2, 10, 8.9]), exit_drop=0.1, min_years=0)
    assert t["state"].tolist() == [0, 1, 0]
    # exactly 10 % below the running high keeps it on (strictly below turns it off)
    t = breakout(_series([2, 10, 9.0, 8.99]), exit_drop=0.1, min_years=0)
    assert t["state"].tolist() == [0, 1, 1, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.5, 2.0), min_size=2, max_size=400),
       st.sampled_from([None, 1]), st.integers(1, 3), st.sampled_from(["high", "entry"]))
def test_no_breakout_event_in_the_first_year(values, years, confirm, exit_from):
    close = _series(values, start="2019-03-15")
    b = breakout(close, years=years, confirm_days=confirm, exit_drop=0.1, exit_from=exit_from)
    first_year = close.index < close.index[0] + pd.DateOffset(years=1)
    assert not b["on"][first_year].any()
    assert not b["new_high"][first_year].any()
    assert b["level"][first_year].isna().all()


def _synthetic_index() -> pd.Series:
    """A long price index built from knots (date, level), geometric in between: the post-war
    rise, 1969-70, the 1973-74 bear (−48 %), the long 1980s-90s rise, 2000-02 (−50 %), the
    2007 peak and 2008-09 (−58 %), then a recovery."""
    knots = [("1950-01-03", 100), ("1968-11-29", 400), ("1970-05-26", 280),
             ("1973-01-11", 450), ("1974-10-03", 235), ("1980-11-28", 500),
             ("2000-03-24", 4000), ("2002-10-09", 2000), ("2007-10-09", 4500),
             ("2009-03-09", 1900), ("2013-12-31", 5000)]
    dates = pd.bdate_range(knots[0][0], knots[-1][0])
    kd = pd.DatetimeIndex([d for d, _ in knots]).asi8
    lv = np.interp(dates.asi8, kd, np.log([v for _, v in knots]))
    wiggle = 0.004 * np.sin(np.arange(len(dates)) / 3.0)  # daily noise, deterministic
    return pd.Series(np.exp(lv + wiggle), index=dates, name="^SYN")


class _OneSeriesPanel:
    """Just enough of a Panel for ``strategies.signals.compute``: one price-index series."""

    def __init__(self, close: pd.Series):
        self.dates = close.index
        self.tr = close.to_frame()
        self.sleeves: dict = {}
        self.source = "synthetic"
        self._close = close

    def signal_close(self, name):
        return self._close


def test_default_exit_turns_off_in_each_bear_market_of_a_long_index():
    """[signals.X] kind = "breakout" with its default settings on a long index: off in 1973-74,
    2000-02 and 2008; with the old "from the level at entry" exit it stays on from the 1950s."""
    from strategies.signals import SignalSpec, compute

    close = _synthetic_index()
    panel = _OneSeriesPanel(close)
    b = compute(panel, SignalSpec(kind="breakout", series="^SYN"))
    offs = b.index[b["off"]]
    # each bear market from its peak to its trough (the knots of the path)
    for peak, trough in [("1973-01-11", "1974-10-03"), ("2000-03-24", "2002-10-09"),
                         ("2007-10-09", "2009-03-09")]:
        assert b.loc[peak, "state"] == 1, peak  # on at the peak ...
        assert ((offs > peak) & (offs <= trough)).any(), peak  # ... off before the trough
        assert b.loc[trough, "state"] == 0, trough
    assert b.loc["1950"].eval("on").sum() == 0  # the first year has no event
    old = compute(panel, SignalSpec(kind="breakout", series="^SYN",
                                    settings=(("exit_from", "entry"),)))
    first_on = old.index[old["on"]][0]
    assert first_on < pd.Timestamp("1952-01-01")
    assert (old.loc[first_on:, "state"] == 1).all()  # on straight through every bear market


def test_page_caption_says_which_exit():
    from engine.report.experiment_view import _exit_text
    from strategies.signals import SignalSpec

    trailing = _exit_text(SignalSpec(kind="breakout", series="em"))
    assert "fall of 10% from the highest close since it turned on (a trailing exit)" in trailing
    assert "Undefined in the first 1 year of the series" in trailing
    entry = _exit_text(SignalSpec(kind="breakout", series="em", settings=(
        ("exit_from", "entry"), ("years", 3))))
    assert "from the level at entry (a fixed stop)" in entry and "first 3 years" in entry
