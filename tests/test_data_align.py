"""Alignment: one calendar, bounded forward fill, the start ticker, FX conversion, sleeves."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data import Panel, Sleeve, build_panel, load_panel
from engine.data.align import check_alignment
from engine.errors import ConfigError, DataError

DAYS = pd.bdate_range("2021-01-04", periods=12, name="Date")


def series(values, dates, name) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.DatetimeIndex(dates, name="Date"),
                     name=name)


def small(**kw) -> Panel:
    a = series(np.arange(1.0, 13.0), DAYS, "A")
    b_days = DAYS.delete([4])           # B has no quote on day 4 (its holiday)
    b = series(np.arange(101.0, 112.0), b_days, "B")
    c = series(np.arange(51.0, 59.0), DAYS[3:11], "C")  # C starts on day 3, ends on day 10
    return build_panel({"A": a, "B": b, "C": c}, {"x": "A", "y": ["B", "C"]},
                       min_days=1, **kw)


def test_calendar_start_end_and_fill():
    """Every series keeps its own history: the calendar runs from the earliest first date (A)
    to the earliest last date (C); C is NaN before its own first date, not cut to it."""
    p = small()
    assert p.dates.equals(DAYS[0:11])           # A's first date to C's last date
    assert p.start_ticker == "C"                 # the ticker that starts last
    assert p.tickers == ["A", "B", "C"]
    assert p.tr["A"].tolist() == [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert p.tr["B"].tolist() == [101.0, 102, 103, 104, 104, 105, 106, 107, 108, 109, 110]
    assert p.tr["C"].iloc[:3].isna().all() and p.tr["C"].iloc[3:].tolist() == list(
        np.arange(51.0, 59.0))
    assert p.first_dates.to_dict() == {"A": DAYS[0], "B": DAYS[0], "C": DAYS[3]}
    assert p.first_date("y") == DAYS[3] and p.first_date("x") == DAYS[0]
    assert p.filled == {"A": 0, "B": 1, "C": 0}
    assert p.price_return == frozenset() and p.pr.equals(p.tr)
    assert p.sleeves["y"] == Sleeve("y", ("B", "C"), (0.5, 0.5))


def test_fill_after_the_first_date_never_before():
    """A ticker without a quote on a calendar day after its first date takes its previous
    close; before its first date it stays NaN (never back-filled)."""
    a = series([1, 2, 3, 4, 5, 6], DAYS[:6], "A")
    b = series([10, 11, 12, 13], DAYS[2:6].delete(0).insert(0, DAYS[1]), "B")  # days 1,3,4,5
    p = build_panel({"A": a, "B": b}, {"a": "A", "b": "B"}, min_days=1)
    assert p.start_ticker == "B" and p.dates.equals(DAYS[0:6])
    assert np.isnan(p.tr["B"].iloc[0])
    assert p.tr["B"].tolist()[1:] == [10.0, 10, 11, 12, 13] and p.filled == {"A": 0, "B": 1}


def test_day_only_one_ticker_has_joins_the_calendar():
    a = series([1, 2, 3, 4], DAYS[[0, 1, 3, 4]], "A")  # A closed on day 2
    b = series([5, 6, 7, 8, 9], DAYS[:5], "B")
    p = build_panel({"A": a, "B": b}, {"a": "A"}, extra_tickers=["B"], min_days=1)
    assert p.dates.equals(DAYS[:5]) and p.tr["A"].tolist() == [1.0, 2, 2, 3, 4]
    assert p.roles == ["a"] and p.tickers == ["A", "B"]


def test_price_return_closes_kept_apart():
    a = series([1, 2, 3], DAYS[:3], "A")
    pa = series([1, 1.9, 2.7], DAYS[:3], "A")
    p = build_panel({"A": a, "B": a.rename("B")}, {"a": "A", "b": "B"}, pr={"A": pa}, min_days=1)
    assert p.price_return == frozenset({"A"})
    assert p.pr["A"].tolist() == [1, 1.9, 2.7] and p.pr["B"].tolist() == [1, 2, 3]
    assert p.signal_close("a").tolist() == [1, 1.9, 2.7]


def test_fx_conversion_divides_by_data_currency_per_base_unit():
    usd = series([100.0, 110.0, 121.0, 133.1], DAYS[1:5], "SPY")
    gbpusd = series([1.25, 1.25, 1.30, 1.20, 1.10], DAYS[:5], "GBPUSD=X")
    p = build_panel({"SPY": usd}, {"us": "SPY"}, fx=gbpusd, currency="GBP", min_days=1)
    assert p.currency == "GBP" and "GBPUSD=X" not in p.tickers
    assert p.tr["SPY"].tolist() == [100 / 1.25, 110 / 1.30, 121 / 1.20, 133.1 / 1.10]
    # in GBP the return includes the currency: (1 + r_usd) / (1 + r_fx) - 1
    r = p.returns()["SPY"].iloc[2]
    assert r == pytest.approx(1.1 / (1.20 / 1.30) - 1, rel=1e-14)


def test_fx_starting_later_starts_the_converted_closes():
    """Before the FX series' first date a close cannot be converted: NaN (the ticker's history
    in the base currency starts with the FX series)."""
    usd = series(np.arange(1.0, 7.0), DAYS[:6], "SPY")
    fx = series([1.5, 1.5, 2.0], DAYS[3:6], "GBPUSD=X")
    p = build_panel({"SPY": usd}, {"us": "SPY"}, fx=fx, currency="GBP", min_days=1)
    assert p.start_ticker == "GBPUSD=X" and p.dates.equals(DAYS[0:6])
    assert p.tr["SPY"].iloc[:3].isna().all()
    assert p.tr["SPY"].iloc[3:].tolist() == [4 / 1.5, 5 / 1.5, 6 / 2.0]
    assert p.first_date("us") == DAYS[3]


def test_fx_through_load_panel(tmp_path):
    days = pd.bdate_range("2022-01-03", periods=300)
    rng = np.random.default_rng(5)
    spy = 400 * np.cumprod(1 + rng.normal(0, 0.01, 300))
    fx = 1.3 * np.cumprod(1 + rng.normal(0, 0.003, 300))
    for t, v in (("SPY", spy), ("GBPUSD=X", fx)):
        pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "Close": v}).to_csv(
            tmp_path / f"{t}.csv", index=False)
    p = load_panel(tmp_path, {"us": "SPY"}, base_currency="GBP", fx="GBPUSD=X")
    assert np.allclose(p.tr["SPY"].to_numpy(), spy / fx, rtol=1e-15, atol=0)
    assert p.source.endswith("converted to GBP with GBPUSD=X") and p.tickers == ["SPY"]
    with pytest.raises(ConfigError, match="needs fx: the ticker of an FX close"):
        load_panel(tmp_path, {"us": "SPY"}, base_currency="GBP")
    with pytest.raises(DataError, match="ticker EURUSD=X not in"):
        load_panel(tmp_path, {"us": "SPY"}, base_currency="EUR", fx="EURUSD=X")


def test_errors_in_build_panel():
    a = series(np.arange(1.0, 13.0), DAYS, "A")
    with pytest.raises(DataError, match="ticker Z not in the data .*; it has A"):
        build_panel({"A": a}, {"z": "Z"}, min_days=1)
    with pytest.raises(ConfigError, match="no tickers to load"):
        build_panel({"A": a}, {}, min_days=1)
    with pytest.raises(ConfigError, match="ffill_limit must be ≥ 0"):
        build_panel({"A": a}, {"a": "A"}, ffill_limit=-1)
    with pytest.raises(DataError, match="only 12 overlapping trading days .* add more history"):
        build_panel({"A": a}, {"a": "A"}, min_days=13)
    gappy = series([1.0, 2.0], DAYS[[0, 11]], "G")
    with pytest.raises(DataError, match=r"G: 10 trading days missing in a row, 2021-01-05 to "
                                        r"2021-01-18 \(the forward-fill limit is 9"):
        build_panel({"A": a, "G": gappy}, {"a": "A", "g": "G"}, ffill_limit=9, min_days=1)
    assert build_panel({"A": a, "G": gappy}, {"g": "G"}, extra_tickers=["A"], ffill_limit=10,
                       min_days=1).filled == {"G": 10, "A": 0}


def test_same_input_same_hash(tmp_path):
    p1, p2 = small(), small()
    assert p1.data_hash() == p2.data_hash()
    assert small(extra_tickers=()).data_hash() == p1.data_hash()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=30, max_size=60), st.integers(0, 4))
def test_filled_value_is_the_last_close_at_or_before(present, limit):
    """Property: every panel value is the ticker's latest close at or before that date, and
    any run of missing days longer than the limit is an error."""
    days = pd.bdate_range("2020-01-01", periods=len(present), name="Date")
    mask = np.array(present)
    mask[0] = mask[-1] = True  # B spans A's period (the panel ends at the earliest last date)
    a = series(np.linspace(1.0, 2.0, len(days)), days, "A")
    b = series(np.linspace(5.0, 9.0, len(days))[mask], days[mask], "B")
    run = longest = 0
    for m in mask:
        run = 0 if m else run + 1
        longest = max(longest, run)
    if longest > limit:
        with pytest.raises(DataError, match=f"the forward-fill limit is {limit} trading days"):
            build_panel({"A": a, "B": b}, {"a": "A", "b": "B"}, ffill_limit=limit, min_days=1)
        return
    p = build_panel({"A": a, "B": b}, {"a": "A", "b": "B"}, ffill_limit=limit, min_days=1)
    expected = [b.asof(d) for d in p.dates]
    assert p.tr["B"].tolist() == expected and p.filled["B"] == int((~mask).sum())
    _, findings = check_alignment({"A": a, "B": b}, ffill_limit=limit, min_days=1)
    assert findings == []


# ----------------------------------------------------------------------------- Panel.slice
@pytest.mark.parametrize("start, end, text", [
    ("2021-02-30", None, "start: expected YYYY-MM-DD, got '2021-02-30' (day is out of range for month)"),
    ("notadate", None, "start: expected YYYY-MM-DD, got 'notadate'; the data covers "
                       "2021-01-04 to 2021-01-18"),
    (None, "01/12/2021", "end: expected YYYY-MM-DD, got '01/12/2021'"),
    (None, pd.Timestamp("2021-01-12", tz="UTC"), "carries a time zone"),
    ("2021-01-09", "2021-01-10", "no trading day from 2021-01-09 to 2021-01-10 (the nearest are "
                                 "2021-01-08 and 2021-01-11; the data covers 2021-01-04 to "
                                 "2021-01-18); widen the period"),
])
def test_slice_bad_dates_and_empty_window(start, end, text):
    with pytest.raises(DataError) as info:
        small().slice(start, end)
    assert text in str(info.value)


def test_slice_start_ticker_and_filled_describe_the_window():
    p = small()                                  # B filled on DAYS[4]; C set the start
    q = p.slice(end=DAYS[6])                     # same start: C still set it
    assert q.start_ticker == "C" and q.filled == {"A": 0, "B": 1, "C": 0}
    r = p.slice("2021-01-11")                    # DAYS[5]: after the fill, start set by a date
    assert r.dates[0] == DAYS[5] and r.start_ticker is None
    assert r.filled == {"A": 0, "B": 0, "C": 0}
    assert r.filled_mask.index.equals(r.dates)
    assert r.slice(end=DAYS[8]).start_ticker is None
    assert p.slice(DAYS[3], DAYS[3]).start_ticker == "C"   # one day, the first: unchanged
    bare = Panel(tr=p.tr, pr=p.pr, filled={"B": 1})        # built without a mask: counts kept
    assert bare.slice(DAYS[5]).filled == {"B": 1}
