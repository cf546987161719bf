"""``rowboat sweep`` as a Python call: config + strategy + grid → ``results/<name>-sweep/``.

:func:`run_sweep` runs the experiment (panel, signals, the config's strategies for the common
period), prepares the sweep (:mod:`engine.sweep.problem`), runs every variant through the fused
kernel — locally with numba ``prange`` on all cores, or in chunks on a Dask cluster — re-runs
the top N for their daily returns, computes the overfitting statistics and writes, atomically:

``variants.parquet`` (one row per variant: its number, the swept params, its signal group and
metrics over the measured period — trading metrics included, defined as the run page's scorecard
defines them: see :data:`TRADING_COLS`), ``best.csv`` (the top N by the ranking metric —
Sharpe unless ``rank_by`` says sortino, calmar or cagr — with every param),
``top_returns.parquet`` (their daily returns), ``index.html`` (the sweep page) and
``manifest.json``. The folder is ``<out>/<run name>-sweep/`` when the swept strategy has the
run's name, else ``<out>/<run name>-<strategy>-sweep/``.
"""
from __future__ import annotations

import contextlib
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ConfigError
from engine.metrics import nb
from engine.sweep.fused import REBALANCES, ChunkResult, N_COLS, run_variants
from engine.sweep.grid import GridSpec
from engine.sweep.problem import SweepProblem, grid_for, prepare, resolve_strategy
from engine.sweep.ranking import RANK_METRICS, check_rank_by, ranked  # noqa: F401 (re-exported)
from engine.sweep.stats import StatsOptions, SweepStats, sweep_statistics

#: metric columns of variants.parquet: name → kernel slot (dates become Timestamps)
FLOAT_COLS = {"cagr": nb.CAGR, "volatility": nb.VOL, "sharpe": nb.SHARPE, "sortino": nb.SORTINO,
              "max_drawdown": nb.MAX_DD, "calmar": nb.CALMAR, "total_return": nb.TOTAL_RETURN,
              "skew": nb.SKEW, "kurtosis": nb.KURT}
#: trading metrics over the measured period, named as the run's metrics.csv (scorecard) names
#: them: the initial purchase and rebalances filled before the period are left out (see
#: :mod:`engine.sweep.fused`). Fractions of value per year / in total; ``n_rebalances`` counts
#: the counted rebalances with turnover > 0. ``rebalances`` (below) is every rebalance executed
#: over the whole simulation, the initial purchase included (= len(Result.rebalances)).
TRADING_COLS = {"turnover_per_year": nb.TURNOVER, "costs_per_year": nb.COSTS,
                "cost_total": nb.COST_TOTAL}
DATE_COLS = {"max_dd_peak": nb.DD_PEAK, "max_dd_start": nb.DD_START,
             "max_dd_trough": nb.DD_TROUGH, "max_dd_end": nb.DD_END,
             "max_dd_recovery": nb.DD_RECOVERY}
METRIC_ORDER = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "max_dd_peak",
                "max_dd_start", "max_dd_trough", "max_dd_end", "max_dd_recovery", "calmar",
                "total_return", "days", "skew", "kurtosis", "turnover_per_year",
                "costs_per_year", "cost_total", "n_rebalances", "rebalances")


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A finished sweep. ``variants``: one row per variant (index ``variant``); ``top``: the top
    N variant numbers by ``rank_by`` (best first; :attr:`best` is the first); ``top_returns``:
    their daily returns over the measured period (columns = variant numbers); ``monthly``: (V,
    M) float32 monthly excess returns of every variant; ``path``: the results folder (None when
    not written). ``stats.best`` is the highest-Sharpe variant, whose DSR ``stats`` gives.
    ``references``: the benchmark's and the configured strategy's metrics and monthly returns
    over the sweep's period (:class:`engine.sweep.reference.References`; None when unknown)."""

    problem: SweepProblem
    variants: pd.DataFrame
    top: np.ndarray
    top_returns: pd.DataFrame
    monthly: np.ndarray
    stats: SweepStats
    path: Path | None
    timings: dict[str, float] = field(default_factory=dict)
    scheduler: str | None = None
    rank_by: str = "sharpe"
    #: the benchmark and the configured strategy over the same period (engine.sweep.reference)
    references: Any = None
    #: variants simulated (one of each set trading the same targets; engine.sweep.dedupe)
    simulated_variants: int | None = None

    @property
    def best(self) -> int:
        """The best variant by ``rank_by`` (in sample)."""
        return int(self.top[0])

    @property
    def best_params(self) -> Any:
        return self.problem.grid.variant(self.best)

    @property
    def rf(self) -> pd.Series:
        """Risk-free daily returns over the measured period."""
        p = self.problem
        return pd.Series(p.rf[p.start:p.stop], index=p.measured_dates, name="rf")

    @property
    def index(self) -> Path | None:
        return None if self.path is None else self.path / "index.html"


