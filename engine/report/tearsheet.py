"""quantstats tearsheets: one self-contained, offline HTML file per strategy, built in parallel.

quantstats 0.0.86 facts this module works around (each checked on the installed version):

* ``benchmark`` must be a returns Series: a ticker string makes quantstats download it, which
  fails silently offline. We always pass the benchmark strategy's own daily returns.
* ``rf`` is read as an *annual* rate and de-annualised with ``(1 + rf) ** (1/252) - 1``; and
  ``reports.html`` formats it with ``f"{rf:.1%}"``, which raises on a plain Series. We pass the
  daily risk-free returns re-annualised, ``(1 + rf_d) ** 252 - 1``, in a Series subclass that
  formats as its mean; quantstats then subtracts exactly our daily series (to ~1e-16).
* ``match_dates=True`` (the default) silently drops leading days with a zero return. We pass
  returns already cut to the common measurement period and ``match_dates=False``, so the
  tearsheet measures exactly the period the comparison page does.
* The template links a favicon and quantstats.io, and calls an undefined ``save()`` on load
  (a console error). :func:`sanitize` removes these and the SVG metadata URLs, so the file
  makes no network request and contains no ``http`` reference at all.
* What quantstats draws or prints wrongly (the Treynor cell, three charts, drawdown dates) is
  corrected by :func:`engine.report.tearsheet_fix.fix_tearsheet_html`.
"""
from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.metrics.summary import periods_of
from engine.report.escape import esc, href
from engine.report.quiet import quiet
from engine.report.splice_marks import Span
from engine.report.tearsheet_fast import fast_quantstats
from engine.report.tearsheet_fix import fix_tearsheet_html
from engine.report.tearsheet_splices import splice_shading
from engine.report.workers import guard_worker, lean_imports, parent_alive
if TYPE_CHECKING:   # concurrent.futures.process (and multiprocessing) load with a pool only
    from concurrent.futures import ProcessPoolExecutor


PERIODS_PER_YEAR = 252


class AnnualRate(pd.Series):
    """Annual risk-free rates (fractions) per date; ``format(s, ".1%")`` gives their mean.

    quantstats prints ``rf`` in the tearsheet subtitle with a float format; a plain Series
    cannot be formatted that way. Arithmetic on it returns ordinary Series.
    """

    @property
    def _constructor(self):  # type: ignore[override]
        return pd.Series

    def __format__(self, spec: str) -> str:
        return format(float(self.mean()), spec) if spec else "annual rate series"


@dataclass(frozen=True)
class TearsheetJob:
    """Everything one tearsheet needs; picklable, so it can go to a worker process.

    ``returns`` and ``benchmark`` are daily simple returns (fractions) over the same dates (the
    run's common measurement period). ``rf_daily`` is the daily risk-free return series (or
    ``None`` for a zero rate). ``benchmark`` is ``None`` for the benchmark's own tearsheet.
    ``splices``: the spliced history these returns (or the benchmark's) contain
    (:func:`engine.report.splice_marks.held_spans`), noted and shaded in the tearsheet;
    empty (or ``None``) for none — the tearsheet is then exactly quantstats' with rowboat's fixes.
    """

    strategy: str
    returns: pd.Series
    benchmark: pd.Series | None
    benchmark_name: str
    rf_daily: pd.Series | None
    rf_label: str
    title: str
    path: Path
    splices: tuple[Span, ...] | None = ()


def quantstats_rf(rf_daily: pd.Series | None, index: pd.DatetimeIndex,
                  periods: int = PERIODS_PER_YEAR) -> float | AnnualRate:
    """What to pass quantstats as ``rf`` so that it subtracts exactly ``rf_daily`` each period.

    ``None`` or an all-zero series → ``0.0``. Otherwise the re-annualised rate
    ``(1 + rf_daily) ** periods - 1`` on ``index`` (quantstats de-annualises it back;
    ``periods``: 252 daily, 12 monthly).
    """
    if rf_daily is None:
        return 0.0
    rf = rf_daily.reindex(index)
    if rf.isna().any():
        missing = rf.index[rf.isna()][0]
        raise ValueError(f"risk-free series has no value on {missing:%Y-%m-%d}")
    if not np.any(rf.to_numpy() != 0.0):
        return 0.0
    return AnnualRate(np.power(1.0 + rf.to_numpy(dtype=float), periods) - 1.0,
                      index=index, name="rf")


