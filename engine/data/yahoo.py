"""Yahoo Finance through yfinance, with an on-disk Parquet cache (one file per ticker).

* Cache folder: ``$ROWBOAT_CACHE_DIR`` or ``~/.cache/rowboat/yahoo``; file ``<TICKER>.parquet``
  with columns ``close`` (price return: Yahoo's split-adjusted ``Close``) and ``adj_close``
  (total return: ``Adj Close``), index ``Date``. Writes are atomic (temp file + ``os.replace``).
* A cached series is **current** when it reaches the last completed US session (16:00 New
  York, :mod:`engine.data.session`), or when Yahoo was asked after that close and had nothing
  newer (a holiday; the time of the last download is kept in the file). A current series is
  used without touching the network; otherwise only the missing days are downloaded.
* The bar of a session that has not closed yet is never cached (Yahoo serves a moving
  intraday price as that day's close).
* A refresh downloads from a few days before the last cached date. Yahoo re-bases the whole
  adjusted history after each distribution, so when the overlapping closes differ (relative
  tolerance :data:`REBASE_RTOL`) the full history is downloaded again — bases are never mixed.
* When a refresh fails and the cache holds the ticker, the cache is used only if the user
  allowed it: ``max_age_days`` (calendar days the cache may lag the last completed session) or
  ``offline=True`` (cache only, any age, with a warning when it lags). Otherwise the failure is
  an error that says how old the cache is and how to allow it.
* yfinance returns an empty frame (it does not raise) when offline or for an unknown ticker;
  that, and any exception from it, is one :class:`~engine.errors.DataError` naming the ticker.

The network is touched only in :func:`_download`, which tests replace.
"""
from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.data import session
from engine.data.sources import SeriesData, SourceData
from engine.data.validate import Finding, check_dates, clean_closes, warning
from engine.errors import ConfigError, DataError

CACHE_ENV = "ROWBOAT_CACHE_DIR"
#: calendar days before the last cached date that a refresh downloads again (the overlap)
OVERLAP_DAYS = 10
#: overlapping closes that differ by more than this (relative) mean Yahoo re-based the history
REBASE_RTOL = 1e-6
COLUMNS = ("close", "adj_close")
#: the cache file's metadata key holding when Yahoo was last asked (ISO 8601, UTC)
CHECKED = "rowboat_checked_utc"


