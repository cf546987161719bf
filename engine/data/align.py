"""Alignment: many tickers' closes → one trading calendar → a :class:`Panel`.

* **Every series keeps its own history** (GUIDE §1): the calendar runs from the EARLIEST
  first date among the required tickers to the earliest last date, and each ticker's closes
  are NaN before its own first date (nothing is cut to the others' start). The *overlap* —
  from the latest first date (the Panel records which ticker, ``start_ticker``) — is where
  every ticker has a price; the measured period of a backtest is decided later, from what the
  strategies hold (``engine.experiment``).
* The calendar is the union of the required tickers' dates inside that span (an FX series
  used for conversion adds no dates; before its first date the converted closes are NaN, so a
  converted ticker starts at the later of its own and the FX series' first date).
* A ticker without a quote on a calendar day after its first date takes its previous close
  (forward fill), for at most ``ffill_limit`` trading days in a row; a longer gap is an error.
  Filling never reaches before a ticker's first date. ``Panel.filled`` counts the filled days
  per ticker (``Panel.filled_mask`` marks them, so a slice recounts).
* Fewer than ``min_days`` days in the overlap is an error.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd

from engine.data.fx import to_base_currency
from engine.data.panel import Panel, Sleeve, parse_sleeves
from engine.data.validate import Finding, error, raise_on_errors
from engine.errors import ConfigError, DataError

DEFAULT_FFILL_LIMIT = 5
DEFAULT_MIN_DAYS = 252
#: words in every gap finding (``rowboat data check`` files these under their ticker)
GAP_TEXT = "trading days missing in a row"


@dataclass(frozen=True)
class Window:
    """The span of several tickers: ``calendar`` runs from the earliest first date to the
    earliest last date (``end``, set by ``end_ticker``); ``start`` is the first day of the
    overlap (every ticker priced), set by ``start_ticker`` (the ticker that starts last)."""

    start: pd.Timestamp
    start_ticker: str
    end: pd.Timestamp
    end_ticker: str
    calendar: pd.DatetimeIndex


def _day(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """(length, start index) of the longest run of True in ``mask`` ((0, -1) if none)."""
    if not mask.any():
        return 0, -1
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    starts, stops = edges[::2], edges[1::2]
    k = int(np.argmax(stops - starts))
    return int(stops[k] - starts[k]), int(starts[k])


def check_alignment(closes: Mapping[str, pd.Series], *, ffill_limit: int = DEFAULT_FFILL_LIMIT,
                    min_days: int = DEFAULT_MIN_DAYS, fx: pd.Series | None = None,
                    labels: Mapping[str, str] | None = None) -> tuple[Window | None, list[Finding]]:
    """The common window of ``closes`` (ticker → clean close series) and what is wrong with it:
    no overlap, fewer than ``min_days`` days, or a gap longer than ``ffill_limit`` trading days.
    ``fx`` (named by its ticker) moves the start but adds no dates."""
    if ffill_limit < 0 or min_days < 1:
        raise ConfigError(f"ffill_limit must be ≥ 0 and min_days ≥ 1 (trading days), got "
                          f"{ffill_limit} and {min_days}")
    labels = labels or {}
    series = dict(closes)
    if fx is not None:
        series.setdefault(str(fx.name), fx)
    firsts = {t: s.index[0] for t, s in series.items()}
    lasts = {t: s.index[-1] for t, s in series.items()}
    start_ticker = max(firsts, key=lambda t: firsts[t])
    end_ticker = min(lasts, key=lambda t: lasts[t])
    start, end = firsts[start_ticker], lasts[end_ticker]
    if start > end:
        return None, [error(start_ticker, (
            f"no overlapping dates: {start_ticker} starts on {_day(start)}, after {end_ticker} "
            f"ends on {_day(end)}; drop one of them"))]
    all_dates = reduce(pd.Index.union, (s.index for s in closes.values()))
    earliest = min(firsts[t] for t in closes)
    calendar = pd.DatetimeIndex(all_dates[(all_dates >= earliest) & (all_dates <= end)],
                                name="Date")
    window = Window(start, start_ticker, end, end_ticker, calendar)
    findings = []
    overlap = int(((calendar >= start) & (calendar <= end)).sum())
    if overlap < min_days:
        why = ([f"{start_ticker} starts latest ({_day(start)})"]
               if len(set(firsts.values())) > 1 else [])
        why += [f"{end_ticker} ends first ({_day(end)})"] if len(set(lasts.values())) > 1 else []
        fix = (f"{' and '.join(why)}: drop {'it' if len(why) == 1 else 'one of them'}"
               if why else "add more history")
        findings.append(error(start_ticker, (
            f"only {overlap} overlapping trading days ({_day(start)} to {_day(end)}), fewer "
            f"than the {min_days} required; {fix} or lower min_days")))
    for t, s in series.items():
        own = calendar[calendar >= firsts[t]]      # no gap before a ticker's own first date
        run, i = _longest_run(~own.isin(s.index))
        if run > ffill_limit:
            findings.append(error(t, (
                f"{labels.get(t, t)}: {run} {GAP_TEXT}, {_day(own[i])} to "
                f"{_day(own[i + run - 1])} (the forward-fill limit is {ffill_limit} trading "
                "days); add the missing closes or raise ffill_limit")))
    return window, findings


def _on_calendar(s: pd.Series, calendar: pd.DatetimeIndex) -> pd.Series:
    """``s`` on ``calendar``, each missing day after its first date taking the previous close
    (from before the calendar's start if need be); NaN before its first date."""
    return s.reindex(s.index.union(calendar)).ffill().reindex(calendar)


def build_panel(tr: Mapping[str, pd.Series],
                sleeves: Mapping[str, Sleeve | str | Sequence[str] | Mapping[str, float]], *,
                pr: Mapping[str, pd.Series] | None = None, extra_tickers: Sequence[str] = (),
                ffill_limit: int = DEFAULT_FFILL_LIMIT, min_days: int = DEFAULT_MIN_DAYS,
                fx: pd.Series | None = None, currency: str | None = None,
                local: Sequence[str] = (),
                labels: Mapping[str, str] | None = None, source: str = "") -> Panel:
    """Align clean closes into a :class:`Panel`.

    ``tr``: ticker → total-return closes (DatetimeIndex ascending, unique; positive, no NaN).
    ``pr``: ticker → genuine price-return closes (same dates as ``tr``); other tickers get
    ``pr = tr``. Required tickers are the sleeves' plus ``extra_tickers``; only they enter the
    panel, each from its own first date (NaN before it; see the module docstring). ``fx``: data currency per one unit of ``currency`` (see :mod:`engine.data.fx`),
    named by its ticker; every close is divided by it except those of ``local`` tickers
    (already in the base currency, e.g. a pound cash fund as risk-free series). ``labels``: ticker → file name for
    messages. Raises :class:`DataError` on the first problem.
    """
    sleeves = parse_sleeves(sleeves)
    pr = pr or {}
    required = list(dict.fromkeys([t for sl in sleeves.values() for t in sl.tickers]
                                  + list(extra_tickers)))
    if not required:
        raise ConfigError("no tickers to load: give at least one sleeve (role = ticker)")
    missing = [t for t in required if t not in tr]
    if missing:
        raise DataError(f"ticker{'s' if len(missing) > 1 else ''} {', '.join(missing)} not in the "
                        f"data ({source or 'given closes'}); it has {', '.join(sorted(tr))}")
    if (fx is None) != (currency is None):
        raise ConfigError("give both fx (an FX close series) and currency, or neither")
    window, findings = check_alignment({t: tr[t] for t in required}, ffill_limit=ffill_limit,
                                       min_days=min_days, fx=fx, labels=labels)
    raise_on_errors(findings)
    assert window is not None
    cal = window.calendar
    tr_frame = pd.DataFrame({t: _on_calendar(tr[t], cal) for t in required}, index=cal)
    pr_frame = pd.DataFrame({t: _on_calendar(pr[t], cal) if t in pr else tr_frame[t]
                             for t in required}, index=cal)
    filled_mask = pd.DataFrame({t: ~cal.isin(tr[t].index) & (cal >= tr[t].index[0])
                                for t in required}, index=cal)
    filled = {t: int(filled_mask[t].sum()) for t in required}
    if fx is not None:
        fx_close = _on_calendar(fx, cal)
        conv = [t for t in required if t not in set(local)]
        tr_frame[conv] = to_base_currency(tr_frame[conv], fx_close)
        pr_frame[conv] = to_base_currency(pr_frame[conv], fx_close)
    elif local:
        raise ConfigError("local tickers are those already in the base currency; give fx and "
                          "currency too, or drop local")
    return Panel(tr=tr_frame.astype("float64"), pr=pr_frame.astype("float64"),
                 price_return=frozenset(t for t in required if t in pr), sleeves=sleeves,
                 source=source, start_ticker=window.start_ticker, currency=currency,
                 filled=filled, filled_mask=filled_mask)
