"""Drawdown episodes and rolling returns: hand-made paths and agreement with summary()."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.metrics import summary
from engine.metrics.episodes import drawdown_episodes, rolling_annualised, rolling_summary


def _series(wealth: list[float]) -> pd.Series:
    w = np.asarray([1.0, *wealth])
    return pd.Series(w[1:] / w[:-1] - 1, index=pd.bdate_range("2020-01-01", periods=len(wealth)))


def test_episodes_of_a_hand_made_path() -> None:
    r = _series([1.1, 0.99, 0.88, 1.1, 1.2, 1.08, 1.2, 1.3, 1.17])
    ep = drawdown_episodes(r, top=None)
    d = r.index
    assert list(ep["depth"].round(12)) == [-0.2, -0.1, -0.1]
    first = ep.iloc[0]
    assert (first.peak, first.trough, first.recovery) == (d[0], d[2], d[3])
    assert (first.days_down, first.days_to_recover, first.days_total) == (2, 1.0, 3)
    last = ep[ep.peak == d[7]].iloc[0]  # still under water at the end
    assert last.peak == d[7] and pd.isna(last.recovery) and np.isnan(last.days_to_recover)
    assert last.days_total == 1


def test_loss_on_the_first_day_has_no_peak_date() -> None:
    ep = drawdown_episodes(_series([0.9, 1.0, 1.1]))
    assert pd.isna(ep.iloc[0].peak) and ep.iloc[0].depth == pytest.approx(-0.1)
    assert ep.iloc[0].days_down == 1 and ep.iloc[0].recovery == pd.bdate_range(
        "2020-01-01", periods=3)[1]


def test_deepest_episode_matches_summary() -> None:
    rng = np.random.default_rng(4)
    r = pd.Series(rng.normal(0.0003, 0.012, 2000), index=pd.bdate_range("2010-01-01", periods=2000))
    ep = drawdown_episodes(r).iloc[0]
    s = summary(r)
    assert ep.depth == pytest.approx(s["max_drawdown"], abs=1e-12)
    assert ep.peak == s["max_dd_peak"] and ep.trough == s["max_dd_trough"]
    assert (ep.recovery == s["max_dd_recovery"]) or (pd.isna(ep.recovery)
                                                     and pd.isna(s["max_dd_recovery"]))
    assert len(drawdown_episodes(r)) == 5


def test_rolling_annualised_by_hand() -> None:
    r = pd.Series(np.full(252 * 4, 0.0004), index=pd.bdate_range("2010-01-01", periods=252 * 4))
    s = rolling_annualised(r, 3)
    assert len(s) == 252 + 1
    assert s.iloc[0] == pytest.approx(1.0004 ** 252 - 1)
    assert rolling_annualised(r, 5).empty
    tab = rolling_summary(pd.DataFrame({"a": r}))
    assert tab.at["a", "3y_min"] == pytest.approx(1.0004 ** 252 - 1)
    assert np.isnan(tab.at["a", "5y_median"])
