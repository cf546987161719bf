"""The pipeline shared by ``rowboat run`` and ``rowboat sweep``: config → panel → signals →
targets → backtests, with one common measurement period.

Timing: signals and targets are computed on the data up to ``end`` (never later), using the
history before ``start`` for warm-ups; each rule runs over every decision date of that history
(so its state carries into ``start``), and its decisions before ``start`` are dropped; the
backtests run on the panel cut to [start, end]. Every strategy is measured from the first day
ALL of them are invested (the longest warm-up) to the end (GUIDE §6).
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

    panel: the data of the run, cut to [start, end]. results: strategy name → ``engine.sim``
    Result, in config order. benchmark: a name in ``results``. rf: daily risk-free returns over
    ``panel.dates`` (the risk-free sleeve's total returns, or zeros); rf_label says which.
    signals: every ``[signals.NAME]``'s outputs over ``panel.dates``, columns ``NAME.output``
    (e.g. ``mega_weight.drawdown``, ``exus_high.state``). period: (first day all strategies
    are invested, last date); period_reason: why it starts there. timings: seconds per step.
    history: the data up to the end INCLUDING the history before ``start`` that signals warm up
    and rules run on (the sweep computes rule inputs on it, see :meth:`rule_inputs`).
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

    def returns(self) -> pd.DataFrame:
        """Daily returns, one column per strategy (config order), over ``period``."""
        s, e = self.period
        frame = pd.DataFrame({n: r.returns for n, r in self.results.items()})
        return frame.loc[s:e]

    def rule_inputs(self, name: str, params: Any = None) -> tuple[RuleInputs, int]:
        """Strategy ``name``'s rule inputs with ``params`` (default: the config's) at every
        decision date of :attr:`history` (warm-up dropped), and ``lead``: how many of them fall
        before the run's first date. That is what the single backtest does: the kernel runs
        over ALL these rows (a rule's state, e.g. "unwind on", carries into the start) and only
        the decisions from row ``lead`` on are traded. A sweep feeds the same kernel the same
        rows and simulates from row ``lead``."""
        sc = self.config.strategy(name)
        p = sc.params if params is None else params
        ri = sc.strategy.inputs(self.history if self.history is not None else self.panel, p,
                                self.config.bound_signals(name))
        return ri, run_rows(ri.dates, self.panel.dates[0])

    def inputs(self, name: str, params: Any = None) -> RuleInputs:
        """:meth:`rule_inputs` restricted to the decision dates inside :attr:`panel` (the
        decisions the single backtest trades). Running a rule with state on these rows alone
        restarts its state at the start: to reproduce the backtest's weights, run the kernel on
        :meth:`rule_inputs` and drop the ``lead`` rows."""
        ri, lead = self.rule_inputs(name, params)
        return RuleInputs(ri.dates[lead:], np.ascontiguousarray(ri.values[lead:]), ri.names,
                          ri.skipped + lead)

    def rf_returns(self) -> pd.Series:
        """``rf`` over ``period``."""
        s, e = self.period
        return self.rf.loc[s:e]


def run_rows(dates: pd.DatetimeIndex, first: pd.Timestamp) -> int:
    """How many of the sorted decision ``dates`` fall before the run's ``first`` date: the rule
    decides on them (its warm-up of state) but they are not traded."""
    return int(dates.searchsorted(first, side="left"))


def config_panel(cfg: Config, data: str | Path | None = None) -> Any:
    """The whole Panel a config reads (its sleeves and signal tickers from its ``[data]``
    source, or from ``data``), before ``[run] start/end`` cut it — what ``rowboat data show
    --config`` describes."""
    return _load_panel(cfg, data)


def _load_panel(cfg: Config, data: str | Path | None) -> Any:
    from engine.data import load_panel

    source = cfg.data.source if data is None else str(data)
    if data is None and source not in ("sample", "yahoo") and not Path(source).exists():
        raise ConfigError(f"{cfg.where}: [data] source: {source} does not exist (paths are "
                          "relative to the config file); fix the path, or pass --data FOLDER "
                          "(or --data sample)")
    # tickers the configured signals read beyond the sleeves (a strategy's default signal specs
    # read sleeve roles only)
    roles = set(cfg.sleeves)
    extra = sorted({n for spec in cfg.signals.values() for n in spec.names() if n not in roles})
    kw: dict[str, Any] = dict(extra_tickers=tuple(extra), ffill_limit=cfg.data.ffill_limit)
    if source == "sample":
        kw["seed"] = cfg.data.seed
        if cfg.data.base_currency or cfg.data.fx:
            via = " (--data sample)" if data is not None else ""
            raise ConfigError(f"{cfg.where}: [data] base_currency/fx: the synthetic sample{via} "
                              "has one currency and no FX series; remove base_currency and fx "
                              "from [data], or load real data that includes the FX close")
    else:
        kw.update(base_currency=cfg.data.base_currency, fx=cfg.data.fx,
                  offline=cfg.data.offline, cache_dir=cfg.data.cache_dir,
                  max_age_days=cfg.data.max_age_days)
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
    them all with the config's costs and lag. ``start``/``end`` override ``[run]``.

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
    # cut the whole panel, not hist: a window without a trading day names the data's real range
    try:
        run_panel = panel.slice(start_ts, end_ts) if start_ts is not None else hist
    except DataError as exc:
        given = [f"--{k}" for k, v in (("start", start), ("end", end)) if v is not None]
        where = " and ".join(given) or f"{cfg.where}: [run] start/end"
        raise DataError(f"{where}: {exc}") from None
    timings["load"] = time.perf_counter() - t0

    t = time.perf_counter()
    signals = signal_frame(hist, cfg).loc[run_panel.dates[0]:]
    timings["signals"] = time.perf_counter() - t

    t = time.perf_counter()
    targets: dict[str, pd.DataFrame] = {}
    for sc in cfg.strategies:
        strat = sc.strategy
        tg = strat.targets(hist, sc.params, cfg.bound_signals(sc.name))
        tg = tg.iloc[run_rows(tg.index, run_panel.dates[0]):]   # the rule ran over all of hist
        if tg.empty:
            raise DataError(f"{cfg.where}: strategy '{sc.name}' makes no decision between "
                            f"{run_panel.dates[0].date()} and {run_panel.dates[-1].date()} "
                            f"(it {strat.describe_warmup(sc.params, cfg.bound_signals(sc.name))}); "
                            "use a longer period")
        targets[sc.name] = tg
    timings["targets"] = time.perf_counter() - t

    t = time.perf_counter()
    results: dict[str, Any] = {}
    c = cfg.costs
    for sc in cfg.strategies:
        p = sc.params
        results[sc.name] = backtest(
            run_panel, targets[sc.name], lag=cfg.run.lag,
            rebalance=p.rebalance or c.rebalance,
            band=p.band if p.band is not None else c.band, band_relative=c.band_relative,
            fee=c.fee, slippage=c.slippage, backend=backend, name=sc.name)
    timings["backtest"] = time.perf_counter() - t

    rf, rf_label = risk_free_series(run_panel, cfg.run.risk_free)
    period, reason = _period(cfg, results)
    timings["total"] = time.perf_counter() - t0
    return Experiment(config=cfg, panel=run_panel, results=results, benchmark=cfg.run.benchmark,
                      rf=rf, rf_label=rf_label, signals=signals, period=period,
                      period_reason=reason, timings=timings, history=hist)


def risk_free_series(panel: Any, role: str | None) -> tuple[pd.Series, str]:
    """Daily risk-free returns on ``panel.dates`` — the ``role`` sleeve's total returns, or zeros
    when ``role`` is None — and a label saying which."""
    if role is None:
        return pd.Series(0.0, index=panel.dates, name="rf"), "0"
    sl = panel.sleeve(role)
    rf = panel.close(role, "tr").pct_change().fillna(0.0).rename("rf")
    return rf, f"{role} ({' '.join(sl.tickers)})"


def common_period(results: Mapping[str, Any], *, where: str = "",
                  explain: Callable[[str], str] | None = None
                  ) -> tuple[tuple[pd.Timestamp, pd.Timestamp], str]:
    """(first day every Result is invested, last date) and a sentence saying why: the strategy
    invested last (the first of them in ``results``' order on a tie) — ``explain(name)`` says
    why it starts there (default: "NAME starts last"). A strategy never invested is a
    DataError (``where``: a prefix naming the config)."""
    starts = {n: r.start for n, r in results.items()}
    never = [n for n, s in starts.items() if pd.isna(s)]
    if never:
        dates = results[never[0]].returns.index
        raise DataError(f"{where}strategy '{never[0]}' is never invested between "
                        f"{dates[0].date()} and {dates[-1].date()} (its first fill falls after "
                        "the end); use a longer period or check its targets")
    order = {n: i for i, n in enumerate(starts)}
    name = max(starts, key=lambda n: (starts[n], -order[n]))
    first = starts[name]
    end = results[name].returns.index[-1]
    why = explain(name) if explain is not None else f"{name} starts last"
    return (first, end), f"all strategies invested from {first.date()} ({why})"


def _period(cfg: Config, results: Mapping[str, Any]
            ) -> tuple[tuple[pd.Timestamp, pd.Timestamp], str]:
    """:func:`common_period` with each strategy's warm-up as the reason."""
    def explain(name: str) -> str:
        sc = cfg.strategy(name)
        res = results[name]
        return (f"{name} {sc.strategy.describe_warmup(sc.params, cfg.bound_signals(sc.name))}; "
                f"its first decision {res.targets.index[0].date()} fills {res.start.date()}")

    return common_period(results, where=f"{cfg.where}: ", explain=explain)
