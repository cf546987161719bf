"""One frequency for a panel: each source's frequency is inferred and checked, then every series
is put on the panel's frequency (:mod:`engine.data.frequency`).

* Without a stated frequency, every tradable series must have the same one; a mix (a daily
  ``SPY.csv`` beside a monthly ``MSCI_EM.xls``) is an error naming both files and the fix
  (``[data] frequency = "monthly"``), never a silent guess.
* ``frequency = "monthly"`` (or ``"weekly"``) resamples finer series to period closes (the close
  of the last trading day of each period) and relabels coarser-dated ones to the period end; a
  series coarser than asked for is an error.
* A monthly file whose dates mix month-starts, mid-months and month-ends is an error naming it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace


import pandas as pd

from engine.data.calendar import period_end_flags
from engine.data.panel import Panel
from engine.data.frequency import (DAILY, FREQUENCIES, MONTHLY, infer_frequency, month_anchor,
                                   resample_to, to_period_ends)
from engine.data.sources import SeriesData
from engine.errors import ConfigError, DataError

_RANK = {f: i for i, f in enumerate(FREQUENCIES)}


def series_frequency(data: SeriesData) -> str:
    """The frequency of one series' dates; a :class:`DataError` naming the file when it cannot
    be told or when monthly dates mix month-starts, mid-months and month-ends."""
    dates = pd.DatetimeIndex(data.tr.index)
    freq = infer_frequency(dates)
    if freq is None:
        if len(dates) < 3:
            return DAILY          # too short to tell; the alignment checks report it
        raise DataError(f"{data.label}: cannot tell how often it is observed (the dates are "
                        "neither daily, weekly nor monthly); give one row per trading day, week "
                        "or month")
    if freq == MONTHLY:
        anchor, mix = month_anchor(dates)
        if anchor == "mixed":
            raise DataError(f"{data.label}: monthly dates mix {mix}; date every row on the 1st "
                            "of its month or every row on its last day")
    return freq


def _convert(data: SeriesData, own: str, target: str) -> SeriesData:
    if own == target:
        if target == DAILY:
            return data
        try:
            tr = to_period_ends(data.tr, target)
        except ValueError as exc:
            raise DataError(f"{data.label}: {exc}; keep one row per period") from None
        pr = None if data.pr is None else to_period_ends(data.pr, target)
        return replace(data, tr=tr, pr=pr)
    if _RANK[own] > _RANK[target]:
        raise DataError(f"{data.label} is {own}: a {target} panel cannot be made from it; set "
                        f"[data] frequency = \"{own}\" (the other series are resampled to "
                        f"{own} closes)")
    tr = resample_to(data.tr, target)
    pr = None if data.pr is None else resample_to(data.pr, target)
    return replace(data, tr=tr, pr=pr)


def harmonise(series: Mapping[str, SeriesData], frequency: str | None,
              known: Mapping[str, str] | None = None) -> tuple[str, dict[str, SeriesData]]:
    """(the panel's frequency, every series on it). ``frequency``: the stated one or None
    (infer: all series must agree). ``known``: ticker → frequency already established (declared
    statistics files, already on period ends)."""
    if frequency is not None and frequency not in FREQUENCIES:
        raise ConfigError(f"frequency {frequency!r} is not known; use one of "
                          f"{', '.join(FREQUENCIES)}")
    known = known or {}
    freqs = {t: known[t] if t in known else series_frequency(s) for t, s in series.items()}
    if frequency is None:
        kinds = sorted(set(freqs.values()), key=_RANK.__getitem__)
        if len(kinds) > 1:
            fine = next(t for t in series if freqs[t] == kinds[0])
            coarse = next(t for t in series if freqs[t] == kinds[-1])
            raise DataError(
                f"{series[fine].label} is {kinds[0]} but {series[coarse].label} is "
                f"{kinds[-1]}: rowboat does not mix frequencies silently; add frequency = "
                f"\"{kinds[-1]}\" under [data] to use {kinds[-1]} closes of every series (the "
                f"{kinds[0]} ones resampled to period ends), or give files of one frequency")
        frequency = kinds[0] if kinds else DAILY
    out = {t: (s if t in known and freqs[t] == frequency else _convert(s, freqs[t], frequency))
           for t, s in series.items()}
    return frequency, out


def resample_panel(panel: Panel, frequency: str) -> Panel:
    """A daily (weekly) panel as a coarser one: each period's row is its last trading day's
    closes (and caps, indicators), labelled with the calendar period end; an unfinished final
    period is dropped (:func:`engine.data.calendar.period_end_flags`)."""
    if frequency not in FREQUENCIES:
        raise ConfigError(f"frequency {frequency!r} is not known; use one of "
                          f"{', '.join(FREQUENCIES)}")
    if _RANK[frequency] < _RANK[panel.frequency]:
        raise DataError(f"{panel.source} is {panel.frequency}: a {frequency} panel cannot be "
                        f"made from it; set [data] frequency = \"{panel.frequency}\"")
    if frequency == panel.frequency:
        return panel
    flags = period_end_flags(panel.dates, frequency)
    ends = to_period_ends(pd.Series(0.0, index=panel.dates[flags]), frequency).index

    def cut(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        if frame is None:
            return None
        out = frame.loc[flags].copy()
        out.index = ends
        return out

    return replace(panel, tr=cut(panel.tr), pr=cut(panel.pr), caps=cut(panel.caps),
                   indicators=cut(panel.indicators), filled={t: 0 for t in panel.filled},
                   filled_mask=None, frequency=frequency,
                   source=f"{panel.source}, {frequency} closes")
