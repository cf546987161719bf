"""Yahoo Finance through yfinance, with an on-disk Parquet cache (one file per ticker).

* Cache folder: ``$ROWBOAT_CACHE_DIR`` or ``~/.cache/rowboat/yahoo``; file ``<TICKER>.parquet``
  with columns ``close`` (price return: Yahoo's split-adjusted ``Close``) and ``adj_close``
  (total return: ``Adj Close``), index ``Date``. Writes are atomic (temp file + ``os.replace``).
* ``offline=True`` reads the cache only; a ticker not in it is an error that says to run
  ``rowboat data fetch TICKER`` while online.
* A refresh downloads from a few days before the last cached date. Yahoo re-bases the whole
  adjusted history after each distribution, so when the overlapping closes differ (relative
  tolerance :data:`REBASE_RTOL`) the full history is downloaded again — bases are never mixed.
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

from engine.data.sources import SeriesData, SourceData
from engine.data.validate import check_dates, clean_closes
from engine.errors import ConfigError, DataError

CACHE_ENV = "ROWBOAT_CACHE_DIR"
#: calendar days before the last cached date that a refresh downloads again (the overlap)
OVERLAP_DAYS = 10
#: overlapping closes that differ by more than this (relative) mean Yahoo re-based the history
REBASE_RTOL = 1e-6
COLUMNS = ("close", "adj_close")


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
                        "cached without a connection, set offline = true under [data] (or pass offline=True to "
                        "load_panel)")
    return frame


# ---------------------------------------------------------------------------- cache
def read_cache(ticker: str, cache_dir: str | Path | None = None) -> pd.DataFrame | None:
    """The cached frame of ``ticker`` or ``None`` when it is not cached."""
    path = cache_path(ticker, cache_dir)
    if not path.exists():
        return None
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - a corrupt file, whatever pyarrow raises
        raise DataError(f"Yahoo cache file {path} cannot be read ({exc}); delete it and run "
                        f"`rowboat data fetch {_ticker(ticker)}` while online") from None
    if list(frame.columns) != list(COLUMNS):
        raise DataError(f"Yahoo cache file {path} has columns {list(frame.columns)}, not "
                        f"{list(COLUMNS)}; delete it and run `rowboat data fetch "
                        f"{_ticker(ticker)}` while online")
    return frame


def write_cache(ticker: str, frame: pd.DataFrame, cache_dir: str | Path | None = None) -> Path:
    """Write atomically: a temporary file in the same folder, then ``os.replace``."""
    path = cache_path(ticker, cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        frame.loc[:, list(COLUMNS)].to_parquet(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch` did: ``action`` is ``"downloaded"``, ``"updated"``, ``"re-based"``
    (full history downloaded again), ``"up to date"`` or ``"cached"`` (no refresh asked)."""

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


def fetch(ticker: str, *, cache_dir: str | Path | None = None, refresh: bool = True) -> FetchResult:
    """Fill or refresh the cache for ``ticker`` (online).

    Not cached → full history. Cached and ``refresh`` → download from ``OVERLAP_DAYS`` before
    the last cached date; if the overlap disagrees, download everything again.
    """
    ticker = _ticker(ticker)
    path = cache_path(ticker, cache_dir)
    old = read_cache(ticker, cache_dir)
    if old is None or old.empty:
        frame = download(ticker)
        write_cache(ticker, frame, cache_dir)
        return FetchResult(ticker, "downloaded", frame, path, len(frame))
    if not refresh:
        return FetchResult(ticker, "cached", old, path)
    new = download(ticker, old.index[-1] - pd.Timedelta(days=OVERLAP_DAYS))
    if not _same_basis(old, new):
        frame = download(ticker)
        write_cache(ticker, frame, cache_dir)
        return FetchResult(ticker, "re-based", frame, path, len(frame))
    frame = pd.concat([old.loc[old.index < new.index[0]], new])
    added = int((new.index > old.index[-1]).sum())
    if frame.equals(old):
        return FetchResult(ticker, "up to date", old, path)
    write_cache(ticker, frame, cache_dir)
    return FetchResult(ticker, "updated", frame, path, added)


def cached_tickers(cache_dir: str | Path | None = None) -> list[str]:
    return sorted(p.stem for p in Path(cache_dir or default_cache_dir()).glob("*.parquet"))


def load_yahoo(tickers: Iterable[str], *, cache_dir: str | Path | None = None,
               offline: bool = False) -> SourceData:
    """Closes of ``tickers`` from Yahoo: the cache when ``offline``, else refreshed online.
    ``Adj Close`` is the total-return close, ``Close`` the price-return close."""
    cache = Path(cache_dir or default_cache_dir())
    series = {}
    for raw_t in dict.fromkeys(tickers):
        t = _ticker(raw_t)
        if offline:
            frame = read_cache(t, cache)
            if frame is None:
                have = ", ".join(cached_tickers(cache)) or "nothing"
                raise DataError(f"{t} is not in the Yahoo cache {cache} (offline; it holds "
                                f"{have}); run `rowboat data fetch {t}` while online, or point "
                                f"--cache-dir / ${CACHE_ENV} at the cache you filled")
        else:
            frame = fetch(t, cache_dir=cache).frame
        label = f"Yahoo cache {cache_path(t, cache).name}"
        findings = check_dates(pd.DatetimeIndex(frame.index), raw_t, label)
        clean, more = clean_closes(pd.DatetimeIndex(frame.index),
                                   {"Adj Close": frame["adj_close"], "Close": frame["close"]},
                                   raw_t, label)
        series[raw_t] = SeriesData(raw_t, label, clean["Adj Close"].rename(raw_t),
                                   clean["Close"].rename(raw_t), len(frame),
                                   tuple(findings + more))
    return SourceData(f"Yahoo Finance via yfinance (cache {cache})", series)
