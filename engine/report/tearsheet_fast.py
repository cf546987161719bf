"""Work quantstats 0.0.86 repeats or throws away while it renders a tearsheet, cut without
changing one byte of its output (a test renders with and without these cuts and compares).

Where a tearsheet's ≈4 s go (cProfile of one ETF tearsheet, 4,360 days): drawing and writing
the 14 SVG figures ≈ 35 %; the metrics table ≈ 25 %, of which ``drawdown_details`` (a Python loop
with a quantile per drawdown period) is called four times on the same two series; after writing
each SVG, ``pyplot.savefig`` draws the figure once more with Agg (``canvas.draw_idle()``, meant to
reset colours of an interactive window) — a full raster render nobody sees, ≈ 12 %.

:func:`fast_quantstats` (a context manager, used by ``render``):

* ``pyplot.savefig`` without the trailing Agg redraw (the file is complete before it);
* ``quantstats.stats.drawdown_details`` memoised on its input's dates and values (it is a pure
  function of them; each caller gets its own copy of the result).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


def _frame_key(obj) -> bytes:
    h = hashlib.sha256(type(obj).__name__.encode())
    h.update(np.asarray(obj.index.asi8 if hasattr(obj.index, "asi8") else obj.index).tobytes())
    if hasattr(obj, "columns"):
        h.update(repr(list(obj.columns)).encode())
    else:
        h.update(repr(obj.name).encode())
    h.update(np.ascontiguousarray(obj.to_numpy(dtype=np.float64)).tobytes())
    return h.digest()


@contextmanager
def fast_quantstats() -> Iterator[None]:
    """Within the block, quantstats renders without the wasted work listed in the module doc."""
    import matplotlib.pyplot as plt
    import quantstats.stats as qstats

    orig_savefig = plt.savefig
    orig_details = qstats.drawdown_details
    memo: dict[bytes, object] = {}

    def savefig(fname, **kwargs):
        return plt.gcf().savefig(fname, **kwargs)

    def drawdown_details(drawdown):
        try:
            key = _frame_key(drawdown)
        except (TypeError, ValueError, AttributeError):
            return orig_details(drawdown)
        if key not in memo:
            memo[key] = orig_details(drawdown)
        return memo[key].copy()

    plt.savefig = savefig
    qstats.drawdown_details = drawdown_details
    try:
        yield
    finally:
        plt.savefig = orig_savefig
        qstats.drawdown_details = orig_details
