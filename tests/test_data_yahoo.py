"""Yahoo source with the network call replaced: a good frame, an empty frame, an exception, a
re-based history on refresh; the Parquet cache (atomic writes, offline mode). No test touches
the network."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat
from engine.data import load_panel
from engine.data import yahoo
from engine.errors import DataError

DAYS = pd.bdate_range("2024-01-02", periods=300)
ADJ = 100 * np.cumprod(1 + np.random.default_rng(11).normal(0.0004, 0.01, len(DAYS)))
CLOSE = ADJ * np.linspace(1.03, 1.0, len(DAYS))


def yf_frame(ticker: str, days=DAYS, adj=ADJ, close=CLOSE, multi: bool = True) -> pd.DataFrame:
    """What yfinance 1.x returns for one ticker: (Price, Ticker) MultiIndex columns, a
    tz-aware index at the exchange's midnight."""
    idx = pd.DatetimeIndex(days).tz_localize("America/New_York")
    cols = {"Adj Close": adj, "Close": close, "High": close, "Low": close, "Open": close,
            "Volume": np.ones(len(days))}
    frame = pd.DataFrame(cols, index=idx)
    if multi:
        frame.columns = pd.MultiIndex.from_product([frame.columns, [ticker]],
                                                   names=["Price", "Ticker"])
    return frame


class FakeYahoo:
    """Stands in for ``yahoo._download``; serves ``frames[ticker]`` (a callable of start or a
    frame) and records the calls."""

    def __init__(self, monkeypatch, **frames):
        self.frames = frames
        self.calls: list[tuple[str, pd.Timestamp | None]] = []
        monkeypatch.setattr(yahoo, "_download", self)

    def __call__(self, ticker, start):
        self.calls.append((ticker, start))
        f = self.frames[ticker]
        f = f(start) if callable(f) else f
        if start is not None and len(f):
            f = f.loc[f.index.tz_localize(None) >= start]
        return f


