"""The Yahoo cache on a replaced clock and network: a current cache is used without a download,
a stale one downloads only the missing days (keeping the re-base check), a bar of a session that
has not closed (16:00 New York) is never cached, a failed refresh uses the cache only when
allowed (``max_age_days`` or ``offline``), and ``rowboat data fetch --refresh`` forces a
download. No test touches the network."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat
from engine.data import load_panel, session, yahoo
from engine.errors import DataError, DataWarning
from tests.test_data_yahoo import FakeYahoo, yf_frame

#: business days through Wednesday 2026-12-02 (the "today" of most tests)
DAYS = pd.bdate_range("2025-06-02", "2026-12-02")
ADJ = 100 * np.cumprod(1 + np.random.default_rng(5).normal(0.0004, 0.01, len(DAYS)))


def ny(text: str) -> pd.Timestamp:
    """A New York wall-clock time as UTC."""
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC")


def clock(monkeypatch, text: str) -> pd.Timestamp:
    now = ny(text)
    monkeypatch.setattr(session, "now_utc", lambda: now)
    return now


def spy(days=DAYS, adj=ADJ) -> pd.DataFrame:
    n = len(days)
    return yf_frame("SPY", days, adj[:n], adj[:n] * 0.98)


def seed_cache(tmp_path, monkeypatch, through: str, adj=ADJ) -> FakeYahoo:
    """A cache filled on the evening of ``through`` (so current then)."""
    fake = FakeYahoo(monkeypatch, SPY=spy(DAYS[DAYS <= through], adj))
    clock(monkeypatch, f"{through} 18:00")
    yahoo.fetch("SPY", cache_dir=tmp_path)
    fake.calls.clear()
    return fake


# ---------------------------------------------------------------------------- the clock
@pytest.mark.parametrize("when, last", [
    ("2026-12-02 15:59", "2026-12-01"),   # Wednesday, still trading (EST)
    ("2026-12-02 16:00", "2026-12-02"),   # the close
    ("2026-07-01 16:30", "2026-07-01"),   # summer time (EDT): 20:30 UTC
    ("2026-07-01 15:30", "2026-06-30"),
    ("2026-12-05 12:00", "2026-12-04"),   # Saturday → Friday
    ("2026-12-07 09:00", "2026-12-04"),   # Monday before the open → Friday
])
def test_last_closed_session(when, last):
    assert session.last_closed_session(ny(when)) == pd.Timestamp(last)


def test_session_close_is_16_new_york_in_utc():
    assert session.session_close(pd.Timestamp("2026-12-02")) == pd.Timestamp("2026-12-02 21:00",
                                                                               tz="UTC")
    assert session.session_close(pd.Timestamp("2026-07-01")) == pd.Timestamp("2026-07-01 20:00",
                                                                               tz="UTC")


# ---------------------------------------------------------------------------- open / closed
def test_the_bar_of_an_open_session_is_never_cached(tmp_path, monkeypatch):
    FakeYahoo(monkeypatch, SPY=spy())          # Yahoo serves today's moving price as a bar
    clock(monkeypatch, "2026-12-02 11:00")
    r = yahoo.fetch("SPY", cache_dir=tmp_path)
    assert r.frame.index[-1] == pd.Timestamp("2026-12-01")
    assert yahoo.read_cache("SPY", tmp_path).index[-1] == pd.Timestamp("2026-12-01")


def test_after_the_close_the_days_bar_is_kept(tmp_path, monkeypatch):
    FakeYahoo(monkeypatch, SPY=spy())
    clock(monkeypatch, "2026-12-02 16:05")
    assert yahoo.fetch("SPY", cache_dir=tmp_path).frame.index[-1] == pd.Timestamp("2026-12-02")


# ---------------------------------------------------------------------------- current / stale
def test_a_current_cache_is_used_without_a_download(tmp_path, monkeypatch):
    fake = seed_cache(tmp_path, monkeypatch, "2026-12-01")
    clock(monkeypatch, "2026-12-02 10:00")     # Wednesday's session is not over: Tuesday is last
    panel = load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path)
    assert fake.calls == [] and panel.dates[-1] == pd.Timestamp("2026-12-01")


def test_a_weekend_run_uses_fridays_cache_without_a_download(tmp_path, monkeypatch):
    fake = seed_cache(tmp_path, monkeypatch, "2026-11-27")   # Friday
    clock(monkeypatch, "2026-11-29 12:00")                     # Sunday
    load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path)
    assert fake.calls == []


def test_a_stale_cache_downloads_only_the_missing_days(tmp_path, monkeypatch):
    fake = seed_cache(tmp_path, monkeypatch, "2026-11-20")
    fake.frames["SPY"] = spy()
    clock(monkeypatch, "2026-12-02 17:00")
    panel = load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path)
    assert fake.calls == [("SPY", pd.Timestamp("2026-11-20") - pd.Timedelta(days=10))]
    assert panel.dates[-1] == pd.Timestamp("2026-12-02")
    assert np.allclose(yahoo.read_cache("SPY", tmp_path)["adj_close"], ADJ, rtol=0, atol=1e-12)


def test_a_rebased_history_is_downloaded_in_full_by_a_run(tmp_path, monkeypatch):
    fake = seed_cache(tmp_path, monkeypatch, "2026-11-20")
    fake.frames["SPY"] = spy(adj=ADJ * 0.99)    # a distribution re-based every adjusted close
    clock(monkeypatch, "2026-12-02 17:00")
    load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path)
    assert [s is None for _, s in fake.calls] == [False, True]
    assert np.allclose(yahoo.read_cache("SPY", tmp_path)["adj_close"], ADJ * 0.99, rtol=0,
                       atol=1e-12)


def test_a_holiday_costs_one_download_not_one_per_run(tmp_path, monkeypatch):
    """Thanksgiving 2026-11-26 (Thursday): no bar. Asked once after its 'close', the cache is
    current until the next session closes."""
    days = DAYS[(DAYS <= "2026-11-25") | (DAYS >= "2026-11-27")]
    fake = FakeYahoo(monkeypatch, SPY=spy(days[days <= "2026-11-25"]))
    clock(monkeypatch, "2026-11-25 18:00")
    yahoo.fetch("SPY", cache_dir=tmp_path)
    clock(monkeypatch, "2026-11-26 17:00")
    fake.calls.clear()
    assert yahoo.fetch("SPY", cache_dir=tmp_path, refresh=False).action == "up to date"
    assert yahoo.fetch("SPY", cache_dir=tmp_path, refresh=False).action == "current"
    assert len(fake.calls) == 1


# ---------------------------------------------------------------------------- failed refresh
def offline_network(fake: FakeYahoo) -> None:
    """yfinance offline: an EMPTY frame, no exception."""
    fake.frames["SPY"] = yf_frame("SPY")[:0]


def test_empty_download_offline_is_a_clear_error(tmp_path, monkeypatch):
    offline_network(FakeYahoo(monkeypatch, SPY=None))
    clock(monkeypatch, "2026-12-02 17:00")
    with pytest.raises(DataError, match=r"Yahoo returned no data for SPY .*internet connection"):
        load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path)


def test_failed_refresh_with_a_stale_cache_is_an_error_saying_how_to_allow_it(tmp_path,
                                                                               monkeypatch):
    offline_network(seed_cache(tmp_path, monkeypatch, "2026-11-20"))
    clock(monkeypatch, "2026-12-02 17:00")
    with pytest.raises(DataError, match=r"Yahoo returned no data for SPY from 2026-11-10 .* the "
                                        r"cache holds SPY through 2026-11-20, 12 calendar days "
                                        r"before the last close \(2026-12-02\); to use it as "
                                        r"is, set max_age_days = 12 or offline = true"):
        load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path)
    with pytest.raises(DataError, match=r"set max_age_days ≥ 12"):
        load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path, max_age_days=5)


def test_failed_refresh_uses_the_cache_when_allowed_and_says_so(tmp_path, monkeypatch):
    offline_network(seed_cache(tmp_path, monkeypatch, "2026-11-20"))
    clock(monkeypatch, "2026-12-02 17:00")
    with pytest.warns(DataWarning, match=r"Yahoo refresh of SPY failed; the cache holds SPY "
                                         r"through 2026-11-20, 12 calendar days .* used "
                                         r"\(max_age_days = 12\)"):
        panel = load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path, max_age_days=12)
    assert panel.dates[-1] == pd.Timestamp("2026-11-20")


def test_offline_uses_any_age_with_a_warning_or_errors_over_the_stated_maximum(tmp_path,
                                                                                monkeypatch):
    fake = seed_cache(tmp_path, monkeypatch, "2026-11-20")
    clock(monkeypatch, "2026-12-02 17:00")
    with pytest.warns(DataWarning, match=r"through 2026-11-20, 12 calendar days .*offline"):
        load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path, offline=True)
    with pytest.raises(DataError, match=r"12 calendar days .* over max_age_days = 3 "
                                        r"\(offline\); run `rowboat data fetch SPY`"):
        load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path, offline=True, max_age_days=3)
    assert fake.calls == []


def test_offline_hint_names_options_rowboat_run_has(tmp_path, monkeypatch):
    FakeYahoo(monkeypatch)
    with pytest.raises(DataError) as info:
        load_panel("yahoo", {"us": "SPY"}, cache_dir=tmp_path, offline=True)
    assert "--cache-dir" not in str(info.value) and "cache_dir under [data]" in str(info.value)


def test_run_config_max_age_days_reaches_the_cache(tmp_path, monkeypatch, capsys):
    offline_network(seed_cache(tmp_path, monkeypatch, "2026-11-20"))
    clock(monkeypatch, "2026-12-02 17:00")
    cfg = tmp_path / "y.toml"
    cfg.write_text(f'[run]\nname = "y"\nbenchmark = "us"\nrisk_free = 0\n[data]\n'
                   f'source = "yahoo"\ncache_dir = "{tmp_path}"\nmax_age_days = 2\n'
                   '[sleeves]\nus = "SPY"\n[[strategy]]\nname = "us"\nrule = "us_only"\n')
    code = rowboat(["run", str(cfg), "--out", str(tmp_path / "out"), "--no-tearsheets"])
    err = capsys.readouterr().err
    assert code == 2 and "set max_age_days ≥ 12" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "y").exists()


# ---------------------------------------------------------------------------- the command
def test_fetch_without_refresh_keeps_a_current_cache_and_refresh_forces(tmp_path, monkeypatch,
                                                                        capsys):
    fake = seed_cache(tmp_path, monkeypatch, "2026-12-01")
    clock(monkeypatch, "2026-12-02 10:00")
    assert rowboat(["data", "fetch", "SPY", "--cache-dir", str(tmp_path)]) == 0
    assert "current" in capsys.readouterr().out and fake.calls == []
    assert rowboat(["data", "fetch", "SPY", "--refresh", "--cache-dir", str(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().out and len(fake.calls) == 1


def test_a_cache_with_a_time_zone_aware_index_is_exit_2(tmp_path, monkeypatch, capsys):
    frame = yahoo.normalise(spy(), "SPY")
    frame.index = frame.index.tz_localize("UTC")
    frame.to_parquet(tmp_path / "SPY.parquet")
    code = rowboat(["data", "show", "yahoo", "--sleeve", "us=SPY", "--offline", "--cache-dir",
                    str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "SPY.parquet has a time-zone-aware index (UTC)" in err
    assert "rowboat data fetch SPY" in err and err.count("\n") == 1


def test_negative_max_age_is_a_usage_error(tmp_path, capsys):
    code = rowboat(["data", "show", "yahoo", "--sleeve", "us=SPY", "--max-age-days", "-1",
                    "--cache-dir", str(tmp_path)])
    assert code == 2 and "--max-age-days -1: give a number of calendar days, 0 or more" in \
        capsys.readouterr().err
