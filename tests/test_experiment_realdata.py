"""The pipeline on real ETFs (../shared/data; skips with the reason when absent)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.config import config_from_dict, load_config
from engine.experiment import load_experiment

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "scripts" / "configs"


def gem_config(prices_dir: Path) -> dict:
    return {"run": {"name": "gem", "benchmark": "gem", "risk_free": "cash"},
            "data": {"source": str(prices_dir)},
            "sleeves": {"us": "SPY", "ex_us": "ACWX", "bonds": "AGG", "cash": "BIL"},
            "costs": {"fee_bps": 5, "slippage_bps": 5},
            "strategy": [{"name": "gem", "rule": "dual_momentum",
                          "params": {"months": 12, "hurdle": "cash", "fallback": "bonds"}}]}


def read_close(prices_dir: Path, ticker: str) -> pd.Series:
    f = pd.read_csv(prices_dir / f"{ticker}.csv", parse_dates=["Date"], index_col="Date")
    return f["Close"]


def test_gem_on_real_etfs_end_to_end(prices_dir):
    e = load_experiment(config_from_dict(gem_config(prices_dir)))
    dates = e.panel.dates
    assert dates[0] == pd.Timestamp("1993-01-29")  # SPY's first close: nothing is cut
    assert e.panel.first_date("ex_us") == pd.Timestamp("2008-04-01")  # ACWX starts last
    assert dates[-1] == pd.Timestamp("2026-07-31")
    r = e.results["gem"]
    t = r.targets
    # targets are decided only on a month's last trading day ...
    month = dates.to_period("M")
    last_of_month = pd.Series(dates, index=dates).groupby(month).transform("max") == dates
    assert last_of_month[t.index].all()
    assert len(t) == len(set(t.index.to_period("M")))
    # ... and every trade fills on the next trading day
    pos = dates.get_indexer(r.rebalances["decision_date"])
    assert (dates[pos + 1] == r.rebalances.index).all()
    assert len(r.rebalances) >= len(t) - 1  # no band: every decision with a fill trades
    assert (r.trades["date"].isin(r.rebalances.index)).all()

    # an independent oracle from the raw CSVs: 12-month total returns, month-end to month-end
    # (GEM as published)
    c = pd.DataFrame({k: read_close(prices_dir, k) for k in ("SPY", "ACWX", "BIL")}).loc[dates]
    me = c.loc[last_of_month.to_numpy()]
    mom = pd.DataFrame({k: me[k].dropna() / me[k].dropna().shift(12) - 1.0 for k in me},
                       index=me.index)
    for d in t.index:
        m = mom.loc[d]
        expect = ("us" if m.SPY >= m.ACWX else "ex_us") if m.SPY > m.BIL else "bonds"
        assert t.loc[d, expect] == 1.0 and t.loc[d].sum() == 1.0, d
    # the first decision is the first month end with 12 month-ends of history behind it
    defined = mom.notna().all(axis=1)
    assert t.index[0] == mom.index[defined.to_numpy()][0]
    # GEM sat out the end of the 2008-09 crash in bonds, and held each sleeve at some point
    assert t.index[0] == pd.Timestamp("2009-04-30")  # ACWX (2008-04-01): 13 month-ends
    assert t.loc["2009-04-30", "bonds"] == 1.0
    assert set(t.idxmax(axis=1)) == {"us", "ex_us", "bonds"}
    assert e.rf_label == "cash (BIL)"
    assert np.isfinite(e.returns()["gem"]).all()


def test_rowing_boat_on_real_etfs_end_to_end(prices_dir):
    cfg = load_config(CONFIGS / "rowing_boat_etfs.toml") if (
        CONFIGS / "../../../shared/data/prices").resolve().exists() else None
    if cfg is None:
        pytest.skip("rowing_boat_etfs.toml's source (../shared/data beside the checkout) is "
                    "elsewhere here")
    e = load_experiment(cfg, data=prices_dir)
    assert list(e.results) == [s.name for s in cfg.strategies]
    assert e.panel.dates[0] == pd.Timestamp("1993-01-29")     # SPY: every series keeps its own
    assert e.panel.first_date("ex_us") == pd.Timestamp("2008-04-01")
    rets = e.returns()
    assert rets.index[0] == e.period[0] and not rets.isna().any().any()
    # the US weight in the world (SPY in ACWI) at the article's anchor
    level = e.signals["us_weight.level"]
    assert level.loc[:"2026-02-05"].isna().all()
    assert level.loc["2026-02-06"] == pytest.approx(0.608, abs=1e-12)
    # ex-US (ACWX, total-return closes, all-time high) is in a breakout state in 2025-26
    assert e.signals.loc["2025-03-17", "exus_high.new_high"]
    assert e.signals.loc["2026-07-31", "exus_high.state"] == 1
    boat = e.results["rowing_boat"].targets
    assert boat.loc["2026-06-30", "ex_us"] > 0.28  # tilted towards ex-US


def test_mag7_in_spy_from_snapshots(prices_dir, weights_file):
    raw = {"run": {"name": "mag7"}, "data": {"source": str(prices_dir)},
           "sleeves": {"us_mega": ["AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA"],
                       "us": "SPY", "ex_us": "ACWX", "em": "EEM"},
           "signals": {"mag7": {"kind": "concentration", "basket": "us_mega", "index": "us",
                                "anchors": str(weights_file), "fund": "SPY"}},
           "strategy": [{"name": "unwind", "rule": "concentration_unwind"}]}
    with pytest.warns(Warning):  # the bad 2022-02-01 snapshot is dropped with a DataWarning
        e = load_experiment(config_from_dict(raw))
    assert e.panel.first_date("us_mega") == pd.Timestamp("2012-05-18")  # META's first close
    lv = e.signals["mag7.level"]
    assert 0.30 < lv.loc["2025-07-17"] < 0.36
    assert e.results["unwind"].targets.index[0] == pd.Timestamp("2012-05-31")
