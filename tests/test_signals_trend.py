"""Trend (price vs SMA) and momentum: exact small cases and agreement with pandas."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import ConfigError, DataError
from engine.signals import DAYS_PER_MONTH, momentum, sma_trend


def _series(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float),
                     index=pd.bdate_range("2020-01-01", periods=len(values)), name="X")


def test_month_is_21_trading_days():
    assert DAYS_PER_MONTH == 21


def test_sma_trend_exact():
    # months=1 → 21-day window: closes 1..21 then 0 and 100
    close = _series(list(range(1, 22)) + [0.5, 100.0])
    t = sma_trend(close, months=1, basis="days")
    assert t["sma"].iloc[:20].isna().all()
    assert t["sma"].iloc[20] == pytest.approx(11.0, abs=0)
    assert t["sma"].iloc[21] == pytest.approx((sum(range(2, 22)) + 0.5) / 21, rel=1e-15)
    assert t["sma"].iloc[22] == pytest.approx((sum(range(3, 22)) + 0.5 + 100) / 21, rel=1e-15)
    assert t["above"].tolist() == [False] * 20 + [True, False, True]


def test_sma_matches_pandas_rolling():
    rng = np.random.default_rng(11)
    close = _series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 1500))))
    t = sma_trend(close, months=10, basis="days")
    ref = close.rolling(210).mean()
    np.testing.assert_allclose(t["sma"], ref, rtol=1e-12)
    assert (t["above"] == (close > ref)).all()


def test_momentum_exact_with_skip():
    close = _series(np.arange(1.0, 80.0))  # close[t] = t + 1
    m = momentum(close, months=3, basis="days")  # 63 days
    assert m.iloc[:63].isna().all()
    assert m.iloc[63] == pytest.approx(64 / 1 - 1, rel=1e-15)
    assert m.iloc[78] == pytest.approx(79 / 16 - 1, rel=1e-15)
    ms = momentum(close, months=3, skip_months=1, basis="days")  # close[t-21] / close[t-63] - 1
    assert ms.iloc[78] == pytest.approx(58 / 16 - 1, rel=1e-15)
    ref = close.shift(21) / close.shift(63) - 1
    np.testing.assert_allclose(ms, ref, rtol=1e-15)


def test_trend_leading_nan_and_errors():
    close = _series([np.nan] * 3 + list(range(1, 30)))
    m = momentum(close, months=1, basis="days")
    assert m.iloc[:24].isna().all() and m.iloc[24] == pytest.approx(22 / 1 - 1)
    with pytest.raises(ConfigError, match="skip_months"):
        momentum(close, months=1, skip_months=1)
    with pytest.raises(ConfigError, match="months"):
        sma_trend(close, months=0)
    with pytest.raises(DataError, match="missing close"):
        sma_trend(_series([1.0, np.nan, 2.0]))


# ----------------------------------------------------------------------------- month-end basis


def _daily(seed=12, start="2015-01-01", end="2020-06-30") -> pd.Series:
    idx = pd.bdate_range(start, end)
    rng = np.random.default_rng(seed)
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(idx)))), index=idx,
                     name="X")


def _month_end_closes(close: pd.Series) -> pd.Series:
    """Oracle: the last close of each calendar month, dated on that day."""
    last = close.groupby([close.index.year, close.index.month]).tail(1)
    return last


def test_faber_sma_is_the_mean_of_the_last_10_month_end_closes():
    """Before: sma_trend's 10 months were a 210-day SMA of daily closes, not Faber's."""
    close = _daily()
    t = sma_trend(close)  # the published definition is the default
    me = _month_end_closes(close)
    sma_me = me.rolling(10).mean()
    # on each month-end: the mean of the last 10 month-end closes, compared with that close
    np.testing.assert_allclose(t.loc[me.index, "sma"], sma_me, rtol=1e-13)
    assert (t.loc[me.index, "above"] == (me > sma_me)).all()
    # between month-ends it holds the last month-end's values
    held = sma_me.reindex(close.index).ffill()
    np.testing.assert_allclose(t["sma"], held, rtol=1e-13)
    assert t["sma"].loc[: me.index[8]].isna().all() and t["sma"].loc[me.index[9]] > 0
    assert not t.equals(sma_trend(close, basis="days"))


def test_gem_momentum_is_12_calendar_months_of_month_end_closes():
    """Before: momentum's 12 months were 252 trading days."""
    close = _daily(seed=13)
    m = momentum(close)
    me = _month_end_closes(close)
    ref = me / me.shift(12) - 1
    np.testing.assert_allclose(m.loc[me.index], ref, rtol=1e-13)
    np.testing.assert_allclose(m, ref.reindex(close.index).ffill(), rtol=1e-13)
    skip = momentum(close, months=12, skip_months=1)
    np.testing.assert_allclose(skip.loc[me.index], me.shift(1) / me.shift(12) - 1, rtol=1e-13)
    d = momentum(close, basis="days")
    assert not np.allclose(d.loc[me.index[12:]], m.loc[me.index[12:]])


def test_month_end_signals_with_a_late_start_and_bad_basis():
    close = _daily(seed=14)
    late = close.copy()
    late.iloc[:300] = np.nan  # the series starts mid-calendar
    t, tl = sma_trend(close), sma_trend(late)
    first = late.first_valid_index()
    me = _month_end_closes(late.dropna())
    np.testing.assert_allclose(tl.loc[me.index, "sma"], me.rolling(10).mean(), rtol=1e-13)
    assert tl["sma"].loc[:first].isna().all() and not t["sma"].loc[first:].isna().all()
    with pytest.raises(ConfigError, match="basis"):
        momentum(close, basis="weeks")
