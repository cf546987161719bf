"""Signal specs: what a ``[signals.NAME]`` table describes, and its computation on a Panel.

A :class:`SignalSpec` names the series it reads (sleeve roles or tickers) and its settings. The
strategies read signals through *slots* (e.g. the rowing-boat rule has slots ``concentration``,
``ex_us`` and ``em``); a config binds slots to its ``[signals.NAME]`` tables, and a slot left
unbound uses the strategy's default spec. A strategy's *signal params* (e.g. breakout ``years``)
override a bound spec's settings when they are set.

Kinds and settings (defaults; fractions, trading days — rows of the panel: months on a monthly
panel —, calendar months (of month-end closes, or 21 trading days / one row on a monthly panel
/ 52/12 weeks on a weekly one — 12 months = 52 weeks — with ``basis = "days"``), calendar
years):

- ``concentration``: ``basket`` (sleeve role, ticker, or list of tickers), ``index`` (role or
  ticker), ``anchors`` (needed when the panel has no caps: a snapshot file, or for a one-ticker
  basket a table ``{date = weight}`` of known weights as fractions, e.g.
  ``{ 2026-02-06 = 0.608 }``), ``fund`` (the fund whose rows of the snapshot file to read;
  default the index's ticker); settings
  ``window = 63`` (days, for ``change``), ``jump_limit = 0.02`` (fraction points).
- ``breakout``: ``series``; ``years = 0`` (0 = all-time high), ``min_years = 1`` (calendar
  years of history before any level exists), ``exclude_days = 0``, ``confirm_days = 1``,
  ``month_end = false``, ``exit_drop = 0.10`` (fraction; 0 = no exit by drop, so a state once
  on stays on through any later crash), ``exit_from = "high"`` (the drop is measured from the
  highest close since the state turned on — a trailing exit; ``"entry"``: from the level at
  entry, which never moves up), ``exit_low_days = 0`` (0 = no exit by low).
- ``trend``: ``series``; ``months = 10`` (price vs its SMA, total-return closes),
  ``basis = "month_end"`` (Faber: the month-end close vs the mean of the last 10 month-end
  closes; ``"days"``: the close vs its 210-day SMA, months of 21 trading days).
- ``momentum``: ``series``; ``months = 12``, ``skip_months = 0`` (total return),
  ``basis = "month_end"`` (GEM: 12 calendar months, month-end to month-end; ``"days"``: 252
  trading days).
- ``indicator``: ``series`` (an indicator of ``[data.series]``, or a sleeve/ticker's close);
  ``transform = "percentile"`` (level | change | zscore | percentile, of its own history to
  date), ``window = 12`` (rows, for change), ``min_history = 120`` (rows), ``on = 0.9``,
  ``off = 0.8`` (hysteresis), ``direction = "above"`` (see ``engine.signals.indicator``).
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ConfigError
from engine.signals.indicator import DIRECTIONS, TRANSFORMS

#: kind → setting → (default, type, lo, hi, doc). Types: "int", "float", "bool", "choice" (then
#: ``lo`` is the tuple of choices and ``hi`` is unused).
SETTINGS: dict[str, dict[str, tuple[Any, str, float, float, str]]] = {
    "concentration": {
        "window": (63, "int", 1, 10_000, "trading days for the level's change"),
        "jump_limit": (0.02, "float", 0.0, 1.0, "largest jump at a snapshot, fraction points"),
    },
    "breakout": {
        "years": (0, "int", 0, 100, "look-back in calendar years, 0 = all-time high"),
        "min_years": (1, "int", 0, 100, "calendar years of history before any level exists "
                      "(no all-time high in a series' first year)"),
        "exclude_days": (0, "int", 0, 10_000, "trading days before t left out of the look-back"),
        "confirm_days": (1, "int", 1, 10_000, "consecutive closes above the level to turn on"),
        "month_end": (False, "bool", 0, 1, "turn on only at a month-end close"),
        # without an exit a breakout state, once on, stays on through any later crash
        "exit_drop": (0.10, "float", 0.0, 0.999999, "fall that turns it off (fraction; from "
                      "exit_from), 0 = none"),
        "exit_from": ("high", "choice", ("high", "entry"), 0, "what exit_drop is measured from: "
                      "the highest close since it turned on (trailing), or the level at entry"),
        "exit_low_days": (0, "int", 0, 10_000, "turn off below the lowest of the previous M "
                          "closes, 0 = none"),
    },
    "trend": {
        "months": (10, "int", 1, 600, "SMA length in months"),
        "basis": ("month_end", "choice", ("month_end", "days"), 0, "months of month-end "
                  "closes (Faber) or of 21 trading days"),
    },
    "momentum": {
        "months": (12, "int", 1, 600, "look-back in months"),
        "skip_months": (0, "int", 0, 600, "most recent months left out"),
        "basis": ("month_end", "choice", ("month_end", "days"), 0, "calendar months of "
                  "month-end closes (GEM) or months of 21 trading days"),
    },
    "indicator": {
        "transform": ("percentile", "choice", TRANSFORMS, None, "level, change, zscore or "
                      "percentile (of its own history to date)"),
        "window": (12, "int", 1, 100_000, "rows (months on a monthly panel) for change"),
        "min_history": (120, "int", 2, 100_000, "values before zscore or percentile is "
                        "defined (120 = ten years of months)"),
        "on": (0.9, "float", -1e12, 1e12, "score that turns the state on"),
        "off": (0.8, "float", -1e12, 1e12, "score that turns it off again (hysteresis)"),
        "direction": ("above", "choice", DIRECTIONS, None, "on when the score is above (or "
                      "below) 'on'"),
    },
}

#: kind → the keys naming series or files (besides ``kind`` and the settings).
REFS: dict[str, tuple[str, ...]] = {
    "concentration": ("basket", "index", "anchors", "fund"),
    "breakout": ("series",),
    "trend": ("series",),
    "momentum": ("series",),
    "indicator": ("series",),
}

KINDS = tuple(SETTINGS)


def check_setting(kind: str, key: str, value: Any) -> Any:
    """Validate one setting of ``kind``; return it (ints as int, floats as float)."""
    try:
        default, typ, lo, hi, doc = SETTINGS[kind][key]
    except KeyError:
        raise ConfigError(f"unknown {kind} setting '{key}'; valid: "
                          f"{', '.join(SETTINGS[kind])}") from None
    if typ == "choice":
        if not isinstance(value, str) or value not in lo:
            raise ConfigError(f"{kind} setting '{key}' must be one of {list(lo)} ({doc}), got "
                              f"{value!r}")
        return value
    if typ == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{kind} setting '{key}' must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{kind} setting '{key}' must be a number ({doc}), got {value!r}")
    if typ == "int" and not isinstance(value, int):
        raise ConfigError(f"{kind} setting '{key}' must be a whole number ({doc}), got {value!r}")
    if not math.isfinite(value) or value < lo or value > hi:
        raise ConfigError(f"{kind} setting '{key}' = {value!r} is out of range [{lo:g}, {hi:g}] "
                          f"({doc})")
    return int(value) if typ == "int" else float(value)


@dataclass(frozen=True)
class SignalSpec:
    """One signal: its kind, the series it reads and its settings (see the module docstring).

    ``basket`` is a role/ticker or a tuple of tickers. ``anchors`` is an absolute path, a tuple
    of ``(date, weight)`` pairs (one-ticker basket; fractions), or None.
    ``settings`` holds only the settings given explicitly, as sorted ``(key, value)`` pairs; the
    kind's defaults fill the rest (:meth:`setting`).
    """

    kind: str
    name: str = ""
    series: str | None = None
    basket: str | tuple[str, ...] | None = None
    index: str | None = None
    anchors: Path | tuple[tuple[pd.Timestamp, float], ...] | None = None
    fund: str | None = None
    settings: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in SETTINGS:
            raise ConfigError(f"unknown signal kind '{self.kind}'; valid kinds: "
                              f"{', '.join(KINDS)}")
        for k, v in self.settings:
            check_setting(self.kind, k, v)
        if self.kind == "concentration":
            if self.basket is None or self.index is None:
                raise ConfigError("a concentration signal needs 'basket' (a sleeve role, ticker "
                                  "or list of tickers) and 'index' (a role or ticker)")
        elif self.series is None:
            raise ConfigError(f"a {self.kind} signal needs 'series' (a sleeve role or ticker)")

    @property
    def label(self) -> str:
        return self.name or f"{self.kind}({self.series or self.basket})"

    def setting(self, key: str) -> Any:
        given = dict(self.settings)
        return given[key] if key in given else SETTINGS[self.kind][key][0]

    def all_settings(self) -> dict[str, Any]:
        return {k: self.setting(k) for k in SETTINGS[self.kind]}

    def with_settings(self, **overrides: Any) -> SignalSpec:
        """A copy with the settings in ``overrides`` that are not None replacing its own."""
        given = dict(self.settings)
        for k, v in overrides.items():
            if v is not None:
                given[k] = check_setting(self.kind, k, v)
        return replace(self, settings=tuple(sorted(given.items())))

    def names(self) -> tuple[str, ...]:
        """Every sleeve role or ticker the signal reads."""
        if self.kind == "concentration":
            basket = (self.basket,) if isinstance(self.basket, str) else tuple(self.basket or ())
            return (*basket, self.index)  # type: ignore[return-value]
        return (self.series,)  # type: ignore[return-value]


@lru_cache(maxsize=16)
def _snapshots(path: Path, fund: str, mtime: float) -> pd.DataFrame:
    from engine.signals import load_snapshots
    return load_snapshots(path, fund=fund)


def load_anchors(spec: SignalSpec, panel: Any) -> pd.DataFrame | None:
    """The anchors of a concentration spec (dates × members, fractions; or date → weight for
    a one-ticker basket), or None."""
    if spec.anchors is None:
        return None
    if isinstance(spec.anchors, tuple):
        return pd.Series({pd.Timestamp(d): float(v) for d, v in spec.anchors})
    path = Path(spec.anchors)
    if not path.exists():
        raise ConfigError(f"signal '{spec.label}': anchors file {path} does not exist; give the "
                          "path of a snapshot file (relative to the config file)")
    fund = spec.fund
    if fund is None:
        idx = spec.index or ""
        sleeves = getattr(panel, "sleeves", {})
        fund = sleeves[idx].tickers[0] if idx in sleeves else idx
    return _snapshots(path.resolve(), fund, path.stat().st_mtime)


#: panel → {signal spec (unnamed) → outputs}: a sweep asks for the same signal once per group
_COMPUTED: weakref.WeakKeyDictionary[Any, dict[SignalSpec, pd.DataFrame]] = \
    weakref.WeakKeyDictionary()


def compute(panel: Any, spec: SignalSpec) -> pd.DataFrame:
    """The signal's outputs on ``panel.dates`` (columns by kind):

    concentration: ``level, chain, peak, drawdown, drawdown_pts, change`` (+ ``projected`` when
    anchored); breakout: ``level, state, new_high, on, off``; trend: ``sma, above``; momentum:
    ``momentum``. Every value at t uses data up to t only (``projected`` is chart-only).

    Outputs are memoised per panel object (panels are immutable) and returned as copies.
    """
    memo = _COMPUTED.setdefault(panel, {})
    key = replace(spec, name="")
    if key not in memo:
        memo[key] = _compute(panel, spec)
    return memo[key].copy()


def _compute(panel: Any, spec: SignalSpec) -> pd.DataFrame:
    indicators = _indicator_names(panel)
    for name in spec.names():
        if name not in panel.sleeves and name not in panel.tr.columns and name not in indicators:
            raise ConfigError(f"signal '{spec.label}' reads '{name}', which is neither a sleeve "
                              f"({', '.join(panel.sleeves)}) nor a ticker of the data "
                              f"({panel.source}); add it under [sleeves] or name a ticker")
    if spec.kind == "indicator" and spec.series in indicators:
        return _on_own_history(panel, spec)  # NaN until its first published value
    # every series on its own history (GUIDE §4): a signal reads the series it watches from that
    # series' first date, whatever other tickers the panel holds; NaN before it
    if not hasattr(panel, "first_date"):    # a duck-typed panel of complete series
        return _on_own_history(panel, spec)
    firsts = [panel.first_date(n) for n in spec.names()]
    if any(pd.isna(f) for f in firsts):
        raise ConfigError(f"signal '{spec.label}' reads {', '.join(spec.names())}, which has no "
                          f"price in the data ({panel.source}); give a longer period")
    first = max(firsts)
    if first == panel.dates[0]:
        return _on_own_history(panel, spec)
    out = _on_own_history(_own_history(panel, first), spec)
    return _padded(out, panel.dates)


#: panel → {first date → the panel from that date}: the signals of a config read a few series,
#: so a sweep's ~30 signal settings share a few slices (a slice copies every frame)
_SLICES: weakref.WeakKeyDictionary[Any, dict[pd.Timestamp, Any]] = weakref.WeakKeyDictionary()


def _own_history(panel: Any, first: pd.Timestamp) -> Any:
    """``panel.slice(first)``, made once per panel and date."""
    memo = _SLICES.setdefault(panel, {})
    if first not in memo:
        memo[first] = panel.slice(first)
    return memo[first]


def _padded(out: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """``out`` (on a suffix of ``dates``) on every date: before the series exists numbers are
    undefined (NaN), flags off (False) — ``reindex`` by position (the same values and dtypes)."""
    k = len(dates) - len(out.index)
    if k <= 0 or not out.index.equals(dates[k:]):
        return pd.DataFrame({c: out[c].reindex(dates, fill_value=False)
                             if out[c].dtype == bool else out[c].reindex(dates)
                             for c in out.columns}, index=dates)
    cols = {}
    for c in out.columns:
        v = out[c].to_numpy()
        if v.dtype.kind not in "bfiu":
            cols[c] = out[c].reindex(dates)
            continue
        col = (np.zeros(len(dates), dtype=bool) if v.dtype == bool else
               np.full(len(dates), np.nan, dtype=v.dtype if v.dtype.kind == "f" else np.float64))
        col[k:] = v
        cols[c] = col
    return pd.DataFrame(cols, index=dates)


def _carried(out: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Outputs on publication rows (a subset of ``dates``) carried forward to every date;
    events only on their own rows; NaN / False before the first."""
    last = np.full(len(dates), -1)
    last[dates.get_indexer(out.index)] = np.arange(len(out))
    src = np.maximum.accumulate(last)
    have = src >= 0
    cols = {}
    for c in out.columns:
        v = out[c].to_numpy()
        if c.endswith("_event"):
            col = np.zeros(len(dates), dtype=bool)
            col[last >= 0] = v[last[last >= 0]]
        elif v.dtype == bool:
            col = np.where(have, v[np.maximum(src, 0)], False)
        else:
            col = np.where(have, v[np.maximum(src, 0)], np.nan)
        cols[c] = col
    return pd.DataFrame(cols, index=dates)


