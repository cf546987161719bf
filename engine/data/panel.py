"""Panel: aligned daily closes on one trading calendar, with named sleeves.

Every series has a total-return close (``tr``: adjusted, for P&L) and a price-return close
(``pr``: for signals, e.g. index levels). Where a source has no price-return close, ``pr`` holds
the total-return close and the ticker is absent from ``price_return``.

**Every series keeps its own history** (GUIDE §1): ``tr``/``pr`` run from the earliest first
date of the panel's tickers, and a ticker's closes are NaN before its own first date (never
after it: holiday gaps are forward-filled). :attr:`Panel.first_dates` gives each ticker's first
priced date and :meth:`Panel.first_date` that of a ticker or sleeve (a basket starts when all
its members have prices). Signals read a series from its own first date; the engine accepts
NaN closes of a ticker it does not hold and refuses a non-zero target on a ticker without a
price (``engine.sim``); the measured period is decided by ``engine.experiment``.
``start_ticker`` names the ticker that starts last (from its first date every ticker has a
price: the overlap).

A sleeve is a role (``us_mega``, ``us``, ``ex_us``, ``em``, ``world``, ``cash``, ``bonds`` or a
user-chosen name) mapped to one ticker or a basket of tickers with fixed weights (fractions
summing to 1).
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from engine.data.calendar import as_date
from engine.errors import ConfigError, DataError

#: The roles rowboat's strategies know. Users may add their own names.
STANDARD_ROLES = ("us_mega", "us", "ex_us", "em", "world", "cash", "bonds")

TRADING_DAYS_PER_YEAR = 252


def weight_value(value: object, what: str) -> float:
    """``value`` as a float when it is a real number — else a :class:`ConfigError` naming
    ``what``. Text (``"0.6"``, ``"abc"``) and booleans (``true`` is not 1.0) are not weights."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                     np.floating)):
        raise ConfigError(f"{what} is {value!r}, not a number; give a fraction, e.g. 0.6")
    return float(value)


@dataclass(frozen=True)
class Sleeve:
    """A role held as one ticker or as a fixed-weight basket.

    ``weights`` are fractions that sum to 1 (checked to 1e-9).
    """

    role: str
    tickers: tuple[str, ...]
    weights: tuple[float, ...]
    extend_with: str | None = None
    cost: float = 0.0

    def __post_init__(self) -> None:
        if self.extend_with is not None and (len(self.tickers) != 1 or not 0 <= self.cost < 0.1):
            raise ConfigError(f"sleeve '{self.role}': extend_with needs one ticker and a cost "
                              f"from 0 to 0.1 (a fraction a year: 0.0068 = 0.68 %), got "
                              f"{list(self.tickers)} and {self.cost!r}")
        if not self.tickers:
            raise ConfigError(f"sleeve '{self.role}': no tickers; give a ticker or a basket")
        if len(self.tickers) != len(self.weights):
            raise ConfigError(f"sleeve '{self.role}': {len(self.tickers)} tickers but "
                              f"{len(self.weights)} weights")
        if len(set(self.tickers)) != len(self.tickers):
            raise ConfigError(f"sleeve '{self.role}': a ticker appears twice in the basket")
        for t, v in zip(self.tickers, self.weights):
            weight_value(v, f"sleeve '{self.role}': weight of '{t}'")
        w = np.asarray(self.weights, dtype=float)
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise ConfigError(f"sleeve '{self.role}': basket weights must be positive fractions, "
                              f"got {list(self.weights)}")
        if abs(w.sum() - 1.0) > 1e-9:
            raise ConfigError(f"sleeve '{self.role}': basket weights sum to {w.sum():.6g}, not 1; "
                              "give fractions that sum to 1 (e.g. 0.5 and 0.5)")

    @classmethod
    def parse(cls, role: str, spec: str | Mapping[str, float] | list[str] | tuple[str, ...]) -> Sleeve:
        """Build a sleeve from a config value.

        ``"SPY"`` → one ticker; ``["A", "B"]`` → equal-weight basket; ``{"A": 0.6, "B": 0.4}`` →
        weighted basket (fractions; weights given in percent, summing to 100, are rejected with a
        hint).
        """
        if isinstance(spec, str):
            return cls(role, (spec,), (1.0,))
        if isinstance(spec, Mapping) and "ticker" in spec:
            return cls._extended(role, spec)
        if isinstance(spec, Mapping):
            tickers = tuple(str(t) for t in spec)
            weights = tuple(weight_value(v, f"sleeve '{role}': weight of '{t}'")
                            for t, v in zip(tickers, spec.values()))
            total = sum(weights)
            if abs(total - 100.0) < 1e-6 and len(weights) > 1:
                raise ConfigError(f"sleeve '{role}': basket weights sum to 100; give fractions "
                                  "that sum to 1 (0.25, not 25)")
            return cls(role, tickers, weights)
        if isinstance(spec, (list, tuple)):
            tickers = tuple(str(t) for t in spec)
            n = len(tickers)
            return cls(role, tickers, tuple(1.0 / n for _ in tickers) if n else ())
        raise ConfigError(f"sleeve '{role}': expected a ticker, a list of tickers or a table "
                          f"ticker = weight, got {type(spec).__name__}")

    @classmethod
    def _extended(cls, role: str, spec: Mapping[str, object]) -> Sleeve:
        """``{ticker = "EEM", extend_with = "MSCI_EM", cost = 0.0068}`` (see
        :mod:`engine.data.extend`)."""
        unknown = sorted(set(spec) - {"ticker", "extend_with", "cost"})
        if unknown:
            raise ConfigError(f"sleeve '{role}': unknown key '{unknown[0]}'; an extended sleeve "
                              "is { ticker = \"EEM\", extend_with = \"MSCI_EM\", cost = 0.0068 }")
        ticker, index = spec.get("ticker"), spec.get("extend_with")
        if not isinstance(ticker, str) or not isinstance(index, str) or not ticker or not index:
            raise ConfigError(f"sleeve '{role}': give ticker = \"FUND\" and extend_with = "
                              "\"INDEX\" (names of series in the data)")
        cost = weight_value(spec.get("cost", 0.0), f"sleeve '{role}': cost")
        return cls(role, (ticker,), (1.0,), extend_with=index, cost=cost)

    @property
    def is_basket(self) -> bool:
        return len(self.tickers) > 1


