"""Valuation tilt: when the US is expensive against its own history, lean to the other side.

Thesis (GUIDE §5):
    Hold a world-like mix of the US, ex-US and EM.
    Watch a US valuation indicator (CAPE by default) as a percentile of its own history to date
    (an indicator signal: each value used only from the date it was published).
    When it is in the top decile (the signal's state: on at ``on`` = 0.9, off below ``off`` =
    0.8), move ``shift`` of the US sleeve into ex-US and EM, split in proportion to their
    weights in the mix — the article's "top decile on any valuation metric".
    Go back to the mix when the state turns off.
    Decisions are taken on the schedule (monthly by default) with data up to that close;
    the engine fills them at the next close.

Until the indicator has ``min_history`` values (120 months by default) its percentile is
undefined and the state is off: the strategy holds the mix from its first decision date.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from engine.errors import ConfigError
from strategies.base import Strategy, thesis_from
from strategies.concentration import move_nb
from strategies.params import BaseParams, check_mix, fraction, param_index
from strategies.signals import SignalSpec

#: Default valuation signal: the percentile of the CAPE indicator in its own history to date.
VALUATION = SignalSpec(kind="indicator", series="CAPE")


@dataclass(frozen=True)
class TiltParams(BaseParams):
    """The mix held while the US is not expensive, and the size of the tilt."""

    us: float = fraction(0.60, "weight of the US in the mix", mix=True)
    ex_us: float = fraction(0.30, "weight of ex-US in the mix", mix=True)
    em: float = fraction(0.10, "weight of EM in the mix", mix=True)
    shift: float = fraction(0.5, "fraction of the US sleeve moved to ex-US and EM while the "
                            "valuation state is on")

    def check(self) -> None:
        check_mix(self)
        if self.shift > 0 and self.us > 0 and self.ex_us + self.em <= 0:
            raise ConfigError("param 'shift' moves US weight into ex-US and EM in proportion "
                              "to their weights, but both are 0; give ex_us or em a weight")


_I = param_index(TiltParams)
_US, _EX, _EM, _SHIFT = _I["us"], _I["ex_us"], _I["em"], _I["shift"]


@njit(cache=True, nogil=True)
def valuation_tilt_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Sleeves (us, ex_us, em); input (state,) of the valuation signal (1.0 on, 0.0 off)."""
    w_ex, w_em = params[_EX], params[_EM]
    share_ex = w_ex / (w_ex + w_em) if w_ex + w_em > 0.0 else 0.5
    for d in range(out.shape[0]):
        out[d, 0] = params[_US]
        out[d, 1] = w_ex
        out[d, 2] = w_em
        if inputs[d, 0] > 0.5:
            move_nb(out, d, params[_SHIFT] * params[_US], 0, 1, 2, share_ex)


def state_input(frame: pd.DataFrame) -> pd.Series:
    """An indicator frame's state as a kernel input: 1.0 on, 0.0 off — off too while its
    score is undefined (nothing is "in the top decile" of a history that does not exist yet)."""
    return frame["state"].astype(float)


def _inputs(panel, params: TiltParams, bound) -> pd.DataFrame:
    sig = TILT.slot_signal(panel, params, bound, "valuation")
    return pd.DataFrame({"state": state_input(sig)}, index=panel.dates)


TILT = Strategy(
    name="valuation_tilt",
    thesis=thesis_from(__doc__, "Thesis (GUIDE §5):"),
    Params=TiltParams,
    GRID={"shift": (0.25, 0.5, 0.75, 1.0), "schedule": ("monthly", "quarterly")},
    sleeves=("us", "ex_us", "em"), input_names=("state",),
    rule=valuation_tilt_nb, build_inputs=_inputs, slots={"valuation": VALUATION},
    needs=lambda p: tuple(s for s in ("us", "ex_us", "em") if getattr(p, s) > 0),
    warmup=lambda p: "decides from the first decision date (the mix until its valuation "
                     "percentile has min_history values)")

STRATEGIES = (TILT,)
