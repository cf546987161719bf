"""The pieces of :func:`engine.report.tearsheet_fast.fast_quantstats` give exactly what the
quantstats functions they stand in for give (the whole tearsheet's bytes are compared in
tests/test_tearsheet_cache.py)."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("quantstats")

from engine.report import tearsheet_fast as fast  # noqa: E402


def _returns(seed: int, n: int = 800, nan: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2011-03-01", periods=n)
    r = pd.DataFrame(rng.normal(3e-4, 0.012, (n, 2)), index=idx, columns=["bench", "rule"])
    if nan:
        r.iloc[rng.integers(0, n, 25), 1] = np.nan
    return r


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("nan", [False, True])
def test_comp_is_quantstats_comp_to_the_bit(seed: int, nan: bool) -> None:
    import quantstats as qs

    r = _returns(seed, nan=nan)
    with fast.fast_quantstats():
        assert qs.stats.comp.__module__ == fast.__name__        # patched in the block
        series = [qs.stats.comp(r["rule"].iloc[:k]) for k in (0, 1, 17, 800)]
        frame = qs.stats.comp(r)
        monthly = r["rule"].resample("ME").apply(qs.stats.comp)
    want = [r["rule"].iloc[:k].add(1).prod(axis=0) - 1 for k in (0, 1, 17, 800)]
    assert [float(x).hex() for x in series] == [float(x).hex() for x in want]
    pd.testing.assert_series_equal(frame, r.add(1).prod(axis=0) - 1, check_exact=True)
    pd.testing.assert_series_equal(
        monthly, r["rule"].resample("ME").apply(lambda s: s.add(1).prod(axis=0) - 1),
        check_exact=True)


def test_same_dates_is_quantstats_set_comparison() -> None:
    idx = pd.bdate_range("2020-01-01", periods=50)
    cases = [(idx, idx), (idx, idx[::-1]), (idx, idx[1:]), (idx, idx.append(idx[:3])),
             (idx, idx.shift(1, freq="D")), (idx, pd.DatetimeIndex(idx.as_unit("s")))]
    for a, b in cases:
        if a.dtype == b.dtype:
            assert fast._same_dates(a, b) == (set(a) == set(b))
        else:           # another unit: left to quantstats' own comparison
            assert not fast._same_dates(a, b)


def test_memoised_results_are_copies_and_agree() -> None:
    import quantstats as qs

    r = _returns(7)
    dd = qs.stats.to_drawdown_series(r)
    plain_details = qs.stats.drawdown_details(dd)
    plain_months = qs.utils.aggregate_returns(r, "month")
    with fast.fast_quantstats():
        first = qs.stats.drawdown_details(dd)
        first.iloc[0, 0] = "changed by a caller"
        again = qs.stats.drawdown_details(dd)
        col = qs.stats.drawdown_details(dd["rule"])
        months = qs.utils.aggregate_returns(r, "month")
        months.iloc[0, 0] = 99.0
        months_again = qs.utils.aggregate_returns(r, "month")
    pd.testing.assert_frame_equal(again, plain_details)
    pd.testing.assert_frame_equal(col, qs.stats.drawdown_details(dd["rule"]))
    pd.testing.assert_frame_equal(months_again, plain_months, check_exact=True)


def test_redrawn_charts_are_skipped_only_inside_the_report() -> None:
    import quantstats as qs

    r = _returns(2)["rule"]
    with fast.fast_quantstats():
        for name in fast.REDRAWN:
            buf = io.BytesIO()
            getattr(qs.plots, name)(r, savefig={"fname": buf, "format": "svg"}, show=False)
            assert buf.getvalue() == fast.PLACEHOLDER
        fig = qs.plots.log_returns(r, show=False)       # as tearsheet_charts calls it
    assert fig is not None and len(fig.axes) >= 1
    assert all(getattr(qs.plots, n).__module__ != fast.__name__ for n in fast.REDRAWN)


def test_text_sizes_are_the_renderers_own() -> None:
    """Sizes shared across a tearsheet's figures are what each kind of renderer measures (two
    dpi, Agg and SVG, a new renderer of a kind already seen)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.text as mtext
    from matplotlib.backends.backend_svg import RendererSVG
    from matplotlib.font_manager import FontProperties

    figs = [plt.figure(dpi=100), plt.figure(dpi=72), plt.figure(dpi=100)]
    renderers = [f.canvas.get_renderer() for f in figs] + [RendererSVG(400, 300, io.StringIO())]
    dpis = [100, 72, 100, 72]
    fp = FontProperties(size=11)
    texts = ["2010", "-12.5%", "Cumulative Returns vs Benchmark"]
    want = [[r.get_text_width_height_descent(t, fp, False) for t in texts] for r in renderers]
    with fast.fast_quantstats():
        got = [[mtext._get_text_metrics_with_cache(r, t, fp, False, d) for t in texts]
               for r, d in zip(renderers, dpis)]
    for f in figs:
        plt.close(f)
    assert got == want
    assert want[0] != want[1] and want[1] != want[3]       # the kinds and dpi do differ


def _drawdowns(seed: int, n: int) -> pd.Series:
    """A drawdown series as quantstats makes it; some seeds start or end under water, some
    have flat stretches (equal values: the 99 % quantile then keeps nothing of a period)."""
    import quantstats as qs

    rng = np.random.default_rng(seed)
    r = rng.normal(2e-4, 0.011, n)
    if seed % 3 == 0:
        r[rng.integers(0, n, n // 5)] = 0.0              # flat days inside drawdowns
    if seed % 4 == 1:
        r[:5], r[5:10] = -0.01, 0.03                      # under water from the first day
    if seed % 4 == 2:
        r[-30:] = -0.004                                  # still under water at the end
    returns = pd.Series(r, index=pd.bdate_range("2008-01-02", periods=n), name="rule")
    return qs.stats.to_drawdown_series(returns)


@pytest.mark.parametrize("seed", range(12))
def test_drawdown_details_is_quantstats_to_the_bit(seed: int) -> None:
    """Every drawdown period, its valley, length and both depths exactly as quantstats'
    ``drawdown_details`` finds them (the per-period loop in NumPy instead of pandas)."""
    import quantstats as qs

    dd = _drawdowns(seed, 300 + 450 * (seed % 5))
    want = qs.stats.drawdown_details(dd)
    got = fast.drawdown_details_fast(dd, qs.stats.drawdown_details)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    recovers = bool(((dd.iloc[1:] == 0) & (dd.iloc[:-1] != 0).to_numpy()).any())
    assert len(want) > 0 or not recovers


def test_drawdown_details_leaves_odd_series_to_quantstats() -> None:
    import quantstats as qs

    calls = []

    def original(dd):
        calls.append(len(dd))
        return qs.stats.drawdown_details(dd)

    dd = _drawdowns(5, 400)
    never = pd.Series(0.0, index=dd.index)           # never under water: quantstats' empty table
    gappy = dd.copy()
    gappy.iloc[[10, 50]] = np.nan
    for series in (never, gappy):
        pd.testing.assert_frame_equal(fast.drawdown_details_fast(series, original),
                                      qs.stats.drawdown_details(series), check_exact=True)
    assert calls == [400, 400]