def test_good_frame_fills_the_cache_and_offline_reads_it(tmp_path, monkeypatch):
    fake = FakeYahoo(monkeypatch, SPY=yf_frame("SPY"))
    r = yahoo.fetch("spy", cache_dir=tmp_path)
    assert (r.action, r.ticker, len(r.frame)) == ("downloaded", "SPY", len(DAYS))
    assert fake.calls == [("SPY", None)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SPY.parquet"]  # no temp file left
    cached = pd.read_parquet(tmp_path / "SPY.parquet")
    assert list(cached.columns) == ["close", "adj_close"]
    assert cached.index.equals(pd.DatetimeIndex(DAYS, name="Date"))
    assert np.array_equal(cached["adj_close"], ADJ) and np.array_equal(cached["close"], CLOSE)
    panel = load_panel("yahoo", {"us": "SPY"}, offline=True, cache_dir=tmp_path)
    assert len(fake.calls) == 1  # offline: no download
    assert np.array_equal(panel.tr["SPY"], ADJ) and np.array_equal(panel.pr["SPY"], CLOSE)
    assert panel.price_return == frozenset({"SPY"}) and panel.source.startswith("Yahoo Finance")


def test_flat_columns_also_accepted(tmp_path, monkeypatch):
    FakeYahoo(monkeypatch, QQQ=yf_frame("QQQ", multi=False))
    assert np.array_equal(yahoo.fetch("QQQ", cache_dir=tmp_path).frame["adj_close"], ADJ)


def test_empty_download_is_an_error_naming_the_ticker(tmp_path, monkeypatch):
    empty = yf_frame("SPY").iloc[:0]
    empty.attrs["yfinance_errors"] = ["['SPY']: DNSError('Could not resolve host')"]
    FakeYahoo(monkeypatch, SPY=empty)
    with pytest.raises(DataError, match=r"Yahoo returned no data for SPY \(\['SPY'\]: "
                                        r"DNSError.*\); check the ticker"):
        yahoo.fetch("SPY", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_exception_is_one_data_error(tmp_path, monkeypatch, capsys):
    def boom(ticker, start):
        raise ConnectionError("connection reset")

    monkeypatch.setattr(yahoo, "_download", boom)
    with pytest.raises(DataError, match=r"Yahoo download of EEM failed \(ConnectionError: "
                                        r"connection reset\); check your internet connection"):
        yahoo.fetch("EEM", cache_dir=tmp_path)
    code = rowboat(["data", "fetch", "EEM", "--cache-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err
    assert err.startswith("rowboat: error: Yahoo download of EEM failed") and err.count("\n") == 1
    code = rowboat(["data", "show", "yahoo", "--sleeve", "em=EEM", "--cache-dir", str(tmp_path)])
    assert code == 2 and "Traceback" not in "".join(capsys.readouterr())


def test_refresh_appends_when_the_basis_is_unchanged(tmp_path, monkeypatch):
    fake = FakeYahoo(monkeypatch, SPY=yf_frame("SPY", DAYS[:250], ADJ[:250], CLOSE[:250]))
    yahoo.fetch("SPY", cache_dir=tmp_path)
    fake.frames["SPY"] = yf_frame("SPY")
    r = yahoo.fetch("SPY", cache_dir=tmp_path)
    assert (r.action, r.new_rows) == ("updated", 50)
    assert fake.calls[-1] == ("SPY", DAYS[249] - pd.Timedelta(days=yahoo.OVERLAP_DAYS))
    cached = yahoo.read_cache("SPY", tmp_path)
    assert np.array_equal(cached["adj_close"], ADJ) and cached.index.is_unique
    assert yahoo.fetch("SPY", cache_dir=tmp_path).action == "up to date"
    n = len(fake.calls)  # Yahoo was asked just now and had nothing newer: the cache is current
    assert yahoo.fetch("SPY", cache_dir=tmp_path, refresh=False).action == "current"
    assert len(fake.calls) == n


def test_rebased_history_is_downloaded_again_in_full(tmp_path, monkeypatch):
    """After a distribution Yahoo scales the whole adjusted history: the overlap differs, so the
    cache is replaced by the new full history, never spliced onto the old basis."""
    fake = FakeYahoo(monkeypatch, SPY=yf_frame("SPY", DAYS[:250], ADJ[:250], CLOSE[:250]))
    yahoo.fetch("SPY", cache_dir=tmp_path)
    rebased = ADJ * 0.99  # a 1% dividend re-bases everything before it
    fake.frames["SPY"] = yf_frame("SPY", adj=rebased)
    r = yahoo.fetch("SPY", cache_dir=tmp_path)
    assert r.action == "re-based"
    assert [start is None for _, start in fake.calls] == [True, False, True]
    cached = yahoo.read_cache("SPY", tmp_path)
    assert np.array_equal(cached["adj_close"], rebased) and len(cached) == len(DAYS)


def test_tiny_differences_within_tolerance_do_not_rebase(tmp_path, monkeypatch):
    fake = FakeYahoo(monkeypatch, SPY=yf_frame("SPY", DAYS[:250], ADJ[:250], CLOSE[:250]))
    yahoo.fetch("SPY", cache_dir=tmp_path)
    fake.frames["SPY"] = yf_frame("SPY", adj=ADJ * (1 + 1e-9))
    assert yahoo.fetch("SPY", cache_dir=tmp_path).action == "updated"


def test_changed_last_cached_day_alone_is_not_a_rebase(tmp_path, monkeypatch):
    """The last cached row may have been captured during the session; only it differs."""
    early = ADJ[:250].copy()
    early[-1] *= 1.004
    fake = FakeYahoo(monkeypatch, SPY=yf_frame("SPY", DAYS[:250], early, CLOSE[:250]))
    yahoo.fetch("SPY", cache_dir=tmp_path)
    fake.frames["SPY"] = yf_frame("SPY")
    assert yahoo.fetch("SPY", cache_dir=tmp_path).action == "updated"
    assert np.array_equal(yahoo.read_cache("SPY", tmp_path)["adj_close"], ADJ)


def test_offline_without_cache_says_how_to_fetch(tmp_path, monkeypatch):
    fake = FakeYahoo(monkeypatch)
    with pytest.raises(DataError, match=r"SPY is not in the Yahoo cache .* run `rowboat data "
                                        r"fetch SPY` while online"):
        load_panel("yahoo", {"us": "SPY"}, offline=True, cache_dir=tmp_path)
    assert fake.calls == []


def test_download_without_adj_close_is_an_error(tmp_path, monkeypatch):
    FakeYahoo(monkeypatch, SPY=yf_frame("SPY").drop(columns="Adj Close", level=0))
    with pytest.raises(DataError, match="Yahoo's data for SPY has no 'Adj Close' column"):
        yahoo.fetch("SPY", cache_dir=tmp_path)


def test_failed_write_keeps_the_old_cache(tmp_path, monkeypatch):
    fake = FakeYahoo(monkeypatch, SPY=yf_frame("SPY", DAYS[:250], ADJ[:250], CLOSE[:250]))
    yahoo.fetch("SPY", cache_dir=tmp_path)
    before = (tmp_path / "SPY.parquet").read_bytes()
    fake.frames["SPY"] = yf_frame("SPY")

    def half_written(self, path, *a, **k):
        open(path, "wb").write(b"PAR1 broken")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_written)
    with pytest.raises(OSError, match="disk full"):
        yahoo.fetch("SPY", cache_dir=tmp_path)
    assert (tmp_path / "SPY.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SPY.parquet"]


def test_bad_price_in_download_is_reported_by_the_loader(tmp_path, monkeypatch):
    adj = ADJ.copy()
    adj[10] = -1.0
    FakeYahoo(monkeypatch, SPY=yf_frame("SPY", adj=adj))
    yahoo.fetch("SPY", cache_dir=tmp_path)
    with pytest.raises(DataError, match=r"Yahoo cache SPY.parquet: column 'Adj Close': 1 price "
                                        r"zero or negative \(first -1 on 2024-01-16\)"):
        load_panel("yahoo", {"us": "SPY"}, offline=True, cache_dir=tmp_path)


def test_online_load_refreshes(tmp_path, monkeypatch):
    fake = FakeYahoo(monkeypatch, SPY=yf_frame("SPY"), EEM=yf_frame("EEM", adj=ADJ[::-1]))
    panel = load_panel("yahoo", {"us": "SPY", "em": "EEM"}, cache_dir=tmp_path)
    assert [t for t, _ in fake.calls] == ["SPY", "EEM"] and len(panel) == len(DAYS)
    n = len(fake.calls)
    load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path)
    assert len(fake.calls) == n  # Yahoo had nothing newer just now: the cache is current


def test_cli_fetch_prints_a_table(tmp_path, monkeypatch, capsys):
    FakeYahoo(monkeypatch, SPY=yf_frame("SPY"), EEM=yf_frame("EEM"), BAD=yf_frame("BAD")[:0])
    assert rowboat(["data", "fetch", "SPY", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "SPY" in out and "downloaded" in out and "2024-01-02" in out
    code = rowboat(["data", "fetch", "SPY", "EEM", "BAD", "--refresh", "--cache-dir",
                    str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2 and "up to date" in out and "failed" in out
    assert "Yahoo returned no data for BAD" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["EEM.parquet", "SPY.parquet"]


def test_download_wrapper_passes_the_right_options(monkeypatch):
    """``_download`` itself with yfinance.download replaced: unadjusted closes beside Adj
    Close, full history when no start, and yfinance's logged failure kept."""
    import yfinance

    seen = {}

    def fake_download(ticker, **kw):
        seen.update(kw, ticker=ticker)
        logging.getLogger("yfinance").error("['XX']: YFTzMissingError('possibly delisted')")
        return yf_frame("XX").iloc[:0]

    monkeypatch.setattr(yfinance, "download", fake_download)
    frame = yahoo._download("XX", None)
    assert seen == {"ticker": "XX", "auto_adjust": False, "actions": False, "progress": False,
                    "threads": False, "period": "max"}
    assert frame.attrs["yfinance_errors"] == ["['XX']: YFTzMissingError('possibly delisted')"]
    seen.clear()
    yahoo._download("XX", pd.Timestamp("2024-05-01"))
    assert seen["start"] == "2024-05-01" and "period" not in seen
    with pytest.raises(DataError, match=r"no data for XX from 2024-05-01 \(\['XX'\]: "
                                        r"YFTzMissingError"):
        yahoo.download("XX", pd.Timestamp("2024-05-01"))


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ROWBOAT_CACHE_DIR", str(tmp_path / "c"))
    assert yahoo.default_cache_dir() == tmp_path / "c"
    assert yahoo.cache_path("^gspc") == tmp_path / "c" / "^GSPC.parquet"
    monkeypatch.delenv("ROWBOAT_CACHE_DIR")
    assert str(yahoo.default_cache_dir()).endswith(".cache/rowboat/yahoo")
