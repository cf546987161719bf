"""What the user sees in the terminal: progress bars on stderr, a rich summary table on stdout.

rich is imported only when something is shown (``rowboat run --quiet`` never loads it).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from engine.report.page import bp, pct, pp

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


class Silent:
    """What :func:`progress` yields when nothing is shown: the calls a run makes, doing
    nothing."""

    tasks: tuple[()] = ()

    def add_task(self, description: str, total: float | None = None, **fields: Any) -> int:
        return 0

    def update(self, task: int, **fields: Any) -> None:
        return None

    def advance(self, task: int, advance: float = 1) -> None:
        return None


@contextmanager
def progress(console: Console | None = None, *,
             enabled: bool = True) -> Iterator[Progress | Silent]:
    """A rich Progress on stderr (spinner, bar, n/N, elapsed); silent when ``enabled`` is off
    or stderr is not a terminal (:class:`Silent` when off: rich is not even imported)."""
    if not enabled and console is None:
        yield Silent()
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                               TextColumn, TimeElapsedColumn)

    con = console or err_console()
    prog = Progress(SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=con,
                    disable=not enabled, transient=False)
    with prog:
        try:
            yield prog
        except BaseException:
            # a failed run ends with one error message, not a half-drawn bar above it
            for task in prog.tasks:
                prog.update(task.id, visible=False)
            raise


#: (header, formatter of a metrics row, shown on narrow terminals too)
_COLUMNS = (
    ("CAGR", lambda r, b: pct(r["cagr"]), True),
    ("vs bm", lambda r, b: "–" if b else pp(r["excess_cagr"]), True),
    ("Vol", lambda r, b: pct(r["volatility"]), True),
    ("Sharpe", lambda r, b: f"{r['sharpe']:.2f}", True),
    ("Sortino", lambda r, b: f"{r['sortino']:.2f}", False),
    ("Max DD", lambda r, b: pct(r["max_drawdown"]), True),
    ("Calmar", lambda r, b: f"{r['calmar']:.2f}", False),
    ("Worst year", lambda r, b: f"{pct(r['worst_year'])} ({r['worst_year_label']})", False),
    ("Turn/yr", lambda r, b: pct(r["turnover_per_year"], 0), True),
    ("Costs/yr", lambda r, b: bp(r["costs_per_year"]), False),
)


def summary_table(metrics: pd.DataFrame, benchmark: str, title: str,
                  width: int = 200) -> Table:
    """Strategies × headline metrics (percent where the page shows percent); a terminal
    narrower than 120 columns gets the essential columns only."""
    from rich.table import Table

    cols = [c for c in _COLUMNS if c[2] or width >= 120]
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("Strategy", style="bold", no_wrap=True)
    for header, _, _ in cols:
        table.add_column(header, justify="right", no_wrap=True)
    for name, row in metrics.iterrows():
        bench = name == benchmark
        label = f"{name} (benchmark)" if bench else str(name)
        table.add_row(label, *(fmt(row, bench) for _, fmt, _ in cols))
    return table


def summary_title(name: str, metrics: pd.DataFrame) -> str:
    """"rowing_boat: 2009-04-01 to 2026-07-31" (the measured period of a scorecard)."""
    return f"{name}: {_day(metrics['start'].iloc[0])} to {_day(metrics['end'].iloc[0])}"


def print_summary(name: str, metrics: pd.DataFrame, benchmark: str,
                  console: Console | None = None) -> None:
    """The summary table on stdout (above a live progress display, if one is running)."""
    from rich.console import Console

    con = console or Console()
    con.print(summary_table(metrics, benchmark, summary_title(name, metrics), width=con.width))


def closing_line(out: Any) -> str:
    """The last line before the page's path, the same for ``rowboat run`` and the demo script:
    "rowing_boat: 8 strategies, 2009-04-01 to 2026-07-31, data: <source>; 14.2 s. Page:"."""
    m = out.metrics
    return (f"{out.path.name}: {len(m)} strategies, {_day(m['start'].iloc[0])} to "
            f"{_day(m['end'].iloc[0])}, data: {out.experiment.panel.source}; "
            f"{out.timings.get('total', 0.0):.1f} s. Page:")


def _day(value: object) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"
