"""Indicator signals: any series a user has (CAPE, rates, margin debt, buybacks…) → a causal
score → an on/off state with hysteresis → events.

The series arrives as it was *known*: each value from the date it was published (the
per-series ``lag`` of ``[data.series]``), carried forward (``Panel.indicator``). Transforms use
only values up to t (its own history *to date*, from its own first value):

* ``level`` — the value itself;
* ``change`` — ``x[t] − x[t − window]`` (``window`` in rows: months on a monthly panel);
* ``zscore`` — ``(x[t] − mean(x[..t])) / std(x[..t], ddof=1)``;
* ``percentile`` — the fraction of values up to t that are ≤ ``x[t]`` (1.0 = highest so far).

``zscore`` and ``percentile`` are undefined (NaN) until ``min_history`` values exist.

State (hysteresis): with ``direction = "above"`` the state turns on when the score is ≥ ``on``
and back off only when it is < ``off`` (``off ≤ on``), so a score hovering at the threshold
does not flicker; ``"below"`` mirrors it (on at ≤ ``on``, off at > ``off``). Events: ``on_event``
on the days the state turns on, ``off_event`` on the days it turns off.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from engine.errors import ConfigError

TRANSFORMS = ("level", "change", "zscore", "percentile")
DIRECTIONS = ("above", "below")
_CODE = {t: i for i, t in enumerate(TRANSFORMS)}


@njit(cache=True, nogil=True)
def indicator_score_nb(x, transform, window, min_history, out):
    """Causal score of ``x`` (T,) into ``out`` (T,): transform 0 level, 1 change over
    ``window`` rows, 2 z-score to date, 3 percentile rank to date (fraction ≤ x[t]). NaN in
    ``x`` (before the first value) gives NaN; expanding statistics count values seen so far."""
    n = x.shape[0]
    seen = np.empty(n)
    k = 0
    s1 = 0.0
    s2 = 0.0
    shift = np.nan
    for t in range(n):
        v = x[t]
        out[t] = np.nan
        if np.isnan(v):
            continue
        if transform == 0:
            out[t] = v
            continue
        if transform == 1:
            if t >= window and not np.isnan(x[t - window]):
                out[t] = v - x[t - window]
            continue
        if k == 0:
            shift = v
        seen[k] = v
        k += 1
        d = v - shift
        s1 += d
        s2 += d * d
        if k < min_history or k < 2:
            continue
        if transform == 2:
            mean = s1 / k
            var = (s2 - s1 * mean) / (k - 1)
            if var > 0.0:
                out[t] = (d - mean) / np.sqrt(var)
        else:
            below = 0
            for j in range(k):
                if seen[j] <= v:
                    below += 1
            out[t] = below / k


@njit(cache=True, nogil=True)
def hysteresis_nb(score, on_level, off_level, above, state, on_event, off_event):
    """On/off state of ``score`` (T,) with hysteresis (module docstring); NaN keeps the state
    off (the warm-up) or as it was (no new information)."""
    on = False
    started = False
    for t in range(score.shape[0]):
        s = score[t]
        was = on
        if not np.isnan(s):
            started = True
            if above:
                if not on and s >= on_level:
                    on = True
                elif on and s < off_level:
                    on = False
            else:
                if not on and s <= on_level:
                    on = True
                elif on and s > off_level:
                    on = False
        state[t] = on and started
        on_event[t] = on and not was
        off_event[t] = was and not on


def indicator_signal(values: pd.Series, *, transform: str = "percentile", window: int = 12,
                     min_history: int = 120, on: float = 0.9, off: float = 0.8,
                     direction: str = "above") -> pd.DataFrame:
    """Score, state and events of an indicator series (see the module docstring).

    ``values``: the indicator as known on each date (NaN before it is known). ``window`` and
    ``min_history`` are in rows (months on a monthly panel). Returns columns ``value``,
    ``score``, ``state`` (bool), ``on_event``, ``off_event`` (bool) on ``values.index``."""
    if transform not in TRANSFORMS:
        raise ConfigError(f"indicator transform {transform!r}; valid: {', '.join(TRANSFORMS)}")
    if direction not in DIRECTIONS:
        raise ConfigError(f"indicator direction {direction!r}; valid: {', '.join(DIRECTIONS)}")
    if (direction == "above" and off > on) or (direction == "below" and off < on):
        raise ConfigError(f"indicator thresholds: off = {off:g} must be on the other side of "
                          f"on = {on:g} ({'≤' if direction == 'above' else '≥'} on) so the "
                          "state has hysteresis; swap them")
    x = np.ascontiguousarray(values.to_numpy(dtype=np.float64))
    score = np.full(len(x), np.nan)
    indicator_score_nb(x, _CODE[transform], int(window), int(min_history), score)
    state = np.zeros(len(x), dtype=np.bool_)
    on_e = np.zeros(len(x), dtype=np.bool_)
    off_e = np.zeros(len(x), dtype=np.bool_)
    hysteresis_nb(score, float(on), float(off), direction == "above", state, on_e, off_e)
    return pd.DataFrame({"value": x, "score": score, "state": state, "on_event": on_e,
                         "off_event": off_e}, index=values.index)
