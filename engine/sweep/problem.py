"""A sweep as plain arrays: what every chunk of variants needs, built once from an Experiment.

:func:`prepare` resolves the strategy (a ``[[strategy]]`` of the config, or a registered rule),
builds and validates the grid, computes the rule inputs once per *signal group* (variants that
share the values of the strategy's signal params: schedule and signal settings), and lays out
the closes, the sleeve → ticker map, the per-variant trading options, the risk-free returns, the
measured period and its months. A :class:`SweepProblem` is picklable (Dask ships it to workers
once); the rule kernel travels by its registry name.

The measured period starts on the first day every variant AND every strategy of the config is
invested for a whole day — the day after the last first fill, never before ``rowboat run``'s
period of the same config (so the sweep measures the same period as the run unless a variant
starts later, and says so) — and ends on the panel's last date. Idle cash earns the config's
``cash`` sleeve, as in the run.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ConfigError, DataError
from engine.sim.inputs import listed_closes
from engine.sweep.grid import Grid, GridSpec, build_grid
from strategies.params import REBALANCE_MODES


@dataclass(frozen=True, eq=False)
class SignalGroup:
    """Rule inputs shared by the variants with one combination of the swept signal params.

    The rule runs over all D rows of ``inputs`` and every decision is traded, as in the single
    backtest (see ``engine.experiment.Experiment.rule_inputs``)."""

    key: tuple[Any, ...]            #: values of ``SweepProblem.group_names``
    dates: pd.DatetimeIndex         #: (D,) decision dates (inside the panel)
    fill_idx: np.ndarray            #: (D,) int64 day index of each decision's fill
    inputs: np.ndarray              #: (D, S) float64 C-contiguous


@dataclass(frozen=True, eq=False)
class SweepProblem:
    """Everything a chunk of variants needs (arrays C-contiguous; days index ``dates``)."""

    name: str                        #: the config's strategy name (results folder stem)
    rule: str                        #: registry name of the strategy (the kernel)
    grid: Grid
    group_names: tuple[str, ...]     #: swept signal params, in grid order
    groups: tuple[SignalGroup, ...]  #: indexed by ``grid.group_ids(group_names)``
    dates: pd.DatetimeIndex
    tickers: tuple[str, ...]
    close: np.ndarray                #: (T, K) total-return closes
    sleeves: tuple[str, ...]         #: the kernel's output sleeves
    sleeve_map: np.ndarray           #: (Ks, K) basket weights
    cash_map: np.ndarray             #: (K,) basket of the sleeve that receives 1 − Σ w
                                     #: (the run's cash sleeve; zeros: idle cash earns 0)
    rebalance: str                   #: config default ("decision" | "change")
    band: float                      #: config default band (0 = none)
    band_relative: bool
    fee: float
    slippage: float
    lag: int
    rebalance_pos: int               #: position of ``rebalance`` in the param vector
    band_pos: int
    rf: np.ndarray                   #: (T,) risk-free daily returns
    rf_label: str
    start: int                       #: first measured day
    stop: int                        #: one past the last measured day
    period_reason: str
    month_last: np.ndarray           #: (M,) last measured day of each month
    rf_month: np.ndarray             #: (M,) risk-free return of each month
    source: str = ""
    synthetic: bool = False
    data_hash: str = ""
    periods: int = 252               #: rows per year (252 daily, 12 on a monthly panel)

    @property
    def n_variants(self) -> int:
        return self.grid.n_variants

    @property
    def period(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return self.dates[self.start], self.dates[self.stop - 1]

    @property
    def months(self) -> pd.DatetimeIndex:
        """Month-end dates (last measured day of each month)."""
        return self.dates[self.month_last]

    @property
    def measured_dates(self) -> pd.DatetimeIndex:
        return self.dates[self.start:self.stop]

    def stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The groups for the kernel: (first fill day (G,), row offsets (G + 1,), fill days
        relative to the group's first fill (ΣD,), inputs (ΣD, S)); C-contiguous, writeable."""
        first = np.array([g.fill_idx[0] for g in self.groups], dtype=np.int64)
        sizes = np.array([g.inputs.shape[0] for g in self.groups], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        fill_rel = np.concatenate([g.fill_idx - g.fill_idx[0] for g in self.groups])
        inputs = np.concatenate([g.inputs for g in self.groups], axis=0)
        return (first, offsets, np.ascontiguousarray(fill_rel, dtype=np.int64),
                np.ascontiguousarray(inputs, dtype=np.float64))

    def strategy(self) -> Any:
        import strategies
        return strategies.get(self.rule)

    def trading(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-variant (on_change bool, band float ≤ 0 = none) from the param vectors: a
        variant's ``rebalance``/``band`` params override the config's ``[costs]``."""
        reb = vectors[:, self.rebalance_pos]
        default = REBALANCE_MODES.index(self.rebalance)
        mode = np.where(np.isnan(reb), default, reb)
        band = vectors[:, self.band_pos]
        band = np.where(np.isnan(band), self.band, band)
        return np.ascontiguousarray(mode == 1.0), np.ascontiguousarray(band, dtype=np.float64)


def resolve_strategy(config: Any, name: str) -> Any:
    """The config with a ``[[strategy]]`` called ``name``: the config's own, or (for a registered
    rule the config does not use under that name) the config plus that rule at its defaults."""
    import strategies
    from engine.config_tables import StrategyConfig

    if any(s.name == name for s in config.strategies):
        return config
    if name in strategies.REGISTRY:
        sc = StrategyConfig(name=name, rule=name, params=strategies.get(name).Params())
        return dataclasses.replace(config, strategies=(*config.strategies, sc))
    names = ", ".join(s.name for s in config.strategies)
    raise ConfigError(f"--strategy {name}: not a [[strategy]] of {config.where} ({names}) nor a "
                      f"registered rule ({', '.join(strategies.REGISTRY)}); pick one of those")


def _months(dates: pd.DatetimeIndex, start: int, stop: int, rf: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Last measured day of each calendar month in [start, stop) and each month's rf return."""
    codes = np.asarray(dates[start:stop].to_period("M").asi8)
    last = np.flatnonzero(np.r_[codes[1:] != codes[:-1], True]) + start
    first = np.r_[start, last[:-1] + 1]
    growth = np.cumprod(1.0 + rf[start:stop])
    base = np.r_[1.0, growth][first - start]
    rf_month = growth[last - start] / base - 1.0
    return last.astype(np.int64), np.ascontiguousarray(rf_month)


def _check_sleeves(strategy: Any, grid: Grid, panel: Any) -> None:
    """Every sleeve some variant holds must be in the panel (checked per variant only when the
    panel lacks one of the strategy's sleeves)."""
    missing = [s for s in strategy.sleeves if s not in panel.sleeves]
    if not missing:
        return
    for i, params in enumerate(grid):
        need = set(strategy.required_sleeves(params)) & set(missing)
        if need:
            raise ConfigError(f"variant {i} of {strategy.name} holds sleeve "
                              f"'{sorted(need)[0]}', which the data has no sleeve for; add it "
                              f"under [sleeves] or narrow the grid")


def grid_for(config: Any, name: str, grid_spec: GridSpec | Grid = None, *, yes: bool = False,
             max_variants: int | None = None) -> Grid:
    """The validated grid of strategy ``name`` of ``config``: ``grid_spec`` (``--grid``
    strings or a mapping; None = the strategy's documented ``GRID``) over the config's params."""
    if isinstance(grid_spec, Grid):
        return grid_spec
    sc = config.strategy(name)
    spec = dict(sc.strategy.GRID) if grid_spec is None else grid_spec
    kw = {} if max_variants is None else {"max_variants": max_variants}
    return build_grid(sc.strategy.Params, spec, base=sc.params, yes=yes,
                      strategy=f"strategy '{name}' (rule {sc.rule})", **kw)


def prepare(exp: Any, name: str, grid_spec: GridSpec | Grid = None, *, yes: bool = False,
            max_variants: int | None = None) -> SweepProblem:
    """Build the problem for strategy ``name`` of experiment ``exp`` (see the module doc).

    ``grid_spec``: a :class:`Grid`, ``--grid`` strings or a mapping (None = the strategy's
    documented ``GRID``).
    """
    from strategies.params import param_index

    sc = exp.config.strategy(name)
    strat = sc.strategy
    grid = grid_for(exp.config, name, grid_spec, yes=yes, max_variants=max_variants)
    panel = exp.panel
    _check_sleeves(strat, grid, panel)

    group_names = tuple(n for n in grid.names if n in strat.signal_params)
    group_values = [grid.values[grid.names.index(n)] for n in group_names]
    T = len(panel.dates)
    lag = exp.config.run.lag
    groups = []
    for combo in itertools.product(*group_values):
        params = dataclasses.replace(sc.params, **dict(zip(group_names, combo)))
        ri = exp.rule_inputs(name, params)
        day = panel.dates.get_indexer(ri.dates)
        keep = day + lag < T            # a prefix: decisions whose fill is inside the panel
        if not keep.any():
            shown = ", ".join(f"{k}={v}" for k, v in zip(group_names, combo)) or "the base"
            raise DataError(f"strategy '{name}' with {shown} makes no decision that fills before "
                            f"{panel.dates[-1].date()} (it {strat.describe_warmup(params)}); "
                            "use a longer period or shorter look-backs")
        n = int(keep.sum())             # the rule is causal: later rows cannot change these
        groups.append(SignalGroup(key=tuple(combo), dates=ri.dates[:n],
                                  fill_idx=np.ascontiguousarray(day[keep] + lag, dtype=np.int64),
                                  inputs=np.ascontiguousarray(ri.values[:n], dtype=np.float64)))

    # tickers: every ticker of the strategy's sleeves (and of the cash sleeve that earns idle
    # cash, as in load_experiment) that the panel has, in panel order
    held = [s for s in strat.sleeves if s in panel.sleeves]
    cash = getattr(exp, "cash", None)
    names = {t for s in held + ([cash] if cash else []) for t in panel.sleeves[s].tickers}
    tickers = tuple(t for t in panel.tickers if t in names)
    tpos = {t: i for i, t in enumerate(tickers)}
    smap = np.zeros((len(strat.sleeves), len(tickers)))
    for i, s in enumerate(strat.sleeves):
        if s in panel.sleeves:
            sl = panel.sleeves[s]
            for t, b in zip(sl.tickers, sl.weights):
                smap[i, tpos[t]] = b
    cash_map = np.zeros(len(tickers))
    if cash:
        for t, b in zip(panel.sleeves[cash].tickers, panel.sleeves[cash].weights):
            cash_map[tpos[t]] = b
    # a ticker is held only from its first price: every group's first fill is on or after the
    # last first price of the strategy's sleeves (Strategy.listing), checked here once
    raw = panel.tr[list(tickers)].to_numpy(dtype=np.float64)
    first_fill = min(int(g.fill_idx[0]) for g in groups)
    close = listed_closes(raw, np.ones((1, len(tickers))), np.array([first_fill]),
                          lambda r, k: f"close of '{tickers[k]}' on {panel.dates[r].date()}")

    # the period: all variants and all config strategies invested for a whole day (the day
    # after the last first fill), and never before the run's own period
    first = max(int(g.fill_idx[0]) for g in groups) + 1
    run_start = int(panel.dates.get_indexer([exp.period[0]])[0])
    start = max(first, run_start)
    if start >= T:
        raise DataError(f"strategy '{name}': some variants first fill on the last date "
                        f"{panel.dates[-1].date()}; use a longer period or shorter look-backs")
    if start == first and first > run_start:
        g = max(groups, key=lambda g: g.fill_idx[0])
        shown = ", ".join(f"{k}={v}" for k, v in zip(group_names, g.key))
        reason = (f"all variants invested from {panel.dates[start].date()}, the day after the "
                  f"last first fill (the variants with {shown} decide first on "
                  f"{g.dates[0].date()})")
    else:
        reason = exp.period_reason
    rf = np.ascontiguousarray(exp.rf.reindex(panel.dates).to_numpy(dtype=np.float64))
    month_last, rf_month = _months(panel.dates, start, T, rf)
    idx = param_index(strat.Params)
    c = exp.config.costs
    return SweepProblem(
        name=name, rule=sc.rule, grid=grid, group_names=group_names, groups=tuple(groups),
        dates=panel.dates, tickers=tickers, close=close, sleeves=tuple(strat.sleeves),
        sleeve_map=smap, cash_map=cash_map, rebalance=c.rebalance,
        band=float(c.band) if c.band is not None else 0.0, band_relative=bool(c.band_relative),
        fee=float(c.fee), slippage=float(c.slippage), lag=lag, rebalance_pos=idx["rebalance"],
        band_pos=idx["band"], rf=rf, rf_label=exp.rf_label, start=start, stop=T,
        period_reason=reason, month_last=month_last, rf_month=rf_month,
        source=str(panel.source), synthetic=bool(panel.synthetic), data_hash=panel.data_hash(),
        periods=int(getattr(panel, "periods_per_year", 252)))


def variant_params(problem: SweepProblem, variants: Sequence[int]) -> list[Any]:
    """The Params of the given variant numbers."""
    return [problem.grid.variant(int(i)) for i in variants]
