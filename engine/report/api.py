"""Reports for backtests run by hand: a dict of :class:`engine.sim.Result` → a results folder.

``rowboat run`` goes config → :class:`engine.experiment.Experiment` → folder. A script that builds
its own targets (see ``scripts/custom_rule.py``) has Results and a Panel instead; :func:`report`
wraps them in the same :class:`~engine.experiment.Experiment` (with no config) and writes the same
folder and page.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import ConfigError
from engine.experiment import Experiment, common_period, risk_free_series

__all__ = ["backtests", "common_period", "report"]


def backtests(results: Mapping[str, Any], *, panel: Any, benchmark: str,
              risk_free: str | None = None, signals: pd.DataFrame | None = None) -> Experiment:
    """Bundle hand-made Results (name → Result, all on ``panel``) for :func:`report`.

    ``risk_free``: a sleeve role whose daily total returns are the risk-free series, or None (0).
    ``signals``: optional DataFrame of signal outputs, columns ``NAME.output``.
    """
    if benchmark not in results:
        raise ConfigError(f"benchmark '{benchmark}' is not one of the results "
                          f"({', '.join(results)}); name one of them")
    rf, label = risk_free_series(panel, risk_free)
    period, reason = common_period(results)
    return Experiment(config=None, panel=panel, results=dict(results), benchmark=benchmark, rf=rf,
                      rf_label=label, signals=signals if signals is not None
                      else pd.DataFrame(index=panel.dates), period=period, period_reason=reason)


def report(results: Mapping[str, Any], *, panel: Any, name: str, benchmark: str,
           risk_free: str | None = None, signals: pd.DataFrame | None = None,
           out: str | Path = "results", force: bool = False, tearsheets: bool = True,
           workers: int = 2, show_progress: bool = True) -> Any:
    """Write ``<out>/<name>/`` (page, tearsheets, CSVs, manifest) for hand-made Results.

    Returns a :class:`engine.report.run.RunOutput` (``.index`` is the page's path).
    """
    from engine.report.quiet import quiet
    from engine.report.run import (RunOutput, size_estimate, tearsheet_pool, worker_count,
                                   write_results)
    from engine.report.terminal import progress
    from engine.report.writer import check_target, safe_name

    quiet()
    t0 = time.perf_counter()
    target = Path(out) / safe_name(name)
    check_target(target, force=force, need_bytes=size_estimate(len(results), tearsheets))
    workers = worker_count(workers, len(results) if tearsheets else 0)
    bundle = backtests(results, panel=panel, benchmark=benchmark, risk_free=risk_free,
                       signals=signals)
    timings: dict[str, float] = {}
    with tearsheet_pool(workers if tearsheets else 1) as pool, \
            progress(enabled=show_progress) as bar:
        path = write_results(bundle, target, name=name, force=force, tearsheets=tearsheets,
                             pool=pool, bar=bar, timings=timings, t_start=t0)
    metrics = pd.read_csv(path / "metrics.csv", index_col=0)
    return RunOutput(path=path, metrics=metrics, benchmark=benchmark, experiment=bundle,
                     timings=timings)
