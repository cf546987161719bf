"""Signals on the real data in ../shared/data (skipped, with the reason, when it is absent).

Prices there are adjusted (total-return) closes only, so concentration and breakout read
total-return closes, except on yahoo-export, which has Yahoo's price-return ``Close`` too.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.data.panel import Panel
from engine.errors import DataWarning
from engine.signals import MAG7, breakout, breakout_of, concentration_from_anchors, load_snapshots

pytestmark = pytest.mark.realdata


def _closes(prices_dir: Path, tickers) -> pd.DataFrame:
    cols = {t: pd.read_csv(prices_dir / f"{t}.csv", index_col="Date", parse_dates=True)["Close"]
            for t in tickers}
    return pd.DataFrame(cols).dropna()


def _snapshots(weights_file: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load_snapshots(weights_file, fund="SPY")


def test_spy_in_acwi_projected_peaks_in_december_2024(prices_dir):
    px = _closes(prices_dir, ["SPY", "ACWI"])
    c = concentration_from_anchors(px[["SPY"]], px["ACWI"], {"2026-02-06": 0.608})
    proj = c.projected.dropna()
    assert proj.index[-1] == pd.Timestamp("2026-02-06") and proj.iloc[-1] == pytest.approx(0.608)
    peak_day = proj.idxmax()
    assert peak_day == pd.Timestamp("2024-12-24")
    assert 0.64 <= proj.max() <= 0.66 and proj.max() == pytest.approx(0.6492, abs=5e-4)
    # causal level: nothing before the anchor; the chain and its drawdown exist throughout
    assert c.level.loc[:"2026-02-05"].isna().all()
    assert c.level.loc["2026-02-06"] == pytest.approx(0.608)
    assert c.drawdown.notna().all()
    # the chain is the relative price, so its drawdown at the anchor equals the projected one
    dd_proj = proj.iloc[-1] / proj.max() - 1
    chain_dd = c.chain.loc["2026-02-06"] / c.chain.loc[:"2026-02-06"].max() - 1
    assert chain_dd == pytest.approx(dd_proj, rel=1e-12)


def test_mag7_in_spy_projected_from_first_snapshot_tracks_later_snapshots(prices_dir,
                                                                           weights_file):
    snaps = _snapshots(weights_file)
    px = _closes(prices_dir, [*MAG7, "SPY"]).loc["2021-01-01":]
    first = snaps.loc["2021-07"].iloc[[0]]
    assert first.index[0] == pd.Timestamp("2021-07-09")
    c = concentration_from_anchors(px[list(MAG7)], px["SPY"], first)
    later = snaps.loc[(snaps.index > first.index[0]) & (snaps.index <= "2025-10-31")]
    base = px.index[px.index.searchsorted(later.index, side="right") - 1]
    gap = c.level.loc[base].to_numpy() - later.sum(axis=1).to_numpy()
    assert len(later) == 323  # 325 SPY snapshots − the bad one − the anchor
    assert np.abs(gap).max() <= 0.015
    assert np.abs(gap).max() == pytest.approx(0.0130, abs=5e-4)
    i = later.index.get_loc(pd.Timestamp("2025-07-17"))
    assert c.level.loc[base[i]] == pytest.approx(0.326, abs=5e-4)
    assert later.sum(axis=1).iloc[i] == pytest.approx(0.331, abs=5e-4)


def test_snapshot_file_bad_row_weekend_and_jumps(prices_dir, weights_file):
    with pytest.warns(DataWarning, match="dropped 1 bad SPY snapshot.*2022-02-01"):
        snaps = load_snapshots(weights_file, fund="SPY")
    assert pd.Timestamp("2022-02-01") not in snaps.index
    raw = pd.read_csv(weights_file, parse_dates=["date"])
    spy = raw[raw["fund"] == "SPY"].set_index("date")
    total = (spy[["AAPL", "MSFT", "AMZN", "GOOGL", "GOOG", "META", "NVDA", "TSLA"]].sum(axis=1)
             / 100)
    np.testing.assert_allclose(snaps.sum(axis=1), total.drop(pd.Timestamp("2022-02-01")),
                               rtol=1e-12)
    px = _closes(prices_dir, [*MAG7, "SPY"]).loc["2021-01-01":]
    c = concentration_from_anchors(px[list(MAG7)], px["SPY"], snaps)
    row = c.jumps.loc[pd.Timestamp("2025-10-03")]
    assert row["snapshot_date"] == pd.Timestamp("2025-10-04")
    assert row["available"] == pd.Timestamp("2025-10-06")
    assert not c.jumps["flagged"].any()  # clean snapshots: every jump under 2 pp
    assert c.jumps["jump"].abs().max() < 0.015
    # the bad snapshot, if not dropped, is reported as a jump
    bad = spy.loc[["2022-02-01"]]
    bad_row = pd.DataFrame({m: bad[m] for m in MAG7}, index=bad.index) / 100
    bad_row["GOOGL"] += bad["GOOG"] / 100
    with pytest.warns(DataWarning, match=r"2022-02-01 \(-1[23]\.\d pp\)"):
        concentration_from_anchors(px[list(MAG7)], px["SPY"],
                                   pd.concat([snaps, bad_row]).sort_index())


@pytest.mark.parametrize("ticker, after, expected", [
    ("ACWX", "2024-09-26", "2025-03-17"),
    ("EEM", "2021-02-17", "2025-09-15"),
])
def test_all_time_high_first_new_high(prices_dir, ticker, after, expected):
    close = _closes(prices_dir, [ticker])[ticker]
    b = breakout(close, confirm_days=1)
    later = b.loc[b.index > pd.Timestamp(after)]
    assert later["new_high"].idxmax() == pd.Timestamp(expected)
    assert later["new_high"].loc[:expected].sum() == 1
    # the day before the previous high was itself a new high: the level is that close
    assert b.loc[expected, "level"] == pytest.approx(close.loc[:after].max())


def _yahoo(yahoo_export_dir: Path, tickers) -> Panel:
    frames = {t: pd.read_csv(yahoo_export_dir / f"{t}.csv", index_col="Date", parse_dates=True)
              for t in tickers}
    tr = pd.DataFrame({t: f["Adj Close"] for t, f in frames.items()})
    pr = pd.DataFrame({t: f["Close"] for t, f in frames.items()})
    return Panel(tr=tr, pr=pr, price_return=frozenset(tickers), source="yahoo-export")


def test_yahoo_export_breakout_reads_price_close(yahoo_export_dir):
    panel = _yahoo(yahoo_export_dir, ["SPY", "AGG"])
    for t in ("SPY", "AGG"):
        got = breakout_of(panel, t, min_years=0)  # the export starts 2016: no minimum history
        pd.testing.assert_frame_equal(got, breakout(panel.pr[t], min_years=0))
        tr = breakout(panel.tr[t], min_years=0)
        # dividends make the adjusted close set more new highs than the price close
        assert set(got.index[got["new_high"]]) < set(tr.index[tr["new_high"]])
    spy_pr, spy_tr = (breakout_of(panel, "SPY", min_years=0),
                      breakout(panel.tr["SPY"], min_years=0))
    assert not spy_pr.loc["2016-11-15", "new_high"] and spy_tr.loc["2016-11-15", "new_high"]
    agg_pr, agg_tr = (breakout_of(panel, "AGG", min_years=0),
                      breakout(panel.tr["AGG"], min_years=0))
    assert agg_pr.index[agg_pr["on"]][0] == pd.Timestamp("2016-05-05")
    assert agg_tr.index[agg_tr["on"]][0] == pd.Timestamp("2016-05-03")


def test_no_breakout_event_in_the_first_year_of_any_real_series(prices_dir):
    """Before: with years = 0 the level existed from the second close, so 2008-04-02 (ACWX),
    2011-01-31 and the like were "all-time highs". Every file of the folder, read through the
    default [signals.X] kind = "breakout" settings, and the shipped config's breakout tables."""
    from engine.config import load_config
    from engine.experiment import _load_panel, signal_frame
    from strategies.signals import SignalSpec, compute

    class One:  # just enough of a Panel for compute(): one series
        def __init__(self, close):
            self.dates, self.tr, self.sleeves, self.source = close.index, close.to_frame(), {}, "x"
            self._c = close

        def signal_close(self, name):
            return self._c

    spec = SignalSpec(kind="breakout", series="X")
    for f in sorted(prices_dir.glob("*.csv")):
        close = pd.read_csv(f, index_col="Date", parse_dates=True)["Close"].rename("X")
        b = compute(One(close), spec)
        first_year = close.index < close.index[0] + pd.DateOffset(years=1)
        assert not b.loc[first_year, "on"].any(), f.stem
        assert b.loc[~first_year, "level"].notna().all(), f.stem
    cfg = load_config(Path(__file__).resolve().parent.parent / "scripts" / "configs"
                      / "rowing_boat_etfs.toml")
    panel = _load_panel(cfg, prices_dir)
    sig = signal_frame(panel, cfg)
    for name, s in cfg.signals.items():
        if s.kind != "breakout":
            continue
        first = panel.first_date(s.series)
        assert not sig.loc[: first + pd.DateOffset(years=1) - pd.Timedelta(days=1),
                           f"{name}.on"].astype(bool).any(), name
