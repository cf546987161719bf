"""Extended series: a fund extended back with an index's returns before its first date (the
practice of testfol.io and Portfolio Visualizer).

A sleeve ``em = { ticker = "EEM", extend_with = "MSCI_EM", cost = 0.0068 }`` holds EEM from its
first date and, before it, the index's period returns minus the annual ``cost`` (a fraction a
year, spread evenly: ``r − cost / periods``), chained backwards from EEM's first close so the
two join without a jump. Signals and the engine read the one spliced series. What is shown
(:class:`Splice`): the splice date, the overlap, and the tracking difference over it — the
fund's annualised return minus the index's (≈ −cost when the fund tracks its index).

The index must start before the fund and overlap it (at least two common dates, the fund's first
date among them); otherwise the splice cannot be checked and loading stops with an error naming
both files and the fix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import DataError


@dataclass(frozen=True)
class Splice:
    """Where ``ticker`` was extended with ``index``: ``splice_date`` is the fund's first date
    (its own closes from there on), ``start`` the first extended date, ``overlap`` the first and
    last common dates, ``tracking_difference`` the fund's annualised return minus the index's
    over the overlap (fraction a year), ``cost`` the annual cost deducted before the splice."""

    ticker: str
    index: str
    start: pd.Timestamp
    splice_date: pd.Timestamp
    overlap: tuple[pd.Timestamp, pd.Timestamp]
    tracking_difference: float
    cost: float

    def describe(self) -> str:
        return (f"{self.ticker} extended back to {self.start.date()} with {self.index} "
                f"(minus {self.cost:.2%} a year) before {self.splice_date.date()}; tracking "
                f"difference {self.tracking_difference:+.2%} a year over "
                f"{self.overlap[0].date()} → {self.overlap[1].date()}")


def splice(fund: pd.Series, index: pd.Series, *, cost: float, periods: int,
           fund_label: str, index_label: str) -> tuple[pd.Series, Splice]:
    """The fund's closes extended back with ``index`` (see the module docstring). ``fund`` and
    ``index``: clean closes (ascending, positive) on the same frequency; ``periods``: rows a
    year (252 daily, 12 monthly)."""
    f, x = fund.dropna(), index.dropna()
    d0 = f.index[0]
    fix = (f"give {index_label} history from before {d0.date()} (the index must start before "
           f"the fund and overlap it), or drop extend_with")
    if x.index[0] >= d0:
        raise DataError(f"{index_label} starts on {x.index[0].date()}, not before "
                        f"{fund_label} ({d0.date()}): nothing to extend with; {fix}")
    common = f.index.intersection(x.index)
    if d0 not in x.index or len(common) < 2:
        raise DataError(f"{index_label} ({x.index[0].date()} → {x.index[-1].date()}) does not "
                        f"overlap {fund_label} ({d0.date()} → {f.index[-1].date()}) on the "
                        f"fund's first date and after: the splice cannot be checked; {fix}")
    before = x.loc[:d0]
    r = before.pct_change().iloc[1:] - cost / periods          # periods ending ≤ d0
    growth = np.cumprod((1.0 + r.to_numpy())[::-1])[::-1]     # Π (1 + r) from t+1 to d0
    levels = f.iloc[0] / growth
    ext = pd.Series(levels, index=before.index[:-1], name=fund.name)
    out = pd.concat([ext, f]).rename(fund.name)
    a, b = common[0], common[-1]
    n = int(((f.index >= a) & (f.index <= b)).sum()) - 1
    td = ((f[b] / f[a]) ** (periods / n) - (x[b] / x[a]) ** (periods / n)) if n > 0 else np.nan
    return out, Splice(str(fund.name), str(index.name), out.index[0], d0, (a, b), float(td),
                       cost)
