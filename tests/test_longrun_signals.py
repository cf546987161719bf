"""Indicator signals and the valuation tilt (issue 11): causal transforms checked against pandas
by hand, hysteresis, the truncation test (outputs on data cut at t equal the full outputs up to
t), and the strategy on the monthly long-history sample."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data.sample_history import history_panel
from engine.errors import ConfigError
from engine.signals.indicator import indicator_signal
from strategies import REGISTRY
from strategies.signals import SignalSpec, compute

PANEL = history_panel(7)


def _series(n: int = 400, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("1980-01-31", periods=n, freq="ME")
    x = 20 + np.cumsum(rng.normal(0, 1, n))
    x[:7] = np.nan                                  # not yet published
    return pd.Series(x, index=dates)


def test_percentile_to_date_equals_the_expanding_rank_by_hand():
    x = _series()
    out = indicator_signal(x, transform="percentile", min_history=24)
    v = x.to_numpy()
    for t in range(len(v)):
        seen = v[:t + 1][~np.isnan(v[:t + 1])]
        expect = (seen <= v[t]).mean() if len(seen) >= 24 and not np.isnan(v[t]) else np.nan
        assert out["score"].iloc[t] == pytest.approx(expect, nan_ok=True, abs=0)


def test_zscore_and_change_equal_pandas():
    x = _series()
    z = indicator_signal(x, transform="zscore", min_history=36)["score"]
    m, s = x.expanding().mean(), x.expanding().std(ddof=1)
    expect = ((x - m) / s).where(x.expanding().count() >= 36)
    np.testing.assert_allclose(z.to_numpy(), expect.to_numpy(), rtol=1e-10, atol=1e-12)
    c = indicator_signal(x, transform="change", window=12)["score"]
    np.testing.assert_array_equal(c.to_numpy(), x.diff(12).to_numpy())
    lv = indicator_signal(x, transform="level")["score"]
    np.testing.assert_array_equal(lv.to_numpy(), x.to_numpy())


def test_hysteresis_turns_on_at_on_and_off_below_off():
    idx = pd.date_range("2000-01-31", periods=9, freq="ME")
    x = pd.Series([0.5, 0.9, 0.85, 0.82, 0.79, 0.88, 0.91, 0.95, 0.7], index=idx)
    out = indicator_signal(x, transform="level", on=0.9, off=0.8)
    assert out["state"].tolist() == [False, True, True, True, False, False, True, True, False]
    assert out["on_event"].tolist() == [False, True, False, False, False, False, True, False,
                                        False]
    assert out["off_event"].tolist() == [False, False, False, False, True, False, False, False,
                                         True]
    below = indicator_signal(-x, transform="level", on=-0.9, off=-0.8, direction="below")
    assert below["state"].tolist() == out["state"].tolist()
    with pytest.raises(ConfigError, match="hysteresis"):
        indicator_signal(x, on=0.8, off=0.9)


@settings(max_examples=25, deadline=None)
@given(cut=st.integers(min_value=20, max_value=399),
       transform=st.sampled_from(["level", "change", "zscore", "percentile"]))
def test_indicator_outputs_on_truncated_data_equal_the_full_outputs(cut, transform):
    x = _series()
    full = indicator_signal(x, transform=transform, min_history=24)
    part = indicator_signal(x.iloc[:cut], transform=transform, min_history=24)
    pd.testing.assert_frame_equal(part, full.iloc[:cut])


def test_cape_percentile_signal_and_valuation_tilt_are_causal_under_truncation():
    """The truncation test (issue 9) on the registered signal kind and strategy: the panel cut
    at t gives the same signal outputs and the same targets up to t as the full panel."""
    spec = SignalSpec(kind="indicator", name="v", series="CAPE",
                      settings=(("min_history", 60),))
    strat = REGISTRY["valuation_tilt"]
    params = strat.params(shift=0.5)
    full_sig = compute(PANEL, spec)
    full_tg = strat.targets(PANEL, params, {"valuation": spec})
    assert full_sig["state"].any() and not full_sig["state"].all()
    for cut in ("1985-06-30", "1999-12-31", "2000-01-31", "2013-05-31"):
        part = PANEL.slice(None, cut)
        pd.testing.assert_frame_equal(compute(part, spec), full_sig.loc[:cut])
        pd.testing.assert_frame_equal(strat.targets(part, params, {"valuation": spec}),
                                      full_tg.loc[:cut])


def test_cape_with_a_deliberate_look_ahead_fails_the_truncation_check():
    """The check above can fail: the indicator shifted one month earlier (used before it was
    published) changes the outputs of a panel cut at t."""
    ind = PANEL.indicators.copy()
    ahead = replace(PANEL, indicators=ind.shift(-1))       # next month's value, today
    spec = SignalSpec(kind="indicator", series="CAPE", settings=(("min_history", 60),))
    full = compute(ahead, spec)
    cut = ahead.slice(None, "1999-12-31")
    known = cut.indicators.copy()
    known.iloc[-1] = np.nan             # cut at t, next month's value does not exist yet
    cut = replace(cut, indicators=known)
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(compute(cut, spec), full.loc[:"1999-12-31"])


def test_valuation_tilt_moves_shift_of_the_us_sleeve_while_the_state_is_on():
    strat = REGISTRY["valuation_tilt"]
    spec = SignalSpec(kind="indicator", series="CAPE", settings=(("min_history", 60),))
    sig = compute(PANEL, spec)
    tg = strat.targets(PANEL, strat.params(shift=0.5), {"valuation": spec})
    on = sig["state"].reindex(tg.index).to_numpy()
    assert on.any() and (~on).any()
    np.testing.assert_allclose(tg.loc[~on].to_numpy(), [[0.6, 0.3, 0.1]] * int((~on).sum()))
    np.testing.assert_allclose(tg.loc[on].to_numpy(), [[0.3, 0.525, 0.175]] * int(on.sum()))
    # the mix until the percentile has 60 months of CAPE (nothing is in a top decile before)
    first_cape = PANEL.indicators["CAPE"].first_valid_index()
    defined = PANEL.dates[PANEL.dates.get_loc(first_cape) + 59]
    assert tg.index[0] == PANEL.dates[0] and sig["score"].first_valid_index() == defined
    np.testing.assert_allclose(tg.loc[:defined].iloc[:-1].to_numpy(),
                               [[0.6, 0.3, 0.1]] * (len(tg.loc[:defined]) - 1))


def test_on_a_daily_panel_an_indicator_counts_publications_not_days():
    from engine.data.load import load_panel
    daily = load_panel("sample")
    spec = SignalSpec(kind="indicator", series="CAPE", settings=(("min_history", 24),))
    out = compute(daily, spec)
    pubs = daily.indicators["CAPE"].dropna()
    assert 230 < len(pubs) < 245                        # one a month, not one a trading day
    assert out["score"].first_valid_index() == pubs.index[23]
    between = out.loc[pubs.index[30]:pubs.index[31]].iloc[:-1]
    assert between["score"].nunique() == 1 and between["value"].nunique() == 1
    assert out["on_event"].sum() == int(out["on_event"].loc[pubs.index].sum())
    strat = REGISTRY["valuation_tilt"]
    full_tg = strat.targets(daily, strat.params())
    for cut in ("2008-03-14", "2012-06-29", "2017-11-15", "2020-03-20"):
        part = daily.slice(None, cut)
        pd.testing.assert_frame_equal(compute(part, spec), out.loc[:cut])
        pd.testing.assert_frame_equal(strat.targets(part, strat.params()), full_tg.loc[:cut])


def test_us_share_of_the_world_over_decades_from_anchored_monthly_levels():
    """Concentration without holdings: the US share projected from the relative monthly levels
    of US and WORLD, anchored at a known weight (w_t = w_a · (B_t/B_a) / (I_t/I_a))."""
    anchor = pd.Timestamp("1995-12-31")
    spec = SignalSpec(kind="concentration", basket="us", index="world",
                      anchors=((anchor, 0.5),), settings=(("window", 12),))
    out = compute(PANEL, spec)
    us, world = PANEL.pr["US"], PANEL.pr["WORLD"]
    by_hand = 0.5 * (us / us[anchor]) / (world / world[anchor])
    np.testing.assert_allclose(out["level"].loc[anchor:].to_numpy(),
                               by_hand.loc[anchor:].to_numpy(), rtol=1e-12)
    assert out["level"].loc[:anchor].iloc[:-1].isna().all()     # never projected back
    assert out["drawdown"].notna().all()                       # the chain exists from 1969
    # the 12-month change reads 12 rows: a year on a monthly panel
    np.testing.assert_allclose(out["change"].loc["2001-12-31"],
                               out["level"].loc["2001-12-31"] - out["level"].loc["2000-12-31"],
                               rtol=1e-12)
