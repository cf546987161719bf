"""The page's metrics table from plain inputs: values against quantstats and by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.report.scorecard import calendar_table, rule_rebalances, scorecard, sleeve_time
from engine.report.tearsheet import quantstats_rf


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    idx = pd.bdate_range("2015-03-02", periods=3 * 252 + 17)
    rng = np.random.default_rng(3)
    data = rng.normal([0.0004, 0.0002, 0.0003], [0.011, 0.008, 0.015], (len(idx), 3))
    return pd.DataFrame(data, index=idx, columns=["bench", "a", "b"])


@pytest.fixture(scope="module")
def rf(returns: pd.DataFrame) -> pd.Series:
    return pd.Series(np.linspace(0.0, 0.0002, len(returns)), index=returns.index)


def test_headline_metrics_equal_quantstats(returns: pd.DataFrame, rf: pd.Series) -> None:
    import quantstats as qs

    card = scorecard(returns, "bench", rf)
    qrf = quantstats_rf(rf, returns.index)
    for name in returns.columns:
        r = returns[name]
        assert card.at[name, "cagr"] == pytest.approx(qs.stats.cagr(r, rf=qrf), abs=1e-12)
        assert card.at[name, "sharpe"] == pytest.approx(qs.stats.sharpe(r, rf=qrf), abs=1e-9)
        assert card.at[name, "sortino"] == pytest.approx(qs.stats.sortino(r, rf=qrf), abs=1e-9)
        assert card.at[name, "max_drawdown"] == pytest.approx(qs.stats.max_drawdown(r),
                                                              abs=1e-12)
        assert card.at[name, "worst_year"] == pytest.approx(
            qs.stats.worst(r, aggregate="YE"), abs=1e-12)
    assert card.at["bench", "excess_cagr"] == 0.0
    assert card.at["a", "excess_cagr"] == pytest.approx(card.at["a", "cagr"]
                                                        - card.at["bench", "cagr"])
    assert (card["days"] == len(returns)).all()
    assert (card["start"] == returns.index[0]).all() and (card["end"] == returns.index[-1]).all()


def test_worst_year_label_and_calendar_table(returns: pd.DataFrame) -> None:
    card = scorecard(returns, "bench")
    cal = calendar_table(returns)
    assert list(cal.index) == [2015, 2016, 2017, 2018]
    by_hand = (1 + returns["a"][returns.index.year == 2016]).prod() - 1
    assert cal.at[2016, "a"] == pytest.approx(by_hand, rel=1e-12)
    for name in returns.columns:
        assert card.at[name, "worst_year"] == pytest.approx(cal[name].min())
        assert card.at[name, "worst_year_label"] == str(cal[name].idxmin())


def test_turnover_and_costs_leave_out_the_initial_purchase(returns: pd.DataFrame) -> None:
    dates = returns.index
    reb = pd.DataFrame({"decision_date": dates[[0, 99, 299]], "turnover": [0.5, 0.2, 0.1],
                        "cost": [0.0005, 0.0002, 0.0001]}, index=dates[[1, 100, 300]])
    assert list(rule_rebalances(reb)["turnover"]) == [0.2, 0.1]
    card = scorecard(returns, "bench", rebalances={"a": reb})
    years = len(returns) / 252
    assert card.at["a", "turnover_per_year"] == pytest.approx(0.3 / years, rel=1e-12)
    assert card.at["a", "costs_per_year"] == pytest.approx(0.0003 / years, rel=1e-12)
    assert card.at["b", "turnover_per_year"] == 0.0


def test_time_in_each_sleeve(returns: pd.DataFrame) -> None:
    n = len(returns)
    w = pd.DataFrame({"us": np.r_[np.ones(n // 2), np.zeros(n - n // 2)],
                      "ex_us": np.r_[np.zeros(n // 2), np.full(n - n // 2, 0.6)],
                      "cash": np.r_[np.zeros(n // 2), np.full(n - n // 2, 0.4)]},
                     index=returns.index)
    held, avg = sleeve_time(w)
    assert held["us"] == pytest.approx((n // 2) / n) and held["ex_us"] == pytest.approx(
        (n - n // 2) / n)
    assert avg["ex_us"] == pytest.approx(0.6 * (n - n // 2) / n)
    card = scorecard(returns, "bench", sleeve_weights={"a": w})
    assert card.at["a", "time_us"] == pytest.approx(held["us"])
    assert card.at["bench", "time_us"] == 0.0  # no weights given: zeros, not NaN
