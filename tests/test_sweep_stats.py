"""The sweep's statistics: orientation (variants × months), skips with a reason, ranking, and
the page for degenerate grids."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from engine.errors import ConfigError
from engine.sweep import run_sweep
from engine.sweep.api import ranked
from engine.sweep.overfit import deflated_sharpe_ratio
from engine.sweep.stats import StatsOptions, best_variant, sweep_statistics

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"


def test_ranking_ties_and_nan() -> None:
    s = np.array([0.5, np.nan, 0.7, 0.7, -0.1])
    assert best_variant(s) == 2
    np.testing.assert_array_equal(ranked(s), [2, 3, 0, 4, 1])


def test_planted_edge_through_the_sweep_layout() -> None:
    """monthly_excess is (variants × months): the variant with a true edge is chosen in sample,
    keeps winning out of sample (PBO ≈ 0), and walk-forward picks it."""
    rng = np.random.default_rng(4)
    monthly = rng.normal(0.0, 0.04, size=(60, 240)).astype(np.float32)
    monthly[41] += 0.03
    daily = rng.normal(0.0005, 0.01, 2000)
    sharpe = rng.normal(0.3, 0.2, 60)
    sharpe[41] = 2.0
    st = sweep_statistics(sharpe, monthly, daily, StatsOptions(pbo_blocks=16, wf_train=60,
                                                               wf_test=12))
    assert st.best == 41
    assert st.pbo is not None and st.pbo.pbo < 0.02 and np.mean(st.pbo.is_best == 41) > 0.95
    assert st.walk_forward is not None and np.mean(st.walk_forward.chosen == 41) > 0.9
    expect = deflated_sharpe_ratio(daily, sharpe)
    assert st.dsr is not None and st.dsr.dsr_all_trials == expect.dsr
    # the headline DSR uses the effective number of trials of the monthly returns
    from engine.sweep.overfit import effective_trials
    n_eff = effective_trials(monthly)
    assert st.dsr.n_effective == n_eff and 50 < n_eff < 60  # near-independent noise
    assert st.dsr.dsr == deflated_sharpe_ratio(daily, sharpe, n_effective=n_eff).dsr


def test_correlated_variants_count_as_fewer_trials() -> None:
    """10 800 near-copies of one rule are not 10 800 independent trials: the sweep's DSR uses
    the effective number (and keeps the count of every variant beside it)."""
    rng = np.random.default_rng(6)
    common = rng.normal(0.005, 0.04, 200)
    monthly = (common + rng.normal(0.0, 0.004, size=(3000, 200))).astype(np.float32)
    sharpe = rng.normal(0.5, 0.05, 3000)
    daily = rng.normal(0.0004, 0.01, 4000)
    st = sweep_statistics(sharpe, monthly, daily)
    assert st.dsr.n_trials == 3000 and st.dsr.n_effective < 40
    assert st.dsr.sr0 < st.dsr.sr0_all_trials and st.dsr.dsr > st.dsr.dsr_all_trials
    assert st.as_dict()["dsr"]["n_effective"] == st.dsr.n_effective


def test_noise_sweep_has_high_pbo() -> None:
    rng = np.random.default_rng(8)
    pbos = []
    for _ in range(3):
        monthly = rng.normal(0.0, 0.04, size=(50, 192)).astype(np.float32)
        st = sweep_statistics(rng.normal(0, 0.3, 50), monthly, rng.normal(0, 0.01, 500))
        pbos.append(st.pbo.pbo)
    assert np.mean(pbos) > 0.35


def test_skips_say_why() -> None:
    rng = np.random.default_rng(1)
    st = sweep_statistics(np.array([0.4, np.nan]), rng.normal(0, 0.04, (2, 20)),
                          rng.normal(0, 0.01, 300))
    assert st.pbo is None and st.walk_forward is None
    text = " ".join(st.notes)
    assert "PBO skipped: 20 months are too few for 16 blocks" in text
    assert "--pbo-blocks" in text
    assert "walk-forward skipped" in text and "--wf-train" in text
    assert "1 variant(s) have no Sharpe ratio" in text
    one = sweep_statistics(np.array([0.4]), rng.normal(0, 0.04, (1, 200)),
                           rng.normal(0, 0.01, 300))
    assert one.pbo is None and "one variant" in one.notes[0]
    assert one.dsr is not None and one.dsr.sr0 == 0.0       # one trial: nothing to deflate


@pytest.mark.parametrize("kw, message", [
    ({"pbo_blocks": 7}, "even number"), ({"pbo_blocks": 26}, "too many"),
    ({"wf_train": 1}, "walk-forward windows"), ({"wf_test": 0}, "walk-forward windows")])
def test_bad_options(kw, message) -> None:
    with pytest.raises(ConfigError, match=message):
        StatsOptions(**kw)


def test_one_parameter_and_one_variant_pages(tmp_path: Path) -> None:
    res = run_sweep(CONFIG, strategy="rowing_boat", grid=["shift=0.25,0.5,1"], out=tmp_path,
                    top=2)
    html = res.index.read_text()
    assert 'id="heatmaps"' in html and "<h3>shift</h3>" in html
    assert res.top.size == 2 and len(res.top_returns.columns) == 2
    one = run_sweep(CONFIG, strategy="rowing_boat", grid=["shift=0.5"], out=tmp_path / "one",
                    top=5)
    html = one.index.read_text()
    assert 'id="heatmaps"' not in html and "one variant" in html
    assert one.top.size == 1
    # the single variant equals the config's own rowing_boat strategy (same params)
    assert one.variants.loc[0, "sharpe"] == pytest.approx(res.variants.loc[1, "sharpe"],
                                                          rel=1e-12)
    assert math.isfinite(one.stats.dsr.dsr)
