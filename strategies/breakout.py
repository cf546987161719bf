"""Breakout rotation: row towards the side of the boat that is breaking out.

Thesis (GUIDE §5):
    Hold a world-like mix: US mega-caps, the broad US, ex-US and EM.
    Watch ex-US and EM for breakouts: a close above the highest close of the prior ``years``
    (0 = the all-time high), confirmed on ``confirm_days`` consecutive closes.
    While a breakout state is on, move ``shift`` of the US side (mega-caps and broad US, in
    proportion) into the sleeve breaking out; when both are on, split the move equally.
    When the state turns off (per the signal's exit settings), go back to the mix.
    Decisions are taken on the schedule (monthly by default) with data up to that close;
    the engine fills them at the next close.

``years`` and ``confirm_days`` are signal params: unset, they take the bound
``[signals.NAME]`` settings (default: all-time high, one close).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from engine.errors import ConfigError
from strategies.base import Strategy, thesis_from
from strategies.params import (BaseParams, check_mix, fraction, integer, param_index,
                               param_positions)
from strategies.signals import SignalSpec, breakout_input

#: Default breakout signals: the ex_us and em sleeves on their own history.
EX_US_BREAKOUT = SignalSpec(kind="breakout", series="ex_us")
EM_BREAKOUT = SignalSpec(kind="breakout", series="em")

YEARS_DOC = "breakout look-back in calendar years, 0 = all-time high; unset = as the signal"
CONFIRM_DOC = "consecutive closes above the level to turn on; unset = as the signal"


def breakout_warmup(p) -> str:
    if p.years is None:
        return ("waits for the breakout level of its signals (their look-back, and at least "
                "their min_years of history)")
    if p.years == 0:
        return ("needs its signals' min_years of history (1 year by default) before an "
                "all-time high exists")
    return f"needs {p.years} year{'s' if p.years != 1 else ''} of history for its breakout level"


@dataclass(frozen=True)
class RotationParams(BaseParams):
    """The mix, the size of the move and the breakout settings."""

    us_mega: float = fraction(0.25, "weight of US mega-caps in the mix", mix=True)
    us: float = fraction(0.37, "weight of the broad US in the mix", mix=True)
    ex_us: float = fraction(0.28, "weight of ex-US in the mix", mix=True)
    em: float = fraction(0.10, "weight of EM in the mix", mix=True)
    shift: float = fraction(0.5, "fraction of the US side moved into the sleeves breaking out")
    years: int | None = integer(None, YEARS_DOC, lo=0, hi=100, optional=True)
    confirm_days: int | None = integer(None, CONFIRM_DOC, lo=1, hi=10_000, optional=True)

    def check(self) -> None:
        check_mix(self)


_I = param_index(RotationParams)
_MEGA, _US, _SHIFT = _I["us_mega"], _I["us"], _I["shift"]
_MIX = param_positions(RotationParams, ("us_mega", "us", "ex_us", "em"))  # in sleeve order


@njit(cache=True, nogil=True)
def rotation_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Sleeves (us_mega, us, ex_us, em); inputs (ex_us_on, em_on) as 0/1."""
    w_mega, w_us = params[_MEGA], params[_US]
    us_side = w_mega + w_us
    move = params[_SHIFT] * us_side
    for d in range(out.shape[0]):
        for k in range(4):
            out[d, k] = params[_MIX[k]]
        ex_on = inputs[d, 0] > 0.5
        em_on = inputs[d, 1] > 0.5
        n_on = (1 if ex_on else 0) + (1 if em_on else 0)
        if n_on == 0 or move <= 0.0:
            continue
        out[d, 0] -= move * w_mega / us_side
        out[d, 1] -= move * w_us / us_side
        if ex_on:
            out[d, 2] += move / n_on
        if em_on:
            out[d, 3] += move / n_on


def _inputs(panel, params: RotationParams, bound) -> pd.DataFrame:
    ex = ROTATION.slot_signal(panel, params, bound, "ex_us")
    em = ROTATION.slot_signal(panel, params, bound, "em")
    return pd.DataFrame({"ex_us_on": breakout_input(ex), "em_on": breakout_input(em)},
                        index=panel.dates)


def _needs(p: RotationParams) -> tuple[str, ...]:
    held = [s for s in ("us_mega", "us", "ex_us", "em") if getattr(p, s) > 0]
    if p.shift > 0 and p.us_mega + p.us > 0:
        held += [s for s in ("ex_us", "em") if s not in held]
    if not held:  # pragma: no cover - check_mix rules this out
        raise ConfigError("breakout_rotation holds nothing")
    return tuple(s for s in ("us_mega", "us", "ex_us", "em") if s in held)


ROTATION = Strategy(
    name="breakout_rotation",
    thesis=thesis_from(__doc__, "Thesis (GUIDE §5):"),
    Params=RotationParams,
    GRID={"years": (0, 1, 3, 5), "confirm_days": (1, 3, 5, 10),
          "shift": (0.25, 0.5, 0.75, 1.0), "schedule": ("monthly", "weekly")},
    sleeves=("us_mega", "us", "ex_us", "em"), input_names=("ex_us_on", "em_on"),
    rule=rotation_nb, build_inputs=_inputs,
    slots={"ex_us": EX_US_BREAKOUT, "em": EM_BREAKOUT},
    slot_params={"ex_us": {"years": "years", "confirm_days": "confirm_days"},
                 "em": {"years": "years", "confirm_days": "confirm_days"}},
    signal_param_names=("years", "confirm_days"), needs=_needs, warmup=breakout_warmup)

STRATEGIES = (ROTATION,)
