"""Variants that give the same result, counted once.

Two variants give the same result when their return streams are identical — a swept parameter
that the rule never reads at the other values (a ``confirm`` of a signal that never fires, a
``defensive`` share when the trend filter is off, …). Identical streams have bit-identical
metrics, so the key is the exact tuple of :data:`KEY` metrics.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: metrics that together identify a return stream (and its trading)
KEY = ("sharpe", "cagr", "volatility", "max_drawdown", "turnover_per_year", "rebalances")


@dataclass(frozen=True)
class Distinct:
    """One distinct result: ``variant`` (the best-ranked of them, lowest number on ties) and
    ``members`` (every variant number giving the same result, ascending)."""

    variant: int
    members: np.ndarray

    @property
    def count(self) -> int:
        return int(self.members.size)


def result_groups(variants: pd.DataFrame) -> np.ndarray:
    """A group number per variant row: equal numbers = the same result (see :data:`KEY`)."""
    cols = [c for c in KEY if c in variants.columns]
    return variants[cols].groupby(cols, dropna=False, sort=False).ngroup().to_numpy()


def distinct_top(variants: pd.DataFrame, order: np.ndarray, n: int) -> list[Distinct]:
    """The first ``n`` distinct results in ``order`` (variant positions, best first)."""
    groups = result_groups(variants)
    numbers = variants.index.to_numpy()
    out: list[Distinct] = []
    seen: set[int] = set()
    for pos in order:
        g = int(groups[pos])
        if g in seen:
            continue
        seen.add(g)
        out.append(Distinct(int(numbers[pos]), np.sort(numbers[groups == g])))
        if len(out) == n:
            break
    return out
