"""Deflated Sharpe Ratio and PBO (CSCV): hand-computed cases, the papers' numbers, ffn 1.4.1."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from engine.sweep.overfit import (deflated_sharpe_ratio, expected_max_sharpe, pbo_cscv,
                                  probabilistic_sharpe_ratio, sample_moments)

ffn = pytest.importorskip("ffn")


# ------------------------------------------------------------------ Deflated Sharpe
def test_expected_max_sharpe_formula_by_hand() -> None:
    # N = 100, sd = 0.5: (1 − γ)·Φ⁻¹(0.99) + γ·Φ⁻¹(1 − 1/(100 e)), γ = 0.5772156649
    g = 0.5772156649015329
    z1, z2 = 2.3263478740408408, stats.norm.ppf(1 - 1 / (100 * math.e))
    assert z2 == pytest.approx(2.6802, abs=1e-4)
    assert expected_max_sharpe(100, 0.5) == pytest.approx(0.5 * ((1 - g) * z1 + g * z2), rel=1e-14)
    assert expected_max_sharpe(1, 0.5) == 0.0           # nothing selected
    assert expected_max_sharpe(50, 0.0) == 0.0          # no dispersion, no hurdle
    # more trials → a higher hurdle
    assert expected_max_sharpe(10_000, 0.5) > expected_max_sharpe(100, 0.5)


def test_paper_numerical_example() -> None:
    """Bailey & López de Prado (2014), section 'A numerical example': 5 years of daily returns
    (T = 1250, 250 days a year), annualised SR 2.5, N = 100 trials whose annualised Sharpe ratios
    have variance 1/2, skewness −3, kurtosis 10 → SR0 ≈ 0.1132 per day and DSR ≈ 0.9004."""
    sr0 = expected_max_sharpe(100, math.sqrt(0.5 / 250))
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    dsr = probabilistic_sharpe_ratio(2.5 / math.sqrt(250), sr0, 1250, -3.0, 10.0)
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_psr_by_hand() -> None:
    # SR 0.1, benchmark 0, T = 101, normal returns: Φ(0.1·10 / sqrt(1 + 2/4·0.01))
    assert probabilistic_sharpe_ratio(0.1, 0.0, 101, 0.0, 3.0) == pytest.approx(
        stats.norm.cdf(1.0 / math.sqrt(1.005)), rel=1e-14)
    assert math.isnan(probabilistic_sharpe_ratio(0.1, 0.0, 1, 0.0, 3.0))


def test_sample_moments_match_pandas() -> None:
    x = np.random.default_rng(3).standard_t(4, size=500) * 0.01 + 0.0004
    s = pd.Series(x)
    mean, std, skew, kurt = sample_moments(x)
    assert mean == pytest.approx(s.mean(), abs=1e-16)
    assert std == pytest.approx(s.std(), rel=1e-12)
    assert skew == pytest.approx(s.skew(), rel=1e-10)
    assert kurt == pytest.approx(s.kurt() + 3.0, rel=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dsr_matches_ffn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2015-01-01", periods=800)
    best = pd.Series(rng.standard_t(5, 800) * 0.01 + 0.0006, index=idx)
    trials = rng.normal(0.6, 0.4, size=300)            # annualised Sharpe ratios of all trials
    ours = deflated_sharpe_ratio(best.to_numpy(), trials, periods_per_year=252)
    theirs = ffn.core.calc_deflated_sharpe_ratio(best, pd.Series(trials), nperiods=252)
    assert ours.dsr == pytest.approx(theirs, abs=1e-12)
    assert 0.0 < ours.dsr < 1.0
    assert ours.sr0 == pytest.approx(
        ffn.core.calc_expected_max_sharpe(300, np.std(trials, ddof=1) / math.sqrt(252)), rel=1e-12)


def test_dsr_deflates_with_more_trials() -> None:
    rng = np.random.default_rng(5)
    best = rng.normal(0.0008, 0.01, 1000)
    few = deflated_sharpe_ratio(best, rng.normal(0.5, 0.3, 10))
    many = deflated_sharpe_ratio(best, rng.normal(0.5, 0.3, 10_000))
    assert many.dsr < few.dsr < few.psr_zero
    with pytest.raises(ValueError, match="every trial"):
        deflated_sharpe_ratio(best, np.array([0.5, np.nan]))


# ------------------------------------------------------------------ PBO by CSCV
def test_pbo_hand_case_overfit() -> None:
    """S = 2 blocks of 2 rows, 3 trials. Per-block Sharpe (mean/std):
    block 0: A 1.414, B 0.707, C 0;   block 1: A −0.707, B 1.414, C 0.707.
    IS = block 0 → A wins, OOS rank 1 of 3 → ω = 1/4, λ = ln(1/3).
    IS = block 1 → B wins, OOS rank 2 of 3 → ω = 2/4, λ = 0 (counts as overfit). PBO = 1."""
    x = np.array([[0.01, 0.00, -0.01],
                  [0.03, 0.02, 0.01],
                  [-0.02, 0.01, 0.00],
                  [0.00, 0.03, 0.02]])
    res = pbo_cscv(x, n_blocks=2)
    np.testing.assert_allclose(res.logits, [math.log(1 / 3), 0.0], atol=1e-15)
    np.testing.assert_array_equal(res.is_best, [0, 1])
    np.testing.assert_allclose(res.oos_perf, [-0.01 / (0.02 / math.sqrt(2)), 0.01 / (0.02 / math.sqrt(2))])
    assert res.pbo == 1.0
    assert res.n_combinations == 2


def test_pbo_hand_case_dominant_and_ties() -> None:
    # A beats B and C in both blocks → ω = 3/4 both ways, PBO = 0.
    x = np.array([[0.02, 0.00, 0.00],
                  [0.04, 0.01, 0.01],
                  [0.03, 0.00, 0.00],
                  [0.05, 0.01, 0.01]])
    res = pbo_cscv(x, n_blocks=2)
    np.testing.assert_allclose(res.oos_rank, [0.75, 0.75])
    assert res.pbo == 0.0
    # B and C tie everywhere, A is worst: IS winner is B (first of the tie), its OOS rank is the
    # average of 2 and 3 = 2.5 → ω = 2.5/4.
    y = x[:, [1, 2, 0]] * np.array([1, 1, -1])
    res = pbo_cscv(y, n_blocks=2)
    np.testing.assert_array_equal(res.is_best, [0, 0])
    np.testing.assert_allclose(res.oos_rank, [0.625, 0.625])


def test_pbo_matches_ffn_all_logits() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(0.0003, 0.01, size=(8 * 20, 12)) + rng.normal(0, 0.0005, size=12)
    ours = pbo_cscv(x, n_blocks=8)
    theirs = ffn.core.calc_prob_backtest_overfitting(pd.DataFrame(x), n_blocks=8, full_output=True)
    np.testing.assert_allclose(ours.logits, theirs["logits"].to_numpy(), rtol=0, atol=1e-12)
    assert ours.pbo == theirs["pbo"]
    assert ours.n_combinations == math.comb(8, 4)
    # combination order: itertools.combinations of the in-sample blocks
    assert list(itertools.combinations(range(8), 4))[0] == (0, 1, 2, 3)


def test_pbo_drops_oldest_rows_only() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0, 0.01, size=(83, 6))
    a = pbo_cscv(x, n_blocks=4)                 # 83 = 4·20 + 3: rows 0..2 dropped
    b = pbo_cscv(x[3:], n_blocks=4)
    np.testing.assert_array_equal(a.logits, b.logits)
    assert a.n_obs == 80
    with pytest.raises(ValueError, match="even"):
        pbo_cscv(x, n_blocks=5)
    with pytest.raises(ValueError, match="fewer blocks"):
        pbo_cscv(x[:10], n_blocks=16)


def test_pbo_pure_noise_is_about_half_or_more() -> None:
    """No skill: the IS winner is no better than the median OOS → PBO ≈ 0.5 (averaged over seeds
    to keep the test about the expectation, not one draw)."""
    pbos = [pbo_cscv(np.random.default_rng(s).normal(0, 0.01, size=(1600, 40)), 16).pbo
            for s in range(4)]
    assert 0.35 < float(np.mean(pbos)) < 0.75


def test_pbo_planted_edge_is_near_zero() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(0, 0.01, size=(1600, 40))
    x[:, 17] += 0.002                           # one variant with a true daily Sharpe of 0.2
    res = pbo_cscv(x, 16)
    assert res.pbo < 0.02
    assert np.mean(res.is_best == 17) > 0.95
    assert res.prob_oos_loss < 0.02


def test_pbo_over_distinct_results_equals_pbo_over_every_variant() -> None:
    """A sweep's PBO runs over each distinct monthly series once with its number of copies:
    PBO, ranks, logits and winners (as variant numbers) equal those over every variant, bit for
    bit, read from the (V, M) float32 matrix as it is."""
    from engine.sweep.overfit import distinct_rows, pbo_cscv_distinct

    rng = np.random.default_rng(11)
    monthly = rng.normal(0.005, 0.03, (600, 96)).astype(np.float32)
    monthly[200:400] = monthly[:200]                  # copies of earlier variants
    monthly[450:] = monthly[7]                        # many copies of one
    monthly[420] = 0.0                                # no spread: Sharpe undefined
    first, copies = distinct_rows(monthly)
    assert first[0] == 0 and np.all(np.diff(first) > 0) and copies.sum() == 600
    assert first.size == 600 - 200 - 150 and copies[first == 7][0] == 152   # 7, 207 and 450…599
    every = pbo_cscv(monthly.T.astype(np.float64), 8)
    fast = pbo_cscv_distinct(monthly, 8)
    for name in ("pbo", "logits", "oos_rank", "is_best", "is_perf", "oos_perf", "n_trials"):
        np.testing.assert_array_equal(np.asarray(getattr(fast, name)),
                                      np.asarray(getattr(every, name)), err_msg=name)


# ---------------------------------------------------------------------------- effective trials
def test_effective_trials_equals_the_formula_on_the_full_correlation_matrix():
    from engine.sweep.overfit import effective_trials

    rng = np.random.default_rng(8)
    common = rng.standard_normal(120)
    x = 0.7 * common + 0.5 * rng.standard_normal((40, 120))  # 40 correlated trials
    c = np.corrcoef(x)
    rho = (c.sum() - 40) / (40 * 39)
    assert 0.5 < rho < 0.8
    assert effective_trials(x) == pytest.approx(rho + (1 - rho) * 40, rel=1e-12)


def test_effective_trials_limits():
    from engine.sweep.overfit import effective_trials

    rng = np.random.default_rng(9)
    one = rng.standard_normal(60)
    # identical trials (or scaled copies) are one trial; independent ones are all of them
    assert effective_trials(np.vstack([one, 2 * one, one + 0.01])) == pytest.approx(1.0)
    ind = effective_trials(rng.standard_normal((200, 5000)))
    assert 199.0 < ind <= 200.0
    # a constant trial counts in N, not in the correlation
    assert effective_trials(np.vstack([one, one, np.zeros(60)])) == pytest.approx(1.0)
    half = np.vstack([one, -one])  # negative average correlation is clipped to 0: N
    assert effective_trials(half) == pytest.approx(2.0)


def test_dsr_with_effective_trials_uses_it_for_the_hurdle_and_keeps_the_raw_count():
    from engine.sweep.overfit import deflated_sharpe_ratio, expected_max_sharpe

    rng = np.random.default_rng(10)
    x = 0.0004 + 0.01 * rng.standard_normal(2000)
    trials = rng.normal(0.5, 0.2, 1000)
    raw = deflated_sharpe_ratio(x, trials)
    eff = deflated_sharpe_ratio(x, trials, n_effective=37.5)
    sd = np.std(trials / np.sqrt(252), ddof=1)
    assert eff.sr0 == pytest.approx(expected_max_sharpe(37.5, sd), rel=1e-15)
    assert eff.sr0_all_trials == raw.sr0 and eff.dsr_all_trials == raw.dsr
    assert eff.n_trials == 1000 and eff.n_effective == 37.5
    assert eff.dsr > raw.dsr  # fewer independent trials: a lower hurdle
    with pytest.raises(ValueError, match="n_effective"):
        deflated_sharpe_ratio(x, trials, n_effective=1001)
