"""The pipeline shared by ``rowboat run`` and ``rowboat sweep``: config → panel → signals →
targets → backtests, with one common measurement period.

Timing: signals, targets and backtests are computed on the data up to ``end`` (never later),
each series on its own history; each rule runs over every decision date from the day its
sleeves have prices (so its state carries into the measured period), and each backtest from
its first decision. Every strategy is measured over ONE period: from the day after the last
first fill (the first day ALL of them are invested for the whole day), or from ``start`` — the
first measured day — when that is later, to the end (GUIDE §6). Idle cash earns the ``cash``
sleeve when the config has one.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.config import Config, load_config
from engine.data.calendar import as_date
from engine.errors import ConfigError, DataError, UserError
from strategies.base import RuleInputs
from strategies.signals import compute


@dataclass(frozen=True)
class Experiment:
    """A config run end to end.

    panel: the data of the run: the whole history up to ``end`` (each series from its own first
    date); the backtests run on it. results: strategy name → ``engine.sim`` Result, in config
    order. benchmark: a name in ``results``. rf: daily risk-free returns over ``panel.dates``
    (the risk-free sleeve's total returns, or zeros); rf_label says which. signals: every
    ``[signals.NAME]``'s outputs over the period (computed on each series' full history),
    columns ``NAME.output`` (e.g. ``mega_weight.drawdown``, ``exus_high.state``). period:
    (first measured day, last date); period_reason: why it starts there (names the strategy,
    ticker or date). timings: seconds per step. history: the same data as ``panel`` (kept for
    callers of :meth:`rule_inputs`). cash: the sleeve that earns idle cash, or None.
    daily: strategy name → its rule's daily inputs on ``history`` with the config's params
    (:meth:`strategies.base.Strategy.daily_inputs`); decisions: name → those inputs at its
    decision dates (what its backtest traded; :meth:`rule_inputs` returns them). Both are
    computed once by :func:`load_experiment` (empty for an experiment built otherwise).
    """

    config: Config | None
    panel: Any
    results: Mapping[str, Any]
    benchmark: str
    rf: pd.Series
    rf_label: str
    signals: pd.DataFrame
    period: tuple[pd.Timestamp, pd.Timestamp]
    period_reason: str
    timings: Mapping[str, float] = field(default_factory=dict)
    history: Any = None
    cash: str | None = None
    daily: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    decisions: Mapping[str, RuleInputs] = field(default_factory=dict)

    @property
    def listed(self) -> tuple[str, ...]:
        """Roles every strategy waits for besides its own sleeves: the cash sleeve that earns
        idle cash (see :func:`cash_role`)."""
        return (self.cash,) if self.cash else ()

    def returns(self) -> pd.DataFrame:
        """Daily returns, one column per strategy (config order), over ``period``."""
        s, e = self.period
        frame = pd.DataFrame({n: r.returns for n, r in self.results.items()})
        return frame.loc[s:e]

    def rule_inputs(self, name: str, params: Any = None) -> RuleInputs:
        """Strategy ``name``'s rule inputs with ``params`` (default: the config's) at every
        decision date of :attr:`history` (warm-up and dates before its sleeves exist dropped).
        The backtests run on the whole history, so every one of these decisions is traded (the
        measured period is cut afterwards); a sweep feeds the same kernel the same rows."""
        sc = self.config.strategy(name)
        if (params is None or params is sc.params) and name in self.decisions:
            return self.decisions[name]
        p = sc.params if params is None else params
        return sc.strategy.inputs(self.history if self.history is not None else self.panel, p,
                                  self.config.bound_signals(name), self.listed)

    def rf_returns(self) -> pd.Series:
        """``rf`` over ``period``."""
        s, e = self.period
        return self.rf.loc[s:e]


def config_panel(cfg: Config, data: str | Path | None = None) -> Any:
    """The whole Panel a config reads (its sleeves and signal tickers from its ``[data]``
    source, or from ``data``), before ``[run] start/end`` cut it — what ``rowboat data show
    --config`` describes."""
    return _load_panel(cfg, data)


def _load_panel(cfg: Config, data: str | Path | None) -> Any:
    from engine.data import load_panel

    source = cfg.data.source if data is None else str(data)
    if data is None and source not in ("sample", "sample_history", "yahoo") \
            and not Path(source).exists():
        raise ConfigError(f"{cfg.where}: [data] source: {source} does not exist (paths are "
                          "relative to the config file); fix the path, or pass --data FOLDER "
                          "(or --data sample)")
    # tickers the configured signals read beyond the sleeves (a strategy's default signal specs
    # read sleeve roles only)
    roles = set(cfg.sleeves)
    extra = sorted({n for spec in cfg.signals.values() for n in spec.names() if n not in roles}
                   | ({cfg.run.risk_free} - roles if cfg.run.risk_free else set()))
    kw: dict[str, Any] = dict(extra_tickers=tuple(extra), ffill_limit=cfg.data.ffill_limit,
                              frequency=cfg.data.frequency, series=cfg.data.series)
    if source in ("sample", "sample_history"):
        kw["seed"] = cfg.data.seed
        if cfg.data.price_only:
            raise ConfigError(f"{cfg.where}: [data] price_only: the synthetic sample has no "
                              "price files; remove price_only or load a folder of CSVs")
        if cfg.data.base_currency or cfg.data.fx:
            via = " (--data sample)" if data is not None else ""
            raise ConfigError(f"{cfg.where}: [data] base_currency/fx: the synthetic sample{via} "
                              "has one currency and no FX series; remove base_currency and fx "
                              "from [data], or load real data that includes the FX close")
    else:
        kw.update(base_currency=cfg.data.base_currency, fx=cfg.data.fx,
                  offline=cfg.data.offline, cache_dir=cfg.data.cache_dir,
                  max_age_days=cfg.data.max_age_days, local=cfg.data.local,
                  price_only=cfg.data.price_only)
        if not cfg.sleeves:
            raise ConfigError(f"{cfg.where}: [sleeves] is missing; data source {source!r} has no "
                              "default sleeves — add e.g. us = \"SPY\", ex_us = \"ACWX\"")
    try:
        return load_panel(source, cfg.sleeve_specs(), **kw)
    except UserError as exc:
        if source != "sample" or str(exc).startswith(cfg.where):
            raise
        via = ("" if str(exc).startswith("[") else "--data sample: " if data is not None
               else "[data] source = \"sample\": ")
        raise type(exc)(f"{cfg.where}: {via}{exc}") from None




def parse_date(key: str, value: str | dt.date | pd.Timestamp | None) -> pd.Timestamp | None:
    """``--start``/``--end`` as a Timestamp (None stays None); see
    :func:`engine.data.calendar.as_date`."""
    if value is None:
        return None
    return as_date(value, f"--{key}", hint="give a calendar date such as 2008-08-29")


def _check_dates(cfg: Config, panel: Any, start: pd.Timestamp | None,
                 end: pd.Timestamp | None, overridden: tuple[bool, bool]) -> None:
    first, last = panel.dates[0], panel.dates[-1]
    avail = f"the data ({panel.source}) covers {first.date()} to {last.date()}"
    where = {key: f"the {key} given" if given else f"{cfg.where}: [run] {key}"
             for key, given in (("start", overridden[0]), ("end", overridden[1]))}
    for key, d in (("start", start), ("end", end)):
        if d is not None and not first <= d <= last:
            raise ConfigError(f"{where[key]}: {d.date()} is outside the data: {avail}; pick a "
                              f"date in that range or leave {key} out")
    if start is not None and end is not None and end <= start:
        raise ConfigError(f"{where['end']}: {end.date()} is not after {where['start']}: "
                          f"{start.date()}; swap them")


def signal_frame(panel: Any, cfg: Config) -> pd.DataFrame:
    """Every configured signal's outputs on ``panel.dates``, columns ``NAME.output``."""
    parts = []
    for name, spec in cfg.signals.items():
        f = compute(panel, spec)
        parts.append(f.rename(columns=lambda c, n=name: f"{n}.{c}"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=panel.dates)


def load_experiment(config: str | Path | Config, *, data: str | Path | None = None,
                    start: str | pd.Timestamp | None = None,
                    end: str | pd.Timestamp | None = None,
                    backend: str = "numba") -> Experiment:
    """Run a config: load the panel (the config's ``[data] source``, or ``data``: "sample",
    "yahoo", a folder or file), compute the signals and each strategy's targets, and backtest
    them all with the config's costs and lag. ``start``/``end`` override ``[run]``: ``start`` is
    the FIRST MEASURED day (the strategies are already invested on it), ``end`` the last day of
    data used.

    Every backtest runs on the whole history up to ``end`` (each from its first decision; a
    strategy starts when its sleeves have prices); idle cash (1 − Σ weights) earns the
    ``cash`` sleeve when the config has one. The measured period (:attr:`Experiment.period`)
    starts on the latest of: the day after the last strategy's first fill, the risk-free
    series' first return, and ``start``; :attr:`Experiment.period_reason` names what set it.

    Errors: ConfigError / DataError (exit 2) naming the file, key and fix."""
    from engine.sim import backtest

    t0 = time.perf_counter()
    cfg = config if isinstance(config, Config) else load_config(config)
    timings: dict[str, float] = {}
    start_ts = parse_date("start", start) if start is not None else cfg.run.start
    end_ts = parse_date("end", end) if end is not None else cfg.run.end     # before any work
    panel = _load_panel(cfg, data)
    _check_dates(cfg, panel, start_ts, end_ts, (start is not None, end is not None))
    hist = panel.slice(None, end_ts) if end_ts is not None else panel
    # a window without a trading day names the data's real range
    if start_ts is not None:
        try:
            panel.slice(start_ts, end_ts)
        except DataError as exc:
            given = [f"--{k}" for k, v in (("start", start), ("end", end)) if v is not None]
            where = " and ".join(given) or f"{cfg.where}: [run] start/end"
            raise DataError(f"{where}: {exc}") from None
    cash = cash_role(hist)
    listed = (cash,) if cash else ()
    timings["load"] = time.perf_counter() - t0

    t = time.perf_counter()
    signals = signal_frame(hist, cfg)
    timings["signals"] = time.perf_counter() - t

    t = time.perf_counter()
    targets: dict[str, pd.DataFrame] = {}
    daily: dict[str, pd.DataFrame] = {}
    decisions: dict[str, RuleInputs] = {}
    for sc in cfg.strategies:
        bound = cfg.bound_signals(sc.name)
        daily[sc.name] = sc.strategy.daily_inputs(hist, sc.params, bound)
        decisions[sc.name] = sc.strategy.inputs(hist, sc.params, bound, listed,
                                                daily=daily[sc.name])
        targets[sc.name] = sc.strategy.targets_from(decisions[sc.name], sc.params)
    timings["targets"] = time.perf_counter() - t

    t = time.perf_counter()
    results: dict[str, Any] = {}
    c = cfg.costs
    for sc in cfg.strategies:
        p = sc.params
        results[sc.name] = backtest(
            hist, targets[sc.name], lag=cfg.run.lag,
            rebalance=p.rebalance or c.rebalance,
            band=p.band if p.band is not None else c.band, band_relative=c.band_relative,
            fee=c.fee, slippage=c.slippage, cash=cash, backend=backend, name=sc.name)
    timings["backtest"] = time.perf_counter() - t

    rf, rf_label = risk_free_series(hist, cfg.run.risk_free)
    given = ("--start" if start is not None else f"{cfg.where}: [run] start") if start_ts \
        is not None else ""
    period, reason = _period(cfg, hist, results, listed, start_ts, given)
    signals = signals.loc[period[0]:]
    timings["total"] = time.perf_counter() - t0
    return Experiment(config=cfg, panel=hist, results=results, benchmark=cfg.run.benchmark,
                      rf=rf, rf_label=rf_label, signals=signals, period=period,
                      period_reason=reason, timings=timings, history=hist, cash=cash,
                      daily=daily, decisions=decisions)


def cash_role(panel: Any) -> str | None:
    """The sleeve that earns idle cash (1 − Σ weights) in a run: the ``cash`` role when the
    panel has one, else None (idle cash earns 0)."""
    return "cash" if "cash" in panel.sleeves else None


def risk_free_series(panel: Any, role: str | None) -> tuple[pd.Series, str]:
    """Daily risk-free returns on ``panel.dates`` — the ``role`` sleeve's total returns (0 up to
    its first date), or zeros when ``role`` is None — and a label saying which."""
    if role is None:
        return pd.Series(0.0, index=panel.dates, name="rf"), "0"
    name = role if role in panel.sleeves else None
    tickers = panel.sleeves[role].tickers if name else (role,)
    rf = panel.close(role, "tr").pct_change(fill_method=None).fillna(0.0).rename("rf")
    label = f"{role} ({' '.join(tickers)})" if name else role
    return rf, label


def common_period(results: Mapping[str, Any], *, where: str = "",
                  explain: Callable[[str], str] | None = None
                  ) -> tuple[tuple[pd.Timestamp, pd.Timestamp], str]:
    """(first day every Result is invested for the whole day, last date) and a sentence saying
    why. That first day is the trading day AFTER the last first fill: on its fill day a
    strategy pays its costs and earns nothing while the others earn the market (GUIDE §6). The
    strategy filled last is named (the first of them in ``results``' order on a tie);
    ``explain(name)`` says why it starts there (default: "NAME starts last"). A strategy never
    invested, or invested only on the last day, is a DataError (``where``: a prefix naming the
    config)."""
    starts = {n: r.start for n, r in results.items()}
    never = [n for n, s in starts.items() if pd.isna(s)]
    if never:
        dates = results[never[0]].returns.index
        raise DataError(f"{where}strategy '{never[0]}' is never invested between "
                        f"{dates[0].date()} and {dates[-1].date()} (its first fill falls after "
                        "the end); use a longer period or check its targets")
    order = {n: i for i, n in enumerate(starts)}
    name = max(starts, key=lambda n: (starts[n], -order[n]))
    dates = results[name].returns.index
    i = int(dates.searchsorted(starts[name])) + 1
    if i >= len(dates):
        raise DataError(f"{where}strategy '{name}' first fills on the last date "
                        f"{dates[-1].date()}, so no day is measured; use a longer period")
    first = dates[i]
    end = dates[-1]
    why = explain(name) if explain is not None else f"{name} starts last"
    return (first, end), (f"all strategies invested from {first.date()}, the day after the "
                          f"last first fill ({why})")


def _period(cfg: Config, panel: Any, results: Mapping[str, Any], listed: tuple[str, ...],
            start: pd.Timestamp | None, given: str
            ) -> tuple[tuple[pd.Timestamp, pd.Timestamp], str]:
    """The measured period and why it starts there: the day after the last strategy's first
    fill (:func:`common_period`, naming its warm-up and the ticker it waited for), later if the
    risk-free series starts later, later still if ``start`` (the first measured day, named by
    ``given``) is later."""
    def explain(name: str) -> str:
        sc = cfg.strategy(name)
        res = results[name]
        bound = cfg.bound_signals(sc.name)
        why = f"{name} {sc.strategy.describe_warmup(sc.params, bound)}"
        since, role, ticker = sc.strategy.listing(panel, sc.params, listed)
        if role:
            why += f" and waits for {ticker} ({role}, first price {since.date()})"
        return (f"{why}; its first decision {res.targets.index[0].date()} fills "
                f"{res.start.date()}")

    (first, end), reason = common_period(results, where=f"{cfg.where}: ", explain=explain)
    dates = panel.dates
    rf = cfg.run.risk_free
    if rf is not None:
        rf_first = panel.first_date(rf)
        i = int(dates.searchsorted(rf_first)) + 1       # its first return
        if i < len(dates) and dates[i] > first:
            first = dates[i]
            tick = " ".join(panel.sleeves[rf].tickers) if rf in panel.sleeves else rf
            reason = (f"measured from {first.date()}: the risk-free series {rf} ({tick}) starts "
                      f"{rf_first.date()}; {reason}")
    if start is not None:
        i = int(dates.searchsorted(start))
        if i >= len(dates):
            raise DataError(f"{given}: {start.date()} is after the data's last date "
                            f"{dates[-1].date()}")
        if dates[i] >= first:
            first = dates[i]
            reason = (f"measured from {first.date()}, the first trading day on or after "
                      f"{given} = {start.date()} (the first measured day; every strategy is "
                      f"invested by then); {reason}")
        else:
            reason = (f"{given} = {start.date()} is before every strategy is invested, so the "
                      f"period starts {first.date()}; {reason}")
    if first > end:
        raise DataError(f"{cfg.where}: the measured period would start {first.date()}, after "
                        f"the end {end.date()}; use a longer period")
    return (first, end), reason