def quantstats_inputs(job: TearsheetJob) -> dict[str, object]:
    """The exact keyword arguments :func:`render` gives ``quantstats.reports.html``.

    Tests recompute quantstats' statistics from these to check the page against the tearsheet.
    ``title`` is the strategy's name only: quantstats appends the period to it itself.
    """
    returns = job.returns.astype(float).rename(job.strategy)
    benchmark = None
    if job.benchmark is not None:
        if not isinstance(job.benchmark, pd.Series):  # never a ticker: it would download
            raise TypeError("benchmark must be a returns Series, not a ticker")
        benchmark = job.benchmark.astype(float).reindex(returns.index).rename(job.benchmark_name)
    periods = periods_of(pd.DatetimeIndex(returns.index))   # 252 daily, 12 monthly
    # quantstats writes ``title``, ``parameters`` and ``benchmark_title`` (upper-cased) raw into
    # the page's <h1>/<h4>: they are escaped here. Names it only puts in tables (tabulate escapes
    # them) and charts (matplotlib's SVG escapes them) stay as they are.
    return dict(returns=returns, benchmark=benchmark,
                rf=quantstats_rf(job.rf_daily, returns.index, periods),
                periods_per_year=periods, title=esc(job.strategy), match_dates=False,
                figfmt="svg", strategy_title=job.strategy,
                benchmark_title=esc(job.benchmark_name) if benchmark is not None else None,
                parameters={"Risk-free": esc(job.rf_label)})


def tearsheet_jobs(returns: pd.DataFrame, benchmark: str, rf_daily: pd.Series | None,
                   rf_label: str, out_dir: Path, files: dict[str, str],
                   splices: Mapping[str, Sequence[Span]] | None = None) -> list[TearsheetJob]:
    """One job per strategy column of ``returns`` (already cut to the measurement period).

    ``files`` maps strategy → file name inside ``out_dir``. The title is
    "<strategy> — <first date> to <last date>". ``splices``: strategy → the spliced history its
    tearsheet marks (missing strategies: none).
    """
    if benchmark not in returns.columns:
        raise ValueError(f"benchmark '{benchmark}' is not a strategy column")
    start, end = returns.index[0], returns.index[-1]
    period = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
    jobs = []
    for name in returns.columns:
        jobs.append(TearsheetJob(
            strategy=str(name), returns=returns[name],
            benchmark=None if name == benchmark else returns[benchmark],
            benchmark_name=benchmark, rf_daily=rf_daily, rf_label=rf_label,
            title=f"{name} — {period}", path=Path(out_dir) / files[name],
            splices=tuple((splices or {}).get(str(name), ()))))
    return jobs


_SUBS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.S | re.I), r) for p, r in (
    (r"<link[^>]*rel=\"[^\"]*icon[^\"]*\"[^>]*>", '<link rel="icon" href="data:,">'),
    (r"<meta http-equiv=[^>]*>", ""),
    (r"<a href=\"https?://quantstats\.io\"[^>]*>(.*?)</a>", r"\1"),
    (r"\s+onload=\"save\(\)\"", ""),
    (r"<\?xml[^>]*\?>", ""),
    (r"<!DOCTYPE svg[^>]*>", ""),
    (r"<metadata>.*?</metadata>", ""),
    (r"\s+xmlns(:\w+)?=\"https?://[^\"]*\"", ""),
))


def sanitize(text: str, *, back_link: str | None = "../index.html") -> str:
    """Make a quantstats tearsheet offline-clean; add a link back to the comparison page."""
    for pattern, repl in _SUBS:
        text = pattern.sub(repl, text)
    text = text.replace("\ufe6a", "%")  # quantstats' "CAGR﹪": a glyph most fonts lack
    if back_link:
        link = (f'<p class="rowboat-back"><a href="{href(back_link)}">&larr; back to the '
                "comparison page</a></p>")
        text = re.sub(r"(<div class=\"container\">)", r"\1" + link.replace("\\", "\\\\"), text,
                      count=1)
    return text


_URL = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*|https?://[^\s\"'<>)]+")


def external_refs(text: str) -> list[str]:
    """Every absolute http(s) or protocol-relative URL left in an HTML text (should be none)."""
    return sorted(set(m.group(0) for m in _URL.finditer(text)))


