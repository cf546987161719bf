"""``load_panel``: one entry point from a data source to a validated, aligned :class:`Panel`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from engine.data.align import DEFAULT_FFILL_LIMIT, DEFAULT_MIN_DAYS, build_panel
from engine.data.fx import check_fx_args
from engine.data.panel import Panel, SleeveSpec, parse_sleeves
from engine.data.sources import WIDE_SUFFIXES, SourceData, read_folder, read_wide
from engine.data.validate import raise_on_errors
from engine.errors import ConfigError, DataError

SAMPLE = "sample"
YAHOO = "yahoo"
DEFAULT_SEED = 7


def source_kind(source: str | Path) -> str:
    """``"sample"``, ``"yahoo"``, ``"folder"`` (CSV per ticker) or ``"wide"`` (one CSV/Parquet
    file). A path that does not exist is a :class:`DataError`."""
    if str(source) in (SAMPLE, YAHOO):
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
                 base_currency: str | None, seed: int) -> Panel:
    if base_currency:
        raise ConfigError("the synthetic sample has one currency and no FX series; drop "
                          "base_currency / fx, or load real data with its FX close")
    panel = sample_panel(seed)
    missing = [t for t in extra_tickers if t not in panel.tickers]
    if missing:
        raise DataError(f"ticker{'s' if len(missing) > 1 else ''} {', '.join(missing)} not in "
                        f"the {panel.source}; it has {', '.join(panel.tickers)}")
    return panel if sleeves is None else panel.with_sleeves(parse_sleeves(sleeves))


def _read(kind: str, source: str | Path, tickers: list[str], offline: bool,
          cache_dir: str | Path | None, max_age_days: int | None) -> SourceData:
    if kind == "folder":
        return read_folder(Path(source).expanduser(), tickers)
    if kind == "wide":
        return read_wide(Path(source).expanduser(), tickers)
    from engine.data.yahoo import load_yahoo

    return load_yahoo(tickers, cache_dir=cache_dir, offline=offline, max_age_days=max_age_days)


def load_panel(source: str | Path, sleeves: Mapping[str, SleeveSpec] | None = None, *,
               start: str | pd.Timestamp | None = None, end: str | pd.Timestamp | None = None,
               extra_tickers: Sequence[str] = (), base_currency: str | None = None,
               fx: str | None = None, ffill_limit: int = DEFAULT_FFILL_LIMIT,
               offline: bool = False, cache_dir: str | Path | None = None,
               max_age_days: int | None = None,
               min_days: int = DEFAULT_MIN_DAYS, seed: int = DEFAULT_SEED) -> Panel:
    """Load, validate and align a universe.

    ``source``: ``"sample"`` (synthetic, generated from ``seed``), ``"yahoo"`` (yfinance with a
    Parquet cache in ``cache_dir``; ``offline`` = cache only; ``max_age_days``: calendar days a
    cached series may lag the last close when it cannot be refreshed), a folder of CSVs (one per ticker)
    or one wide CSV/Parquet file. ``sleeves``: role → ticker, list of tickers (equal weights),
    ``{ticker: weight}`` (fractions) or :class:`Sleeve`; ``None`` = the source's defaults (only
    the sample has them). Only the sleeves' tickers plus ``extra_tickers`` are loaded (the
    sample keeps all its tickers). ``base_currency`` with ``fx`` (an FX ticker of the same
    source quoted as data currency per one base unit, e.g. ``GBPUSD=X``) converts every close.
    ``ffill_limit``: longest holiday gap filled, in trading days; ``min_days``: fewest trading
    days all required tickers must share. ``start``/``end`` cut the aligned panel (dates outside
    the data are an error giving the range). Errors raise :class:`DataError`/:class:`ConfigError`;
    findings that are only warnings are emitted as :class:`DataWarning`.
    """
    kind = source_kind(source)
    check_fx_args(base_currency, fx)
    if kind == SAMPLE:
        panel = _load_sample(sleeves, extra_tickers, base_currency, seed)
    else:
        if sleeves is None:
            raise ConfigError(f"{source}: give sleeves (role = ticker), e.g. {{'us': 'SPY', "
                              "'ex_us': 'ACWX'}; only the sample has default sleeves")
        parsed = parse_sleeves(sleeves)
        required = list(dict.fromkeys([t for sl in parsed.values() for t in sl.tickers]
                                      + list(extra_tickers)))
        data = _read(kind, source, required + ([fx] if fx and fx not in required else []),
                     offline, cache_dir, max_age_days)
        raise_on_errors(data.all_findings(), stacklevel=3)
        label = data.label + (f", converted to {base_currency} with {fx}" if fx else "")
        panel = build_panel(
            {t: s.tr for t, s in data.series.items()}, parsed,
            pr={t: s.pr for t, s in data.series.items() if s.pr is not None},
            extra_tickers=extra_tickers, ffill_limit=ffill_limit, min_days=min_days,
            fx=data.series[fx].tr.rename(fx) if fx else None, currency=base_currency,
            labels={t: s.label for t, s in data.series.items()}, source=label)
    if start is not None or end is not None:
        panel = panel.slice(start, end)
    return panel
