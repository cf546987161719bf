"""Metric kernels vs quantstats 0.0.86 on synthetic returns; streaming vs batch; edge cases."""
from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numba import njit

from engine.errors import ConfigError, DataError
from engine.metrics import drawdown_series, nb, quantstats_rf, summary

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
qs = pytest.importorskip("quantstats")

REL = 1e-9


def close(a: float, b: float, rel: float = REL, abs_: float = 1e-15) -> bool:
    """Equal to ``rel`` relative (NaN equals NaN, inf equals inf of the same sign)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


def series(values, start="2015-01-02", name="r") -> pd.Series:
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), name=name)


def synthetic(n=1500, seed=1, mu=3e-4, sigma=0.011) -> pd.Series:
    rng = np.random.default_rng(seed)
    # fat tails and a crash so drawdowns are non-trivial
    r = mu + sigma * rng.standard_t(4, n) / math.sqrt(2.0)
    r[300:340] -= 0.01
    return series(r)


def synthetic_rf(index: pd.DatetimeIndex, seed=2) -> pd.Series:
    """A cash-like daily series: zero for a stretch (as BIL 2009–2015), then ~2–5 %/yr."""
    rng = np.random.default_rng(seed)
    rf = np.abs(0.0002 + 0.00003 * rng.standard_normal(len(index)))
    rf[100:400] = 0.0
    return pd.Series(rf, index=index, name="rf")


def quantstats_metrics(r: pd.Series, rf: pd.Series | None) -> dict[str, float]:
    """quantstats' own numbers; ``rf`` (daily returns) handed over as the annual rate it expects."""
    qrf = 0.0 if rf is None else quantstats_rf(rf)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "cagr": qs.stats.cagr(r, periods=252),
            "volatility": qs.stats.volatility(r, periods=252),
            "sharpe": qs.stats.sharpe(r, rf=qrf, periods=252),
            "sortino": qs.stats.sortino(r, rf=qrf, periods=252),
            "max_drawdown": qs.stats.max_drawdown(r),
            "calmar": qs.stats.calmar(r, periods=252),
            "total_return": qs.stats.comp(r),
        }


def assert_matches_quantstats(r: pd.Series, rf: pd.Series | None = None, rel: float = REL):
    ours = summary(r, rf)
    theirs = quantstats_metrics(r, rf)
    bad = {k: (ours[k], float(v)) for k, v in theirs.items() if not close(ours[k], float(v), rel)}
    assert not bad, bad


def deepest_drawdown_row(r: pd.Series) -> pd.Series | None:
    details = qs.stats.drawdown_details(qs.stats.to_drawdown_series(r))
    if details.empty:
        return None
    return details.loc[details["max drawdown"].astype(float).idxmin()]


# ------------------------------------------------------------------ agreement with quantstats
@pytest.mark.parametrize("seed", [1, 5, 11])
@pytest.mark.parametrize("with_rf", [False, True])
def test_summary_equals_quantstats_on_synthetic(seed, with_rf):
    r = synthetic(seed=seed)
    rf = synthetic_rf(r.index, seed + 100) if with_rf else None
    assert_matches_quantstats(r, rf)


def test_risk_free_is_subtracted_daily_and_matches_how_quantstats_reads_a_series():
    r = synthetic(seed=3)
    rf = synthetic_rf(r.index)
    ex = r - rf
    s = summary(r, rf)
    # our definition: excess = r - rf, day by day
    assert close(s["sharpe"], ex.mean() / ex.std(ddof=1) * math.sqrt(252))
    assert close(s["sortino"],
                 ex.mean() / math.sqrt((ex[ex < 0] ** 2).sum() / ex.count()) * math.sqrt(252))
    # CAGR, volatility, drawdown and Calmar ignore rf (quantstats does too)
    s0 = summary(r)
    for key in ("cagr", "volatility", "max_drawdown", "calmar", "total_return"):
        assert s[key] == s0[key]
    # quantstats de-annualises a Series rf: handing it *daily* returns subtracts
    # (1 + rf) ** (1/252) - 1. Feeding exactly that to summary reproduces its literal call.
    literal = summary(r, (1.0 + rf) ** (1.0 / 252) - 1.0)
    assert close(literal["sharpe"], qs.stats.sharpe(r, rf=rf, periods=252))
    assert close(literal["sortino"], qs.stats.sortino(r, rf=rf, periods=252))
    assert abs(literal["sharpe"] - s["sharpe"]) > 0.1  # the trap is not a rounding matter


