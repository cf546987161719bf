"""Signals (GUIDE §4): concentration, breakout, trend, momentum and indicators.

Numba kernels live in :mod:`engine.signals.nb` (arrays only); the functions here name things,
check inputs and return pandas objects. Every signal is causal: its value at t uses data up to t
(anchors dated ≤ t) — except ``Concentration.projected``, which is chart-only and says so.
"""
from engine.signals.anchors import MAG7, align_anchors, load_snapshots
from engine.signals.breakout import breakout, breakout_of
from engine.signals.concentration import (
    Concentration,
    concentration,
    concentration_from_anchors,
    concentration_from_caps,
)
from engine.signals.indicator import indicator_signal
from engine.signals.trend import DAYS_PER_MONTH, momentum, sma_trend

__all__ = [
    "DAYS_PER_MONTH", "MAG7", "Concentration", "align_anchors", "breakout", "breakout_of",
    "concentration", "concentration_from_anchors", "concentration_from_caps",
    "indicator_signal", "load_snapshots", "momentum", "sma_trend",
]
