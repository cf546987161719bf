"""``load_panel``: one entry point from a data source to a validated, aligned :class:`Panel`."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from engine.data.align import DEFAULT_FFILL_LIMIT, DEFAULT_MIN_DAYS, build_panel
from engine.data.extend import Splice, splice
from engine.data.frequency import DAILY, periods_per_year
from engine.data.fx import check_fx_args
from engine.data.harmonise import harmonise, resample_panel
from engine.data.panel import Panel, Sleeve, SleeveSpec, parse_sleeves
from engine.data.sources import WIDE_SUFFIXES, SeriesData, SourceData, read_folder, read_wide
from engine.data.statfiles import Declared, SeriesFile, read_series_file
from engine.data.validate import raise_on_errors
from engine.errors import ConfigError, DataError

SAMPLE = "sample"
SAMPLE_HISTORY = "sample_history"
YAHOO = "yahoo"
DEFAULT_SEED = 7


def source_kind(source: str | Path) -> str:
    """``"sample"``, ``"yahoo"``, ``"folder"`` (CSV per ticker) or ``"wide"`` (one CSV/Parquet
    file). A path that does not exist is a :class:`DataError`."""
    if str(source) in (SAMPLE, SAMPLE_HISTORY, YAHOO):
        return str(source)
    path = Path(source).expanduser()
    if path.is_dir():
        return "folder"
    if path.is_file() and path.suffix.lower() in WIDE_SUFFIXES:
        return "wide"
    if path.is_file():
        raise DataError(f"data file {path} is neither CSV nor Parquet; give a folder of CSVs, "
                        "a .csv or .parquet file, 'sample' or 'yahoo'")
    raise DataError(f"data source {str(source)!r} not found; give 'sample' (the synthetic "
                    "universe), 'yahoo', a folder of CSV files (one per ticker) or one wide "
                    "CSV/Parquet file")


def sample_panel(seed: int = DEFAULT_SEED) -> Panel:
    """The synthetic sample universe (``engine.data.sample``), imported only when asked for."""
    try:
        from engine.data.sample import sample_panel as generate
    except ModuleNotFoundError as exc:
        if exc.name != "engine.data.sample":
            raise
        raise DataError("the synthetic sample universe (engine/data/sample.py) is missing from "
                        "this installation; reinstall rowboat, or load a folder of CSVs or "
                        "'yahoo'") from None
    return generate(seed)


def _load_sample(sleeves: Mapping[str, SleeveSpec] | None, extra_tickers: Sequence[str],
                 base_currency: str | None, seed: int, history: bool = False) -> Panel:
    if base_currency:
        raise ConfigError("the synthetic sample has one currency and no FX series; drop "
                          "base_currency / fx, or load real data with its FX close")
    if history:
        from engine.data.sample_history import history_panel
        panel = history_panel(seed)
    else:
        panel = sample_panel(seed)
    indicators = [] if panel.indicators is None else list(panel.indicators.columns)
    missing = [t for t in extra_tickers if t not in panel.tickers and t not in indicators]
    if missing:
        raise DataError(f"ticker{'s' if len(missing) > 1 else ''} {', '.join(missing)} not in "
                        f"the {panel.source}; it has {', '.join(panel.tickers)}")
    if sleeves is None:
        return panel
    parsed = parse_sleeves(sleeves)
    return extend_panel(panel.with_sleeves(parsed), parsed)


def extend_panel(panel: Panel, sleeves: Mapping[str, Sleeve]) -> Panel:
    """``panel`` with each extended sleeve's fund spliced with its index, both columns of the
    panel (:mod:`engine.data.extend`); ``Panel.splices`` records where."""
    ext = {sl.tickers[0]: sl for sl in sleeves.values() if sl.extend_with}
    if not ext:
        return panel
    for sl in ext.values():
        if sl.extend_with not in panel.tickers:
            raise DataError(f"sleeve '{sl.role}': extend_with names '{sl.extend_with}', which is "
                            f"not in the {panel.source}; tickers: {', '.join(panel.tickers)}")
    series = {t: SeriesData(t, t, panel.tr[t].dropna(),
                            panel.pr[t].dropna() if t in panel.price_return else None, 0)
              for t in {*ext, *(sl.extend_with for sl in ext.values())}}
    spliced, splices = _extend(series, ext, panel.periods_per_year)
    tr, pr = panel.tr.copy(), panel.pr.copy()
    for t in ext:
        tr[t] = spliced[t].tr.reindex(panel.dates)
        pr[t] = (spliced[t].pr if spliced[t].pr is not None else spliced[t].tr
                 ).reindex(panel.dates)
    keep_pr = frozenset(t for t in panel.price_return if t not in ext or spliced[t].pr is not None)
    return replace(panel, tr=tr, pr=pr, price_return=keep_pr,
                   splices={**panel.splices, **splices})


def _read(kind: str, source: str | Path, tickers: list[str], offline: bool,
          cache_dir: str | Path | None, max_age_days: int | None,
          price_only: Sequence[str] = ()) -> SourceData:
    if kind == "folder":
        return read_folder(Path(source).expanduser(), tickers, price_only)
    if kind == "wide":
        return read_wide(Path(source).expanduser(), tickers, price_only)
    if price_only:
        raise ConfigError(f"price_only ({', '.join(price_only)}) applies to a folder of CSVs or "
                          "a wide file; Yahoo gives each ticker's own closes — remove it")
    from engine.data.yahoo import load_yahoo

    return load_yahoo(tickers, cache_dir=cache_dir, offline=offline, max_age_days=max_age_days)


def load_panel(source: str | Path, sleeves: Mapping[str, SleeveSpec] | None = None, *,
               start: str | pd.Timestamp | None = None, end: str | pd.Timestamp | None = None,
               extra_tickers: Sequence[str] = (), base_currency: str | None = None,
               fx: str | None = None, ffill_limit: int = DEFAULT_FFILL_LIMIT,
               offline: bool = False, cache_dir: str | Path | None = None,
               max_age_days: int | None = None, local: Sequence[str] = (),
               price_only: Sequence[str] = (),
               min_days: int = DEFAULT_MIN_DAYS, seed: int = DEFAULT_SEED,
               frequency: str | None = None,
               series: Mapping[str, SeriesFile] | None = None) -> Panel:
    """Load, validate and align a universe.

    ``source``: ``"sample"`` (synthetic, generated from ``seed``), ``"yahoo"`` (yfinance with a
    Parquet cache in ``cache_dir``; ``offline`` = cache only; ``max_age_days``: calendar days a
    cached series may lag the last close when it cannot be refreshed), a folder of CSVs (one per
    ticker) or one wide CSV/Parquet file. ``sleeves``: role → ticker, list of tickers (equal weights),
    ``{ticker: weight}`` (fractions) or :class:`Sleeve`; ``None`` = the source's defaults (only
    the sample has them). Only the sleeves' tickers plus ``extra_tickers`` are loaded (the
    sample keeps all its tickers). ``base_currency`` with ``fx`` (an FX ticker of the same
    source quoted as data currency per one base unit, e.g. ``GBPUSD=X``) converts every close
    but those of the ``local`` tickers (already in the base currency). ``price_only``: tickers
    whose files hold price levels (``Date,Close[,Volume]``, e.g. ``^GSPC``; see
    :mod:`engine.data.sources`). Every series keeps its own history (:mod:`engine.data.align`).
    ``ffill_limit``: longest holiday gap filled, in trading days (none on a weekly or monthly
    panel); ``min_days``: fewest trading days all required tickers must share (scaled to the
    panel's periods: 252 days = 12 months). ``frequency``: ``"daily"``, ``"weekly"`` or
    ``"monthly"`` — None infers it from the files, which must agree
    (:mod:`engine.data.harmonise`); a coarser frequency resamples finer files to period closes.
    ``series``: name → :class:`~engine.data.statfiles.SeriesFile` (``[data.series]``:
    statistics files, rates, indicators), read instead of the source for those names.
    ``start``/``end`` cut the aligned panel (dates outside
    the data are an error giving the range). Errors raise :class:`DataError`/:class:`ConfigError`;
    findings that are only warnings are emitted as :class:`DataWarning`.
    """
    kind = source_kind(source)
    check_fx_args(base_currency, fx)
    if kind in (SAMPLE, SAMPLE_HISTORY):
        if series:
            raise ConfigError(f"[data.series] {', '.join(series)}: declared files need a folder "
                              "source; set [data] source to the folder of your files")
        panel = _load_sample(sleeves, extra_tickers, base_currency, seed, history=kind ==
                             SAMPLE_HISTORY)
        if frequency is not None and frequency != panel.frequency:
            panel = resample_panel(panel, frequency)
    else:
        if sleeves is None:
            raise ConfigError(f"{source}: give sleeves (role = ticker), e.g. {{'us': 'SPY', "
                              "'ex_us': 'ACWX'}; only the sample has default sleeves")
        parsed = parse_sleeves(sleeves)
        declared = read_declared(series or {})
        indicator_names = [n for n, d in declared.items() if d.indicator is not None]
        required = list(dict.fromkeys([t for sl in parsed.values() for t in sl.tickers]
                                      + [t for t in extra_tickers if t not in indicator_names]))
        extensions = {sl.tickers[0]: sl for sl in parsed.values() if sl.extend_with}
        wanted = list(dict.fromkeys(required + ([fx] if fx else [])
                                    + [sl.extend_with for sl in extensions.values()]))
        from_source = [t for t in wanted if t not in declared]
        data = (_read(kind, source, from_source, offline, cache_dir, max_age_days,
                      tuple(price_only)) if from_source
                else SourceData("declared series", {}))
        raise_on_errors(data.all_findings(), stacklevel=3)
        all_series = {**data.series, **{n: d.data for n, d in declared.items()
                                        if d.data is not None and n in wanted}}
        freq, all_series = harmonise(all_series, frequency,
                                     {n: d.frequency for n, d in declared.items()
                                      if d.frequency is not None})
        all_series, splices = _extend(all_series, extensions, periods_per_year(freq))
        label = data.label + (f", converted to {base_currency} with {fx}" if fx else "")
        if declared:
            label += " + " + ", ".join(d.data.label if d.data is not None else n
                                       for n, d in declared.items())
        per = periods_per_year(freq) / periods_per_year(DAILY)
        panel = build_panel(
            {t: s.tr for t, s in all_series.items()}, parsed,
            pr={t: s.pr for t, s in all_series.items() if s.pr is not None},
            extra_tickers=[t for t in extra_tickers if t not in indicator_names],
            ffill_limit=ffill_limit if freq == DAILY else 0,
            min_days=max(2, math.ceil(min_days * per)),
            fx=all_series[fx].tr.rename(fx) if fx else None, currency=base_currency,
            local=tuple(local),
            labels={t: s.label for t, s in all_series.items()}, source=label)
        panel = replace(panel, frequency=freq, splices=splices,
                        indicators=indicator_frame(declared, panel.dates))
    if start is not None or end is not None:
        panel = panel.slice(start, end)
    return panel


def _extend(series: dict[str, SeriesData], extensions: Mapping[str, Sleeve], periods: int
            ) -> tuple[dict[str, SeriesData], dict[str, Splice]]:
    """Each extended sleeve's fund spliced with its index (:mod:`engine.data.extend`); the
    price-return close is spliced the same way when both have one, else dropped."""
    out, splices = dict(series), {}
    for ticker, sl in extensions.items():
        f, x = series[ticker], series[sl.extend_with]
        tr, sp = splice(f.tr, x.tr, cost=sl.cost, periods=periods, fund_label=f.label,
                        index_label=x.label)
        pr = None
        if f.pr is not None and x.pr is not None:
            pr, _ = splice(f.pr, x.pr, cost=0.0, periods=periods, fund_label=f.label,
                           index_label=x.label)
        out[ticker] = replace(f, tr=tr, pr=pr, label=f"{f.label} extended with {x.label}")
        splices[ticker] = sp
    return out, splices


def read_declared(series: Mapping[str, SeriesFile]) -> dict[str, Declared]:
    """Each ``[data.series.NAME]`` read and converted (:mod:`engine.data.statfiles`); errors
    raise, warnings (e.g. Shiller's trailing zeros read as missing) are emitted."""
    out = {}
    for name, spec in series.items():
        d = read_series_file(spec)
        raise_on_errors(d.findings, stacklevel=4)
        out[name] = d
    return out


def indicator_frame(declared: Mapping[str, Declared],
                    dates: pd.DatetimeIndex) -> pd.DataFrame | None:
    """Indicator values on ``dates`` (see :func:`on_publication_rows`)."""
    cols = {n: d.indicator for n, d in declared.items() if d.indicator is not None}
    if not cols:
        return None
    return pd.DataFrame({n: on_publication_rows(s, dates) for n, s in cols.items()},
                        index=dates)


def on_publication_rows(values: pd.Series, dates: pd.DatetimeIndex) -> pd.Series:
    """Each value (indexed by the date it became known) on the first of ``dates`` on or after
    that date — the row it is published on — and NaN on the rows in between
    (``Panel.indicator`` carries it forward; indicator signals count one value per
    publication, not one per trading day)."""
    v = values.dropna()
    pos = pd.DatetimeIndex(dates).searchsorted(pd.DatetimeIndex(v.index), side="left")
    keep = pos < len(dates)
    out = pd.Series(np.nan, index=dates, name=values.name)
    rows = pd.Series(v.to_numpy()[keep], index=pos[keep])
    rows = rows[~rows.index.duplicated(keep="last")]
    out.iloc[rows.index.to_numpy()] = rows.to_numpy()
    return out
