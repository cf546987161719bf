"""Experiment configs: TOML → frozen dataclasses (GUIDE §6).

One file per experiment::

    [run]        name, start (the first MEASURED day), end, benchmark (a [[strategy]] name),
                 lag, risk_free, risk_free_converted
    [data]       source ("sample" | "sample_history" | "yahoo" | a folder or a CSV/Parquet file,
                 relative to the config file), seed (samples only), base_currency, fx, local
                 (tickers already in the base currency: not converted), price_only (tickers
                 whose files hold price levels, e.g. ["^GSPC"]), ffill_limit, offline,
                 cache_dir, max_age_days (Yahoo: days a cache may lag when not refreshed),
                 frequency ("daily" | "weekly" | "monthly": resample to period closes;
                 default: inferred, files must agree)
    [data.series.NAME]  file, column, kind ("price" | "total_return" | "rate" | "indicator"),
                 dividends, lag (periods) — statistics files (``engine.data.statfiles``)
    [sleeves]    role = "TICKER" | ["T1", "T2"] (equal weights) | {T1 = 0.6, T2 = 0.4} |
                 {ticker = "EEM", extend_with = "MSCI_EM", cost = 0.0068} (``engine.data.extend``)
    [signals.NAME]  kind = "concentration" | "breakout" | "trend" | "momentum" | "indicator",
                 the series it
                 reads and its settings (see ``strategies.signals``)
    [costs]      fee_bps, slippage_bps (basis points: 10 = 0.1 %), rebalance ("decision" |
                 "change"), band (a FRACTION of portfolio value: 0.05 = 5 points), band_relative
    [[strategy]] name, rule (a registered strategy), params = {...}, signals = {slot = "NAME"}

Units: costs are given in basis points and held here as fractions (``CostsConfig.fee``); the band
is a fraction in the file and here. ``lag`` is in rows of the panel — trading days, or months on
a monthly panel (1 = decide at a close, fill at the next; 0 only when asked for). ``risk_free``
is a sleeve role or a ticker of ``[data] local`` (its returns are the risk-free rate for Sharpe
and Sortino) or 0. With a ``base_currency`` the risk-free series must be a local one — every
ticker behind it listed in ``[data] local`` (not FX-converted) — unless ``risk_free_converted =
true`` says to use a converted series anyway (a US-dollar bill fund in pounds carries the
exchange rate's volatility, not a cash rate's). Dates are ISO dates (quoted or
bare TOML dates).

Every error is a :class:`~engine.errors.ConfigError` that names the file, the section and the key,
and says what to write instead. Unknown sections and keys are errors that list the valid ones.
For ``source = "sample"`` the sample's default sleeves (us_mega, us, ex_us, em, world, cash,
bonds) are always there; ``[sleeves]`` adds to or replaces them. Other sources need ``[sleeves]``.
"""
from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from engine.config_tables import (NAME, StrategyConfig, Where, name_problem, parse_signals,
                                  parse_strategies, text, whole)
from engine.data.calendar import as_date
from engine.data.frequency import FREQUENCIES
from engine.data.statfiles import KINDS as SERIES_KINDS
from engine.data.statfiles import SeriesFile
from engine.data.panel import Sleeve
from engine.errors import ConfigError
from strategies.params import REBALANCE_MODES
from strategies.signals import SignalSpec

SECTIONS = ("run", "data", "sleeves", "signals", "costs", "strategy")
RUN_KEYS = ("name", "start", "end", "benchmark", "lag", "risk_free", "risk_free_converted")
DATA_KEYS = ("source", "seed", "base_currency", "fx", "local", "price_only", "ffill_limit",
             "offline", "cache_dir", "max_age_days", "frequency", "series")
SERIES_KEYS = ("file", "column", "kind", "dividends", "lag")
COSTS_KEYS = ("fee_bps", "slippage_bps", "rebalance", "band", "band_relative")

#: the generated universes (``sample``: daily 2006-2026; ``sample_history``: monthly from 1970)
SAMPLES = ("sample", "sample_history")

__all__ = ["Config", "CostsConfig", "DataConfig", "RunConfig", "StrategyConfig",
           "config_from_dict", "load_config"]