def _indicator_names(panel: Any) -> list[str]:
    frame = getattr(panel, "indicators", None)
    return [] if frame is None else list(frame.columns)


def _on_own_history(panel: Any, spec: SignalSpec) -> pd.DataFrame:
    from engine import signals as sig

    s = spec.all_settings()
    if spec.kind == "breakout":
        return sig.breakout(
            panel.signal_close(spec.series), years=s["years"] or None,
            exclude_days=s["exclude_days"], confirm_days=s["confirm_days"],
            month_end=s["month_end"], exit_drop=s["exit_drop"] or None,
            exit_low_days=s["exit_low_days"] or None, min_years=s["min_years"],
            exit_from=s["exit_from"])
    per_year = int(getattr(panel, "periods_per_year", 252))
    if spec.kind == "indicator":
        if spec.series not in _indicator_names(panel):
            return sig.indicator_signal(panel.signal_close(spec.series), **s)
        # one value per publication (the rows it was published on), carried forward
        out = sig.indicator_signal(panel.indicators[spec.series].dropna(), **s)
        return _carried(out, panel.dates)
    if spec.kind == "trend":
        return sig.sma_trend(panel.close(spec.series, "tr"), months=s["months"],
                             basis=s["basis"], rows_per_year=per_year)
    if spec.kind == "momentum":
        m = sig.momentum(panel.close(spec.series, "tr"), months=s["months"],
                         skip_months=s["skip_months"], basis=s["basis"],
                         rows_per_year=per_year)
        return m.to_frame("momentum")
    basket = spec.basket if isinstance(spec.basket, str) else list(spec.basket or ())
    conc = sig.concentration(panel, basket, spec.index, anchors=load_anchors(spec, panel),
                             window=s["window"])
    return conc.frame()


def breakout_input(frame: pd.DataFrame) -> pd.Series:
    """A breakout frame's state as a kernel input: 1.0 on, 0.0 off, NaN while the level is
    undefined (the warm-up)."""
    return _defined_flag(frame, "state", "level")


def trend_input(frame: pd.DataFrame) -> pd.Series:
    """A trend frame as a kernel input: 1.0 when the close is above its SMA, 0.0 below, NaN
    while the SMA is undefined."""
    return _defined_flag(frame, "above", "sma")


def _defined_flag(frame: pd.DataFrame, flag: str, level: str) -> pd.Series:
    """``frame[flag]`` as floats (1.0 / 0.0), NaN where ``frame[level]`` is missing — the
    values of ``frame[flag].astype(float).where(frame[level].notna())``, without pandas'
    alignment machinery (a sweep asks once per signal group and slot)."""
    values = frame[flag].to_numpy(dtype=np.float64, copy=True)
    values[pd.isna(frame[level].to_numpy())] = np.nan
    return pd.Series(values, index=frame.index, name=flag)
