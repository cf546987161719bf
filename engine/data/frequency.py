"""How often a series is observed: inferred from its dates, stated, and changed on request.

* :func:`infer_frequency` — ``"daily"``, ``"weekly"`` or ``"monthly"`` from the median gap
  between dates (a public, dependency-free function: other checks — e.g. "a daily series has no
  weekend dates" — call it first, because a month-end such as 2023-09-30 is a Saturday and is
  legal in a monthly file).
* :func:`month_anchor` — where in the month a monthly file dates its rows: all on the 1st
  (``"start"``: FRED, Shiller), all on the last day or last weekday (``"end"``: MSCI), or
  ``"mixed"`` (an error: rows dated 1st, 15th and 31st cannot all mean the same thing).
* :func:`to_period_ends` — a monthly (weekly) series relabelled to its calendar period end, so
  files dated on the 1st and files dated on the 31st meet on one calendar.
* :func:`resample_to` — daily closes → the close on the last trading day of each period (the
  period's close), labelled with the calendar period end; an unfinished final period is dropped.

Periods per year (:data:`PERIODS_PER_YEAR`): 252 daily, 52 weekly, 12 monthly — the ``periods``
every annualised number (CAGR, volatility, Sharpe, Sortino, turnover) uses, as quantstats does.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.data.calendar import period_end_flags

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
FREQUENCIES = (DAILY, WEEKLY, MONTHLY)
#: frequency → periods per year (quantstats' ``periods``)
PERIODS_PER_YEAR = {DAILY: 252, WEEKLY: 52, MONTHLY: 12}
#: the longest median gap (calendar days) of a daily series
DAILY_MAX_GAP = 4
#: frequency → pandas period code
_CODES = {WEEKLY: "W-FRI", MONTHLY: "M"}


def periods_per_year(frequency: str) -> int:
    """252, 52 or 12 for ``"daily"``, ``"weekly"``, ``"monthly"``."""
    try:
        return PERIODS_PER_YEAR[frequency]
    except KeyError:
        raise ValueError(f"frequency must be one of {FREQUENCIES}, got {frequency!r}") from None


def rows_for_months(months: int, frequency: str) -> int:
    """Rows of a ``frequency`` panel in ``months`` months (signal windows are given in months):
    ``months · periods a year / 12`` rounded — 21 trading days a month, 1 row on a monthly
    panel, and on a weekly one 52/12 weeks a month (12 months = 52 weeks, 10 = 43, 6 = 26)."""
    return int(round(months * periods_per_year(frequency) / 12))


def infer_frequency(dates: pd.DatetimeIndex) -> str | None:
    """``"daily"``, ``"weekly"`` or ``"monthly"`` from the median gap in calendar days between
    consecutive dates (≤ 4: daily, 5–10: weekly, 25–35: monthly); ``None`` when there are
    fewer than 3 dates or the gaps fit none of these (e.g. quarterly)."""
    d = pd.DatetimeIndex(dates)
    d = d[~d.isna()]
    if len(d) < 3:
        return None
    days = np.sort(d.to_numpy().astype("datetime64[D]").astype(np.int64))  # any resolution
    gaps = np.diff(days)
    med = float(np.median(gaps))
    if med <= DAILY_MAX_GAP:
        return DAILY
    if 5 <= med <= 10:
        return WEEKLY
    if 25 <= med <= 35:
        return MONTHLY
    return None


def month_anchor(dates: pd.DatetimeIndex) -> tuple[str, str]:
    """Where a monthly series dates its rows, and a sentence describing a mix.

    Returns ``("start", "")`` when every date is the 1st of its month, ``("end", "")`` when every
    date is the month's last calendar day or last weekday (a month ending on a weekend is often
    dated on its Friday), else ``("mixed", text)`` with ``text`` naming the first date of each
    kind found, e.g. "month-starts (first 1990-01-01), mid-months (first 1990-02-15)"."""
    d = pd.DatetimeIndex(dates)
    d = d[~d.isna()]
    month_end = d + pd.offsets.MonthEnd(0)
    last_weekday = month_end - pd.to_timedelta(np.maximum(month_end.day_of_week - 4, 0), unit="D")
    is_start = np.asarray(d.day == 1)
    is_end = np.asarray(d >= last_weekday)
    if is_start.all():
        return "start", ""
    if is_end.all():
        return "end", ""
    kinds = []
    for mask, word in ((is_start, "month-starts"), (~is_start & ~is_end, "mid-months"),
                       (is_end, "month-ends")):
        if mask.any():
            kinds.append(f"{word} (first {d[mask][0].strftime('%Y-%m-%d')})")
    return "mixed", ", ".join(kinds)


def to_period_ends(series: pd.Series, frequency: str) -> pd.Series:
    """``series`` (one value per period) relabelled to its calendar period end (the month's last
    day; weekly: the Friday). Two values in one period are a ``ValueError`` naming the period."""
    code = _CODES[frequency]
    idx = pd.DatetimeIndex(series.index).to_period(code)
    dup = idx[idx.duplicated()]
    if len(dup):
        raise ValueError(f"two values in the {frequency[:-2]} {dup[0]}")
    out = series.copy()
    out.index = pd.DatetimeIndex(idx.to_timestamp(how="end").normalize(), name="Date")
    return out


def resample_to(series: pd.Series, frequency: str) -> pd.Series:
    """Daily closes → one close per period: the close of the last trading day of each period
    (:func:`engine.data.calendar.period_end_flags`, so an unfinished final period is dropped),
    labelled with the calendar period end. ``frequency`` ``"daily"`` returns ``series``."""
    if frequency == DAILY:
        return series
    s = series.dropna()
    ends = s.loc[period_end_flags(pd.DatetimeIndex(s.index), frequency)]
    return to_period_ends(ends, frequency)
