"""Bad input to backtest / simulate_values / schedule helpers: one clear error naming the fix."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import ConfigError, DataError
from engine.sim import backtest, fixed_mix, schedule_dates, simulate_values
from sim_panels import panel_from, random_walk


@pytest.fixture(scope="module")
def panel():
    return panel_from(random_walk(80, ("A", "B", "C")), {"us": "A", "ex": ["B", "C"], "cash": "C"})


@pytest.fixture(scope="module")
def targets(panel):
    return fixed_mix(panel, {"us": 0.5, "ex": 0.3}, "monthly")


def _bad(panel, targets, err, match, **kw):
    with pytest.raises(err, match=match):
        backtest(panel, targets, **kw)


def test_date_not_in_calendar(panel, targets):
    bad = targets.rename(index={targets.index[1]: pd.Timestamp("2020-02-01")})  # a Saturday
    _bad(panel, bad, DataError, r"not trading days of the panel \(first 2020-02-01\).*covers")


def test_unknown_sleeve(panel, targets):
    _bad(panel, targets.rename(columns={"us": "usa"}), ConfigError,
         r"\['usa'\], neither a sleeve .* nor a ticker")


def test_nan_target(panel, targets):
    bad = targets.copy()
    bad.iloc[1, 0] = np.nan
    _bad(panel, bad, DataError, r"target weight for 'us' on .* is nan .* give 0.0")


def test_negative_weight_needs_leverage(panel, targets):
    bad = targets.copy()
    bad.iloc[0, 1] = -0.1
    _bad(panel, bad, ConfigError, r"negative = short.*allow_leverage=True")


def test_sum_over_one_needs_leverage(panel, targets):
    bad = targets * 2.5
    _bad(panel, bad, ConfigError, r"sum to 2 > 1 .*allow_leverage=True")


def test_sum_within_rounding_is_fine(panel, targets):
    ok = targets.copy()
    ok["us"] = 0.7 + 1e-10
    backtest(panel, ok)


@pytest.mark.parametrize("lag", [-1, 1.5, True])
def test_bad_lag(panel, targets, lag):
    _bad(panel, targets, ConfigError, "lag must be a whole number", lag=lag)


@pytest.mark.parametrize("kw, match", [
    ({"fee": 0.1}, r"fee = 0.1 is outside \[0, 0.1\)"),
    ({"fee": -0.001}, r"fee = -0.001 is outside"),
    ({"slippage": 5}, r"slippage = 5 is outside .* not percent or bps"),
    ({"fee": "10bps"}, r"fee must be a number"),
    ({"band": 0.0}, r"band = 0 is outside \(0, 1\)"),
    ({"band_relative": True}, r"band_relative=True needs a band"),
    ({"rebalance": "monthly"}, r"rebalance = 'monthly' is not known"),
    ({"initial_value": 0}, r"initial_value must be a positive amount"),
    ({"backend": "zipline"}, r"backend = 'zipline' is not known"),
    ({"cash": "money"}, r"cash = 'money' is neither a sleeve"),
    ({"backend": "vectorbt", "allow_leverage": True}, r"vectorbt backend cannot borrow"),
])
def test_bad_options(panel, targets, kw, match):
    _bad(panel, targets, ConfigError, match, **kw)


def test_empty_targets(panel, targets):
    _bad(panel, targets.iloc[:0], ConfigError, "targets is empty")
    _bad(panel, targets.iloc[:, :0], ConfigError, "targets is empty")


def test_not_a_frame_or_not_dates(panel, targets):
    _bad(panel, targets.to_numpy(), ConfigError, "targets must be a DataFrame")
    _bad(panel, targets.reset_index(drop=True), ConfigError, "indexed by dates")


def test_duplicated_or_unsorted_dates(panel, targets):
    _bad(panel, pd.concat([targets.iloc[:2], targets.iloc[:1]]), ConfigError,
         "more than once")
    _bad(panel, targets.iloc[::-1], ConfigError, r"not in increasing order.*sort_index")


def test_duplicated_columns(panel, targets):
    bad = pd.concat([targets, targets[["us"]]], axis=1)
    _bad(panel, bad, ConfigError, r"name \['us'\] more than once")


def test_non_numeric(panel, targets):
    bad = targets.astype(object)
    bad.iloc[0, 0] = "half"
    _bad(panel, bad, ConfigError, "must hold numbers")


def test_all_zero_weights_stay_in_cash(panel, targets):
    res = backtest(panel, targets * 0.0)
    assert (res.value == 1.0).all() and res.trades.empty
    assert list(res.weights.columns) == ["A", "B", "C", "cash"]


def test_no_fill_inside_the_data(panel):
    last = pd.DataFrame({"us": [0.5]}, index=panel.dates[-1:])
    _bad(panel, last, DataError, r"no decision fills inside the data.*after the panel's last")


def test_bad_close_of_a_traded_ticker(targets):
    closes = random_walk(80, ("A", "B", "C"))
    closes.iloc[10, 0] = np.nan
    panel = panel_from(closes, {"us": "A", "ex": ["B", "C"]})
    _bad(panel, targets, DataError, r"close of 'A' on .* is nan")


def test_schedule_and_fixed_mix_errors(panel):
    with pytest.raises(ConfigError, match="rebalance frequency 'fortnightly' is not known"):
        schedule_dates(panel.dates, "fortnightly")
    with pytest.raises(ConfigError, match=r"\['gold'\] are neither sleeves"):
        fixed_mix(panel, {"gold": 0.5})
    with pytest.raises(ConfigError, match="no weights given"):
        fixed_mix(panel, {})
    with pytest.raises(ConfigError, match="no yearly decision date"):
        fixed_mix(panel, {"us": 1.0}, "yearly")


def test_simulate_values_shapes():
    close = np.full((10, 2), 100.0)
    with pytest.raises(ConfigError, match="shapes disagree"):
        simulate_values(close, np.array([1, 2]), np.zeros((3, 2, 3)))
    with pytest.raises(ConfigError, match="strictly increasing"):
        simulate_values(close, np.array([2, 2]), np.zeros((3, 2, 2)))
    with pytest.raises(ConfigError, match=r"fee must be fractions in \[0, 0.1\)"):
        simulate_values(close, np.array([1, 2]), np.zeros((3, 2, 2)), fee=0.5)



@pytest.mark.parametrize("change, err, match", [
    (lambda c, t: t.__setitem__((0, 1, 0), -0.2), ConfigError,
     r"targets\[0, 1, 0\] \(variant 0, fill day 4, column 0\) is -0.2 \(negative = short\)"),
    (lambda c, t: t.__setitem__((1, 0), [0.7, 0.6]), ConfigError,
     r"target weights of variant 1, row 0 \(fill day 2\) sum to 1.3 > 1 \(leverage\)"),
    (lambda c, t: t.__setitem__((2, 1, 1), np.nan), DataError,
     r"targets\[2, 1, 1\] \(variant 2, fill day 4, column 1\) is nan \(1 missing or "
     r"infinite entries\); give 0.0"),
    (lambda c, t: c.__setitem__((6, 1), np.nan), DataError,
     r"close\[6, 1\] \(day 6, column 1\) is nan; every traded ticker needs a positive close"),
    (lambda c, t: c.__setitem__((0, 0), 0.0), DataError, r"close\[0, 0\] \(day 0, column 0\) "
                                                         r"is 0.0"),
    (lambda c, t: c.__setitem__((3, 0), -1.0), DataError, r"close\[3, 0\] .* is -1.0"),
])
def test_simulate_values_checks_targets_and_closes(change, err, match):
    """The checks of backtest (engine.sim.inputs), on the batched array entry point."""
    close = np.full((10, 2), 100.0)
    targets = np.full((3, 2, 2), 0.4)
    simulate_values(close, np.array([2, 4]), targets)         # valid as given
    change(close, targets)
    with pytest.raises(err, match=match):
        simulate_values(close, np.array([2, 4]), targets)


def test_simulate_values_leverage_and_text():
    close = np.full((10, 2), 100.0)
    lev = np.array([[[1.5, -0.5]]])
    with pytest.raises(ConfigError, match="negative = short"):
        simulate_values(close, np.array([1]), lev)
    out = simulate_values(close, np.array([1]), lev, allow_leverage=True)
    assert np.array_equal(out[0], np.ones(10))                # flat prices: value unchanged
    with pytest.raises(DataError, match=r"is nan"):
        simulate_values(close, np.array([1]), np.full((1, 1, 2), np.nan), allow_leverage=True)
    with pytest.raises(ConfigError, match="must hold numbers"):
        simulate_values(close, np.array([1]), np.array([[["half", 0.1]]], dtype=object))


# ------------------------------------------------------------ tickers listed later (NaN before)
def _late_panel(first: int = 30):
    closes = random_walk(120, ("A", "B", "C"))
    closes.iloc[:first, 1] = np.nan                      # B is listed on day `first`
    return closes, panel_from(closes, {"us": "A", "ex": "B", "cash": "C"})


def test_nan_closes_before_a_tickers_first_date_are_accepted():
    """A ticker is not held before its first price: its NaN closes there change nothing. The
    backtest equals the same targets on closes where those NaN are replaced by any number."""
    closes, panel = _late_panel()
    t = fixed_mix(panel, {"us": 0.5, "ex": 0.3}, "monthly")
    t.loc[t.index < panel.dates[30], "ex"] = 0.0          # B held only once listed
    res = backtest(panel, t, fee=0.001, cash="cash")
    filled = closes.copy()
    filled.iloc[:30, 1] = 12345.0
    ref = backtest(panel_from(filled, {"us": "A", "ex": "B", "cash": "C"}), t, fee=0.001,
                   cash="cash")
    pd.testing.assert_series_equal(res.value, ref.value, check_exact=True)
    assert np.isfinite(res.value).all() and res.sleeve_weights["ex"].iloc[:30].eq(0).all()


def test_a_positive_target_on_a_ticker_without_a_price_names_it():
    _, panel = _late_panel()
    t = fixed_mix(panel, {"us": 0.5, "ex": 0.3}, "monthly")   # holds B from the first month
    fill = panel.dates[panel.dates.get_loc(t.index[0]) + 1]
    _bad(panel, t, DataError, rf"close of 'B' on {fill.date()} is missing \(no price yet: its "
                              r"first price is later\) but the target gives it 0.3")
    # the cash remainder counts as a target too
    t2 = fixed_mix(panel, {"us": 0.5}, "monthly")
    closes, _ = _late_panel()
    closes.iloc[:30, 2] = np.nan
    late_cash = panel_from(closes.drop(columns="B"), {"us": "A", "cash": "C"})
    _bad(late_cash, t2, DataError, r"close of 'C' on .* is missing .* gives it 0.5", cash="cash")
