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


def _changes_by_hand(inputs: pd.DataFrame) -> dict:
    """The log's rule, cell by cell: a 0/1 input whose value differs from the previous date's
    (which is not missing) is a change "name before→after"."""
    binary = [c for c in inputs.columns
              if set(inputs[c].dropna().unique()) <= {0.0, 1.0}]
    out = {}
    for i in range(1, len(inputs)):
        parts = []
        for c in binary:
            before, now = inputs[c].iloc[i - 1], inputs[c].iloc[i]
            if not pd.isna(before) and now != before:
                parts.append(f"{c} {int(before)}→{int(now)}")
        out[inputs.index[i]] = "; ".join(parts)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_binary_changes_agree_with_a_cell_by_cell_reading(seed: int) -> None:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2010-01-29", periods=120, freq="BME")
    f = pd.DataFrame({"a": rng.integers(0, 2, 120).astype(float),
                      "b": rng.integers(0, 2, 120).astype(float),
                      "flag": rng.integers(0, 2, 120).astype(bool),
                      "level": rng.normal(size=120)}, index=idx)
    f.loc[idx[:7], "a"] = np.nan              # a warm-up: missing before its first value
    got = _binary_changes(f)
    want = _changes_by_hand(f)
    assert list(got.index) == list(want) and got.to_dict() == want
    assert sum(bool(v) for v in want.values()) > 50     # the case is not trivial