def test_quantstats_rf_round_trips_through_quantstats_deannualisation():
    rf = synthetic_rf(pd.bdate_range("2010-01-01", periods=500))
    back = qs.utils.to_excess_returns(pd.Series(0.0, index=rf.index), quantstats_rf(rf), 252)
    np.testing.assert_allclose(-back.to_numpy(), rf.to_numpy(), rtol=0, atol=4e-16)


def test_skew_and_kurtosis_equal_quantstats_on_raw_returns_whatever_the_risk_free():
    """quantstats' skew and kurtosis ignore rf (raw returns); so do ours. Before: computed on the
    excess returns, so with a risk-free series they differed (real data: −0.6422/6.7666 vs
    quantstats' −0.6511/6.7873)."""
    r = synthetic(seed=4)
    rf = synthetic_rf(r.index) * 40  # a large, varying rate makes excess and raw moments differ
    assert abs((r - rf).skew() - r.skew()) > 1e-3
    for s in (summary(r), summary(r, rf)):
        assert close(s["skew"], r.skew(), rel=1e-12)
        assert close(s["kurtosis"], r.kurt(), rel=1e-12)
        assert close(s["skew"], qs.stats.skew(r), rel=1e-12)
        assert close(s["kurtosis"], qs.stats.kurtosis(r), rel=1e-12)


def test_max_drawdown_dates_follow_drawdown_details():
    r = synthetic(seed=7)
    s = summary(r)
    row = deepest_drawdown_row(r)
    assert s["max_dd_start"] == pd.Timestamp(row["start"])
    assert s["max_dd_trough"] == pd.Timestamp(row["valley"])
    assert s["max_dd_end"] == pd.Timestamp(row["end"])
    pos = r.index.get_loc
    assert pos(s["max_dd_peak"]) == pos(s["max_dd_start"]) - 1
    if s["max_dd_recovery"] is not pd.NaT:
        assert pos(s["max_dd_recovery"]) == pos(s["max_dd_end"]) + 1
        dd = drawdown_series(r)
        assert dd[s["max_dd_recovery"]] == 0.0 and dd[s["max_dd_end"]] < 0.0
    assert math.isclose(float(row["max drawdown"]) / 100.0, s["max_drawdown"], rel_tol=REL)


def test_unrecovered_drawdown_ends_on_the_last_day():
    r = series([0.01, 0.02, -0.03, 0.01, -0.02, 0.005])
    s = summary(r)
    assert s["max_dd_recovery"] is pd.NaT
    assert s["max_dd_end"] == r.index[-1]
    row = deepest_drawdown_row(r)
    assert (pd.Timestamp(row["start"]), pd.Timestamp(row["valley"]), pd.Timestamp(row["end"])) \
        == (s["max_dd_start"], s["max_dd_trough"], s["max_dd_end"])
    # by hand: peak 1.01*1.02 on day 1; low on day 4
    peak = 1.01 * 1.02
    low = peak * 0.97 * 1.01 * 0.98
    assert s["max_dd_peak"] == r.index[1] and s["max_dd_trough"] == r.index[4]
    assert math.isclose(s["max_drawdown"], low / peak - 1.0, rel_tol=1e-14)


# ------------------------------------------------------------------ edge cases
def test_first_day_loss_counts_from_the_phantom_baseline():
    r = series([-0.05, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, -0.001, 0.02, 0.0])
    s = summary(r)
    assert s["max_drawdown"] == pytest.approx(-0.05, rel=1e-14)
    assert s["max_drawdown"] == qs.stats.max_drawdown(r)
    assert s["max_dd_peak"] is pd.NaT  # the peak is the starting equity, before day 0
    assert s["max_dd_start"] == r.index[0] and s["max_dd_trough"] == r.index[0]
    assert s["max_dd_recovery"] == r.index[6]  # 0.95 * 1.01**6 >= 1
    row = deepest_drawdown_row(r)
    assert pd.Timestamp(row["start"]) == s["max_dd_start"]
    assert pd.Timestamp(row["end"]) == s["max_dd_end"] == r.index[5]
    assert_matches_quantstats(r)