@dataclass(frozen=True)
class RunConfig:
    """``[run]``. ``start`` is the first MEASURED day (every strategy already invested on it);
    ``start``/``end`` None = the data's range. ``risk_free`` None = 0; a sleeve role or a
    ``[data] local`` ticker. ``risk_free_converted``: use an FX-converted risk-free series."""

    name: str
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    benchmark: str = ""
    lag: int = 1
    risk_free: str | None = None
    risk_free_converted: bool = False


@dataclass(frozen=True)
class DataConfig:
    """``[data]``. ``source`` is "sample", "yahoo", or an absolute path."""

    source: str = "sample"
    seed: int = 7
    base_currency: str | None = None
    fx: str | None = None
    ffill_limit: int = 5
    offline: bool = False
    cache_dir: str | None = None
    max_age_days: int | None = None
    local: tuple[str, ...] = ()
    price_only: tuple[str, ...] = ()
    frequency: str | None = None
    series: Mapping[str, SeriesFile] = field(default_factory=dict)

    @property
    def is_sample(self) -> bool:
        return self.source in SAMPLES


@dataclass(frozen=True)
class CostsConfig:
    """``[costs]``: ``fee`` and ``slippage`` are fractions (the file gives basis points)."""

    fee: float = 0.0
    slippage: float = 0.0
    rebalance: str = "decision"
    band: float | None = None
    band_relative: bool = False

    @property
    def fee_bps(self) -> float:
        return self.fee * 1e4

    @property
    def slippage_bps(self) -> float:
        return self.slippage * 1e4


@dataclass(frozen=True)
class Config:
    """A parsed, validated experiment config. ``path`` is None for configs built from dicts;
    ``raw`` is the TOML as read (for the results manifest)."""

    run: RunConfig
    data: DataConfig
    sleeves: Mapping[str, Sleeve]
    signals: Mapping[str, SignalSpec]
    costs: CostsConfig
    strategies: tuple[StrategyConfig, ...]
    path: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    def strategy(self, name: str) -> StrategyConfig:
        for s in self.strategies:
            if s.name == name:
                return s
        raise ConfigError(f"{self.where}: no strategy named '{name}'; strategies: "
                          f"{', '.join(s.name for s in self.strategies)}")

    def bound_signals(self, name: str) -> dict[str, SignalSpec]:
        """Slot → SignalSpec for strategy ``name`` (see ``Strategy.bind``)."""
        sc = self.strategy(name)
        return sc.strategy.bind(self.signals, sc.signals, self.sleeves)

    def signal_bindings(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Strategy → slot → ``{"signal", "how", "reads"}``: which signal each strategy reads
        and why (``how``: "bound" in its [[strategy]] table, "auto" = the only configured
        signal of the slot's kind on the slot's series, "default" = the slot's default spec,
        ``signal`` then its label such as "breakout(em)"). For the run output and manifest."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for sc in self.strategies:
            slots = sc.strategy.bind_explained(self.signals, sc.signals, self.sleeves)
            out[sc.name] = {slot: {"signal": spec.name or spec.label, "how": how,
                                   "reads": list(spec.names())}
                            for slot, (spec, how) in slots.items()}
        return out

    def binding_lines(self) -> list[str]:
        """One line per automatic choice (``how`` "auto" or "default"), e.g.
        "rowing_boat.em reads em_high (auto: the only breakout signal on em)"."""
        lines = []
        for name, slots in self.signal_bindings().items():
            for slot, b in slots.items():
                if b["how"] == "auto":
                    why = f"auto: the only {self._kind(name, slot)} signal on {'/'.join(b['reads'])}"
                elif b["how"] == "default":
                    why = "default settings; no [signals.*] table reads its series"
                else:
                    continue
                lines.append(f"{name}.{slot} reads {b['signal']} ({why})")
        return lines

    def _kind(self, strategy: str, slot: str) -> str:
        return self.strategy(strategy).strategy.slots[slot].kind

    @property
    def where(self) -> str:
        return str(self.path) if self.path is not None else "config"

    def sleeve_specs(self) -> dict[str, Sleeve]:
        """Sleeves for ``load_panel`` (role → Sleeve)."""
        return dict(self.sleeves)


# ============================================================================ parsing


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML experiment config (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} not found; give the path of a .toml file (examples "
                          "in scripts/configs/)")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}; fix the syntax (strings need quotes, "
                          "tables [name], arrays [a, b])") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not a UTF-8 text file; save it as UTF-8") from None
    return config_from_dict(raw, path=p.resolve())


