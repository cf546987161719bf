"""schedule_dates and fixed_mix: the last trading day of each period, and the final-date rule."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.data.calendar import period_end_flags
from engine.signals.checks import month_end_flags
from engine.sim import fixed_mix, schedule_dates
from sim_panels import panel_from, random_walk


def _days(*s):
    return [pd.Timestamp(x) for x in s]


def test_monthly_last_trading_day_and_incomplete_final_month():
    dates = pd.bdate_range("2024-01-01", "2024-04-17").drop(pd.Timestamp("2024-03-29"))
    out = schedule_dates(dates, "monthly")
    # March 29 (Good Friday) is missing, so March 28 is March's last trading day; April is
    # incomplete (ends on Wednesday the 17th) and is not a decision date.
    assert list(out) == _days("2024-01-31", "2024-02-29", "2024-03-28")


def test_final_date_counts_when_it_is_the_last_weekday():
    dates = pd.bdate_range("2024-05-01", "2024-05-31")        # Friday 31 May
    assert schedule_dates(dates, "monthly")[-1] == pd.Timestamp("2024-05-31")
    dates = pd.bdate_range("2024-06-01", "2024-06-28")        # Friday 28 June, not the 30th (Sun)
    assert list(schedule_dates(dates, "monthly")) == _days("2024-06-28")


def test_weekly_quarterly_yearly_daily():
    dates = pd.bdate_range("2023-12-20", "2024-07-03")
    weekly = schedule_dates(dates, "weekly")
    assert all(d.day_of_week == 4 for d in weekly)                # Fridays (no holidays here)
    assert weekly[0] == pd.Timestamp("2023-12-22") and weekly[-1] == pd.Timestamp("2024-06-28")
    assert list(schedule_dates(dates, "quarterly")) == _days("2023-12-29", "2024-03-29",
                                                             "2024-06-28")
    assert list(schedule_dates(dates, "yearly")) == _days("2023-12-29")
    assert schedule_dates(dates, "daily").equals(dates)


def test_weekly_with_a_friday_holiday():
    dates = pd.bdate_range("2024-03-25", "2024-04-05").drop(pd.Timestamp("2024-03-29"))
    assert list(schedule_dates(dates, "weekly")) == _days("2024-03-28", "2024-04-05")


def test_fixed_mix():
    panel = panel_from(random_walk(70, ("A", "B")), {"us": "A"})
    t = fixed_mix(panel, {"us": 0.6, "B": 0.3})
    assert list(t.columns) == ["us", "B"]
    assert list(t.index) == list(schedule_dates(panel.dates, "monthly"))
    assert (t["us"] == 0.6).all() and (t["B"] == 0.3).all()


@pytest.mark.parametrize("freq", ["weekly", "monthly", "quarterly"])
def test_each_period_has_exactly_one_decision(freq):
    dates = pd.bdate_range("2021-01-01", "2023-12-29")
    out = schedule_dates(dates, freq)
    code = {"weekly": "W-FRI", "monthly": "M", "quarterly": "Q"}[freq]
    per = dates.to_period(code)
    assert out.to_period(code).is_unique
    for d in out:                                               # each is its period's last date
        assert d == dates[per == d.to_period(code)][-1]



def test_good_friday_month_end_in_full_and_truncated_calendars():
    """Thursday 2024-03-28 precedes Good Friday (29 March, an exchange holiday). With April in
    the calendar it is March's last trading day; in a calendar that stops on it, it is not a
    month end (the last weekday of March is the 29th and holidays are not known), so the
    decision is not taken before March is known to be over. Signals and schedules agree."""
    full = pd.bdate_range("2024-02-26", "2024-04-05").drop(pd.Timestamp("2024-03-29"))
    cut = full[full <= "2024-03-28"]
    assert list(schedule_dates(full, "monthly")) == _days("2024-02-29", "2024-03-28")
    assert list(schedule_dates(cut, "monthly")) == _days("2024-02-29")
    assert list(full[month_end_flags(full)]) == _days("2024-02-29", "2024-03-28")
    assert list(cut[month_end_flags(cut)]) == _days("2024-02-29")
    # quarterly: the same Thursday ends Q1 only when the calendar goes on
    assert list(schedule_dates(full, "quarterly")) == _days("2024-03-28")
    assert list(schedule_dates(cut, "quarterly")) == []


@pytest.mark.parametrize("period", ["weekly", "monthly", "quarterly", "yearly"])
def test_one_period_end_rule_for_every_truncation(period):
    """Every prefix of a calendar with holidays: period_end_flags is the schedule's decision
    set (and, monthly, the breakout signal's month ends): an end of period inside the prefix,
    plus the final date only when it is the last weekday of its period."""
    holidays = pd.DatetimeIndex(["2023-12-25", "2024-01-01", "2024-03-29", "2024-05-27",
                                 "2024-07-04", "2024-12-25"])
    cal = pd.bdate_range("2023-12-15", "2025-01-10").difference(holidays)
    for n in range(1, len(cal) + 1):
        dates = cal[:n]
        flags = period_end_flags(dates, period)
        assert schedule_dates(dates, period).equals(dates[flags])
        if period == "monthly":
            assert np.array_equal(month_end_flags(dates), flags)
        # the ends inside the prefix are those of the whole calendar …
        assert np.array_equal(flags[:-1], period_end_flags(cal, period)[:n - 1])
        # … and the final date by the weekday rule
        last = pd.Period(dates[-1], {"weekly": "W-FRI", "monthly": "M", "quarterly": "Q",
                                     "yearly": "Y"}[period])
        weekdays = pd.bdate_range(last.start_time, last.end_time.normalize())
        assert flags[-1] == (dates[-1] == weekdays[-1])