def test_first_day_loss_never_recovered():
    # quantstats' drawdown_details finds no period here (its start detection needs a day at the
    # peak first); max_drawdown still counts it, and so do we.
    r = series([-0.05, 0.01, 0.01, 0.0, 0.0])
    s = summary(r)
    assert deepest_drawdown_row(r) is None
    assert s["max_drawdown"] == qs.stats.max_drawdown(r)
    assert (s["max_dd_peak"], s["max_dd_start"], s["max_dd_trough"], s["max_dd_end"],
            s["max_dd_recovery"]) == (pd.NaT, r.index[0], r.index[0], r.index[-1], pd.NaT)


def test_all_positive_returns_have_no_drawdown():
    r = series(np.linspace(0.001, 0.01, 30))
    s = summary(r)
    assert s["max_drawdown"] == 0.0
    assert all(s[k] is pd.NaT for k in ("max_dd_peak", "max_dd_start", "max_dd_trough",
                                         "max_dd_end", "max_dd_recovery"))
    assert s["calmar"] == math.inf and math.isnan(s["sortino"])
    assert_matches_quantstats(r)


def test_zero_returns():
    r = series(np.zeros(40))
    s = summary(r)
    assert (s["cagr"], s["volatility"], s["max_drawdown"], s["total_return"]) == (0, 0, 0, 0)
    assert math.isnan(s["sharpe"]) and math.isnan(s["sortino"]) and math.isnan(s["calmar"])
    assert_matches_quantstats(r)


def test_constant_nonzero_returns_have_exactly_zero_volatility():
    # pandas' two-pass std leaves ~1e-19 of rounding noise (quantstats then reports a Sharpe of
    # ~1e16); ours is exactly 0 and the Sharpe ratio undefined (NaN).
    r = series(np.full(50, 0.001))
    s = summary(r)
    assert s["volatility"] == 0.0 and math.isnan(s["sharpe"])
    assert abs(qs.stats.volatility(r)) < 1e-15
    assert close(s["cagr"], qs.stats.cagr(r, periods=252))
    # excess over a risk-free series equal to the returns: all zero
    assert math.isnan(summary(r, r)["sharpe"])


def test_single_day_and_wipeout():
    one = series([0.02])
    s = summary(one)
    assert math.isnan(s["volatility"]) and math.isnan(s["sharpe"])
    assert close(s["cagr"], 1.02 ** 252 - 1.0, rel=1e-13)
    assert_matches_quantstats(one)
    # leverage past -100 %: terminal wealth < 0 has no growth rate
    wipe = series([0.1, -1.5, 0.2, 0.01])
    assert math.isnan(summary(wipe)["cagr"])
    assert_matches_quantstats(wipe)


def test_missing_days_in_the_kernel_follow_quantstats():
    """The kernel skips NaN returns in counts/moments and holds equity flat (the wrapper refuses
    NaN, but the sweep may feed them)."""
    r = synthetic(n=800, seed=9)
    r.iloc[[0, 5, 6, 300, 301, 302, 799]] = np.nan
    rf = synthetic_rf(r.index)
    out = np.empty(nb.N_OUT)
    nb.metrics_nb(r.to_numpy(), rf.to_numpy(), out)
    theirs = quantstats_metrics(r, rf)
    assert close(out[nb.CAGR], theirs["cagr"])
    assert close(out[nb.VOL], theirs["volatility"])
    assert close(out[nb.SHARPE], theirs["sharpe"])
    assert close(out[nb.SORTINO], theirs["sortino"])
    assert close(out[nb.MAX_DD], theirs["max_drawdown"])
    assert out[nb.DAYS] == r.count()
    row = deepest_drawdown_row(r)
    assert r.index[int(out[nb.DD_START])] == pd.Timestamp(row["start"])
    assert r.index[int(out[nb.DD_TROUGH])] == pd.Timestamp(row["valley"])
    assert r.index[int(out[nb.DD_END])] == pd.Timestamp(row["end"])
    dd = np.empty(len(r))
    nb.drawdown_nb(r.to_numpy(), dd)
    np.testing.assert_allclose(dd, qs.stats.to_drawdown_series(r).to_numpy(), rtol=0, atol=1e-15)


