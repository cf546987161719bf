"""Keep quantstats, matplotlib and pandas quiet in the user's terminal (and in worker processes).

quantstats asks matplotlib for Arial on every chart ("findfont: Font family 'Arial' not found"),
and quantstats/pandas/vectorbt emit deprecation and future warnings the user can do nothing
about. :func:`quiet` silences exactly those; our own :class:`~engine.errors.DataWarning` still
shows.
"""
from __future__ import annotations

import logging
import os
import warnings


def quiet() -> None:
    """Silence third-party noise: font lookups, deprecation/future warnings, chart warnings.

    Safe to call many times; call it at the top of every process that draws or runs quantstats.
    """
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    for name in ("matplotlib.font_manager", "matplotlib", "matplotlib.category", "PIL"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    # quantstats' own charts: "set_ticklabels() should only be used with a fixed number of ticks"
    warnings.filterwarnings("ignore", message=".*set_ticklabels.*", category=UserWarning)
    warnings.filterwarnings("ignore", message=".*FixedFormatter.*", category=UserWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"quantstats(\..*)?")
    warnings.filterwarnings("ignore", category=UserWarning, module=r"quantstats(\..*)?")
    warnings.filterwarnings("ignore", category=UserWarning, module=r"seaborn(\..*)?")
