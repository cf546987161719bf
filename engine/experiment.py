"""The pipeline shared by ``rowboat run`` and ``rowboat sweep``: config → panel → signals →
targets → backtests, with one common measurement period.

Timing: signals and targets are computed on the data up to ``end`` (never later), using the
history before ``start`` for warm-ups; decisions before ``start`` are dropped; the backtests run
on the panel cut to [start, end]. Every strategy is measured from the first day ALL of them are
invested (the longest warm-up) to the end (GUIDE §6).
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.config import Config, load_config
from engine.errors import ConfigError, DataError
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
    on (the sweep computes rule inputs on it, see :meth:`inputs`).
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

    def inputs(self, name: str, params: Any = None) -> RuleInputs:
        """Strategy ``name``'s rule inputs with ``params`` (default: the config's), computed on
        :attr:`history` and restricted to the decision dates inside :attr:`panel` — what the
        single backtest decided on, and what a sweep feeds the same kernel."""
        sc = self.config.strategy(name)
        p = sc.params if params is None else params
        ri = sc.strategy.inputs(self.history if self.history is not None else self.panel, p,
                                self.config.bound_signals(name))
        keep = ri.dates >= self.panel.dates[0]
        return RuleInputs(ri.dates[keep], np.ascontiguousarray(ri.values[keep]), ri.names,
                          ri.skipped + int((~keep).sum()))

    def rf_returns(self) -> pd.Series:
        """``rf`` over ``period``."""
        s, e = self.period
        return self.rf.loc[s:e]


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
        if cfg.data.base_currency:
            kw.update(base_currency=cfg.data.base_currency, fx=cfg.data.fx)
    else:
        kw.update(base_currency=cfg.data.base_currency, fx=cfg.data.fx,
                  offline=cfg.data.offline, cache_dir=cfg.data.cache_dir)
        if not cfg.sleeves:
            raise ConfigError(f"{cfg.where}: [sleeves] is missing; data source {source!r} has no "
                              "default sleeves — add e.g. us = \"SPY\", ex_us = \"ACWX\"")
    return load_panel(source, cfg.sleeve_specs(), **kw)


def _check_dates(cfg: Config, panel: Any, start: pd.Timestamp | None,
                 end: pd.Timestamp | None, overridden: tuple[bool, bool]) -> None:
    first, last = panel.dates[0], panel.dates[-1]
    avail = f"the data ({panel.source}) covers {first.date()} to {last.date()}"
    for key, d, given in (("start", start, overridden[0]), ("end", end, overridden[1])):
        if d is not None and not first <= d <= last:
            where = f"the {key} given" if given else f"{cfg.where}: [run] {key}"
            raise ConfigError(f"{where}: {d.date()} is outside the data: {avail}; pick a date "
                              f"in that range or leave {key} out")
    if start is not None and end is not None and end <= start:
        raise ConfigError(f"{cfg.where}: [run] end {end.date()} is not after start "
                          f"{start.date()}")


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
    start_ts = pd.Timestamp(start) if start is not None else cfg.run.start
    end_ts = pd.Timestamp(end) if end is not None else cfg.run.end
    panel = _load_panel(cfg, data)
    _check_dates(cfg, panel, start_ts, end_ts, (start is not None, end is not None))
    hist = panel.slice(None, end_ts) if end_ts is not None else panel
    run_panel = hist.slice(start_ts, None) if start_ts is not None else hist
    timings["load"] = time.perf_counter() - t0

    t = time.perf_counter()
    signals = signal_frame(hist, cfg).loc[run_panel.dates[0]:]
    timings["signals"] = time.perf_counter() - t

    t = time.perf_counter()
    targets: dict[str, pd.DataFrame] = {}
    for sc in cfg.strategies:
        strat = sc.strategy
        tg = strat.targets(hist, sc.params, cfg.bound_signals(sc.name))
        tg = tg.loc[run_panel.dates[0]:]
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
    period, reason = _period(cfg, results, run_panel)
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


def _period(cfg: Config, results: Mapping[str, Any],
            panel: Any) -> tuple[tuple[pd.Timestamp, pd.Timestamp], str]:
    last = panel.dates[-1]
    starts = {n: r.start for n, r in results.items()}
    if any(pd.isna(s) for s in starts.values()):
        never = [n for n, s in starts.items() if pd.isna(s)]
        raise DataError(f"{cfg.where}: strategy {never[0]} is never invested between "
                        f"{panel.dates[0].date()} and {last.date()} (its first fill falls after "
                        "the end); use a longer period")
    name = max(starts, key=lambda n: (starts[n], -list(starts).index(n)))
    first = starts[name]
    sc = cfg.strategy(name)
    decided = results[name].targets.index[0]
    reason = (f"all strategies invested from {first.date()} ({name} "
              f"{sc.strategy.describe_warmup(sc.params, cfg.bound_signals(sc.name))}; "
              f"its first decision {decided.date()} fills {first.date()})")
    return (first, last), reason
