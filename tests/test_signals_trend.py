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
    t = sma_trend(close, months=1)
    assert t["sma"].iloc[:20].isna().all()
    assert t["sma"].iloc[20] == pytest.approx(11.0, abs=0)
    assert t["sma"].iloc[21] == pytest.approx((sum(range(2, 22)) + 0.5) / 21, rel=1e-15)
    assert t["sma"].iloc[22] == pytest.approx((sum(range(3, 22)) + 0.5 + 100) / 21, rel=1e-15)
    assert t["above"].tolist() == [False] * 20 + [True, False, True]


def test_sma_matches_pandas_rolling():
    rng = np.random.default_rng(11)
    close = _series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 1500))))
    t = sma_trend(close, months=10)
    ref = close.rolling(210).mean()
    np.testing.assert_allclose(t["sma"], ref, rtol=1e-12)
    assert (t["above"] == (close > ref)).all()


def test_momentum_exact_with_skip():
    close = _series(np.arange(1.0, 80.0))  # close[t] = t + 1
    m = momentum(close, months=3)  # 63 days
    assert m.iloc[:63].isna().all()
    assert m.iloc[63] == pytest.approx(64 / 1 - 1, rel=1e-15)
    assert m.iloc[78] == pytest.approx(79 / 16 - 1, rel=1e-15)
    ms = momentum(close, months=3, skip_months=1)  # close[t-21] / close[t-63] - 1
    assert ms.iloc[78] == pytest.approx(58 / 16 - 1, rel=1e-15)
    ref = close.shift(21) / close.shift(63) - 1
    np.testing.assert_allclose(ms, ref, rtol=1e-15)


def test_trend_leading_nan_and_errors():
    close = _series([np.nan] * 3 + list(range(1, 30)))
    m = momentum(close, months=1)
    assert m.iloc[:24].isna().all() and m.iloc[24] == pytest.approx(22 / 1 - 1)
    with pytest.raises(ConfigError, match="skip_months"):
        momentum(close, months=1, skip_months=1)
    with pytest.raises(ConfigError, match="months"):
        sma_trend(close, months=0)
    with pytest.raises(DataError, match="missing close"):
        sma_trend(_series([1.0, np.nan, 2.0]))