def test_empty_array_in_the_kernel():
    out = np.empty(nb.N_OUT)
    nb.metrics_nb(np.empty(0), np.empty(0), out)
    assert out[nb.DAYS] == 0 and out[nb.MAX_DD] == 0 and out[nb.DD_TROUGH] == -1
    assert np.isnan(out[[nb.CAGR, nb.VOL, nb.SHARPE, nb.SORTINO, nb.MEAN]]).all()


def test_tiny_variance_never_raises_inside_the_kernel():
    # found by hypothesis: the variance's powers underflow to 0 (numba would raise on x / 0)
    out = np.empty(nb.N_OUT)
    nb.metrics_nb(np.array([2.31136005e-117, 0.0, 0.0, 0.0]), np.empty(0), out)
    assert np.isnan(out[nb.SKEW]) and np.isnan(out[nb.KURT])
    assert out[nb.STD] > 0 and out[nb.MAX_DD] == 0.0


# ------------------------------------------------------------------ streaming == batch
@njit(cache=True)
def _stream(returns, rf, stops, out):
    """Feed day by day as a simulation loop would; finalise at each stop (mid-stream too)."""
    acc = np.empty(nb.ACC_SIZE)
    nb.acc_init(acc)
    k = 0
    for t in range(returns.shape[0]):
        nb.acc_update(acc, returns[t], rf[t])
        if k < stops.shape[0] and t + 1 == stops[k]:
            nb.acc_finalize(acc, out[k])
            k += 1


def test_streaming_equals_batch_and_finalize_is_repeatable():
    r = synthetic(n=6000, seed=13).to_numpy()
    rf = synthetic_rf(pd.bdate_range("2000-01-03", periods=6000)).to_numpy()
    stops = np.array([1, 2, 3, 250, 2999, 6000])
    streamed = np.empty((len(stops), nb.N_OUT))
    _stream(r, rf, stops, streamed)
    for k, stop in enumerate(stops):
        batch = np.empty(nb.N_OUT)
        nb.metrics_nb(r[:stop], rf[:stop], batch)
        np.testing.assert_allclose(streamed[k], batch, rtol=1e-12, atol=0, equal_nan=True)
    # the same numbers through Python-level calls, one day at a time
    acc = np.empty(nb.ACC_SIZE)
    nb.acc_init(acc)
    for t in range(300):
        nb.acc_update(acc, r[t], rf[t])
    once, twice, batch = np.empty(nb.N_OUT), np.empty(nb.N_OUT), np.empty(nb.N_OUT)
    nb.acc_finalize(acc, once)
    nb.acc_finalize(acc, twice)
    nb.metrics_nb(r[:300], rf[:300], batch)
    np.testing.assert_array_equal(once, twice)
    np.testing.assert_allclose(once, batch, rtol=1e-12, atol=0, equal_nan=True)


def test_no_risk_free_equals_zero_risk_free():
    r = synthetic(n=500).to_numpy()
    a, b = np.empty(nb.N_OUT), np.empty(nb.N_OUT)
    nb.metrics_nb(r, np.empty(0), a)
    nb.metrics_nb(r, np.zeros(500), b)
    np.testing.assert_array_equal(a, b)


def test_trading_aggregates():
    r = series(np.full(504, 0.0002))
    reb = pd.DataFrame({"turnover": [1.0, 0.25, 0.25, 0.5], "cost": [0.001, 0.0, 0.0002, 0.0004]},
                       index=[r.index[0] - pd.Timedelta(days=3), r.index[0], r.index[10],
                              r.index[503]])
    s = summary(r, rebalances=reb)
    # the rebalance before the first return is outside the measured period; 504 days = 2 years
    assert s["turnover"] == pytest.approx(0.5, rel=1e-15)
    assert s["costs"] == pytest.approx(0.0003, rel=1e-12)
    assert s["cost_total"] == pytest.approx(0.0006, rel=1e-12) and s["n_rebalances"] == 3
    off = reb.copy()
    off.index = [r.index[0], r.index[5] + pd.Timedelta(hours=1), r.index[10], r.index[20]]
    with pytest.raises(ConfigError, match="not a date of the returns"):
        summary(r, rebalances=off)


