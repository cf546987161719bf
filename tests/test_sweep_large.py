"""Large sweeps: the statistics read the (V, M) monthly matrix as it is — blockwise, with the
same results as the whole-matrix formulas — and the files are written in row groups."""
from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine.sweep.overfit import _block_sums_nb, distinct_rows, effective_trials, pbo_over_rows
from engine.sweep.stats import StatsOptions, sweep_statistics
from engine.sweep.walkforward import walk_forward, walk_forward_rows


def _monthly(v: int, m: int, seed: int) -> np.ndarray:
    """Correlated float32 monthly returns with copies, a constant row and an all-zero row."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0.005, 0.03, m)
    x = (0.8 * common + rng.normal(0.0, 0.02, (v, m)) * rng.uniform(0.2, 1.5, (v, 1)))
    x = x.astype(np.float32)
    x[v // 2: v // 2 + v // 10] = x[: v // 10]          # identical copies
    x[3] = 0.0
    return x


def _effective_reference(returns: np.ndarray) -> float:
    """The whole-matrix formula (a float64 copy of V × T): ρ̄ from the standardized rows."""
    x = np.asarray(returns, dtype=np.float64)
    n_all, t = x.shape
    sd = x.std(axis=1, ddof=1)
    ok = np.isfinite(sd) & (sd > 0)
    n = int(ok.sum())
    z = (x[ok] - x[ok].mean(axis=1, keepdims=True)) / sd[ok, None]
    total = float(np.sum(z.sum(axis=0) ** 2)) / (t - 1)
    rho = min(max((total - n) / (n * (n - 1)), 0.0), 1.0)
    return rho + (1.0 - rho) * n_all


def test_effective_trials_blockwise_equals_the_whole_matrix_formula() -> None:
    x = _monthly(10_000, 207, 1)
    ref = _effective_reference(x)
    got = effective_trials(x)                     # float32 rows read in place
    assert 1.0 < got < 10_000
    assert got == pytest.approx(ref, rel=1e-12, abs=0)
    assert effective_trials(x.astype(np.float64)) == pytest.approx(ref, rel=1e-12, abs=0)


def _pbo_reference(x: np.ndarray, n_blocks: int):
    """CSCV by the definition, trial by trial in NumPy from the same per-block sums: every
    split's half Sharpe ratios of every trial (copies included), first argmax in sample, its
    average rank out of sample."""
    v, t = x.shape
    block = t // n_blocks
    offset = t - block * n_blocks
    center = np.empty(v)
    s1 = np.empty((n_blocks, v))
    s2 = np.empty((n_blocks, v))
    _block_sums_nb(x, np.arange(v, dtype=np.int64), n_blocks, block, offset, center, s1, s2)
    half = n_blocks // 2
    count = half * block
    combos = list(itertools.combinations(range(n_blocks), half))

    def sharpe(blocks):
        a = np.zeros(v)
        q = np.zeros(v)
        for b in blocks:
            a = a + s1[b]
            q = q + s2[b]
        var = (q - a * a / count) / (count - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (center + a / count) / np.sqrt(var)
        return np.where(var > 0.0, out, -np.inf)

    perf = [sharpe(c) for c in combos]
    n = len(combos)
    rank, best, is_p, oos_p = np.empty(n), np.empty(n, np.int64), np.empty(n), np.empty(n)
    for d in range(n):
        train, test = perf[d], perf[n - 1 - d]
        w = int(np.argmax(train))
        val = test[w]
        rank[d] = (np.sum(test < val) + (np.sum(test == val) + 1) / 2.0) / (v + 1.0)
        best[d], is_p[d], oos_p[d] = w, train[w], val
    return rank, best, is_p, oos_p


@pytest.mark.parametrize(("v", "m", "blocks"), [(2_000, 96, 8), (300, 207, 16)])
def test_tiled_cscv_equals_the_definition_bit_for_bit(v: int, m: int, blocks: int) -> None:
    x = _monthly(v, m, 2)
    x[5, :] = np.round(x[5, :], 2)          # a few exact ties between halves
    first, copies = distinct_rows(x)
    assert first.size < v
    got = pbo_over_rows(x, first, copies, blocks)
    rank, best, is_p, oos_p = _pbo_reference(x, blocks)
    np.testing.assert_array_equal(got.oos_rank, rank)
    np.testing.assert_array_equal(got.is_best, best)
    np.testing.assert_array_equal(got.is_perf, is_p)
    np.testing.assert_array_equal(got.oos_perf, oos_p)
    assert got.n_trials == v


@pytest.mark.parametrize("anchored", [False, True])
def test_walk_forward_in_chunks_equals_the_whole_matrix(anchored: bool) -> None:
    x = _monthly(3_000, 150, 3)
    first, _ = distinct_rows(x)
    whole = walk_forward(np.asarray(x[first].T, dtype=np.float64), 60, 12, anchored=anchored)
    for chunk in (7, 1_000, 100_000):
        part = walk_forward_rows(x, first, 60, 12, anchored=anchored, chunk=chunk)
        np.testing.assert_array_equal(part.chosen, first[whole.chosen])
        for name in ("train_start", "train_end", "test_start", "test_end", "is_sharpe",
                     "oos_sharpe", "oos_returns"):
            np.testing.assert_array_equal(getattr(part, name), getattr(whole, name), err_msg=name)


def test_statistics_never_copy_the_monthly_matrix_as_float64() -> None:
    """Peak of NumPy allocations during the statistics of a (60,000 × 120) float32 matrix: well
    under half a float64 copy of it (57.6 MB) — the old effective_trials alone made one, and
    the walk-forward another of the distinct rows."""
    v, m = 60_000, 120
    x = _monthly(v, m, 4)
    rng = np.random.default_rng(5)
    sharpe = rng.normal(0.5, 0.2, v)
    daily = rng.normal(0.0004, 0.01, 2_500)
    options = StatsOptions(pbo_blocks=4, wf_train=60, wf_test=12)
    sweep_statistics(sharpe[:50], x[:50], daily, options)       # imports and compiles first
    tracemalloc.start()
    try:
        st = sweep_statistics(sharpe, x, daily, options, periods=252)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert st.pbo is not None and st.walk_forward is not None and st.dsr is not None
    assert peak < v * m * 8 / 2, f"peak {peak / 1e6:.1f} MB"


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(6)
    f = pd.DataFrame({"drawdown": rng.uniform(size=n), "combine": np.where(
        rng.uniform(size=n) > 0.5, "either", "both"), "days": rng.integers(0, 99, n),
        "peak": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")},
        index=pd.RangeIndex(n, name="variant"))
    f.loc[f.index[::7], "peak"] = pd.NaT
    return f


def test_variants_parquet_in_row_groups_holds_the_same_table(tmp_path: Path) -> None:
    from engine.sweep.output import write_parquet

    frame = _frame(3_500)
    write_parquet(frame, tmp_path / "groups.parquet", row_group=1_000)
    meta = pq.ParquetFile(tmp_path / "groups.parquet").metadata
    assert meta.num_row_groups == 4 and meta.num_rows == 3_500
    back = pd.read_parquet(tmp_path / "groups.parquet").set_index("variant")
    pd.testing.assert_frame_equal(back, frame)
    # up to one group: the same bytes as one write of the whole table (the old files)
    write_parquet(frame, tmp_path / "one.parquet")
    pq.write_table(pa.Table.from_pandas(frame.reset_index(), preserve_index=False),
                   tmp_path / "old.parquet", compression="zstd", write_statistics=False)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "old.parquet").read_bytes()


def test_heat_maps_thin_long_axes_deterministically() -> None:
    from engine.sweep.page import HEAT_MAX, heat_values

    np.testing.assert_array_equal(heat_values(12, 5), np.arange(12))
    shown = heat_values(100, 37)
    assert shown[0] == 0 and shown[-1] == 99 and 37 in shown
    assert HEAT_MAX <= shown.size <= HEAT_MAX + 1 and np.all(np.diff(shown) > 0)
    np.testing.assert_array_equal(shown, heat_values(100, 37))
