"""Readers: CSV folders in both layouts, wide CSV/Parquet files, and the real data beside the
project (../shared/data; skipped with the reason when absent)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.data import load_panel
from engine.data.sources import read_folder, read_ticker_csv, read_wide
from engine.errors import DataWarning

MAG7 = ["AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA"]


# ---------------------------------------------------------------- real data
@pytest.mark.realdata
def test_real_prices_all_28(prices_dir):
    tickers = sorted(p.stem for p in prices_dir.glob("*.csv"))
    assert len(tickers) == 28
    with pytest.warns(DataWarning, match=r"AAPL.csv: .*-51.9% on 2000-09-29"):
        panel = load_panel(prices_dir, {t: t for t in tickers})
    assert panel.tickers == tickers
    assert panel.start_ticker == "MAGS"            # the ticker that starts last...
    # ...but every series keeps its own history: the calendar starts with AAPL (1980)
    assert str(panel.dates[0].date()) == "1980-12-12" and str(panel.dates[-1].date()) == "2026-07-31"
    assert str(panel.first_date("MAGS").date()) == "2023-04-11"
    assert int(panel.tr["MAGS"].notna().sum()) == 830 and set(panel.filled.values()) == {0}
    assert panel.price_return == frozenset() and panel.pr.equals(panel.tr)
    raw = pd.read_csv(prices_dir / "TSLA.csv", index_col="Date", parse_dates=True)["Close"]
    assert np.array_equal(panel.tr["TSLA"].dropna().to_numpy(), raw.to_numpy())


@pytest.mark.realdata
def test_real_spy_calendar_year_returns(prices_dir):
    panel = load_panel(prices_dir, {"us": "SPY"})
    assert panel.start_ticker == "SPY" and str(panel.dates[0].date()) == "1993-01-29"
    year_end = panel.close("us").groupby(panel.dates.year).last()
    assert year_end[2024] / year_end[2023] - 1 == pytest.approx(0.2489, abs=5e-5)
    assert year_end[2022] / year_end[2021] - 1 == pytest.approx(-0.1818, abs=5e-5)


@pytest.mark.realdata
def test_real_article_windows(prices_dir):
    """The README's common windows: ACWI/ACWX/VEU/BIL/MGK set 2008-04-01 (ACWX)."""
    panel = load_panel(prices_dir, {"world": "ACWI", "ex_us": ["ACWX", "VEU"], "cash": "BIL",
                                    "us_mega": "MGK", "us": "SPY", "em": "EEM"})
    assert panel.start_ticker == "ACWX" and str(panel.dates[0].date()) == "1993-01-29"
    assert str(panel.first_date("ex_us").date()) == "2008-04-01"    # the basket's last member
    assert str(panel.first_date("em").date()) == "2003-04-14"       # EEM keeps its history
    basket = panel.close("ex_us").dropna()
    assert str(basket.index[0].date()) == "2008-04-01" and basket.iloc[0] == 1.0
    r = panel.returns()[["ACWX", "VEU"]].mean(axis=1).loc[basket.index]
    assert np.allclose(basket.pct_change().iloc[1:], r.iloc[1:], rtol=0, atol=1e-13)


@pytest.mark.realdata
def test_real_yahoo_export_reads_both_closes(yahoo_export_dir):
    panel = load_panel(yahoo_export_dir, {"spx": "^GSPC", "us": "SPY", "em": "EEM"})
    assert panel.price_return == frozenset({"^GSPC", "SPY", "EEM"})
    assert len(panel) == 1258 and str(panel.dates[0].date()) == "2016-04-28"
    for t in ("^GSPC", "SPY"):
        raw = pd.read_csv(yahoo_export_dir / f"{t}.csv")
        assert np.array_equal(panel.tr[t].to_numpy(), raw["Adj Close"].to_numpy())
        assert np.array_equal(panel.pr[t].to_numpy(), raw["Close"].to_numpy())
    # SPY pays dividends: its price close lags its total-return close, by ~10% over five years
    ratio = panel.pr["SPY"] / panel.tr["SPY"]
    assert ratio.iloc[0] == pytest.approx(1.0993, abs=1e-4) and ratio.iloc[-1] == 1.0
    assert (ratio.diff().iloc[1:] <= 1e-6).all()  # non-increasing (up to float32 rounding)
    # ^GSPC is a price index: Yahoo's two columns are identical (no dividends to adjust)
    assert panel.pr["^GSPC"].equals(panel.tr["^GSPC"])
    assert panel.signal_close("us").equals(panel.pr["SPY"].rename("us"))


