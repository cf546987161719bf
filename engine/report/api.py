"""Reports for backtests run by hand: a dict of :class:`engine.sim.Result` → a results folder.

``rowboat run`` goes config → :class:`engine.experiment.Experiment` → folder. A script that builds
its own targets (see ``scripts/custom_rule.py``) has Results and a Panel instead; :func:`report`
wraps them in the same shape (:class:`Backtests`) and writes the same folder and page.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import ConfigError


@dataclass(frozen=True)
class Backtests:
    """The parts of an Experiment the report reads, for Results made without a config."""

    panel: Any
    results: Mapping[str, Any]
    benchmark: str
    rf: pd.Series
    rf_label: str
    signals: pd.DataFrame
    period: tuple[pd.Timestamp, pd.Timestamp]
    period_reason: str
    config: Any = None
    timings: Mapping[str, float] = field(default_factory=dict)

    def returns(self) -> pd.DataFrame:
        s, e = self.period
        return pd.DataFrame({n: r.returns for n, r in self.results.items()}).loc[s:e]


def common_period(results: Mapping[str, Any]) -> tuple[tuple[pd.Timestamp, pd.Timestamp], str]:
    """(first day every Result is invested, last date) and a sentence saying why."""
    starts = {n: r.start for n, r in results.items()}
    never = [n for n, s in starts.items() if pd.isna(s)]
    if never:
        raise ConfigError(f"strategy '{never[0]}' is never invested (no fill in its backtest); "
                          "check its targets and dates")
    last = max(starts, key=lambda n: starts[n])
    end = next(iter(results.values())).returns.index[-1]
    return (starts[last], end), f"all strategies invested from {starts[last].date()} ({last} " \
                                 "starts last)"


def backtests(results: Mapping[str, Any], *, panel: Any, benchmark: str,
              risk_free: str | None = None, signals: pd.DataFrame | None = None) -> Backtests:
    """Bundle hand-made Results (name → Result, all on ``panel``) for :func:`report`.

    ``risk_free``: a sleeve role whose daily total returns are the risk-free series, or None (0).
    ``signals``: optional DataFrame of signal outputs, columns ``NAME.output``.
    """
    if benchmark not in results:
        raise ConfigError(f"benchmark '{benchmark}' is not one of the results "
                          f"({', '.join(results)}); name one of them")
    if risk_free is None:
        rf, label = pd.Series(0.0, index=panel.dates, name="rf"), "0"
    else:
        sl = panel.sleeve(risk_free)
        rf = panel.close(risk_free, "tr").pct_change().fillna(0.0).rename("rf")
        label = f"{risk_free} ({' '.join(sl.tickers)})"
    period, reason = common_period(results)
    return Backtests(panel=panel, results=dict(results), benchmark=benchmark, rf=rf,
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
    from engine.report.run import RunOutput, tearsheet_pool, write_results
    from engine.report.terminal import progress
    from engine.report.writer import check_target, safe_name

    quiet()
    t0 = time.perf_counter()
    target = Path(out) / safe_name(name)
    check_target(target, force=force)
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
