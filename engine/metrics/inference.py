"""Is a difference real? Three statistics the run page's verdict shows for each strategy.

- :func:`excess_cagr_interval` — excess CAGR over the benchmark with a **circular block
  bootstrap** percentile interval (Politis & Romano 1992 style; blocks of whole days keep the
  two series paired and keep volatility clustering and autocorrelation within a block).
  Seeded, so the same inputs give the same interval.
- :func:`probabilistic_sharpe` — the **Probabilistic Sharpe Ratio** (Bailey & López de Prado
  2012): the probability that the true per-period Sharpe ratio exceeds ``sr_star`` given the
  sample's length, skewness and kurtosis. With ``sr_star = 0`` it is quantstats'
  ``probabilistic_sharpe_ratio`` (same estimators: pandas' bias-corrected skew and kurtosis).
- :func:`sharpe_difference` — the test of H0: Sharpe(a) = Sharpe(b) of **Ledoit & Wolf (2008)**,
  "Robust performance hypothesis testing with the Sharpe ratio", J. Empirical Finance 15: the
  delta method applied to the four moments (E a, E b, E a², E b²) with a heteroskedasticity-
  and autocorrelation-consistent (HAC) covariance. We use the Bartlett (Newey–West) kernel with
  the Newey–West (1994) plug-in lag ⌊4 (T/100)^(2/9)⌋ rather than Ledoit–Wolf's prewhitened
  quadratic-spectral kernel; both are consistent, and their studentised bootstrap (better in
  small samples) is not needed at the 10+ years of daily data a run measures.

Returns are daily simple returns as fractions; Sharpe ratios are per period unless a function
says it annualises (× √252).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERIODS = 252


def _arr(x: pd.Series | np.ndarray) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1 or len(a) < 3 or not np.isfinite(a).all():
        raise ValueError("need a 1-d array of at least 3 finite returns")
    return a


def _norm_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def cagr(returns: pd.Series | np.ndarray, periods: int = PERIODS) -> float:
    """Compound annual growth rate: (Π(1 + r))^(periods / T) − 1 (quantstats' definition)."""
    a = _arr(returns)
    return float(math.exp(np.log1p(a).sum() * periods / len(a)) - 1.0)


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap interval (fractions)."""

    estimate: float
    low: float
    high: float
    level: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0.0 or self.high < 0.0


def excess_cagr_interval(returns: pd.Series | np.ndarray, bench: pd.Series | np.ndarray, *,
                         block: int = 63, samples: int = 2000, level: float = 0.90,
                         seed: int = 0, periods: int = PERIODS) -> Interval:
    """CAGR(returns) − CAGR(bench) with a circular block-bootstrap percentile interval.

    Each resample joins ⌈T / block⌉ blocks of ``block`` consecutive days (wrapping around the
    end), drawn with replacement and taken from both series on the same days; its excess CAGR
    annualises over the resample's length. ``level``: e.g. 0.90 for the 5 %–95 % percentiles.
    Deterministic for a given ``seed``.
    """
    a, b = _arr(returns), _arr(bench)
    if len(a) != len(b):
        raise ValueError("returns and bench must have the same length (same days)")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be between 0 and 1")
    n = len(a)
    block = max(1, min(int(block), n))
    k = math.ceil(n / block)
    length = k * block
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n, size=(samples, k))

    def block_sums(x: np.ndarray) -> np.ndarray:
        logs = np.log1p(x)
        c = np.concatenate([[0.0], np.cumsum(np.concatenate([logs, logs[:block]]))])
        return c[block:block + n] - c[:n]

    sa, sb = block_sums(a)[starts].sum(axis=1), block_sums(b)[starts].sum(axis=1)
    boot = np.expm1(sa * periods / length) - np.expm1(sb * periods / length)
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(boot, [tail, 1.0 - tail])
    return Interval(cagr(a, periods) - cagr(b, periods), float(lo), float(hi), level)


def probabilistic_sharpe(excess: pd.Series | np.ndarray, sr_star: float = 0.0) -> float:
    """P(true per-period Sharpe > ``sr_star``) (Bailey & López de Prado 2012):

    Φ( (SR − SR*) √(T − 1) / √(1 − γ₃ SR + (γ₄ − 1)/4 · SR²) ),

    SR = mean / std (ddof 1) of ``excess`` (returns over the risk-free rate, per period),
    γ₃ = skewness, γ₄ = kurtosis (3 for a normal), both pandas' bias-corrected estimators.
    """
    a = _arr(excess)
    sd = float(a.std(ddof=1))
    if sd == 0.0:
        return float("nan")
    sr = float(a.mean()) / sd
    s = pd.Series(a)
    g3, g4 = float(s.skew()), float(s.kurt()) + 3.0
    var = (1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr * sr) / (len(a) - 1)
    if var <= 0.0:
        return float("nan")
    return _norm_cdf((sr - sr_star) / math.sqrt(var))


def newey_west_lag(n: int) -> int:
    """The Newey–West (1994) plug-in lag for the Bartlett kernel: ⌊4 (T/100)^(2/9)⌋."""
    return int(math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


def hac_covariance(y: np.ndarray, lags: int) -> np.ndarray:
    """Bartlett-kernel (Newey–West) long-run covariance of the rows of ``y`` (T × k, demeaned
    here), scaled as the covariance of √T × the sample mean."""
    y = y - y.mean(axis=0)
    n = len(y)
    psi = y.T @ y / n
    for j in range(1, lags + 1):
        g = y[j:].T @ y[:-j] / n
        psi += (1.0 - j / (lags + 1.0)) * (g + g.T)
    return psi


@dataclass(frozen=True)
class SharpeTest:
    """Annualised Sharpe ratios of a and b, their difference, its HAC standard error and the
    two-sided p-value of H0: equal Sharpe ratios."""

    sharpe_a: float
    sharpe_b: float
    difference: float
    std_error: float
    p_value: float
    lags: int


def sharpe_difference(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, *,
                      lags: int | None = None, periods: int = PERIODS) -> SharpeTest:
    """Ledoit–Wolf (2008) HAC test of equal Sharpe ratios of two paired excess-return series.

    Δ = μa/σa − μb/σb from u = (μa, μb, E a², E b²); Var(Δ̂) = ∇f' Ψ ∇f / T with Ψ the HAC
    long-run covariance of (a, b, a², b²) and ∇f = (E a²/σa³, −E b²/σb³, −μa/(2σa³),
    μb/(2σb³)) (σ² = E x² − μ², population moments as in the paper). The difference and its
    standard error are annualised by √periods; the p-value does not depend on that.
    Identical series: difference 0, p-value 1.
    """
    x, y = _arr(a), _arr(b)
    if len(x) != len(y):
        raise ValueError("a and b must have the same length (same days)")
    n = len(x)
    lags = newey_west_lag(n) if lags is None else int(lags)
    mu = np.array([x.mean(), y.mean(), (x * x).mean(), (y * y).mean()])
    va, vb = mu[2] - mu[0] ** 2, mu[3] - mu[1] ** 2
    if va <= 0.0 or vb <= 0.0:
        raise ValueError("a series with zero variance has no Sharpe ratio")
    sa, sb = mu[0] / math.sqrt(va), mu[1] / math.sqrt(vb)
    grad = np.array([mu[2] / va ** 1.5, -mu[3] / vb ** 1.5,
                     -mu[0] / (2.0 * va ** 1.5), mu[1] / (2.0 * vb ** 1.5)])
    psi = hac_covariance(np.column_stack([x, y, x * x, y * y]), lags)
    var = float(grad @ psi @ grad) / n
    se = math.sqrt(max(var, 0.0))
    diff = sa - sb
    if se <= 1e-15 * max(1.0, abs(sa), abs(sb)):
        p = 1.0 if abs(diff) <= 1e-15 else 0.0
    else:
        p = 2.0 * (1.0 - _norm_cdf(abs(diff) / se))
    k = math.sqrt(periods)
    return SharpeTest(sa * k, sb * k, diff * k, se * k, min(max(p, 0.0), 1.0), lags)