# ------------------------------------------------------------------ bad input
def test_bad_input_gives_one_clear_error():
    r = synthetic(n=50)
    holed = r.copy()
    holed.iloc[7] = np.nan
    with pytest.raises(DataError, match=str(r.index[7].date())):
        summary(holed)
    with pytest.raises(DataError, match="DatetimeIndex"):
        summary(r.reset_index(drop=True))
    with pytest.raises(DataError, match="increasing"):
        summary(r[::-1])
    with pytest.raises(DataError, match="empty"):
        summary(r.iloc[:0])
    with pytest.raises(DataError, match="Series"):
        summary(r.to_numpy())
    rf = synthetic_rf(r.index).iloc[3:]
    with pytest.raises(ConfigError, match=str(r.index[0].date())):
        summary(r, rf)
    longer = synthetic_rf(pd.bdate_range(r.index[0] - pd.Timedelta(days=30), r.index[-1]))
    assert summary(r, longer)["sharpe"] == summary(r, longer.reindex(r.index))["sharpe"]
    nan_rf = synthetic_rf(r.index)
    nan_rf.iloc[4] = np.nan
    with pytest.raises(ConfigError, match=str(r.index[4].date())):
        summary(r, nan_rf)


# ------------------------------------------------------------------ properties
finite_returns = arrays(np.float64, st.integers(3, 300),
                        elements=st.floats(-0.2, 0.2, allow_nan=False, allow_subnormal=False))


def _metrics(r, rf=None):
    out = np.empty(nb.N_OUT)
    nb.metrics_nb(np.ascontiguousarray(r), np.empty(0) if rf is None else rf, out)
    return out


@settings(max_examples=60, deadline=None)
@given(finite_returns, st.floats(0.05, 20.0))
def test_sharpe_is_scale_invariant_and_flips_with_the_sign(r, c):
    base, scaled, flipped = _metrics(r), _metrics(c * r), _metrics(-r)
    if not base[nb.STD] > 1e-8:
        return
    assert close(scaled[nb.SHARPE], base[nb.SHARPE], rel=1e-9, abs_=1e-9)
    assert close(flipped[nb.SHARPE], -base[nb.SHARPE], rel=1e-9, abs_=1e-9)
    assert close(scaled[nb.VOL], c * base[nb.VOL], rel=1e-9)
    assert close(flipped[nb.VOL], base[nb.VOL], rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(finite_returns)
def test_drawdown_dates_are_consistent(r):
    out = _metrics(r)
    dd = np.empty(len(r))
    nb.drawdown_nb(r, dd)
    assert out[nb.MAX_DD] == min(dd.min(), 0.0) and out[nb.MAX_DD] >= -1.0
    if out[nb.MAX_DD] == 0.0:
        assert out[nb.DD_TROUGH] == -1
        return
    peak, start, trough = int(out[nb.DD_PEAK]), int(out[nb.DD_START]), int(out[nb.DD_TROUGH])
    end, rec = int(out[nb.DD_END]), int(out[nb.DD_RECOVERY])
    assert start == peak + 1 and start <= trough <= end
    assert dd[trough] == out[nb.MAX_DD] and (dd[start:trough] > out[nb.MAX_DD]).all()
    assert (dd[start:end + 1] < 0).all() and (peak == -1 or dd[peak] == 0.0)
    assert (rec == -1 and end == len(r) - 1) or (rec == end + 1 and dd[rec] == 0.0)


@settings(max_examples=40, deadline=None)
@given(finite_returns, st.floats(0.0, 0.001))
def test_kernel_equals_a_two_pass_reference(r, rf_level):
    rf = np.full(len(r), rf_level)
    out = _metrics(r, rf)
    ex = r - rf
    std_e, std_r = ex.std(ddof=1), r.std(ddof=1)
    assert close(out[nb.VOL], std_r * math.sqrt(252), rel=1e-9, abs_=1e-14)
    if std_e > 1e-8:
        assert close(out[nb.SHARPE], ex.mean() / std_e * math.sqrt(252), rel=1e-9, abs_=1e-9)
    wealth = np.prod(1.0 + r)
    assert close(out[nb.TOTAL_RETURN], wealth - 1.0, rel=1e-12, abs_=1e-14)
    assert close(out[nb.CAGR], wealth ** (252.0 / len(r)) - 1.0, rel=1e-9, abs_=1e-12)
