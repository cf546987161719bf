"""Work quantstats 0.0.86 repeats or throws away while it renders a tearsheet, cut without
changing one byte of its output (a test renders with and without these cuts and compares).

Where a tearsheet's time went (cProfile of one ETF tearsheet, 4,360 days, before these cuts):
drawing and writing the 14 SVG figures ≈ 45 %, three of which (log returns, EOY returns, monthly
heatmap: ≈ 15 %) :func:`~engine.report.tearsheet_fix.fix_tearsheet_html` draws again and puts in
their place; the metrics table ≈ 30 %, of which ``drawdown_details`` (a Python loop with a
quantile per drawdown period) ≈ 14 % — called on the same two series by the metrics, the
drawdown table and two charts, and on the same benchmark in every tearsheet — and
``aggregate_returns`` (a groupby-apply of ``comp``) ≈ 14 %, called on the same frame and period
by ``expected_return``, ``best``, ``worst``, ``win_rate``, ``avg_win``, ``avg_loss``; after
writing each SVG, ``pyplot.savefig`` draws the figure once more with Agg
(``canvas.draw_idle()``, meant to reset colours of an interactive window).

:func:`fast_quantstats` (a context manager, used by ``render``):

* ``pyplot.savefig`` without the trailing Agg redraw (the file is complete before it);
* inside ``quantstats.reports.html``, the three charts rowboat redraws are not drawn: the chart
  slot gets :data:`PLACEHOLDER`, which ``fix_tearsheet_html`` replaces (the same functions called
  without ``savefig``, as :mod:`engine.report.tearsheet_charts` calls them, draw as before);
* ``quantstats.stats.drawdown_details`` memoised per series on its dates and values, and
  ``quantstats.utils.aggregate_returns`` on its input, period and compounding (pure functions of
  these; each caller gets its own copy of the result). The memo lives as long as the worker
  process (at most :data:`MEMO_SIZE` entries), so the benchmark's drawdowns are found once.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

#: quantstats plotting functions whose tearsheet chart ``fix_tearsheet_html`` replaces
REDRAWN = ("log_returns", "yearly_returns", "monthly_heatmap")
#: what ``reports.html`` puts in those charts' slots (replaced before the file is final)
PLACEHOLDER = b"<svg><!-- rowboat draws this chart --></svg>"
#: entries kept by each memo (a tearsheet adds about six)
MEMO_SIZE = 64

_DETAILS: dict[bytes, Any] = {}
_AGGREGATES: dict[tuple, Any] = {}


def _frame_key(obj, *, named: bool = True) -> bytes:
    h = hashlib.sha256(type(obj).__name__.encode())
    h.update(np.asarray(obj.index.asi8 if hasattr(obj.index, "asi8") else obj.index).tobytes())
    if hasattr(obj, "columns"):
        h.update(repr(list(obj.columns)).encode())
    elif named:
        h.update(repr(obj.name).encode())
    h.update(np.ascontiguousarray(obj.to_numpy(dtype=np.float64)).tobytes())
    return h.digest()


def _remember(memo: dict, key: Any, compute: Callable[[], Any]) -> Any:
    if key not in memo:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = compute()
    return memo[key].copy()


def _comp(values: np.ndarray) -> np.float64:
    """quantstats' ``comp`` of a float Series, ``returns.add(1).prod(axis=0) - 1``, on its
    values: the same NumPy product (pandas' ``nanprod`` counts NaN as 1), without building a
    Series per call (it is applied to every week, month, quarter and year of the period)."""
    growth = values + 1
    missing = np.isnan(growth)
    if missing.any():
        growth[missing] = 1
    return growth.prod(0) - 1


def _same_dates(a, b) -> bool:
    """``set(a) == set(b)`` for two DatetimeIndex of one dtype (quantstats' test whether a
    benchmark needs aligning, which builds two sets of Timestamps on every chart)."""
    import pandas as pd

    return (isinstance(b, pd.DatetimeIndex) and a.dtype == b.dtype
            and np.array_equal(np.unique(a.asi8), np.unique(b.asi8)))


def drawdown_details_fast(drawdown, original: Callable[[Any], Any]):
    """quantstats 0.0.86's ``drawdown_details`` of one drawdown Series (its inner
    ``_drawdown_details``), with the per-period work in NumPy: quantstats slices the series by
    dates for every drawdown period and calls ``Series.quantile`` on it (``remove_outliers``,
    ~250 periods for 17 years of an ETF: ≈ 0.3 s a tearsheet). The same periods, the same
    numbers: the 99 % quantile is NumPy's ``quantile`` called as pandas calls it, and minima and
    the first position of the minimum do not depend on the order of operations. The table is
    then built as quantstats builds it. A series with NaN, or periods quantstats would pair
    differently, goes to ``original``."""
    import pandas as pd

    values = drawdown.to_numpy(dtype=np.float64)
    idx = drawdown.index
    if not isinstance(idx, pd.DatetimeIndex) or np.isnan(values).any() \
            or not idx.is_monotonic_increasing or not idx.is_unique:
        return original(drawdown)
    flat = values == 0
    first = np.flatnonzero(~flat[1:] & flat[:-1]) + 1           # quantstats' "starts"
    last = np.flatnonzero(flat[1:] & ~flat[:-1])                 # its "ends" (shifted back)
    if not len(first):
        return original(drawdown)                                 # its empty table
    starts, ends = first.tolist(), last.tolist()
    if ends and starts[0] > ends[0]:
        starts.insert(0, 0)
    if not ends or starts[-1] > ends[-1]:
        ends.append(len(values) - 1)
    if len(ends) != len(starts):
        return original(drawdown)
    rows = []
    q = np.array([0.99])
    for a, b in zip(starts, ends):
        seg = values[a:b + 1]
        flipped = -seg
        cut = np.quantile(flipped[None, :], q, axis=1, method="linear")[0, 0]
        kept = -flipped[flipped < cut]
        rows.append((idx[a], idx[a + int(np.argmin(seg))], idx[b], (idx[b] - idx[a]).days + 1,
                     seg.min() * 100, (kept.min() if kept.size else np.nan) * 100))
    df = pd.DataFrame(data=rows, columns=("start", "valley", "end", "days", "max drawdown",
                                          "99% max drawdown"))
    df["days"] = df["days"].astype(int)
    df["max drawdown"] = df["max drawdown"].astype(float)
    df["99% max drawdown"] = df["99% max drawdown"].astype(float)
    df["start"] = df["start"].dt.strftime("%Y-%m-%d")
    df["end"] = df["end"].dt.strftime("%Y-%m-%d")
    df["valley"] = df["valley"].dt.strftime("%Y-%m-%d")
    return df


def _not_drawn(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` drawing nothing when called with a ``savefig`` target (by reports.html)."""

    def plot(*args, savefig=None, **kwargs):
        if isinstance(savefig, dict) and hasattr(savefig.get("fname"), "write"):
            savefig["fname"].write(PLACEHOLDER)
            return None
        return original(*args, savefig=savefig, **kwargs)

    return plot


