"""``rowboat run`` as a Python call: config → experiment → ``results/<name>/``.

:func:`run_config` loads the config, refuses an existing folder without ``force`` (before any
work), runs the experiment, and writes the folder atomically (see :mod:`engine.report.writer`):

``index.html`` (comparison page), ``tearsheets/<strategy>.html`` (quantstats), ``metrics.csv``
(one row per strategy; fractions), ``returns.csv`` (daily returns over the measurement period),
``risk_free.csv`` (the daily risk-free returns over the same dates; zeros for a zero rate),
``weights/<strategy>.csv`` (realised end-of-day sleeve weights over the period), ``signals.csv``
(every signal's outputs on the run's dates, from its start to its end — computed with the
history before the start for their warm-ups, which is not written), ``manifest.json``.

Tearsheets render in worker processes while this process draws the page.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from engine.report import experiment_view as view
from engine.report import tearsheet_cache
from engine.report.quiet import quiet
from engine.report.run_page import RunPage, build_run_page
from engine.report.scorecard import calendar_table, scorecard
from engine.report.splice_marks import held_spans, splice_spans
from engine.report.run_tearsheets import FAILED, Tearsheets, mark_pending, write_atomic
from engine.report.tearsheet import start_pool, tearsheet_jobs
from engine.report.terminal import progress
from engine.report.workers import stop_pool
from engine.report.writer import (atomic_folder, check_target, config_digest, git_commit,
                                  manifest_text, package_versions, safe_name, write_csv,
                                  write_manifest, write_metrics_csv)


if TYPE_CHECKING:   # the pool class is imported only by runs that start one
    from concurrent.futures import ProcessPoolExecutor

@dataclass(frozen=True)
class RunOutput:
    """Where a run was written and what it measured."""

    path: Path
    metrics: pd.DataFrame
    benchmark: str
    experiment: Any
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def index(self) -> Path:
        return self.path / "index.html"


def _config_name(config: Any) -> str:
    run = getattr(config, "run", None)
    name = getattr(run, "name", None) if run is not None else None
    if name is None and isinstance(config, dict):
        name = config.get("run", {}).get("name")
    return str(name or "run")


def run_config(config: str | Path | Any, *, data: str | None = None, out: str | Path = "results",
               start: str | None = None, end: str | None = None, backend: str = "numba",
               force: bool = False, tearsheets: bool = True, workers: int = 2,
               show_progress: bool = True, argv: list[str] | None = None,
               on_ready: Callable[[RunOutput], None] | None = None,
               on_measured: Callable[[str, pd.DataFrame, str], None] | None = None) -> RunOutput:
    """Run a config (path or ``Config``) and write ``<out>/<run name>/``; see the module doc.

    ``data`` overrides the config's ``[data] source`` ("sample", "yahoo" or a folder).
    ``workers``: processes building the quantstats tearsheets (1 = in this process).
    ``on_ready(output)`` is called as soon as the folder is in place (page, tables, cached
    tearsheets), before the tearsheets that were not cached have finished rendering.
    ``on_measured(name, metrics, benchmark)`` is called as soon as the backtests are measured,
    before the page and the tearsheets (the terminal prints its summary table there).
    Raises :class:`~engine.errors.UserError` subclasses for bad configs/data/targets.
    """
    quiet()
    from engine.config import load_config
    from engine.experiment import load_experiment

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    is_path = isinstance(config, (str, Path))
    cfg = load_config(config) if is_path else config
    target = Path(out) / safe_name(_config_name(cfg))
    n_strategies = len(getattr(cfg, "strategies", ()) or ()) or 1
    check_target(target, force=force, need_bytes=size_estimate(n_strategies, tearsheets))
    workers = worker_count(workers, n_strategies if tearsheets else 0)
    config_text = Path(config).read_text(encoding="utf-8") if is_path else None
    with tearsheet_pool(workers if tearsheets else 1) as pool, \
            progress(enabled=show_progress) as bar:
        task = bar.add_task("data, signals, backtests", total=None)
        exp = load_experiment(config if is_path else cfg, data=data, start=start, end=end,
                              backend=backend)
        bar.update(task, total=1, completed=1)
        timings["experiment"] = time.perf_counter() - t0
        outputs: list[RunOutput] = []

        def ready(path: Path) -> None:
            metrics = pd.read_csv(path / "metrics.csv", index_col=0)
            outputs.append(RunOutput(path=path, metrics=metrics, benchmark=exp.benchmark,
                                     experiment=exp, timings=timings))
            if on_ready is not None:
                on_ready(outputs[0])

        write_results(exp, target, name=_config_name(cfg), force=force,
                      tearsheets=tearsheets, pool=pool, bar=bar, timings=timings,
                      config_text=config_text, config_path=config if is_path else None,
                      data_override=data, argv=argv, t_start=t0, on_ready=ready,
                      on_measured=on_measured)
    return outputs[0]


def size_estimate(n_strategies: int, tearsheets: bool) -> int:
    """Bytes a run folder needs, roughly (measured: a tearsheet 0.7–1.0 MB, the page 0.5 MB,
    the CSVs under 1 MB per strategy for 20 years of daily data), doubled for safety."""
    per = (1.0 if tearsheets else 0.0) + 1.0
    return int(2 * (1.0 + per * n_strategies) * 1024 * 1024)


def worker_count(workers: int, tearsheets: int, *, say: bool = True) -> int:
    """``workers`` capped at the cores this process may use and at the number of tearsheets;
    says so on stderr (``say``) when more workers were asked for than there are cores (capping
    the default at the number of tearsheets goes without a word)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    cap = max(1, min(cores, tearsheets)) if tearsheets else 1
    if workers > cap and tearsheets:
        if say and workers > cores:
            print(f"rowboat: --workers {workers} capped at {cap} ({cores} cores, {tearsheets} "
                  "tearsheets)", file=sys.stderr)
        return cap
    return workers


