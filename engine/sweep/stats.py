"""The overfitting statistics of one sweep: DSR of the best, PBO by CSCV, walk-forward.

Inputs are what the fused pass keeps: every variant's annualised Sharpe ratio, every variant's
monthly excess returns (float32, returns minus the risk-free sleeve's, fractions) and the best
variant's daily returns. A statistic that the data cannot support (too few months for the
blocks or the windows, a single variant) is skipped with a note saying why and what to change —
the sweep itself still succeeds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.errors import ConfigError
from engine.sweep.overfit import (PBO, DeflatedSharpe, deflated_sharpe_ratio, distinct_rows,
                                  effective_trials, pbo_over_rows)
from engine.sweep.walkforward import WalkForward, walk_forward_rows


@dataclass(frozen=True)
class StatsOptions:
    """PBO blocks S (even, ≥ 2) and walk-forward windows in months."""

    pbo_blocks: int = 16
    wf_train: int = 60
    wf_test: int = 12
    wf_anchored: bool = False

    def __post_init__(self) -> None:
        if self.pbo_blocks < 2 or self.pbo_blocks % 2:
            raise ConfigError(f"--pbo-blocks {self.pbo_blocks}: the number of CSCV blocks must be "
                              "an even number ≥ 2 (default 16)")
        if self.pbo_blocks > 24:
            raise ConfigError(f"--pbo-blocks {self.pbo_blocks}: C({self.pbo_blocks}, "
                              f"{self.pbo_blocks // 2}) combinations is too many; use 24 or fewer")
        if self.wf_train < 2 or self.wf_test < 1:
            raise ConfigError(f"walk-forward windows must be ≥ 2 months in sample and ≥ 1 out "
                              f"of sample, got --wf-train {self.wf_train} --wf-test "
                              f"{self.wf_test}")


@dataclass(frozen=True)
class SweepStats:
    """DSR of the best variant; PBO and walk-forward (None when skipped, see ``notes``)."""

    dsr: DeflatedSharpe | None
    pbo: PBO | None
    walk_forward: WalkForward | None
    best: int                   #: the variant with the highest Sharpe (the in-sample best)
    distinct: int               #: number of distinct Sharpe ratios (distinct return streams)
    options: StatsOptions
    notes: tuple[str, ...]
    #: distinct monthly excess-return series (PBO and the walk-forward run over these)
    distinct_series: int = 0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary (for manifest.json)."""
        out: dict[str, object] = {"best_variant": self.best, "distinct_results": self.distinct,
                                  "distinct_monthly_series": self.distinct_series,
                                  "notes": list(self.notes),
                                  "options": {"pbo_blocks": self.options.pbo_blocks,
                                              "wf_train_months": self.options.wf_train,
                                              "wf_test_months": self.options.wf_test,
                                              "wf_anchored": self.options.wf_anchored}}
        if self.dsr is not None:
            out["dsr"] = self.dsr.as_dict()
        if self.pbo is not None:
            out["pbo"] = {"pbo": self.pbo.pbo, "n_blocks": self.pbo.n_blocks,
                          "n_combinations": self.pbo.n_combinations,
                          "months_used": self.pbo.n_obs,
                          "prob_oos_loss": self.pbo.prob_oos_loss,
                          "degradation_slope": self.pbo.degradation_slope,
                          "median_logit": float(np.median(self.pbo.logits))}
        if self.walk_forward is not None:
            wf = self.walk_forward
            out["walk_forward"] = {"folds": wf.n_folds, "anchored": wf.anchored,
                                   "train_months": wf.train, "test_months": wf.test,
                                   "chosen": [int(c) for c in wf.chosen],
                                   "oos_sharpe_annual": _annual(wf.oos_returns, 12)}
        return out


def _annual(x: np.ndarray, periods: int) -> float:
    x = np.asarray(x, dtype=np.float64)
    sd = x.std(ddof=1) if x.size > 1 else 0.0
    return float(x.mean() / sd * math.sqrt(periods)) if sd > 0 else float("nan")


def best_variant(sharpe: np.ndarray) -> int:
    """Highest Sharpe (NaN last); ties go to the lowest variant number."""
    s = np.where(np.isnan(sharpe), -np.inf, sharpe)
    return int(np.argmax(s))


def sweep_statistics(sharpe: np.ndarray, monthly_excess: np.ndarray, best_daily_excess: np.ndarray,
                     options: StatsOptions = StatsOptions(), periods: int = 252) -> SweepStats:
    """Statistics from the sweep's outputs.

    sharpe: (V,) annualised Sharpe of every variant (``periods`` rows a year: 252 days, or 12
    on a monthly panel); monthly_excess: (V, M) monthly excess returns; best_daily_excess: the
    best variant's excess returns per row.
    """
    sharpe = np.asarray(sharpe, dtype=np.float64)
    notes: list[str] = []
    best = best_variant(sharpe)
    finite = np.isfinite(sharpe)
    distinct = int(np.unique(sharpe[finite]).size) + int((~finite).any())
    trials = np.where(finite, sharpe, 0.0)
    if not finite.all():
        notes.append(f"{int((~finite).sum())} variant(s) have no Sharpe ratio (no spread of "
                     "excess returns); they count as trials with Sharpe 0 in the DSR")
    dsr = None
    if np.isfinite(sharpe[best]) and best_daily_excess.size >= 4:
        n_eff = (effective_trials(monthly_excess) if monthly_excess.shape[1] >= 2
                 else float(sharpe.size))
        dsr = deflated_sharpe_ratio(best_daily_excess, trials, periods_per_year=periods,
                                    n_effective=n_eff)
    else:
        notes.append("DSR skipped: the best variant has no Sharpe ratio")
    v, m = monthly_excess.shape
    # the distinct monthly series (in order of first occurrence) and their numbers of copies:
    # PBO and the walk-forward run over these, with the same results as over every variant
    first, copies = (distinct_rows(monthly_excess) if m > 0 else
                     (np.zeros(1, dtype=np.int64), np.full(1, v, dtype=np.int64)))
    pbo = None
    s = options.pbo_blocks
    if v < 2:
        notes.append("PBO skipped: one variant — nothing was selected")
    elif m // s * (s // 2) < 2 or m < 2 * s:
        notes.append(f"PBO skipped: {m} months are too few for {s} blocks (need ≥ {2 * s}); "
                     f"pass --pbo-blocks {max(2, (m // 2) // 2 * 2)} or a longer period")
    else:
        pbo = pbo_over_rows(monthly_excess, first, copies, s)
    wf = None
    if m < options.wf_train + 1:
        notes.append(f"walk-forward skipped: {m} months leave nothing to test after a "
                     f"{options.wf_train}-month in-sample window; pass a smaller --wf-train")
    else:
        # the first of equal Sharpe ratios wins: choosing among distinct series (in order of
        # first occurrence) picks the same variant; read a chunk of rows at a time
        wf = walk_forward_rows(monthly_excess, first, options.wf_train, options.wf_test,
                               anchored=options.wf_anchored)
    if distinct < v:
        notes.append(f"{v:,} variants give {distinct:,} distinct results (some parameters do "
                     "not change the decisions)")
    return SweepStats(dsr=dsr, pbo=pbo, walk_forward=wf, best=best, distinct=distinct,
                      distinct_series=int(first.size),
                      options=options, notes=tuple(notes))
