"""Report helpers (engine.metrics.tables) vs quantstats and hand-computed values."""
from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from engine.errors import ConfigError, DataError
from engine.metrics import (calendar_year_returns, drawdown_series, excess_cagr, exposure,
                            monthly_returns, monthly_table, pct_positive_months, rolling_excess,
                            rolling_return, summary, summary_frame, worst_year)

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
qs = pytest.importorskip("quantstats")


def returns(n=800, seed=3, start="2019-03-13", mu=3e-4, name="strat") -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(mu + 0.01 * rng.standard_normal(n), index=pd.bdate_range(start, periods=n),
                     name=name)


def test_calendar_and_monthly_tables_equal_quantstats():
    r = returns()
    ours = monthly_table(r)
    theirs = qs.stats.monthly_returns(r)
    # quantstats writes 0 for months outside the data; we leave them NaN
    assert np.isnan(ours.loc[2019, "JAN"]) and theirs.loc["2019", "JAN"] == 0.0
    np.testing.assert_allclose(ours.fillna(0.0).to_numpy(), theirs.to_numpy(dtype=float),
                               rtol=1e-12, atol=1e-15)
    assert list(ours.columns) == list(theirs.columns)
    years = calendar_year_returns(r)
    expected = qs.utils.group_returns(r, r.index.year, compounded=True)
    np.testing.assert_allclose(years.to_numpy(), expected.to_numpy(), rtol=1e-13)
    assert worst_year(r) == pytest.approx(qs.stats.worst(r, aggregate="YE"), rel=1e-13)


def test_monthly_returns_by_hand():
    idx = pd.DatetimeIndex(["2020-01-30", "2020-01-31", "2020-02-03", "2020-02-28", "2020-03-02"])
    r = pd.Series([0.1, -0.1, 0.02, 0.03, 0.0], index=idx)
    m = monthly_returns(r)
    assert list(m.index) == [idx[1], idx[3], idx[4]]
    np.testing.assert_allclose(m.to_numpy(), [1.1 * 0.9 - 1, 1.02 * 1.03 - 1, 0.0], rtol=1e-15)
    # quantstats' win rate leaves flat months out: 1 positive of 2 non-zero months
    assert pct_positive_months(r) == 0.5 == qs.stats.win_rate(r, aggregate="ME")
    assert math.isnan(pct_positive_months(pd.Series(0.0, index=idx)))


def test_pct_positive_months_equals_quantstats():
    r = returns(n=1500, seed=8)
    assert pct_positive_months(r) == qs.stats.win_rate(r, aggregate="ME")


def test_drawdown_series_equals_quantstats_and_its_min_is_max_drawdown():
    r = returns(seed=5)
    r.iloc[0] = -0.03  # a first-day loss: the phantom baseline matters
    dd = drawdown_series(r)
    np.testing.assert_allclose(dd.to_numpy(), qs.stats.to_drawdown_series(r).to_numpy(),
                               rtol=0, atol=1e-15)
    assert dd.iloc[0] == pytest.approx(-0.03, rel=1e-14)
    assert dd.min() == summary(r)["max_drawdown"]


def test_rolling_excess_by_hand():
    r, b = returns(n=300, seed=1), returns(n=300, seed=2, name="bench")
    ex = rolling_excess(r, b, days=252)
    assert ex.iloc[:251].isna().all() and ex.iloc[251:].notna().all()
    for t in (251, 270, 299):
        window = slice(t - 251, t + 1)
        expected = np.prod(1 + r.iloc[window]) - np.prod(1 + b.iloc[window])
        assert ex.iloc[t] == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(rolling_return(r, 1).to_numpy(), r.to_numpy(), rtol=0, atol=3e-16)
    assert rolling_return(r.iloc[:10], 252).isna().all()
    with pytest.raises(ConfigError, match="positive integer"):
        rolling_return(r, 0)


def test_excess_cagr_equals_quantstats_difference():
    r, b = returns(seed=1), returns(seed=2, mu=1e-4, name="bench")
    expected = qs.stats.cagr(r, periods=252) - qs.stats.cagr(b, periods=252)
    assert excess_cagr(r, b) == pytest.approx(expected, rel=1e-12)


def test_misaligned_benchmark_is_an_error():
    r, b = returns(n=300), returns(n=300, start="2019-03-14")
    with pytest.raises(DataError, match="same dates"):
        rolling_excess(r, b)
    with pytest.raises(DataError, match="same dates"):
        excess_cagr(r, b.iloc[:-1])


def test_exposure_days_and_average():
    idx = pd.bdate_range("2021-01-01", periods=4)
    w = pd.DataFrame({"us": [1.0, 0.6, 0.0, 0.005], "em": [0.0, 0.4, 1.0, 0.995]}, index=idx)
    days = exposure(w)
    assert days["us"] == 0.5 and days["em"] == 0.75  # 0.5 % is under the 1 % threshold
    avg = exposure(w, how="average")
    assert avg["us"] == pytest.approx(1.605 / 4) and avg["em"] == pytest.approx(2.395 / 4)
    with pytest.raises(ConfigError, match="how must be"):
        exposure(w, how="median")
    with pytest.raises(DataError, match="NaN"):
        exposure(w.where(w > 0.5))


def test_summary_frame_rows_equal_summary():
    r, b = returns(seed=1), returns(seed=2, name="bench")
    frame = summary_frame(pd.concat([r, b], axis=1))
    assert list(frame.index) == ["strat", "bench"]
    assert frame.loc["bench", "sharpe"] == summary(b)["sharpe"]
    assert frame.loc["strat", "max_dd_trough"] == summary(r)["max_dd_trough"]