@contextmanager
def tearsheet_pool(workers: int,
                   warm: bool | None = None) -> Iterator[ProcessPoolExecutor | None]:
    """The tearsheet worker processes, started first (before any thread; see ``start_pool``).

    ``warm`` (default: when the tearsheet cache is empty or off, so that every tearsheet will
    render): the workers import quantstats now, while the backtests run; otherwise with their
    first tearsheet — a rerun whose tearsheets all come from the cache stops them unused, and
    their imports would only have taken the cores from the page.
    """
    if warm is None:
        warm = workers > 1 and not tearsheet_cache.has_entries(tearsheet_cache.cache_dir())
    pool = start_pool(workers, warm=warm)
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def measured(exp: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(returns over the period, scorecard, calendar-year table) of an experiment."""
    returns = exp.returns()
    results = exp.results
    metrics = scorecard(returns, exp.benchmark, exp.rf,
                        rebalances={n: r.rebalances for n, r in results.items()},
                        sleeve_weights={n: r.sleeve_weights for n, r in results.items()})
    return returns, metrics, calendar_table(returns)


def write_results(exp: Any, target: Path, *, name: str | None = None, force: bool = False,
                  tearsheets: bool = True, pool: ProcessPoolExecutor | None = None,
                  bar: Any = None, timings: dict[str, float] | None = None,
                  config_text: str | None = None, config_path: str | Path | None = None,
                  data_override: str | None = None, argv: list[str] | None = None,
                  t_start: float | None = None,
                  on_ready: Callable[[Path], None] | None = None,
                  on_measured: Callable[[str, pd.DataFrame, str], None] | None = None) -> Path:
    """Write every file of a run folder for ``exp`` (an Experiment, with or without a config) into
    ``target``, atomically. Tearsheets render in ``pool`` (None: in this process) while this
    process writes the tables and draws the page.

    ``t_start``: ``time.perf_counter()`` when the run began (for the manifest's total time).
    ``on_ready(target)`` is called once the folder is in place, before waiting for the
    tearsheets that were not in the cache (see :mod:`engine.report.run_tearsheets`).
    ``on_measured(name, metrics, benchmark)``: called once the scorecard exists, before any
    tearsheet or page work (see :func:`run_config`).
    """
    timings = {} if timings is None else timings
    t0 = time.perf_counter()
    t_start = t0 if t_start is None else t_start
    name = name or _config_name(exp.config)
    returns, metrics, calendar = measured(exp)
    files = {n: f"{safe_name(n)}.html" for n in returns.columns}
    timings["metrics"] = time.perf_counter() - t0
    if on_measured is not None:
        on_measured(name, metrics, exp.benchmark)
    sheets: Tearsheets | None = None
    placed = False
    try:
        with atomic_folder(target, force=force) as tmp:
            if tearsheets:
                (tmp / "tearsheets").mkdir()
                jobs = tearsheet_jobs(returns, exp.benchmark, exp.rf, exp.rf_label,
                                      tmp / "tearsheets", files, tearsheet_splices(exp, returns))
                # held before any staging folder exists: an interruption from here on is
                # cleaned up below (workers stopped, then the staging folder removed)
                sheets = Tearsheets.of(jobs, files)
                sheets.begin(tmp / "tearsheets", pool, target.parent)
                if not sheets.missing:   # all from the cache: the warming workers go now
                    stop_pool(pool)
            t1 = time.perf_counter()
            logs = rebalance_logs(exp, returns)
            _write_tables(exp, tmp, returns, metrics, logs)
            timings["tables"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            task = bar.add_task("comparison page", total=1) if bar else None
            page = run_page_inputs(exp, name, returns, metrics, calendar,
                                   {n: f"tearsheets/{f}" for n, f in files.items()}
                                   if tearsheets else {}, logs)
            html = build_run_page(page)
            pending = sheets.pending_links() if sheets is not None else []
            (tmp / "index.html").write_text(mark_pending(html, pending), encoding="utf-8")
            if bar:
                bar.update(task, completed=1)
            timings["page"] = time.perf_counter() - t1
            timings["total"] = time.perf_counter() - t_start
            manifest = _manifest(exp, name, returns, timings, config_text, config_path,
                                 data_override, argv, files if tearsheets else {})
            write_manifest(tmp / "manifest.json", manifest)
        placed = True
        # the folder is in place: the page opens while the remaining tearsheets render
        if on_ready is not None:
            on_ready(target)
        if sheets is not None and sheets.missing:
            task = bar.add_task("quantstats tearsheets", total=len(sheets.missing)) \
                if bar else None
            try:
                sheets.deliver(target / "tearsheets",
                               on_done=(lambda _: bar.advance(task)) if bar else None)
            except BaseException:
                write_atomic(target / "index.html", mark_pending(html, pending, FAILED))
                raise
            write_atomic(target / "index.html", html)
        if sheets is not None:
            timings.update(sheets.timings())
            timings["total"] = time.perf_counter() - t_start
            manifest["timings_s"] = _timings(exp, timings)
            write_atomic(target / "manifest.json", manifest_text(manifest))
    except BaseException as exc:
        stop_pool(pool)  # the workers stop before any temporary folder is removed
        if placed and isinstance(exc, KeyboardInterrupt):  # Ctrl-C, SIGTERM: nothing written
            shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        if sheets is not None:
            sheets.cancel()
    return target


def tearsheet_splices(exp: Any, returns: pd.DataFrame) -> dict[str, tuple[Any, ...]]:
    """Strategy → the spliced history its tearsheet marks: the panel's extended sleeves that it
    or the benchmark (drawn beside it) held before the splice date during the period."""
    spans = splice_spans(exp.panel)
    if not spans:
        return {}
    start, end = returns.index[0], returns.index[-1]
    weights = {n: r.sleeve_weights for n, r in exp.results.items()}
    bench = weights.get(exp.benchmark)
    return {n: held_spans(spans, [w] + ([bench] if bench is not None and n != exp.benchmark
                                        else []), start, end)
            for n, w in weights.items()}


def rebalance_logs(exp: Any, returns: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Strategy → its rebalance log over the period (see :mod:`engine.report.rebalance_log`)."""
    from engine.report.rebalance_log import rebalance_log

    start, end = returns.index[0], returns.index[-1]
    out = {}
    for name, res in exp.results.items():
        inputs = None
        if getattr(exp, "config", None) is not None:
            try:
                inputs = exp.rule_inputs(name).frame()
            except Exception:  # noqa: BLE001 — no rule inputs: the log says no signal change
                inputs = None
        out[name] = rebalance_log(res, start, end, inputs)
    return out


def run_page_inputs(exp: Any, name: str, returns: pd.DataFrame, metrics: pd.DataFrame,
                    calendar: pd.DataFrame, tearsheets: dict[str, str],
                    logs: dict[str, pd.DataFrame] | None = None) -> RunPage:
    """Everything the page shows, from the experiment (see :class:`RunPage`); ``logs``: the
    rebalance logs when already computed."""
    from engine.report import today as today_mod
    from engine.report import view_labels as labels

    idx = returns.index
    today_html = ""
    if getattr(exp, "config", None) is not None:
        try:
            today_html = today_mod.to_html(today_mod.today(exp))
        except Exception as exc:  # noqa: BLE001 — the panel is extra; never lose the page
            today_html = f'<p class="note">Signals today unavailable: {view.esc(str(exc))}</p>'
    return RunPage(
        name=name, returns=returns, benchmark=exp.benchmark,
        metrics=metrics, calendar=calendar, period_reason=exp.period_reason,
        source=exp.panel.source, synthetic=bool(exp.panel.synthetic),
        rf_label=exp.rf_label, rf=exp.rf,
        allocations={n: r.sleeve_weights.loc[idx[0]:idx[-1]] for n, r in exp.results.items()},
        signals=view.signal_panels(exp), facts=view.trading_facts(exp),
        splices=tuple(splice_spans(exp.panel)),
        tearsheets=tearsheets, descriptions=view.descriptions(exp), theses=view.theses(exp),
        footer=_footer(exp), focus=labels.focus(exp), sleeve_labels=labels.sleeve_labels(exp),
        strips=labels.strategy_strips(exp, idx),
        rebalance_logs=logs if logs is not None else rebalance_logs(exp, returns),
        sleeve_returns=labels.sleeve_returns(exp, idx), today=today_html)


def _write_tables(exp: Any, folder: Path, returns: pd.DataFrame, metrics: pd.DataFrame,
                  logs: dict[str, pd.DataFrame]) -> None:
    write_metrics_csv(metrics, folder / "metrics.csv")
    ret = returns.copy()
    ret.index.name = "date"
    write_csv(ret, folder / "returns.csv")
    rf = (exp.rf.reindex(returns.index) if exp.rf is not None
          else pd.Series(0.0, index=returns.index)).rename("risk_free").to_frame()
    rf.index.name = "date"
    write_csv(rf, folder / "risk_free.csv")  # for `rowboat compare --common-period`
    for name, res in exp.results.items():
        w = res.sleeve_weights.loc[returns.index[0]:returns.index[-1]].copy()
        w.index.name = "date"
        write_csv(w, folder / "weights" / f"{safe_name(name)}.csv")
    for name, log in logs.items():
        write_csv(log, folder / "rebalances" / f"{safe_name(name)}.csv")
    signals = exp.signals.copy() if exp.signals is not None else pd.DataFrame(index=exp.panel.dates)
    for col in signals.columns:
        if signals[col].dtype == bool:
            signals[col] = signals[col].astype(int)
    signals.index.name = "date"
    write_csv(signals, folder / "signals.csv")


def _footer(exp: Any) -> str:
    from engine.report.page import esc

    versions = package_versions()
    return (f"Made by rowboat {esc(versions.get('rowboat', '?'))} with quantstats "
            f"{esc(versions.get('quantstats', '?'))}; commit <code>{esc(git_commit()[:12])}"
            f"</code>; data hash <code>{esc(str(exp.panel.data_hash())[:16])}</code>. "
            "Past performance, simulated or real, does not predict future returns.")


def _bindings(exp: Any) -> dict[str, Any]:
    """Strategy → slot → the signal it reads and how it was chosen (``Config.signal_bindings``);
    empty for experiments without a config."""
    cfg = getattr(exp, "config", None)
    return cfg.signal_bindings() if hasattr(cfg, "signal_bindings") else {}


def _manifest(exp: Any, name: str, returns: pd.DataFrame, timings: dict[str, float],
              config_text: str | None, config_path: str | Path | None,
              data_override: str | None, argv: list[str] | None,
              tearsheets: dict[str, str]) -> dict[str, Any]:
    desc = view.run_description(exp)
    return {
        "rowboat_manifest": 1,
        "name": name,
        "config": {"path": str(config_path) if config_path else None,
                   "resolved": str(Path(config_path).resolve()) if config_path else None,
                   "text": config_text,
                   "sha256": config_digest(config_text)},
        "data_override": data_override,
        **desc,
        "signal_bindings": _bindings(exp),
        "measured": {"start": returns.index[0], "end": returns.index[-1],
                     "days": len(returns), "strategies": list(returns.columns)},
        "files": {"index": "index.html", "metrics": "metrics.csv", "returns": "returns.csv",
                  "risk_free": "risk_free.csv",
                  "signals": "signals.csv",
                  "weights": {n: f"weights/{safe_name(n)}.csv" for n in returns.columns},
                  "rebalances": {n: f"rebalances/{safe_name(n)}.csv" for n in returns.columns},
                  "tearsheets": {n: f"tearsheets/{f}" for n, f in tearsheets.items()}},
        "versions": package_versions(),
        "git_commit": git_commit(),
        "command": list(argv) if argv is not None else list(sys.argv),
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timings_s": _timings(exp, timings),
    }


def _timings(exp: Any, timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in {**getattr(exp, "timings", {}), **timings}.items()}