def folder_name(run_name: str, strategy: str) -> str:
    from engine.report.writer import safe_name
    stem = run_name if strategy == run_name else f"{run_name}-{strategy}"
    return safe_name(f"{stem}-sweep")


def size_estimate(n_variants: int, top: int) -> int:
    """Bytes a sweep folder needs, roughly: ~200 bytes per variant in variants.parquet, the top
    variants' daily returns, a 6 MB page (5 MB of it the inlined plotly.js); doubled for
    safety."""
    return int(2 * (6 * 1024 * 1024 + 200 * n_variants + 60_000 * top))


def default_chunk(n_variants: int) -> int:
    """Variants per chunk: ~20 progress steps, at least :data:`CHUNK_MIN` variants each."""
    return max(CHUNK_MIN, math.ceil(n_variants / 20))


#: a chunk is one parallel region (set-up, scratch, a tail where one core waits): ~10 ms each,
#: a quarter of the kernel's time for 7,000 variants in 20 chunks; a few thousand variants take
#: ~0.25 s, still a steady progress bar
CHUNK_MIN = 4_096


def check_chunk(chunk: int | None) -> None:
    """``--chunk``: None (the default size) or at least 1 variant — else a ConfigError."""
    if chunk is not None and int(chunk) < 1:
        raise ConfigError(f"--chunk must be at least 1 variant, got {chunk}")


def chunks_of(n: int, size: int) -> list[tuple[int, int]]:
    return [(s, min(s + size, n)) for s in range(0, n, size)]