def config_from_dict(raw: Mapping[str, Any], *, path: Path | None = None,
                     base_dir: Path | None = None) -> Config:
    """Validate a config given as a dict (as TOML would parse it). Relative paths resolve
    against ``base_dir``, else the config file's folder, else the working directory."""
    w = Where(path)
    base = base_dir or (path.parent if path is not None else Path.cwd())
    unknown = [k for k in raw if k not in SECTIONS]
    if unknown:
        raise ConfigError(f"{w.file}: unknown section [{unknown[0]}]; valid sections: "
                          + ", ".join(f"[{s}]" if s != "strategy" else "[[strategy]]"
                                      for s in SECTIONS))
    data = _data(w, w.table(raw.get("data"), "data"), base)
    sleeves = _sleeves(w, w.table(raw.get("sleeves"), "sleeves"), data)
    roles = set(sleeves)
    signals = parse_signals(w, w.table(raw.get("signals"), "signals"), base)
    costs = _costs(w, w.table(raw.get("costs"), "costs"))
    strategies = parse_strategies(w, raw.get("strategy"), signals, sleeves, roles)
    run = _run(w, w.table(raw.get("run"), "run"), path, strategies, roles, data, sleeves)
    return Config(run=run, data=data, sleeves=MappingProxyType(sleeves),
                  signals=MappingProxyType(signals), costs=costs, strategies=strategies,
                  path=path, raw=dict(raw))


# ---------------------------------------------------------------------------- sections


def _date(w: Where, key: str, v: Any) -> pd.Timestamp:
    """``[run] start/end``: a TOML date, a date-time (its day) or "YYYY-MM-DD" text."""
    if isinstance(v, dt.datetime):
        v = v.date()
    return as_date(v, f"{w.file}: [run] {key}", hint='e.g. start = 2008-01-31')


def _run(w: Where, tab: dict[str, Any], path: Path | None,
         strategies: tuple[StrategyConfig, ...], roles: set[str], data: DataConfig,
         sleeves: Mapping[str, Sleeve]) -> RunConfig:
    w.keys(tab, "run", RUN_KEYS)
    name = tab.get("name", path.stem if path is not None else "experiment")
    problem = name_problem(name)
    if problem:
        raise w.err("run", "name", f"cannot name a results folder: {problem} (e.g. "
                    "\"rowing_boat\")")
    start = _date(w, "start", tab["start"]) if "start" in tab else None
    end = _date(w, "end", tab["end"]) if "end" in tab else None
    if start is not None and end is not None and end <= start:
        raise w.err("run", "end", f"end {end.date()} is not after start {start.date()}; swap them")
    names = [s.name for s in strategies]
    bench = tab.get("benchmark", names[0])
    if not isinstance(bench, str) or bench not in names:
        raise w.err("run", "benchmark", f"{bench!r} is not one of the [[strategy]] names "
                    f"({', '.join(names)}); name one of them")
    lag = whole(w, "run", "lag", tab.get("lag", 1), 0, 21,
               "lag is in trading days between a decision's close and its fill (default 1)")
    rf = tab.get("risk_free", 0)
    if isinstance(rf, bool) or (not isinstance(rf, str) and rf != 0):
        raise w.err("run", "risk_free", f"expected a sleeve role (e.g. \"cash\") or 0, got {rf!r}")
    if isinstance(rf, str):
        if rf not in roles and rf not in data.local:
            raise w.err("run", "risk_free", f"unknown sleeve '{rf}'; sleeves: "
                        f"{', '.join(sorted(roles)) or 'none'}; add it under [sleeves] (or name a "
                        "ticker listed in [data] local) or use 0")
    conv = tab.get("risk_free_converted", False)
    if not isinstance(conv, bool):
        raise w.err("run", "risk_free_converted", f"expected true or false, got {conv!r}")
    if isinstance(rf, str) and data.base_currency and not conv:
        tickers = sleeves[rf].tickers if rf in sleeves else (rf,)
        foreign = [t for t in tickers if t not in data.local]
        if foreign:
            raise w.err("run", "risk_free", (
                f"'{rf}' ({' '.join(tickers)}) is converted into {data.base_currency} with "
                f"{data.fx}, so it carries the currency's volatility and is no risk-free rate "
                f"in {data.base_currency}; give a {data.base_currency} cash series: a ticker "
                f"listed in [data] local = [\"...\"] (not converted), or set risk_free_converted "
                "= true to use the converted series anyway"))
    return RunConfig(name=name, start=start, end=end, benchmark=bench, lag=lag,
                     risk_free=rf if isinstance(rf, str) else None, risk_free_converted=conv)


