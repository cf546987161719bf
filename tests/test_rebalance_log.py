"""The rebalance log from a hand-made backtest: weights before/after, turnover, signal changes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.report.rebalance_log import _binary_changes, rebalance_log


def test_log_of_a_two_asset_switch() -> None:
    from engine.data.sample import sample_panel
    from engine.sim import backtest

    panel = sample_panel(seed=3).slice("2015-01-01", "2015-12-31")
    d = panel.dates
    targets = pd.DataFrame({"us": [1.0, 0.0], "ex_us": [0.0, 1.0]},
                           index=[d[0], d[100]])
    res = backtest(panel, targets, lag=1, fee=0.001)
    inputs = pd.DataFrame({"ex_on": [0.0, 1.0], "level": [0.3, 0.4]}, index=targets.index)
    log = rebalance_log(res, d[0], d[-1], inputs)
    assert list(log.index) == [d[1], d[101]]
    assert list(log["decision_date"]) == [d[0], d[100]]
    assert log.iloc[0]["us_before"] == 0.0 and log.iloc[0]["us_after"] == pytest.approx(
        1.0, abs=2e-3)
    assert log.iloc[1]["us_before"] == pytest.approx(res.sleeve_weights["us"].iloc[100])
    assert log.iloc[1]["ex_us_after"] == pytest.approx(1.0, abs=2e-3)
    assert log["turnover"].tolist() == pytest.approx(res.rebalances["turnover"].tolist())
    assert log.iloc[1]["signal_changed"] == "ex_on 0→1"  # the level is not a 0/1 state
    assert log.iloc[0]["signal_changed"] == ""


def test_binary_changes_only_name_states() -> None:
    idx = pd.bdate_range("2020-01-31", periods=3, freq="BME")
    f = pd.DataFrame({"a": [1.0, 1.0, 0.0], "b": [0.0, 1.0, 1.0], "x": [0.1, 0.2, 0.3]},
                     index=idx)
    ch = _binary_changes(f)
    assert ch[idx[1]] == "b 0→1" and ch[idx[2]] == "a 1→0"