def execute(problem: SweepProblem, *, scheduler: str | None = None, chunk: int | None = None,
            bar: Any = None, info: dict[str, Any] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Every variant's (metrics (V, N_COLS), monthly excess returns (V, M) float32), locally or
    on the Dask cluster at ``scheduler``; ``bar`` is a rich Progress (or None).

    Variants whose rules trade exactly the same targets with the same trading settings are
    simulated once and their results copied (:mod:`engine.sweep.dedupe`: bit for bit the same
    numbers); ``info``, when given, receives ``simulated_variants``. ``chunk`` counts simulated
    variants."""
    from engine.sweep.dedupe import problem_representatives

    n = problem.n_variants
    check_chunk(chunk)
    rep = problem_representatives(problem)
    own = rep == np.arange(n)
    runs = np.flatnonzero(own)
    copies = np.bincount(rep, minlength=n)
    if info is not None:
        info["simulated_variants"] = int(runs.size)
    size = default_chunk(runs.size) if chunk is None else int(chunk)
    parts = [runs[s:e] for s, e in chunks_of(runs.size, size)]
    metrics = np.empty((n, N_COLS))
    monthly = np.empty((n, problem.month_last.size), dtype=np.float32)
    where = "dask" if scheduler else "local"
    task = (bar.add_task(f"{n:,} variants, {runs.size:,} distinct ({where})", total=n)
            if bar is not None else None)

    def done(res: ChunkResult) -> None:
        metrics[res.variants] = res.metrics
        monthly[res.variants] = res.monthly
        if bar is not None:
            bar.advance(task, int(copies[res.variants].sum()))

    if scheduler:
        from engine.sweep.dask import run_dask
        run_dask(problem, scheduler, parts, done)
    else:
        for ids in parts:
            done(run_variants(problem, ids))
    dup = np.flatnonzero(~own)
    for s in range(0, dup.size, 65_536):       # copies, in blocks (no (V, M) temporary)
        rows = dup[s:s + 65_536]
        metrics[rows] = metrics[rep[rows]]
        monthly[rows] = monthly[rep[rows]]
    return metrics, monthly


def variants_frame(problem: SweepProblem, metrics: np.ndarray) -> pd.DataFrame:
    """variants.parquet's table: params, signal group, metrics (dates as Timestamps)."""
    grid = problem.grid
    frame = grid.frame()
    frame["signal_group"] = grid.group_ids(problem.group_names)
    dates = problem.dates
    for name in METRIC_ORDER:
        if name in FLOAT_COLS:
            frame[name] = metrics[:, FLOAT_COLS[name]]
        elif name in TRADING_COLS:
            frame[name] = metrics[:, TRADING_COLS[name]]
        elif name == "n_rebalances":
            frame[name] = metrics[:, nb.N_REBALANCES].astype(np.int64)
        elif name in DATE_COLS:
            pos = metrics[:, DATE_COLS[name]].astype(np.int64)
            vals = np.full(pos.size, np.datetime64("NaT"), dtype="datetime64[ns]")
            ok = pos >= 0
            vals[ok] = dates.values[problem.start + pos[ok]]
            frame[name] = pd.to_datetime(vals)
        elif name == "days":
            frame[name] = metrics[:, nb.DAYS].astype(np.int64)
        else:
            frame[name] = metrics[:, REBALANCES].astype(np.int64)
    return frame


def best_frame(problem: SweepProblem, variants: pd.DataFrame, top: np.ndarray) -> pd.DataFrame:
    """best.csv: the top variants with rank, every param (not only the swept ones) and metrics."""
    import dataclasses

    rows = []
    for rank, v in enumerate(top, start=1):
        p = problem.grid.variant(int(v))
        params = {f.name: getattr(p, f.name) for f in dataclasses.fields(p)}
        rows.append({"rank": rank, "variant": int(v), **params})
    left = pd.DataFrame(rows).set_index("variant")
    metrics = variants.loc[top, list(METRIC_ORDER)]
    return left.join(metrics)


def run_sweep(config: str | Path | Any, *, strategy: str, grid: GridSpec = None,
              data: str | Path | None = None, start: str | None = None, end: str | None = None,
              scheduler: str | None = None, chunk: int | None = None, top: int = 20,
              out: str | Path = "results", force: bool = False, yes: bool = False,
              pbo_blocks: int = 16, wf_train: int = 60, wf_test: int = 12,
              wf_anchored: bool = False, rank_by: str = "sharpe", write: bool = True,
              progress: bool = False, argv: list[str] | None = None) -> SweepResult:
    """Sweep ``strategy`` (a ``[[strategy]]`` name of the config, or a registered rule) over
    ``grid`` (``["param=v1,v2", "param=start:stop:step", …]`` or a mapping; None = the
    strategy's documented GRID). ``rank_by`` (sharpe, sortino, calmar, cagr) orders the top
    list and picks the best variant and the heat maps' metric; the DSR, PBO and walk-forward
    stay on Sharpe ratios of excess returns. See the module doc for the outputs; ``write=False``
    returns the result without writing a folder. Raises ConfigError/DataError (exit 2) for bad
    input."""
    from engine.config import load_config
    from engine.experiment import load_experiment
    from engine.report.writer import check_target

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    options = StatsOptions(pbo_blocks=pbo_blocks, wf_train=wf_train, wf_test=wf_test,
                           wf_anchored=wf_anchored)
    if top < 1:
        raise ConfigError(f"--top must be at least 1, got {top}")
    check_chunk(chunk)                  # before any work
    check_rank_by(rank_by)
    if scheduler:                       # a wrong address fails now, within seconds
        from engine.sweep.dask import check_address, probe
        check_address(scheduler)
        probe(scheduler)
    path_given = isinstance(config, (str, Path))
    if path_given and not Path(config).is_file():
        raise ConfigError(f"config file {config} not found; give the path of a TOML file "
                          "(e.g. scripts/configs/rowing_boat.toml)")
    cfg = load_config(config) if path_given else config
    target = Path(out) / folder_name(cfg.run.name, strategy)
    if write:
        check_target(target, force=force)
    cfg = resolve_strategy(cfg, strategy)
    sweep_grid = grid_for(cfg, strategy, grid, yes=yes)     # a bad grid fails before any work
    if write:                                               # room for it, before any work
        check_target(target, force=force, need_bytes=size_estimate(sweep_grid.n_variants, top))
    with _progress(progress) as bar:
        task = bar.add_task("data, signals", total=None) if bar is not None else None
        exp = load_experiment(cfg, data=data, start=start, end=end)
        timings["experiment"] = time.perf_counter() - t0
        t = time.perf_counter()
        problem = prepare(exp, strategy, sweep_grid)
        timings["prepare"] = time.perf_counter() - t
        if bar is not None:
            bar.update(task, total=1, completed=1)
        t = time.perf_counter()
        info: dict[str, Any] = {}
        metrics, monthly = execute(problem, scheduler=scheduler, chunk=chunk, bar=bar,
                                   info=info)
        timings["variants"] = time.perf_counter() - t
    result = finish(problem, metrics, monthly, top=top, options=options, timings=timings,
                    scheduler=scheduler, rank_by=rank_by)
    del metrics                         # (V, N_COLS): its columns are in result.variants now
    import dataclasses

    from engine.sweep.reference import reference_rows
    result = dataclasses.replace(result, references=reference_rows(exp, problem, strategy),
                                 simulated_variants=info["simulated_variants"])
    if write:
        from engine.sweep.output import write_folder
        t = time.perf_counter()
        path = write_folder(result, exp, target, force=force, config=config if path_given
                            else None, argv=argv, t_start=t0, chunk=chunk)
        timings["write"] = time.perf_counter() - t
        result = _with_path(result, path)
    timings["total"] = time.perf_counter() - t0
    return result


def _progress(enabled: bool) -> Any:
    """rich's progress bar on stderr; when quiet, a context giving None (no rich import)."""
    if not enabled:
        return contextlib.nullcontext(None)
    from engine.report.terminal import progress
    return progress(enabled=True)


def _with_path(result: SweepResult, path: Path) -> SweepResult:
    import dataclasses
    return dataclasses.replace(result, path=path)


def finish(problem: SweepProblem, metrics: np.ndarray, monthly: np.ndarray, *, top: int = 20,
           options: StatsOptions = StatsOptions(), timings: dict[str, float] | None = None,
           scheduler: str | None = None, rank_by: str = "sharpe") -> SweepResult:
    """Rank by ``rank_by``, re-run the top N for daily returns, compute the statistics (on
    Sharpe ratios, whatever the ranking), build the tables."""
    from engine.sweep.stats import best_variant

    timings = {} if timings is None else timings
    t = time.perf_counter()
    sharpe = metrics[:, nb.SHARPE]
    order = ranked(metrics[:, FLOAT_COLS[check_rank_by(rank_by)]])
    top_ids = np.ascontiguousarray(order[:min(top, order.size)])
    by_sharpe = best_variant(sharpe)         # the DSR's variant: the top list may not hold it
    extra = [] if by_sharpe in top_ids else [by_sharpe]
    daily = run_variants(problem, np.r_[top_ids, extra].astype(np.int64), daily=True).daily
    assert daily is not None
    dates = problem.measured_dates
    top_returns = pd.DataFrame(daily[:top_ids.size].T, index=dates,
                               columns=[int(v) for v in top_ids])
    top_returns.columns.name = "variant"
    timings["top"] = time.perf_counter() - t
    t = time.perf_counter()
    rf = problem.rf[problem.start:problem.stop]
    row = top_ids.size if extra else int(np.flatnonzero(top_ids == by_sharpe)[0])
    stats = sweep_statistics(sharpe, monthly, daily[row] - rf, options, periods=problem.periods)
    timings["stats"] = time.perf_counter() - t
    variants = variants_frame(problem, metrics)
    return SweepResult(problem=problem, variants=variants, top=top_ids, top_returns=top_returns,
                       monthly=monthly, stats=stats, path=None, timings=timings,
                       scheduler=scheduler, rank_by=rank_by)


def manifest(result: SweepResult, exp: Any, *, config: str | Path | None, argv: list[str] | None,
             chunk: int | None) -> dict[str, Any]:
    """manifest.json's content."""
    from engine.report.experiment_view import run_description
    from engine.report.writer import config_digest, git_commit, package_versions

    p = result.problem
    text = Path(config).read_text(encoding="utf-8") if config is not None else None
    desc = run_description(exp)
    s, e = p.period
    return {
        "rowboat_manifest": 1,
        "kind": "sweep",
        "name": result.path.name if result.path is not None else None,
        "strategy": p.name, "rule": p.rule,
        "config": {"path": str(config) if config else None, "text": text,
                   "sha256": config_digest(text)},
        "data": desc.get("data", {}),
        "risk_free": p.rf_label, "lag": p.lag, "fee": p.fee, "slippage": p.slippage,
        "rebalance": p.rebalance, "band": p.band, "band_relative": p.band_relative,
        "measured": {"start": s, "end": e, "days": p.stop - p.start,
                     "months": int(p.month_last.size), "reason": p.period_reason},
        "grid": {"params": {n: list(v) for n, v in zip(p.grid.names, p.grid.values)},
                 "variants": p.n_variants, "signal_groups": len(p.groups),
                 "group_params": list(p.group_names),
                 "base": {k: getattr(p.grid.base, k) for k in p.grid.base.__dataclass_fields__}},
        "execution": {"scheduler": result.scheduler or "local",
                      "chunk": chunk, "top": int(result.top.size),
                      "simulated_variants": result.simulated_variants},
        "best": {"variant": result.best, "rank_by": result.rank_by,
                 result.rank_by: float(result.variants.at[result.best, result.rank_by]),
                 "sharpe": float(result.variants.at[result.best, "sharpe"])},
        "statistics": result.stats.as_dict(),
        "files": {"index": "index.html", "variants": "variants.parquet", "best": "best.csv",
                  "top_returns": "top_returns.parquet"},
        "versions": package_versions(),
        "git_commit": git_commit(),
        "command": list(argv) if argv is not None else list(sys.argv),
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
    }