@contextmanager
def fast_quantstats() -> Iterator[None]:
    """Within the block, quantstats renders without the wasted work listed in the module doc."""
    import matplotlib.pyplot as plt
    import matplotlib.text as mtext
    import pandas as pd
    import quantstats.plots as qplots
    import quantstats.stats as qstats
    import quantstats.utils as qutils
    from quantstats._compat import safe_concat

    orig_savefig = plt.savefig
    orig_details = qstats.drawdown_details
    orig_aggregate = qutils.aggregate_returns
    orig_plots = {name: getattr(qplots, name) for name in REDRAWN}
    orig_comp = qstats.comp
    orig_metrics = mtext._get_text_metrics_with_cache
    metrics_memo: dict[tuple, tuple[float, float, float]] = {}
    orig_prepare = qutils._prepare_benchmark

    def savefig(fname, **kwargs):
        return plt.gcf().savefig(fname, **kwargs)

    def series_details(drawdown: pd.Series):
        # quantstats' per-series details do not read the series' name
        return _remember(_DETAILS, _frame_key(drawdown, named=False),
                         lambda: drawdown_details_fast(drawdown, orig_details))

    def drawdown_details(drawdown):
        if isinstance(drawdown, pd.DataFrame):   # quantstats: per column, then concatenated
            return safe_concat({col: series_details(drawdown[col])
                                for col in drawdown.columns}, axis=1)
        if isinstance(drawdown, pd.Series):
            return series_details(drawdown)
        return orig_details(drawdown)

    def aggregate_returns(returns, period=None, compounded=True):
        if not isinstance(returns, (pd.Series, pd.DataFrame)) or period is None \
                or "day" in period:
            return orig_aggregate(returns, period, compounded)
        return _remember(_AGGREGATES, (_frame_key(returns), period, bool(compounded)),
                         lambda: orig_aggregate(returns, period, compounded))

    def comp(returns):
        if isinstance(returns, pd.Series) and returns.dtype == np.float64:
            return _comp(returns.to_numpy())
        if isinstance(returns, pd.DataFrame) and len(returns.columns) \
                and all(t == np.float64 for t in returns.dtypes):
            return pd.Series([_comp(returns.iloc[:, k].to_numpy())
                              for k in range(len(returns.columns))],
                             index=returns.columns, dtype=np.float64)
        return orig_comp(returns)

    def prepare_benchmark(benchmark=None, period="max", rf=0.0, prepare_returns=True):
        if isinstance(period, pd.DatetimeIndex) and isinstance(benchmark, pd.Series) \
                and _same_dates(period, benchmark.index):
            period = "max"   # quantstats' set comparison finds nothing to align
        return orig_prepare(benchmark, period, rf, prepare_returns)

    def text_metrics(renderer, text, fontprop, ismath, dpi):
        # matplotlib caches a string's size per renderer object; a tearsheet makes two renderers
        # per figure (Agg for the layout, SVG for the file) and measures the same tick labels in
        # each of its figures. The size depends on the kind of renderer, its dpi and the font
        # (rcParams do not change inside one render).
        inner = getattr(renderer, "_renderer", renderer)   # MixedModeRenderer: its vector one
        key = (type(inner), getattr(inner, "dpi", None), text, fontprop.copy(), ismath, dpi)
        hit = metrics_memo.get(key)
        if hit is None:
            hit = metrics_memo[key] = orig_metrics(renderer, text, fontprop, ismath, dpi)
        return hit

    plt.savefig = savefig
    mtext._get_text_metrics_with_cache = text_metrics
    qstats.comp = comp
    qutils._prepare_benchmark = prepare_benchmark
    qstats.drawdown_details = drawdown_details
    qutils.aggregate_returns = aggregate_returns
    for name, original in orig_plots.items():
        setattr(qplots, name, _not_drawn(original))
    try:
        yield
    finally:
        plt.savefig = orig_savefig
        mtext._get_text_metrics_with_cache = orig_metrics
        qstats.comp = orig_comp
        qutils._prepare_benchmark = orig_prepare
        qstats.drawdown_details = orig_details
        qutils.aggregate_returns = orig_aggregate
        for name, original in orig_plots.items():
            setattr(qplots, name, original)