def default_cache_dir() -> Path:
    """``$ROWBOAT_CACHE_DIR`` or ``~/.cache/rowboat/yahoo``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "rowboat" / "yahoo"


def _ticker(ticker: str) -> str:
    t = ticker.strip().upper()
    if not t or any(c in t for c in "/\\") or t.startswith("."):
        raise ConfigError(f"{ticker!r} is not a Yahoo ticker (e.g. SPY, ^GSPC, GBPUSD=X)")
    return t


def cache_path(ticker: str, cache_dir: str | Path | None = None) -> Path:
    return Path(cache_dir or default_cache_dir()) / f"{_ticker(ticker)}.parquet"


# ---------------------------------------------------------------------------- network
def _download(ticker: str, start: pd.Timestamp | None) -> pd.DataFrame:
    """yfinance's daily history of ``ticker`` from ``start`` (``None`` = all of it), unadjusted
    ``Close`` beside ``Adj Close``. The only function that touches the network. yfinance logs
    its failures instead of raising; they are kept in ``frame.attrs["yfinance_errors"]``."""
    import yfinance

    messages: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage().strip())

    logger = logging.getLogger("yfinance")
    handler = _Keep(level=logging.ERROR)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # our error message carries it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            when = {"period": "max"} if start is None else {"start": start.strftime("%Y-%m-%d")}
            frame = yfinance.download(ticker, auto_adjust=False, actions=False, progress=False,
                                      threads=False, **when)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    frame = pd.DataFrame() if frame is None else frame
    frame.attrs["yfinance_errors"] = [m for m in messages if m and "Failed download" not in m]
    return frame


def normalise(raw: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """yfinance's frame (flat or MultiIndex columns, e.g. ``("Adj Close", "SPY")``) → columns
    ``close``, ``adj_close`` on a tz-naive date index named ``Date``; rows without either close
    are dropped. Missing ``Adj Close`` is an error."""
    frame = raw
    if isinstance(frame.columns, pd.MultiIndex):
        level = next((i for i in range(frame.columns.nlevels)
                      if "Adj Close" in frame.columns.get_level_values(i)), 0)
        frame = frame.droplevel([i for i in range(frame.columns.nlevels) if i != level], axis=1)
        frame = frame.loc[:, ~frame.columns.duplicated()]
    if len(frame) and "Adj Close" not in frame.columns:
        raise DataError(f"Yahoo's data for {ticker} has no 'Adj Close' column (got "
                        f"{', '.join(map(str, frame.columns))}); rowboat needs adjusted closes — "
                        "check the yfinance version (auto_adjust=False)")
    if not len(frame):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS},
                            index=pd.DatetimeIndex([], name="Date"))
    idx = pd.DatetimeIndex(frame.index)
    idx = (idx.tz_localize(None) if idx.tz is not None else idx).normalize()
    out = pd.DataFrame({"close": pd.to_numeric(frame["Close"], errors="coerce").to_numpy(),
                        "adj_close": pd.to_numeric(frame["Adj Close"], errors="coerce").to_numpy()},
                       index=pd.DatetimeIndex(idx, name="Date"))
    return out.dropna(how="all").astype("float64")


def download(ticker: str, start: pd.Timestamp | None = None) -> pd.DataFrame:
    """Download ``ticker`` (normalised). An exception or an empty result is a DataError."""
    ticker = _ticker(ticker)
    since = "" if start is None else f" from {start.strftime('%Y-%m-%d')}"
    try:
        raw = _download(ticker, start)
    except Exception as exc:  # noqa: BLE001 - anything yfinance or the network raises
        raise DataError(f"Yahoo download of {ticker}{since} failed ({type(exc).__name__}: "
                        f"{exc}); check your internet connection and the ticker, or work "
                        "offline from the cache") from exc
    frame = normalise(raw, ticker)
    if frame.empty:
        why = (raw.attrs.get("yfinance_errors") or ["an empty table"])[-1]
        raise DataError(f"Yahoo returned no data for {ticker}{since} ({why}); check the ticker "
                        "on finance.yahoo.com and your internet connection (yfinance returns "
                        "nothing, without an error, when offline); to use tickers already "
                        "cached without a connection, set offline = true under [data] (or pass "
                        "offline=True to load_panel)")
    return frame


# ---------------------------------------------------------------------------- cache
def _cache_error(path: Path, ticker: str, what: str) -> DataError:
    return DataError(f"Yahoo cache file {path} {what}; delete it and run `rowboat data fetch "
                     f"{_ticker(ticker)}` while online")


def read_cache(ticker: str, cache_dir: str | Path | None = None) -> pd.DataFrame | None:
    """The cached frame of ``ticker`` or ``None`` when it is not cached. A file rowboat did not
    write (other columns, an index that is not naive dates) is a DataError."""
    path = cache_path(ticker, cache_dir)
    if not path.exists():
        return None
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - a corrupt file, whatever pyarrow raises
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise _cache_error(path, ticker, f"cannot be read ({first})") from None
    if list(frame.columns) != list(COLUMNS):
        raise _cache_error(path, ticker, f"has columns {list(frame.columns)[:8]}, not "
                                         f"{list(COLUMNS)}")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise _cache_error(path, ticker, f"is not indexed by dates (index {frame.index.dtype})")
    if frame.index.tz is not None:
        raise _cache_error(path, ticker, f"has a time-zone-aware index ({frame.index.tz}); "
                                         "rowboat writes exchange-local dates without a zone")
    return frame


def _checked(frame: pd.DataFrame) -> pd.Timestamp | None:
    """When Yahoo was last asked for this cached frame (UTC), if recorded."""
    text = frame.attrs.get(CHECKED)
    try:
        return pd.Timestamp(text).tz_convert("UTC") if text else None
    except (ValueError, TypeError):
        return None


def write_cache(ticker: str, frame: pd.DataFrame, cache_dir: str | Path | None = None, *,
                checked: pd.Timestamp | None = None) -> Path:
    """Write atomically: a temporary file in the same folder, then ``os.replace``. ``checked``:
    when Yahoo was asked (UTC), kept in the file's metadata."""
    path = cache_path(ticker, cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    out = frame.loc[:, list(COLUMNS)].copy()
    out.attrs = {CHECKED: checked.isoformat()} if checked is not None else {}
    try:
        out.to_parquet(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def lag_days(frame: pd.DataFrame, now: pd.Timestamp) -> int:
    """Calendar days the cached ``frame`` lags the last completed session at ``now``: 0 when it
    is current (it reaches that session, or Yahoo was asked after its close)."""
    last_session = session.last_closed_session(now)
    checked = _checked(frame)
    if len(frame) and frame.index[-1] >= last_session:
        return 0
    if checked is not None and checked >= session.session_close(last_session):
        return 0
    if not len(frame):
        return 10**6
    return int((last_session - frame.index[-1]).days)


def closed_bars(frame: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """``frame`` without the bar of a session that has not closed at ``now``."""
    return frame.loc[frame.index <= session.last_closed_session(now)]


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch` did: ``action`` is ``"downloaded"``, ``"updated"``, ``"re-based"``
    (full history downloaded again), ``"up to date"`` (asked Yahoo, nothing new) or
    ``"current"`` (the cache reaches the last completed session; Yahoo not asked)."""

    ticker: str
    action: str
    frame: pd.DataFrame
    path: Path
    new_rows: int = 0


def _same_basis(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    """Do the overlapping closes agree? The last cached day is left out when other days
    overlap (it may have been captured before the close)."""
    common = old.index.intersection(new.index)
    if len(common) > 1:
        common = common[common != old.index[-1]]
    if len(common) == 0:
        return False
    a = old.loc[common, list(COLUMNS)].to_numpy()
    b = new.loc[common, list(COLUMNS)].to_numpy()
    return bool(np.allclose(a, b, rtol=REBASE_RTOL, atol=0.0))


def _full(ticker: str, now: pd.Timestamp) -> pd.DataFrame:
    frame = closed_bars(download(ticker), now)
    if frame.empty:
        raise DataError(f"Yahoo has no closed session for {ticker} yet (its only bar is "
                        "today's, still trading); fetch it after 16:00 New York time")
    return frame


def fetch(ticker: str, *, cache_dir: str | Path | None = None, refresh: bool = True,
          now: pd.Timestamp | None = None) -> FetchResult:
    """Fill or update the cache for ``ticker`` (online) and return what it holds.

    Not cached → full history. Cached and current (see :func:`lag_days`) → used as is unless
    ``refresh``. Otherwise download from ``OVERLAP_DAYS`` before the last cached date; if the
    overlap disagrees (a re-based history), download everything again. A bar of a session not
    closed at ``now`` (default: the clock) is never kept.
    """
    ticker = _ticker(ticker)
    now = session.now_utc() if now is None else now
    path = cache_path(ticker, cache_dir)
    old = read_cache(ticker, cache_dir)
    if old is None or old.empty:
        frame = _full(ticker, now)
        write_cache(ticker, frame, cache_dir, checked=now)
        return FetchResult(ticker, "downloaded", frame, path, len(frame))
    if not refresh and lag_days(old, now) == 0:
        return FetchResult(ticker, "current", old, path)
    new = closed_bars(download(ticker, old.index[-1] - pd.Timedelta(days=OVERLAP_DAYS)), now)
    if not _same_basis(old, new):
        frame = _full(ticker, now)
        write_cache(ticker, frame, cache_dir, checked=now)
        return FetchResult(ticker, "re-based", frame, path, len(frame))
    frame = pd.concat([old.loc[old.index < new.index[0]], new])
    added = int((new.index > old.index[-1]).sum())
    write_cache(ticker, frame, cache_dir, checked=now)  # also records when Yahoo was asked
    if frame.equals(old):
        return FetchResult(ticker, "up to date", old, path)
    return FetchResult(ticker, "updated", frame, path, added)


def cached_tickers(cache_dir: str | Path | None = None) -> list[str]:
    return sorted(p.stem for p in Path(cache_dir or default_cache_dir()).glob("*.parquet"))


def _stale(t: str, frame: pd.DataFrame, lag: int, now: pd.Timestamp) -> str:
    last = session.last_closed_session(now).strftime("%Y-%m-%d")
    return (f"the cache holds {t} through {frame.index[-1].strftime('%Y-%m-%d')}, {lag} "
            f"calendar day{'s' if lag != 1 else ''} before the last close ({last})")


def _cached_series(t: str, cache: Path, offline: bool, max_age_days: int | None,
                   now: pd.Timestamp) -> tuple[pd.DataFrame, list[Finding]]:
    """The frame to use for ``t`` and warnings about it (see the module docstring)."""
    old = read_cache(t, cache)
    if offline:
        if old is None or old.empty:
            have = ", ".join(cached_tickers(cache)) or "nothing"
            raise DataError(f"{t} is not in the Yahoo cache {cache} (offline; it holds {have}); "
                            f"run `rowboat data fetch {t}` while online, or point cache_dir "
                            f"under [data] (or ${CACHE_ENV}) at the cache you filled")
        lag = lag_days(old, now)
        if max_age_days is not None and lag > max_age_days:
            raise DataError(f"{_stale(t, old, lag, now)}, over max_age_days = {max_age_days} "
                            f"(offline); run `rowboat data fetch {t}` while online, or raise "
                            "max_age_days under [data]")
        found = [warning(t, f"{_stale(t, old, lag, now)} (offline; used as is)")] if lag else []
        return old, found
    try:
        return fetch(t, cache_dir=cache, refresh=False, now=now).frame, []
    except DataError as exc:
        if old is None or old.empty:
            raise
        lag = lag_days(old, now)
        if max_age_days is None or lag > max_age_days:
            allow = f"max_age_days = {lag}" if max_age_days is None else f"max_age_days ≥ {lag}"
            raise DataError(f"{exc} — {_stale(t, old, lag, now)}; to use it as is, set {allow} "
                            "or offline = true under [data]") from None
        return old, [warning(t, f"Yahoo refresh of {t} failed; {_stale(t, old, lag, now)} — "
                                f"used (max_age_days = {max_age_days})")]


def load_yahoo(tickers: Iterable[str], *, cache_dir: str | Path | None = None,
               offline: bool = False, max_age_days: int | None = None,
               now: pd.Timestamp | None = None) -> SourceData:
    """Closes of ``tickers`` from Yahoo through the cache: current cached series are used as
    they are, others are updated online (only the missing days); ``offline`` reads the cache
    only. ``max_age_days``: how many calendar days a cached series may lag the last completed
    session when it cannot be refreshed (``None``: a failed refresh is an error; offline, any
    age with a warning). ``Adj Close`` is the total-return close, ``Close`` the price-return
    close."""
    cache = Path(cache_dir or default_cache_dir())
    now = session.now_utc() if now is None else now
    series = {}
    for raw_t in dict.fromkeys(tickers):
        t = _ticker(raw_t)
        frame, found = _cached_series(t, cache, offline, max_age_days, now)
        label = f"Yahoo cache {cache_path(t, cache).name}"
        findings = check_dates(pd.DatetimeIndex(frame.index), raw_t, label)
        clean, more = clean_closes(pd.DatetimeIndex(frame.index),
                                   {"Adj Close": frame["adj_close"], "Close": frame["close"]},
                                   raw_t, label)
        series[raw_t] = SeriesData(raw_t, label, clean["Adj Close"].rename(raw_t),
                                   clean["Close"].rename(raw_t), len(frame),
                                   tuple(findings + more + found))
    return SourceData(f"Yahoo Finance via yfinance (cache {cache})", series)