def _data(w: Where, tab: dict[str, Any], base: Path) -> DataConfig:
    w.keys(tab, "data", DATA_KEYS)
    src = text(w, "data", "source", tab.get("source", "sample"),
               fix="use \"sample\", \"yahoo\" or a folder/file path")
    if src not in (*SAMPLES, "yahoo"):
        p = Path(src).expanduser()
        p = p if p.is_absolute() else base / p
        # existence is checked when the data is loaded: `--data` may override this source
        src = str(p.resolve())
    seed = whole(w, "data", "seed", tab.get("seed", 7), 0, 2**32 - 1, "seed picks the sample")
    if "seed" in tab and src not in SAMPLES:
        raise w.err("data", "seed", "seed only applies to source = \"sample\"; remove it")
    cur = tab.get("base_currency")
    fx = tab.get("fx")
    if cur is not None:
        cur = text(w, "data", "base_currency", cur, fix="give a currency code like \"GBP\"")
    if fx is not None:
        fx = text(w, "data", "fx", fx, fix="give the FX ticker, e.g. \"GBPUSD=X\"")
    if (cur is None) != (fx is None):
        raise w.err("data", "fx" if cur else "base_currency", "base_currency and fx go together: "
                    "give both (e.g. base_currency = \"GBP\", fx = \"GBPUSD=X\") or neither")
    ff = whole(w, "data", "ffill_limit", tab.get("ffill_limit", 5), 0, 30,
              "the longest holiday gap to forward-fill, in trading days")
    offline = tab.get("offline", False)
    if not isinstance(offline, bool):
        raise w.err("data", "offline", f"expected true or false, got {offline!r}")
    cache = tab.get("cache_dir")
    if cache is not None:
        c = Path(text(w, "data", "cache_dir", cache, fix="give a folder path")).expanduser()
        cache = str((c if c.is_absolute() else base / c).resolve())
    age = tab.get("max_age_days")
    if age is not None:
        age = whole(w, "data", "max_age_days", age, 0, 36500,
                    "calendar days a Yahoo cache may lag the last close when it cannot be "
                    "refreshed")
    local = _tickers(w, tab, "local")
    if local and not cur:
        raise w.err("data", "local", "local lists tickers already in the base currency; it needs "
                    "base_currency and fx (or remove it)")
    price_only = _tickers(w, tab, "price_only")
    freq = tab.get("frequency")
    if freq is not None and freq not in FREQUENCIES:
        raise w.err("data", "frequency", f"{freq!r}; valid: {', '.join(FREQUENCIES)} (monthly "
                    "resamples daily files to month-end closes)")
    series = _series(w, w.table(tab.get("series"), "data.series"), base)
    return DataConfig(source=src, seed=seed, base_currency=cur, fx=fx, ffill_limit=ff,
                      offline=offline, cache_dir=cache, max_age_days=age, frequency=freq,
                      series=MappingProxyType(series), local=local, price_only=price_only)


def _tickers(w: Where, tab: dict[str, Any], key: str) -> tuple[str, ...]:
    """A list of tickers (``[data] local``, ``price_only``); absent = ()."""
    v = tab.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(t, str) and t.strip() for t in v):
        raise w.err("data", key, f"expected a list of tickers, e.g. [\"^GSPC\"], got {v!r}")
    return tuple(dict.fromkeys(t.strip() for t in v))