@pytest.mark.realdata
def test_real_yahoo_export_agrees_with_prices(yahoo_export_dir, prices_dir):
    """Two independent downloads of SPY: daily returns agree to < 1e-5 (data README)."""
    a = load_panel(yahoo_export_dir, {"us": "SPY"}).returns()["SPY"]
    b = load_panel(prices_dir, {"us": "SPY"}, start=a.index[0], end=a.index[-1]).returns()["SPY"]
    assert a.index.equals(b.index)
    assert (a - b).iloc[1:].abs().max() < 1e-5


# ---------------------------------------------------------------- generated layouts
DAYS = pd.bdate_range("2020-01-01", periods=300)
VALUES = 100 * np.cumprod(1 + np.random.default_rng(3).normal(0, 0.01, len(DAYS)))


def test_yahoo_layout_with_times_in_dates(tmp_path):
    adj = VALUES * np.linspace(0.95, 1.0, len(DAYS))
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"] + [
        f"{d:%Y-%m-%d} 00:00:00,{c},{c},{c},{c},{a},1000" for d, c, a in zip(DAYS, VALUES, adj)]
    (tmp_path / "^GSPC.csv").write_text("\n".join(lines))
    s = read_ticker_csv(tmp_path / "^GSPC.csv")
    assert s.ticker == "^GSPC" and s.findings == () and s.rows == len(DAYS)
    assert np.array_equal(s.tr.to_numpy(), adj) and np.array_equal(s.pr.to_numpy(), VALUES)
    assert s.tr.index.equals(pd.DatetimeIndex(DAYS, name="Date"))


def test_dates_with_utc_offsets_keep_the_exchange_date(tmp_path):
    lines = ["Date,Close", "2020-03-06 00:00:00-05:00,10", "2020-03-09 00:00:00-04:00,11",
             "2020-03-10T00:00:00Z,12"]
    (tmp_path / "X.csv").write_text("\n".join(lines))
    s = read_ticker_csv(tmp_path / "X.csv")
    assert s.findings == () and s.pr is None
    assert [str(d.date()) for d in s.tr.index] == ["2020-03-06", "2020-03-09", "2020-03-10"]


def test_yfinance_three_line_header(tmp_path):
    """``yf.download(...).to_csv()`` writes Price/Ticker/Date header lines."""
    lines = ["Price,Adj Close,Close,High,Low,Open,Volume", "Ticker,SPY,SPY,SPY,SPY,SPY,SPY",
             "Date,,,,,,"] + [f"{d:%Y-%m-%d},{v * 0.9},{v},{v},{v},{v},1" for d, v in
                              zip(DAYS, VALUES)]
    (tmp_path / "SPY.csv").write_text("\n".join(lines))
    s = read_ticker_csv(tmp_path / "SPY.csv")
    assert s.findings == () and len(s.tr) == len(DAYS)
    assert np.allclose(s.tr.to_numpy(), VALUES * 0.9, rtol=1e-15) and np.array_equal(s.pr, VALUES)


def test_folder_reads_only_the_tickers_asked_for(tmp_path):
    pd.DataFrame({"Date": DAYS.strftime("%Y-%m-%d"), "Close": VALUES}).to_csv(
        tmp_path / "A.csv", index=False)
    (tmp_path / "BAD.csv").write_text("Date,Close\nnot a date,1\n")
    (tmp_path / "notes.txt").write_text("ignored")
    assert list(read_folder(tmp_path, ["A"]).series) == ["A"]
    panel = load_panel(tmp_path, {"a": "A"})  # BAD.csv is not needed, so not an error
    assert panel.tickers == ["A"] and np.array_equal(panel.tr["A"].to_numpy(), VALUES)
    assert len(read_folder(tmp_path).series["BAD"].findings) == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_wide_file_matches_folder(tmp_path, suffix):
    b = VALUES[::-1].copy()
    b[:20] = np.nan  # B starts later
    b[100] = np.nan  # one day without a quote: a gap, filled
    frame = pd.DataFrame({"A": VALUES, "B": b}, index=pd.DatetimeIndex(DAYS, name="Date"))
    path = tmp_path / f"wide{suffix}"
    if suffix == ".csv":
        frame.reset_index().assign(Date=lambda f: f.Date.dt.strftime("%Y-%m-%d")).to_csv(
            path, index=False)
    else:
        frame.to_parquet(path)
    data = read_wide(path)
    assert data.findings == () and data.series["B"].rows == len(DAYS) - 21
    panel = load_panel(path, {"a": "A", "b": "B"})
    assert panel.start_ticker == "B" and panel.dates[0] == DAYS[0]
    assert panel.first_date("b") == DAYS[20] and panel.tr["B"].iloc[:20].isna().all()
    assert panel.filled == {"A": 0, "B": 1}
    assert panel.tr["B"][DAYS[100]] == b[99]
    assert np.array_equal(panel.tr["A"].to_numpy(), VALUES)
    assert panel.source == f"wide file {path}"
