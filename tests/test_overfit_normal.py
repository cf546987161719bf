"""The Deflated Sharpe Ratio's normal distribution is the standard library's (no scipy.stats on
the sweep's path): equal to scipy.stats.norm to 1e-12, and the DSR with it."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from engine.sweep.overfit import (EULER_GAMMA, STANDARD_NORMAL, deflated_sharpe_ratio,
                                  expected_max_sharpe, normal_cdf, sample_moments)

ROOT = Path(__file__).resolve().parent.parent


def _probabilities() -> np.ndarray:
    """Both tails down to 1e-15 and the middle, as a sweep of 2 … 1e13 trials asks for."""
    n = np.logspace(0.01, 15, 400)
    return np.concatenate([1.0 - 1.0 / n, 1.0 - 1.0 / (n * math.e), 1.0 / n,
                           np.linspace(0.001, 0.999, 999)])


def test_quantile_equals_scipy_to_1e12() -> None:
    p = _probabilities()
    ours = np.array([STANDARD_NORMAL.inv_cdf(float(q)) for q in p])
    theirs = stats.norm.ppf(p)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_cdf_equals_scipy_to_1e12() -> None:
    """Relative, lower tail included (down to Φ ≈ 1e-300, where doubles turn subnormal)."""
    x = np.concatenate([np.linspace(-37.0, 38.0, 7501), [-np.inf, np.inf, 0.0, -0.5, 0.5],
                        np.random.default_rng(1).normal(0.0, 3.0, 20_000)])
    ours = np.array([normal_cdf(float(v)) for v in x])
    theirs = stats.norm.cdf(x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert math.isnan(normal_cdf(math.nan))


def _dsr_with_scipy(x: np.ndarray, trials: np.ndarray, periods: int, n_eff: float) -> float:
    """The DSR as the module computed it with scipy.stats.norm (the formula of its doc)."""
    t = trials / math.sqrt(periods)
    mean, std, skew, kurt = sample_moments(x)
    sr = mean / std
    sd = np.std(t, ddof=1)
    sr0 = sd * ((1 - EULER_GAMMA) * stats.norm.ppf(1 - 1 / n_eff)
                + EULER_GAMMA * stats.norm.ppf(1 - 1 / (n_eff * math.e)))
    adj = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr ** 2
    return float(stats.norm.cdf((sr - sr0) * math.sqrt(x.size - 1) / math.sqrt(adj)))


@pytest.mark.parametrize("seed", range(6))
def test_dsr_equals_the_scipy_computation_to_1e12(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_t(5, 2000) * 0.01 + rng.uniform(-0.0002, 0.0012)
    trials = rng.normal(0.5, rng.uniform(0.05, 0.6), size=int(rng.integers(20, 20_000)))
    n_eff = float(rng.uniform(1.5, trials.size))
    ours = deflated_sharpe_ratio(x, trials, periods_per_year=252, n_effective=n_eff)
    assert ours.dsr == pytest.approx(_dsr_with_scipy(x, trials, 252, n_eff), abs=1e-12, rel=1e-12)
    assert ours.dsr_all_trials == pytest.approx(
        _dsr_with_scipy(x, trials, 252, float(trials.size)), abs=1e-12, rel=1e-12)


def test_expected_max_sharpe_beyond_double_precision_is_infinite_as_in_scipy() -> None:
    """1 − 1/N rounds to 1 past ~1e16 trials: scipy's ppf gives +inf there, and so do we."""
    assert expected_max_sharpe(1e17, 0.1) == math.inf
    assert math.isinf(stats.norm.ppf(1.0 - 1.0 / 1e17))


def test_sweep_statistics_do_not_import_scipy_stats() -> None:
    """scipy.stats alone takes 1.5–2 s to import: the DSR, PBO and walk-forward need none of it."""
    code = ("import sys\nimport numpy as np\n"
            "from engine.sweep.stats import sweep_statistics\n"
            "rng = np.random.default_rng(0)\n"
            "m = rng.normal(0.005, 0.03, (50, 120)).astype(np.float32)\n"
            "st = sweep_statistics(m.mean(axis=1) / m.std(axis=1) * 12 ** 0.5, m,"
            " rng.normal(0.0004, 0.01, 2500))\n"
            "assert st.dsr is not None and st.pbo is not None\n"
            "print('LOADED', sorted(k for k in sys.modules if k.startswith('scipy.stats')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.splitlines()[-1] == "LOADED []"