SleeveSpec = Sleeve | str | Sequence[str] | Mapping[str, float]


def parse_sleeves(sleeves: Mapping[str, SleeveSpec]) -> dict[str, Sleeve]:
    """Role → :class:`Sleeve` from role → spec (as :meth:`Sleeve.parse`) or Sleeve. A Sleeve
    given under another role is an error."""
    out = {}
    for role, spec in sleeves.items():
        if isinstance(spec, Sleeve):
            if spec.role != role:
                raise ConfigError(f"sleeve given under role '{role}' is named '{spec.role}'; use "
                                  "the same name")
            out[role] = spec
        else:
            out[role] = Sleeve.parse(role, spec)
    return out


@dataclass(frozen=True, eq=False)
class Panel:
    """Aligned, validated daily closes with named sleeves.

    Attributes
    ----------
    tr:
        Total-return closes (split- and dividend-adjusted), ``DatetimeIndex`` named ``Date``
        (the trading calendar, ascending, unique), one float64 column per ticker; NaN only
        before the ticker's own first date.
    pr:
        Price-return closes, same index and columns. Equal to ``tr`` for tickers whose source has
        no separate price close.
    price_return:
        Tickers whose ``pr`` is a genuine price-return close from the source.
    sleeves:
        Role → :class:`Sleeve`. Every sleeve ticker is a column of ``tr``.
    caps:
        Optional market capitalisations (same index; columns a subset of tickers), in the
        source's currency units. The sample universe has them for its seven mega-caps and the US
        index, so concentration can be computed from caps.
    source:
        Human-readable description, e.g. ``"synthetic sample (seed 7)"`` or ``"CSV folder
        /data/prices"``.
    synthetic:
        True for the generated sample universe; every output made from it says so.
    start_ticker:
        The ticker that starts last (its first date begins the overlap where every ticker has
        a price); ``None`` when not known or when the panel was sliced after that date.
    currency:
        Base currency the closes are expressed in, when converted (``None`` = as the source).
    filled:
        Ticker → number of trading days (of this panel's calendar) on which the ticker had no
        quote and took its previous close (holiday gaps; see :mod:`engine.data.align`).
    filled_mask:
        Optional bool frame (same index and columns as ``tr``): True where the close was
        filled. :meth:`slice` recounts ``filled`` inside the window from it; a panel built
        without it keeps the counts it was given (they then describe the whole history).
    frequency:
        ``"daily"``, ``"weekly"`` or ``"monthly"`` (:mod:`engine.data.frequency`): one row per
        trading day, week or month. Windows, metrics and reports follow it.
    indicators:
        Optional frame of indicator values (CAPE, rates, …) on the same dates: each value on
        the row it was published (its lag applied), NaN between publications
        (:meth:`indicator` carries it forward); not tradable.
    splices:
        Ticker → :class:`engine.data.extend.Splice` for sleeves extended back with an index.
    """

    tr: pd.DataFrame
    pr: pd.DataFrame
    price_return: frozenset[str] = frozenset()
    sleeves: Mapping[str, Sleeve] = field(default_factory=dict)
    caps: pd.DataFrame | None = None
    source: str = ""
    synthetic: bool = False
    start_ticker: str | None = None
    currency: str | None = None
    filled: Mapping[str, int] = field(default_factory=dict)
    filled_mask: pd.DataFrame | None = None
    frequency: str = "daily"
    indicators: pd.DataFrame | None = None
    splices: Mapping[str, Any] = field(default_factory=dict)

    @property
    def periods_per_year(self) -> int:
        """252 (daily), 52 (weekly) or 12 (monthly): quantstats' ``periods`` for this panel."""
        from engine.data.frequency import periods_per_year
        return periods_per_year(self.frequency)

    def indicator(self, name: str) -> pd.Series:
        """An indicator series (``[data.series]`` with ``kind = "indicator"``) on the panel's
        dates: each value from the date it became known (its publication lag applied), carried
        forward; NaN before the first."""
        if self.indicators is None or name not in self.indicators.columns:
            have = [] if self.indicators is None else list(self.indicators.columns)
            raise ConfigError(f"no indicator series '{name}' in the data ({self.source}); "
                              f"indicators: {', '.join(have) or 'none'} — declare it under "
                              f"[data.series.{name}] with kind = \"indicator\"")
        return self.indicators[name].ffill()

    # ------------------------------------------------------------------ basic views
    @property
    def dates(self) -> pd.DatetimeIndex:
        return self.tr.index  # type: ignore[return-value]

    @property
    def tickers(self) -> list[str]:
        return list(self.tr.columns)

    @property
    def roles(self) -> list[str]:
        return list(self.sleeves)

    def __len__(self) -> int:
        return len(self.tr)

    @property
    def first_dates(self) -> pd.Series:
        """Ticker → its first date with a price in this panel (NaT for a ticker with none)."""
        seen = self.tr.notna().to_numpy()
        first = self.dates[seen.argmax(axis=0)].to_numpy().astype("datetime64[ns]")
        first[~seen.any(axis=0)] = np.datetime64("NaT")
        return pd.Series(first, index=self.tr.columns)

    def first_date(self, name: str) -> pd.Timestamp:
        """First priced date of a ticker or sleeve role (a basket: of its last-listed member);
        NaT when it never has a price in the panel."""
        tickers = self.sleeves[name].tickers if name in self.sleeves else (name,)
        for t in tickers:
            self._ticker(t)
        last = -1
        rows = self._first_rows
        for t in tickers:
            if rows[t] < 0:
                return pd.NaT
            last = max(last, rows[t])
        return pd.Timestamp(self.dates[last]) if last >= 0 else pd.NaT

    @functools.cached_property
    def _first_rows(self) -> dict[Any, int]:
        """Ticker → row of its first price (−1: none), found once (the panel is immutable;
        a sweep asks for every signal group)."""
        seen = self.tr.notna().to_numpy()
        rows = np.where(seen.any(axis=0), seen.argmax(axis=0), -1)
        return {t: int(r) for t, r in zip(self.tr.columns, rows)}

    def sleeve(self, role: str) -> Sleeve:
        try:
            return self.sleeves[role]
        except KeyError:
            raise ConfigError(f"unknown sleeve '{role}'; this panel has sleeves "
                              f"{sorted(self.sleeves)}; add it under [sleeves]") from None

    def _ticker(self, ticker: str) -> None:
        if ticker not in self.tr.columns:
            raise DataError(f"unknown ticker '{ticker}'; the panel holds {sorted(self.tickers)}")

    # ------------------------------------------------------------------ closes
    def close(self, name: str, kind: str = "tr") -> pd.Series:
        """Close of a ticker or a sleeve role. ``kind``: ``"tr"`` total return, ``"pr"`` price.

        A basket sleeve is a fixed-weight index rebalanced daily to its basket weights, starting
        at 1.0 on the first date all its members have prices (NaN before it).
        """
        frame = self._frame(kind)
        if name in self.sleeves:
            sl = self.sleeves[name]
            if not sl.is_basket:
                return frame[sl.tickers[0]].rename(name)
            members = frame[list(sl.tickers)]
            listed = members.notna().all(axis=1).to_numpy()
            rets = members.pct_change(fill_method=None).fillna(0.0).to_numpy()
            idx = np.cumprod(np.where(listed, 1.0 + rets @ np.asarray(sl.weights), 1.0))
            first = int(np.argmax(listed)) if listed.any() else len(idx)
            idx[:first] = np.nan
            if first < len(idx):
                idx[first:] /= idx[first]
            return pd.Series(idx, index=self.dates, name=name)
        self._ticker(name)
        return frame[name]

    def signal_close(self, name: str) -> pd.Series:
        """The close a signal should read: price-return when every ticker behind ``name`` has a
        genuine one, else total-return."""
        tickers = self.sleeves[name].tickers if name in self.sleeves else (name,)
        kind = "pr" if all(t in self.price_return for t in tickers) else "tr"
        return self.close(name, kind)

    def returns(self, kind: str = "tr") -> pd.DataFrame:
        """Daily simple returns per ticker (0 on its first date and before it)."""
        return self._frame(kind).pct_change(fill_method=None).fillna(0.0)

    def _frame(self, kind: str) -> pd.DataFrame:
        if kind == "tr":
            return self.tr
        if kind == "pr":
            return self.pr
        raise ValueError(f"kind must be 'tr' or 'pr', got {kind!r}")

    # ------------------------------------------------------------------ period
    def slice(self, start: str | pd.Timestamp | None = None,
              end: str | pd.Timestamp | None = None) -> Panel:
        """The panel between ``start`` and ``end`` (inclusive; text as ``YYYY-MM-DD``).

        Dates outside the data, unreadable dates and a window without a trading day are a
        :class:`DataError` that gives the available range. When the window starts after
        ``start_ticker``'s first date, ``start_ticker`` becomes ``None``;
        ``filled`` is recounted inside the window when ``filled_mask`` is known.
        """
        first, last = self.dates[0], self.dates[-1]
        avail = f"the data covers {first.date()} to {last.date()}"
        s = as_date(start, "start", error=DataError, hint=avail) if start is not None else first
        e = as_date(end, "end", error=DataError, hint=avail) if end is not None else last
        if s < first or s > last:
            raise DataError(f"start {s.date()} is outside the data: {avail}")
        if e > last or e < first:
            raise DataError(f"end {e.date()} is outside the data: {avail}")
        if e < s:
            raise DataError(f"end {e.date()} is before start {s.date()}")
        m = (self.dates >= s) & (self.dates <= e)
        if not m.any():
            before, after = self.dates[self.dates < s][-1], self.dates[self.dates > e][0]
            raise DataError(f"no trading day from {s.date()} to {e.date()} (the nearest are "
                            f"{before.date()} and {after.date()}; {avail}); widen the period")
        mask = None if self.filled_mask is None else self.filled_mask.loc[m]
        filled = (self.filled if mask is None
                  else {t: int(mask[t].sum()) if t in mask.columns else n
                        for t, n in self.filled.items()})
        keep = (self.start_ticker is not None and self.start_ticker in self.tr.columns
                and self.dates[m][0] <= self.first_date(self.start_ticker))
        start_ticker = self.start_ticker if keep else None
        return replace(self, tr=self.tr.loc[m], pr=self.pr.loc[m],
                       caps=None if self.caps is None else self.caps.loc[m],
                       indicators=None if self.indicators is None else self.indicators.loc[m],
                       start_ticker=start_ticker, filled=filled, filled_mask=mask)

    def with_sleeves(self, sleeves: Mapping[str, Sleeve]) -> Panel:
        """The same data with other sleeves (each ticker must be in the panel)."""
        for sl in sleeves.values():
            for t in sl.tickers:
                if t not in self.tr.columns:
                    raise ConfigError(f"[sleeves] {sl.role}: sleeve '{sl.role}' names ticker "
                                      f"'{t}', which is not in the data ({self.source}); use one "
                                      f"of its tickers: {', '.join(sorted(self.tickers))}")
        return replace(self, sleeves=dict(sleeves))

    # ------------------------------------------------------------------ identity
    def data_hash(self) -> str:
        """SHA-256 of the dates, tickers and both closes: the same data gives the same hash."""
        h = hashlib.sha256()
        h.update(np.asarray(self.dates.asi8).tobytes())
        h.update("\x1f".join(self.tickers).encode())
        h.update(np.ascontiguousarray(self.tr.to_numpy(dtype=np.float64)).tobytes())
        h.update(np.ascontiguousarray(self.pr.to_numpy(dtype=np.float64)).tobytes())
        return h.hexdigest()

    def describe(self) -> pd.DataFrame:
        """Per sleeve: tickers, first and last date (its own history), annualised return and
        volatility over that history (fractions, 252 trading days a year, total-return
        closes)."""
        rows = []
        for role, sl in self.sleeves.items():
            c = self.close(role, "tr").dropna()
            r = c.pct_change().dropna()
            years = len(r) / self.periods_per_year
            ann_ret = (c.iloc[-1] / c.iloc[0]) ** (1 / years) - 1 if years > 0 else np.nan
            rows.append({"sleeve": role, "tickers": " ".join(sl.tickers),
                         "first": c.index[0].date() if len(c) else None,
                         "last": self.dates[-1].date(),
                         "ann_return": ann_ret,
                         "ann_vol": float(r.std(ddof=1) * np.sqrt(self.periods_per_year))})
        return pd.DataFrame(rows)
