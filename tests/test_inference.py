"""The verdict's statistics against known cases: a peer (quantstats' PSR), analytic variances
(iid normal), identical series, and calibration (coverage and size) under simulated nulls."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from engine.metrics.inference import (cagr, excess_cagr_interval, hac_covariance, newey_west_lag,
                                      probabilistic_sharpe, sharpe_difference)


def test_psr_equals_quantstats() -> None:
    qs = pytest.importorskip("quantstats")
    rng = np.random.default_rng(3)
    for k in range(5):
        r = pd.Series(rng.standard_t(4, 600) * 0.01 + 0.0004 * k,
                      index=pd.bdate_range("2015-01-01", periods=600))
        assert probabilistic_sharpe(r) == pytest.approx(
            float(qs.stats.probabilistic_sharpe_ratio(r)), abs=1e-12)


def test_psr_normal_formula_and_sr_star() -> None:
    rng = np.random.default_rng(5)
    r = rng.normal(0.001, 0.01, 2000)
    sr = r.mean() / r.std(ddof=1)
    s = pd.Series(r)
    g3, g4 = s.skew(), s.kurt() + 3
    z = (sr - 0.02) * math.sqrt(1999) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr ** 2)
    assert probabilistic_sharpe(r, 0.02) == pytest.approx(0.5 * math.erfc(-z / math.sqrt(2)))
    assert probabilistic_sharpe(r, sr) == pytest.approx(0.5)  # at its own estimate: one half


def test_psr_is_calibrated_under_iid_normal_null() -> None:
    """True SR equals SR*: the PSR is about uniform, so it exceeds 0.95 about 5% of the time."""
    rng = np.random.default_rng(11)
    true_sr = 0.05
    hits = [probabilistic_sharpe(rng.normal(true_sr * 0.01, 0.01, 500), true_sr) > 0.95
            for _ in range(1500)]
    assert 0.03 <= np.mean(hits) <= 0.075


def test_sharpe_difference_identical_series_is_zero() -> None:
    r = np.random.default_rng(1).normal(0.0005, 0.01, 1500)
    t = sharpe_difference(r, r)
    assert t.difference == 0.0 and t.p_value == 1.0


def test_sharpe_difference_is_antisymmetric() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(0.0008, 0.01, 1500), rng.normal(0.0002, 0.012, 1500)
    t1, t2 = sharpe_difference(a, b), sharpe_difference(b, a)
    assert t1.difference == pytest.approx(-t2.difference)
    assert t1.p_value == pytest.approx(t2.p_value) and t1.std_error == pytest.approx(t2.std_error)


def test_sharpe_difference_se_matches_memmel_formula_for_iid_normal() -> None:
    """iid bivariate normal: Var(Δ̂) = [2 − 2ρ + ½(SRa² + SRb² − 2 SRa SRb ρ²)] / T
    (Jobson & Korkie 1981 as corrected by Memmel 2003), which the HAC delta method estimates."""
    rng = np.random.default_rng(7)
    n, rho = 200_000, 0.6
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
    a, b = 0.0006 + 0.01 * z[:, 0], 0.0002 + 0.012 * z[:, 1]
    sra, srb = 0.0006 / 0.01, 0.0002 / 0.012
    var = (2 - 2 * rho + 0.5 * (sra ** 2 + srb ** 2 - 2 * sra * srb * rho ** 2)) / n
    t = sharpe_difference(a, b, lags=0, periods=1)
    assert t.std_error == pytest.approx(math.sqrt(var), rel=0.02)
    assert t.difference == pytest.approx(sra - srb, abs=4 * math.sqrt(var))


def test_sharpe_difference_size_with_autocorrelation() -> None:
    """Equal true Sharpe ratios, AR(1) returns (φ = 0.3): the HAC test rejects at 10% about
    10% of the time (an iid variance would over-reject)."""
    rng = np.random.default_rng(13)
    rejections = []
    for _ in range(300):
        e = rng.normal(size=(1500, 2))
        x = np.empty_like(e)
        x[0] = e[0]
        for t in range(1, len(e)):
            x[t] = 0.3 * x[t - 1] + e[t]
        a, b = 0.0004 + 0.01 * x[:, 0], 0.0004 + 0.01 * x[:, 1]
        rejections.append(sharpe_difference(a, b).p_value < 0.10)
    assert 0.05 <= np.mean(rejections) <= 0.16


def test_hac_covariance_lag0_is_sample_covariance() -> None:
    y = np.random.default_rng(4).normal(size=(500, 3))
    assert np.allclose(hac_covariance(y, 0), np.cov(y.T, ddof=0))
    assert newey_west_lag(100) == 4 and newey_west_lag(4360) == 9


def test_bootstrap_identical_series_and_determinism() -> None:
    r = np.random.default_rng(8).normal(0.0004, 0.01, 1000)
    iv = excess_cagr_interval(r, r)
    assert (iv.estimate, iv.low, iv.high) == (0.0, 0.0, 0.0)
    b = np.random.default_rng(9).normal(0.0002, 0.01, 1000)
    assert excess_cagr_interval(r, b, seed=3) == excess_cagr_interval(r, b, seed=3)
    assert excess_cagr_interval(r, b).estimate == pytest.approx(cagr(r) - cagr(b))


def test_bootstrap_interval_covers_the_true_excess_cagr() -> None:
    """iid normal daily returns: the true CAGR is exp(252 E log(1+r)) − 1 (Gauss–Hermite
    quadrature); the 90% interval should cover the true excess about 90% of the time."""
    ma, mb, s = 0.0006, 0.0002, 0.01
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)

    def true_cagr(m: float) -> float:
        e = float((weights * np.log1p(m + s * nodes)).sum() / weights.sum())
        return math.exp(252 * e) - 1

    truth = true_cagr(ma) - true_cagr(mb)
    rng = np.random.default_rng(21)
    cover = []
    for k in range(200):
        a, b = rng.normal(ma, s, 1260), rng.normal(mb, s, 1260)
        iv = excess_cagr_interval(a, b, block=21, samples=400, seed=k)
        cover.append(iv.low <= truth <= iv.high)
    assert 0.82 <= np.mean(cover) <= 0.96
