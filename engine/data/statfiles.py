"""Statistics files: one column of a multi-column CSV, declared in a config as a series.

``[data.series.NAME]`` (see :class:`SeriesFile`) names a file, a column and what the numbers are:

* ``kind = "price"`` — index levels (price return). With ``dividends = "COLUMN"`` (annualised
  amounts, as Shiller's ``Dividend``) a total-return close is built beside them:
  ``r_t = (P_t + D_t / periods) / P_{t-1} − 1`` (12 periods a year for a monthly file).
* ``kind = "total_return"`` — levels that already include income (an MSCI gross index as CSV).
* ``kind = "rate"`` — an interest rate in **percent per year** (FRED's ``TB3MS``): each value
  becomes one period's return ``(1 + rate/100) ** (1/periods) − 1``, chained into a close that
  starts at 1; usable as a cash sleeve or the risk-free series. Values below −5 or above 100
  are refused (a file in fractions, or a price column by mistake).
* ``kind = "indicator"`` — any other number (CAPE, margin debt, …): not tradable, read by
  indicator signals only (``Panel.indicators``).

Availability: a row dated in period *p* (FRED and Shiller date a monthly average on the 1st) is
relabelled to *p*'s last day and used ``lag`` periods later: ``lag = 0`` — known at the close
that ends its period (a monthly average of closes); ``lag = 1`` (the default for rates and
indicators) — from the next period on, so the rate averaged over January 1981 is the cash return
of February 1981. The lag is stated in the run output.

Zeros that mean "not published": a run of zeros at the **end** of a column (Shiller's file is 0
from 2023-07 on in every column but ``SP500``) is missing, with a warning naming the file,
column and first date; a run at the start (CAPE is undefined for the first ten years) is missing
too. Zeros in between stay zeros.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.data.frequency import (MONTHLY, infer_frequency, month_anchor, periods_per_year,
                                   to_period_ends)
from engine.data.csvtext import read_text_csv
from engine.data.sources import SeriesData, _date_column, _empty
from engine.data.validate import Finding, check_dates, error, parse_dates, warning
from engine.errors import DataError

KINDS = ("price", "total_return", "rate", "indicator")
#: plausible rates, percent per year
RATE_LOW, RATE_HIGH = -5.0, 100.0
DEFAULT_LAG = {"price": 0, "total_return": 0, "rate": 1, "indicator": 1}


@dataclass(frozen=True)
class SeriesFile:
    """One ``[data.series.NAME]``: ``file`` (absolute path), ``column``, ``kind`` (one of
    :data:`KINDS`), ``dividends`` (a column of annualised dividends, price kind only) and
    ``lag`` (whole periods after the row's own period before it is known; ``None`` = the kind's
    default, :data:`DEFAULT_LAG`)."""

    name: str
    file: Path
    column: str
    kind: str = "price"
    dividends: str | None = None
    lag: int | None = None

    @property
    def periods_lag(self) -> int:
        return DEFAULT_LAG[self.kind] if self.lag is None else self.lag


@dataclass(frozen=True)
class Declared:
    """What a :class:`SeriesFile` gives: a tradable series (``data``: price, total_return,
    rate) or an indicator (``indicator``: raw values at their availability dates), its
    ``frequency`` and the findings."""

    spec: SeriesFile
    frequency: str | None
    data: SeriesData | None = None
    indicator: pd.Series | None = None
    findings: tuple[Finding, ...] = ()


def _missing_zeros(values: pd.Series, label: str, column: str, name: str
                   ) -> tuple[pd.Series, list[Finding]]:
    """Leading and trailing runs of zeros → NaN; a warning for a trailing run."""
    v = values.copy()
    nz = np.flatnonzero((v.to_numpy() != 0) & v.notna().to_numpy())
    if len(nz) == 0:
        return v * np.nan, []
    first, last = int(nz[0]), int(nz[-1])
    v.iloc[:first] = np.nan
    findings = []
    if last < len(v) - 1:
        v.iloc[last + 1:] = np.nan
        findings.append(warning(name, (
            f"{label}: column '{column}' is 0 from {v.index[last + 1].strftime('%Y-%m-%d')} to "
            f"the end ({len(v) - last - 1} rows): read as not published yet (missing), not as "
            "zero")))
    return v, findings


def _read_column(path: Path, column: str, name: str) -> tuple[pd.Series | None, list[Finding]]:
    label = path.name
    if not path.is_file():
        return None, [error(name, f"{path}: file not found (series '{name}'); fix the path in "
                                  "[data.series] (relative to the config file)")]
    try:
        frame = read_text_csv(path)
    except DataError as exc:
        return None, [error(name, str(exc))]
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return None, [error(name, f"{label}: cannot be read as CSV ({exc}); save it as "
                                  "comma-separated text with a Date column")]
    frame.columns = [c.strip().strip('"') for c in frame.columns]
    date_col = _date_column(list(frame.columns))
    if date_col is None or column not in frame.columns:
        what = "no 'Date' column" if date_col is None else f"no column '{column}'"
        return None, [error(name, f"{label}: {what} (columns: {', '.join(frame.columns)}); "
                                  "set column = one of them under [data.series]")]
    dates, findings = parse_dates(frame[date_col], name, label)
    findings += check_dates(dates, name, label)
    raw = frame[column].astype(str).str.strip()
    values = pd.Series(pd.to_numeric(raw, errors="coerce").to_numpy(), index=dates)
    bad = values.isna() & (raw != "").to_numpy() & (raw != ".").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        findings.append(error(name, (
            f"{label}: column '{column}': {int(bad.sum())} values not a number (first "
            f"{raw.iloc[i]!r} on line {i + 2}); write plain numbers with a dot for decimals")))
    values = values.loc[~values.index.isna()]
    return values.sort_index(), findings


def _check_frequency(values: pd.Series, label: str, name: str
                     ) -> tuple[str | None, list[Finding]]:
    freq = infer_frequency(pd.DatetimeIndex(values.index))
    if freq is None:
        return None, [error(name, (
            f"{label}: cannot tell how often it is observed (dates neither daily, weekly nor "
            "monthly); give one row per trading day, week or month"))]
    if freq == MONTHLY:
        anchor, mix = month_anchor(pd.DatetimeIndex(values.index))
        if anchor == "mixed":
            return freq, [error(name, (
                f"{label}: monthly dates mix {mix}; date every row on the 1st of its month or "
                "every row on its last day"))]
    return freq, []


def read_series_file(spec: SeriesFile) -> Declared:
    """Read and convert one declared series (see the module docstring)."""
    label = f"{spec.file.name} [{spec.column}]"
    values, findings = _read_column(spec.file, spec.column, spec.name)
    if values is None or any(f.is_error for f in findings):
        return Declared(spec, None, data=_empty(spec.name, label, 0, findings),
                        findings=tuple(findings))
    values, more = _missing_zeros(values, spec.file.name, spec.column, spec.name)
    findings += more
    freq, more = _check_frequency(values.dropna(), spec.file.name, spec.name)
    findings += more
    if freq is None or any(f.is_error for f in findings):
        return Declared(spec, freq, data=_empty(spec.name, label, 0, findings),
                        findings=tuple(findings))
    periods = periods_per_year(freq)
    values = values.dropna()
    if spec.kind == "rate":
        low, high = values < RATE_LOW, values > RATE_HIGH
        if low.any() or high.any():
            first = values[low | high]
            findings.append(error(spec.name, (
                f"{spec.file.name}: column '{spec.column}' has {len(first)} rates outside "
                f"{RATE_LOW:g}…{RATE_HIGH:g} percent a year (first {first.iloc[0]:g} on "
                f"{first.index[0].strftime('%Y-%m-%d')}); give the rate in percent per year "
                "(5.2 = 5.2 %) or declare the column with another kind")))
            return Declared(spec, freq, data=_empty(spec.name, label, 0, findings),
                            findings=tuple(findings))
    if freq != "daily":
        values = to_period_ends(values, freq)
    if spec.kind == "indicator":
        ind = _shift(values, spec.periods_lag, freq).rename(spec.name)
        return Declared(spec, freq, indicator=ind, findings=tuple(findings))
    if spec.kind == "rate":
        rets = np.power(1.0 + values / 100.0, 1.0 / periods) - 1.0
        rets = _shift(rets, spec.periods_lag, freq)
        tr = _chain(rets, freq).rename(spec.name)
        data = SeriesData(spec.name, f"{label} (rate, % a year, lag {spec.periods_lag})", tr,
                          None, len(values), tuple(findings))
        return Declared(spec, freq, data=data, findings=tuple(findings))
    if (values <= 0).any():
        i = values[values <= 0].index[0]
        findings.append(error(spec.name, (
            f"{spec.file.name}: column '{spec.column}' has levels ≤ 0 (first on "
            f"{i.strftime('%Y-%m-%d')}); a price or total-return column must be positive")))
        return Declared(spec, freq, data=_empty(spec.name, label, 0, findings),
                        findings=tuple(findings))
    level = _shift(values, spec.periods_lag, freq).rename(spec.name)
    pr = None
    tr = level
    if spec.kind == "price":
        pr = level
        if spec.dividends is not None:
            div, more = _read_column(spec.file, spec.dividends, spec.name)
            findings += more
            if div is None or any(f.is_error for f in more):
                return Declared(spec, freq, data=_empty(spec.name, label, 0, findings),
                                findings=tuple(findings))
            div, more = _missing_zeros(div, spec.file.name, spec.dividends, spec.name)
            findings += more
            div = _shift(to_period_ends(div, freq) if freq != "daily" else div,
                         spec.periods_lag, freq).reindex(level.index)
            rets = (level + div / periods) / level.shift(1) - 1.0
            rets = rets.iloc[1:]
            ok = rets.notna().to_numpy()
            last = int(np.flatnonzero(ok)[-1]) if ok.any() else -1
            rets = rets.iloc[: last + 1]
            if rets.isna().any():
                d = rets.index[rets.isna().to_numpy()][0]
                findings.append(error(spec.name, (
                    f"{spec.file.name}: column '{spec.dividends}' is missing on "
                    f"{d.strftime('%Y-%m-%d')} inside the history; fill it in")))
            tr = (level.iloc[0] * (1.0 + rets.fillna(0.0)).cumprod())
            tr = pd.concat([level.iloc[:1], tr]).rename(spec.name)
            pr = level.loc[tr.index]
    what = {"price": "price levels" + (f" + {spec.dividends}" if spec.dividends else ""),
            "total_return": "total-return levels"}[spec.kind]
    data = SeriesData(spec.name, f"{label} ({what})", tr.astype("float64"),
                      None if pr is None else pr.astype("float64"), len(values),
                      tuple(findings))
    return Declared(spec, freq, data=data, findings=tuple(findings))


def _shift(values: pd.Series, lag: int, freq: str) -> pd.Series:
    """Relabel each value ``lag`` periods later (its availability date)."""
    if lag == 0:
        return values
    if freq == "daily":
        out = values.iloc[:-lag] if lag < len(values) else values.iloc[:0]
        return pd.Series(out.to_numpy(), index=values.index[lag:], name=values.name)
    code = "M" if freq == MONTHLY else "W-FRI"
    idx = pd.DatetimeIndex(values.index).to_period(code) + lag
    return pd.Series(values.to_numpy(), index=pd.DatetimeIndex(
        idx.to_timestamp(how="end").normalize(), name="Date"), name=values.name)


def _chain(rets: pd.Series, freq: str) -> pd.Series:
    """Per-period returns → a close that is 1.0 one period before the first return."""
    if freq == "daily":
        start = rets.index[0] - pd.Timedelta(days=1)
    else:
        code = "M" if freq == MONTHLY else "W-FRI"
        start = (pd.DatetimeIndex(rets.index[:1]).to_period(code) - 1).to_timestamp(
            how="end").normalize()[0]
    level = (1.0 + rets).cumprod()
    return pd.concat([pd.Series([1.0], index=pd.DatetimeIndex([start], name="Date")), level])
