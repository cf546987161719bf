"""Every series keeps its own history (GUIDE §1, §4) — on the real ETFs of
``scripts/configs/rowing_boat_etfs.toml`` (../shared/data; skips with the reason when absent).

Before: the panel was cut to the latest first date (ACWX, 2008-04-01), so EEM's October-2007
peak was invisible and ``em_high.new_high`` fired on 2008-04-02, 2011-04-01, 2017-08-07…; and
adding a late-listed ticker (MAGS, 2023) to the config cut every other series to 2023.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.config import config_from_dict, load_config
from engine.experiment import _load_panel, signal_frame

pytestmark = pytest.mark.realdata
ETFS = Path(__file__).resolve().parent.parent / "scripts" / "configs" / "rowing_boat_etfs.toml"


def _raw_close(prices_dir: Path, ticker: str) -> pd.Series:
    return pd.read_csv(prices_dir / f"{ticker}.csv", index_col="Date", parse_dates=True)["Close"]


def _signals(cfg, prices_dir: Path) -> tuple[pd.DataFrame, object]:
    panel = _load_panel(cfg, prices_dir)
    return signal_frame(panel, cfg), panel


def test_eem_all_time_high_measured_against_its_own_2007_peak(prices_dir):
    """EEM's first all-time-high event after its 2007-10-31 peak is 2017-09-18, as pandas
    computes it on EEM's raw file (a close above every earlier close)."""
    cfg = load_config(ETFS)
    sig, panel = _signals(cfg, prices_dir)
    eem = _raw_close(prices_dir, "EEM")
    above = eem > eem.cummax().shift(1)
    oracle = above.loc["2007-11-01":].idxmax()
    assert oracle == pd.Timestamp("2017-09-18")                       # independent: pandas
    new_high = sig["em_high.new_high"].astype(bool).loc["2007-11-01":]
    assert new_high.idxmax() == oracle
    assert not new_high.loc[:"2017-09-15"].any()                      # no spurious 2008/2011
    on = sig["em_high.on"].astype(bool).loc["2007-11-01":]
    assert not on.loc[:"2017-09-15"].any()
    # the level the 2011 closes were measured against is EEM's 2007 peak (37.31)
    assert sig.loc["2011-04-01", "em_high.level"] == pytest.approx(eem.loc[:"2011-03-31"].max(),
                                                                  rel=1e-15)
    assert sig.loc["2011-04-01", "em_high.level"] == pytest.approx(37.31, abs=0.01)
    # EEM is held from its own first date: the panel keeps it from 2003 next to ACWX (2008)
    assert panel.first_date("em") == eem.index[0] == pd.Timestamp("2003-04-14")
    assert panel.first_date("ex_us") == pd.Timestamp("2008-04-01")


def test_an_unrelated_late_listed_ticker_changes_no_signal(prices_dir):
    """Adding MAGS (first close 2023-04-11) as a chart-only signal series leaves every other
    signal and every strategy's targets exactly as they were."""
    cfg = load_config(ETFS)
    raw = dict(cfg.raw)
    raw["signals"] = {**raw["signals"], "mags_high": {"kind": "breakout", "series": "MAGS"}}
    more = config_from_dict(raw, path=ETFS)
    base, p0 = _signals(cfg, prices_dir)
    plus, p1 = _signals(more, prices_dir)
    assert p1.first_date("MAGS") == pd.Timestamp("2023-04-11")
    assert p1.dates.equals(p0.dates)
    pd.testing.assert_frame_equal(plus[base.columns], base, check_exact=True)
    assert plus["mags_high.level"].loc[:"2023-04-10"].isna().all()
    for sc in cfg.strategies:
        a = sc.strategy.targets(p0, sc.params, cfg.bound_signals(sc.name))
        b = sc.strategy.targets(p1, sc.params, more.bound_signals(sc.name))
        pd.testing.assert_frame_equal(a, b, check_exact=True)
