"""Each strategy end to end on a small hand-made Panel: signals → decision dates → kernel →
targets, with exact expected weights at known month ends."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.data import Panel, Sleeve
from engine.errors import ConfigError, DataError
from strategies import REGISTRY, SignalSpec

DATES = pd.bdate_range("2020-01-01", "2021-12-31", name="Date")
ROLES = {"us_mega": "MEGA", "us": "US", "ex_us": "EXUS", "em": "EM", "world": "WORLD",
         "bonds": "BONDS", "cash": "CASH"}


def steps(points: dict[str, float], default: float = 100.0) -> np.ndarray:
    """A close series that holds each value from its date on."""
    out = np.full(len(DATES), default)
    for d, v in sorted(points.items()):
        out[DATES >= pd.Timestamp(d)] = v
    return out


def make_panel(closes: dict[str, np.ndarray] | None = None,
               caps: dict[str, np.ndarray] | None = None) -> Panel:
    base = {t: np.full(len(DATES), 100.0) for t in ROLES.values()}
    base.update(closes or {})
    tr = pd.DataFrame(base, index=DATES)
    return Panel(tr=tr, pr=tr.copy(), price_return=frozenset(tr.columns),
                 sleeves={r: Sleeve.parse(r, t) for r, t in ROLES.items()},
                 caps=None if caps is None else pd.DataFrame(caps, index=DATES),
                 source="hand-made test panel")


def ramp(start: str, daily: float, base: np.ndarray | None = None) -> np.ndarray:
    """``base`` (default flat 100) times (1 + daily)^k on the k-th trading day from ``start``."""
    base = np.full(len(DATES), 100.0) if base is None else base.copy()
    k = np.cumsum(DATES >= pd.Timestamp(start))
    return base * (1.0 + daily) ** k


def above_sma(close: np.ndarray, months: int, at: pd.DatetimeIndex) -> np.ndarray:
    """Oracle (Faber): at month-ends ``at``, the month-end close strictly above the mean of the
    last ``months`` month-end closes (pandas' rolling mean of the monthly closes)."""
    c = pd.Series(close, index=DATES)
    me = c.groupby([DATES.year, DATES.month]).tail(1)
    return (me > me.rolling(months).mean()).loc[at].to_numpy()


def month_ends(start: str, end: str) -> pd.DatetimeIndex:
    s = pd.Series(DATES, index=DATES)
    me = s.groupby([DATES.year, DATES.month]).max()
    return pd.DatetimeIndex(me[(me >= start) & (me <= end)].to_numpy())


MIX = dict(us_mega=0.4, us=0.2, ex_us=0.3, em=0.1)


def test_unwind_on_a_panel_shifts_at_the_crossing_and_reverts_at_the_new_high():
    # mega-cap weight in the US (caps): 30 % → 28.4 % on 2020-05-11 (5.3 % below its peak)
    # → 29 % → a new high of 30.5 % on 2020-09-14
    level = steps({"2020-05-11": 0.284, "2020-07-01": 0.29, "2020-09-14": 0.305}, 0.30)
    us_cap = np.full(len(DATES), 1000.0)
    panel = make_panel(caps={"MEGA": level * us_cap, "US": us_cap})
    s = REGISTRY["concentration_unwind"]
    t = s.targets(panel, s.params(drawdown=0.05, shift=0.5, **MIX))
    assert t.index.equals(month_ends("2020-01-01", "2021-12-31"))
    on = (t.index >= "2020-05-29") & (t.index < "2020-09-30")
    assert on.sum() == 4  # May, June, July, August; September's close is past the new high
    np.testing.assert_allclose(t["us_mega"], np.where(on, 0.2, 0.4), rtol=0, atol=1e-15)
    np.testing.assert_allclose(t["ex_us"], np.where(on, 0.45, 0.3), rtol=0, atol=1e-15)
    np.testing.assert_allclose(t["em"], np.where(on, 0.15, 0.1), rtol=0, atol=1e-15)
    np.testing.assert_allclose(t["us"], 0.2, rtol=0, atol=0)


def test_rotation_on_a_panel_follows_the_breakout_state():
    # EXUS at 100, dips to 99, then rises past its all-time high of 100 from 2020-10-05 (new
    # highs every day: with confirm_days = 3 it is on from 2020-10-07); EM rises from 2021-03-01
    exus = ramp("2020-10-05", 0.001, steps({"2020-06-15": 99.0, "2020-10-05": 101.0}))
    em = ramp("2021-03-01", 0.001)
    panel = make_panel({"EXUS": exus, "EM": em})
    s = REGISTRY["breakout_rotation"]
    t = s.targets(panel, s.params(shift=0.5, confirm_days=3, **MIX))
    move = 0.5 * 0.6
    ex_on = t.index >= "2020-10-30"
    em_on = t.index >= "2021-03-31"
    expect_ex = 0.3 + np.where(ex_on & em_on, move / 2, np.where(ex_on, move, 0.0))
    expect_em = 0.1 + np.where(ex_on & em_on, move / 2, 0.0)
    np.testing.assert_allclose(t["ex_us"], expect_ex, rtol=0, atol=1e-15)
    np.testing.assert_allclose(t["em"], expect_em, rtol=0, atol=1e-15)
    np.testing.assert_allclose(t["us_mega"] + t["us"], np.where(ex_on, 0.6 - move, 0.6),
                               rtol=0, atol=1e-15)


def test_gem_on_a_panel():
    n = len(DATES)
    g = np.arange(n) / 252.0
    us = 100 * np.exp(0.10 * g)
    us[DATES >= "2021-09-01"] *= 0.7                  # a crash: 12-month return below cash's
    exus = 100 * np.exp(np.where(DATES < "2021-06-01", 0.05, 0.30) * g)
    cash = 100 * np.exp(0.01 * g)
    panel = make_panel({"US": us, "EXUS": exus, "CASH": cash})
    s = REGISTRY["dual_momentum"]
    t = s.targets(panel, s.params(months=12))
    # 12 calendar months of month-end closes: the first decision with a full look-back is the
    # January 2021 month-end (January 2020's month-end close is the base)
    assert t.index[0] == pd.Timestamp("2021-01-29")
    me = month_ends("2020-01-01", "2021-12-31")

    def mom(x, d):
        k = me.get_loc(d)
        return x[DATES.get_loc(d)] / x[DATES.get_loc(me[k - 12])] - 1

    for d in t.index:
        m_us, m_ex, m_cash = mom(us, d), mom(exus, d), mom(cash, d)
        expect = ("us" if m_us >= m_ex else "ex_us") if m_us > m_cash else "bonds"
        assert t.loc[d, expect] == 1.0 and t.loc[d].sum() == 1.0, d
    assert set(t.idxmax(axis=1)) == {"us", "ex_us", "bonds"}


def test_sma_timing_on_a_panel():
    # flat (not above its SMA), rising from December 2020, falling from June 2021
    us = ramp("2021-06-01", -0.002, ramp("2020-12-01", 0.002))
    panel = make_panel({"US": us})
    s = REGISTRY["sma_timing"]
    t = s.targets(panel, s.params(us=1.0, months=2, fallback="bonds"))
    assert t.index[0] == pd.Timestamp("2020-02-28")  # the 2nd month-end: a 2-month SMA exists
    above = above_sma(us, 2, t.index)
    assert above[:10].sum() == 0 and above.sum() >= 5 and not above[-1]
    np.testing.assert_array_equal(t["us"], np.where(above, 1.0, 0.0))
    np.testing.assert_array_equal(t["bonds"], np.where(above, 0.0, 1.0))


def test_world_from_caps_and_errors_without_them():
    caps = {"US": steps({"2021-01-04": 300.0}, 200.0), "EXUS": np.full(len(DATES), 150.0),
            "EM": np.full(len(DATES), 50.0)}
    s = REGISTRY["world"]
    t = s.targets(make_panel(caps=caps), s.params())
    np.testing.assert_allclose(t["us"], np.where(t.index >= "2021-01-04", 0.6, 0.5), atol=1e-15)
    np.testing.assert_allclose(t["ex_us"], np.where(t.index >= "2021-01-04", 0.3, 0.375),
                               atol=1e-15)
    t = s.targets(make_panel(), s.params())  # auto without caps: the mix
    assert (t["us"] == 0.62).all() and (t["em"] == 0.10).all()
    with pytest.raises(ConfigError, match="mode 'caps' needs market caps.*use mode = \"mix\""):
        s.targets(make_panel(), s.params(mode="caps"))


def test_rowing_boat_on_a_panel_with_the_fallback():
    # mega weight falls 10 % from 2020-04-01; EXUS breaks its high on 2021-02-01; the US rises,
    # falls from 2020-08-03 and rises again from 2021-05-03 (its 2-month SMA trend from pandas)
    level = steps({"2020-04-01": 0.27}, 0.30)
    us_cap = np.full(len(DATES), 1000.0)
    us = ramp("2021-05-03", 0.002, ramp("2020-08-03", -0.002, ramp("2020-01-01", 0.001)))
    exus = steps({"2021-02-01": 105.0})
    panel = make_panel({"US": us, "EXUS": exus}, caps={"MEGA": level * us_cap, "US": us_cap})
    s = REGISTRY["rowing_boat"]
    p = s.params(drawdown=0.05, shift=0.5, defensive=0.5, fallback="cash", trend_months=2,
                 **MIX)
    # breakouts on the hand-made panel's short history: no minimum history
    young = {r: SignalSpec(kind="breakout", series=r, settings=(("min_years", 0),))
             for r in ("ex_us", "em")}
    t = s.targets(panel, p, young)
    d = t.index
    assert d[0] == pd.Timestamp("2020-02-28")
    unwinding = d >= "2020-04-30"
    ex_on = d >= "2021-02-26"
    us_down = ~above_sma(us, 2, d)
    assert us_down[:6].sum() == 0 and us_down.sum() >= 5
    defensive = us_down & ~ex_on
    mega = np.where(unwinding, 0.2, 0.4) * np.where(defensive, 0.5, 1.0)
    ex = np.where(ex_on, 0.5, np.where(unwinding, 0.45, 0.3)) * np.where(defensive, 0.5, 1.0)
    np.testing.assert_allclose(t["us_mega"], mega, atol=1e-15)
    np.testing.assert_allclose(t["ex_us"], ex, atol=1e-15)
    np.testing.assert_allclose(t["cash"], np.where(defensive, 0.5, 0.0), atol=1e-15)
    np.testing.assert_allclose(t.sum(axis=1), 1.0, atol=1e-15)
    assert "bonds" not in t.columns  # not needed with fallback = cash


def test_missing_sleeve_and_short_history_errors():
    panel = make_panel()
    lean = Panel(tr=panel.tr, pr=panel.pr, sleeves={"us": panel.sleeves["us"]},
                 source="lean panel")
    with pytest.raises(ConfigError, match="unknown sleeve 'ex_us'.*add it under \\[sleeves\\]"):
        REGISTRY["dual_momentum"].targets(lean)
    s = REGISTRY["breakout_rotation"]
    with pytest.raises(DataError, match="never all defined.*needs 5 years of history"):
        s.targets(panel, s.params(years=5))
    spec = SignalSpec(kind="breakout", series="NOPE")
    with pytest.raises(ConfigError, match="reads 'NOPE', which is neither a sleeve"):
        s.targets(panel, None, {"ex_us": spec})