def _series(w: Where, tab: dict[str, Any], base: Path) -> dict[str, SeriesFile]:
    """``[data.series.NAME]``: file, column, kind, dividends, lag (see
    :mod:`engine.data.statfiles`)."""
    out = {}
    for name, spec in tab.items():
        section = f"data.series.{name}"
        if not NAME.match(name):
            raise w.err(section, None, "a series name is a plain name like CAPE or TBILL")
        spec = w.table(spec, section)
        w.keys(spec, section, SERIES_KEYS)
        if "file" not in spec or "column" not in spec:
            raise w.err(section, "file" if "file" not in spec else "column",
                        "missing; give file = \"path.csv\" (relative to this config) and "
                        "column = \"NAME\"")
        f = Path(text(w, section, "file", spec["file"], fix="give a CSV path")).expanduser()
        f = (f if f.is_absolute() else base / f).resolve()
        kind = spec.get("kind", "price")
        if kind not in SERIES_KINDS:
            raise w.err(section, "kind", f"{kind!r}; valid: {', '.join(SERIES_KINDS)}")
        div = spec.get("dividends")
        if div is not None:
            div = text(w, section, "dividends", div, fix="give the dividend column's name")
            if kind != "price":
                raise w.err(section, "dividends", "only a price series takes dividends; "
                            "remove it or set kind = \"price\"")
        lag = spec.get("lag")
        if lag is not None:
            lag = whole(w, section, "lag", lag, 0, 24, "lag is in periods (months for a "
                        "monthly file) between a value's own period and its use")
        out[name] = SeriesFile(name, f, text(w, section, "column", spec["column"],
                                             fix="give the column's name"), kind, div, lag)
    return out


def _sleeves(w: Where, tab: dict[str, Any], data: DataConfig) -> dict[str, Sleeve]:
    if not tab and not data.is_sample:
        raise w.err("sleeves", None, "missing; only the sample has default sleeves — add e.g. "
                    "[sleeves] us = \"SPY\", ex_us = \"ACWX\", em = \"EEM\", cash = \"BIL\"")
    out: dict[str, Sleeve] = {}
    if data.source == "sample":
        from engine.data.sample import DEFAULT_SLEEVES
        out = {r: Sleeve.parse(r, t) for r, t in DEFAULT_SLEEVES.items()}
    elif data.source == "sample_history":
        from engine.data.sample_history import DEFAULT_SLEEVES as HISTORY_SLEEVES
        out = {r: Sleeve.parse(r, t) for r, t in HISTORY_SLEEVES.items()}
    for role, spec in tab.items():
        if not NAME.match(role):
            raise w.err("sleeves", role, "a role is a plain name like us_mega or ex_us")
        try:
            out[role] = Sleeve.parse(role, spec)
        except ConfigError as exc:
            raise w.err("sleeves", role, f"{exc}; write role = \"TICKER\", [\"T1\", \"T2\"] or "
                        "{T1 = 0.6, T2 = 0.4}") from None
    return out


def _costs(w: Where, tab: dict[str, Any]) -> CostsConfig:
    w.keys(tab, "costs", COSTS_KEYS)

    def bps(key: str) -> float:
        v = tab.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or not 0 <= v < 1000:
            raise w.err("costs", key, f"expected basis points from 0 to 1000 (10 = 0.1 %), got "
                        f"{v!r}")
        return float(v) / 1e4

    reb = tab.get("rebalance", "decision")
    if reb not in REBALANCE_MODES:
        raise w.err("costs", "rebalance", f"{reb!r}; valid: {', '.join(REBALANCE_MODES)} "
                    "(every decision, or only when the target changes)")
    band = tab.get("band")
    if band is not None:
        if isinstance(band, bool) or not isinstance(band, (int, float)) or not 0 <= band < 1:
            hint = (f" — for {band:g} %, write {band / 100:g}" if isinstance(band, (int, float))
                    and not isinstance(band, bool) and 1 <= band < 100 else "")
            raise w.err("costs", "band", f"expected a fraction of portfolio value from 0 to 1 "
                        f"(0.05 = 5 points), got {band!r}{hint}")
        band = float(band) if band > 0 else None
    rel = tab.get("band_relative", False)
    if not isinstance(rel, bool):
        raise w.err("costs", "band_relative", f"expected true or false, got {rel!r}")
    return CostsConfig(fee=bps("fee_bps"), slippage=bps("slippage_bps"), rebalance=reb,
                       band=band, band_relative=rel)