def render(job: TearsheetJob) -> float:
    """Write one sanitised tearsheet to ``job.path``; returns the seconds it took."""
    t0 = time.perf_counter()
    quiet()
    import matplotlib
    import matplotlib.pyplot as plt
    import quantstats as qs

    kwargs = quantstats_inputs(job)
    # job.path's folder is never created here: a folder removed by a stopped run stays removed
    before = set(plt.get_fignums())
    try:
        with matplotlib.rc_context({"svg.hashsalt": "rowboat"}), \
                fast_quantstats(), \
                splice_shading(job.splices or ()):  # deterministic SVG ids; no wasted work
            qs.reports.html(output=str(job.path), **kwargs)
            text = fix_tearsheet_html(job.path.read_text(encoding="utf-8"), job)
    finally:
        for num in set(plt.get_fignums()) - before:  # quantstats' figures only
            plt.close(num)
    if not parent_alive():  # the run has died: write nothing more
        raise RuntimeError("the run that asked for this tearsheet has stopped")
    with open(job.path, "r+", encoding="utf-8") as f:  # the file quantstats made, never a new one
        f.write(sanitize(text))
        f.truncate()
    return time.perf_counter() - t0


def mp_context():
    """How to start tearsheet workers.

    ``fork`` when this process has a single thread (workers start in milliseconds and inherit
    what is imported); with other threads alive (pytest-xdist, a notebook, a GUI) forking could
    deadlock a child, so ``forkserver`` (a clean server process that preloads quantstats and
    forks the workers); ``spawn`` where neither exists.
    """
    import multiprocessing as mp
    import threading

    methods = mp.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["engine.report.tearsheet", "quantstats", "matplotlib.pyplot"])
        return ctx
    return mp.get_context("spawn")


#: tearsheet workers yield to the run's own process, which writes the page the user opens first:
#: on two cores the scheduler then gives the run a core of its own while the workers import
#: quantstats; kept small so that on a busy machine the workers are not starved
WORKER_NICENESS = 2


def warm_worker(warm: bool = True) -> None:
    """Worker initializer: die with the run (see :mod:`engine.report.workers`), run at a lower
    priority than the page (:data:`WORKER_NICENESS`), silence noise, leave out what quantstats
    imports but a tearsheet never uses (:func:`~engine.report.workers.lean_imports`), draw
    off-screen, and (``warm``) import quantstats now rather than with the first tearsheet."""
    guard_worker()
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # pragma: no cover - not allowed: same priority as the run
        pass
    quiet()
    lean_imports()
    if not warm and "matplotlib" not in sys.modules:
        os.environ["MPLBACKEND"] = "Agg"   # what matplotlib.use("Agg") sets, once it is imported
        return
    import matplotlib

    matplotlib.use("Agg")
    if warm:
        import matplotlib.pyplot  # noqa: F401
        import quantstats  # noqa: F401


def start_pool(workers: int, warm: bool = True) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` tearsheet processes, all started now (None when ``workers <= 1``).

    Start it before any thread exists in this process (progress bars, numba, the pool's own
    manager): forking a multi-threaded process can deadlock the child. With ``warm`` its
    workers import quantstats (~1 s each) while this process loads data and runs backtests;
    without, they wait for their first tearsheet to import it — for a run whose tearsheets
    are probably all in the cache, whose workers are stopped unused (their imports would only
    take the cores from the page).
    """
    if workers <= 1:
        return None
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(),
                               initializer=warm_worker, initargs=(warm,))
    pool.submit(int)  # with fork, the first submit launches every worker (now, not later)
    return pool


def write_tearsheets(jobs: Sequence[TearsheetJob], *, workers: int = 2,
                     pool: ProcessPoolExecutor | None = None,
                     on_done: Callable[[str, float], None] | None = None) -> dict[str, float]:
    """Render every job in ``pool`` (or a new one of ``workers`` processes); strategy → seconds.

    ``workers <= 1`` renders in this process. ``on_done(strategy, seconds)`` is called as each
    one finishes (for a progress bar). A failure in a worker is re-raised here.
    """
    quiet()
    timings: dict[str, float] = {}
    own = pool is None and len(jobs) > 1
    if own:
        pool = start_pool(min(workers, len(jobs)))
    try:
        if pool is None:
            for job in jobs:
                timings[job.strategy] = render(job)
                if on_done:
                    on_done(job.strategy, timings[job.strategy])
        else:
            from concurrent.futures import as_completed

            futures = {pool.submit(render, job): job.strategy for job in jobs}
            for fut in as_completed(futures):
                name = futures[fut]
                timings[name] = fut.result()
                if on_done:
                    on_done(name, timings[name])
    finally:
        if own and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return {job.strategy: timings[job.strategy] for job in jobs}
