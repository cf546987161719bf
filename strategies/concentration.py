"""Concentration unwind: leave the crowded side of the boat when the crowd starts to leave.

Thesis (GUIDE §5):
    Hold a world-like mix: US mega-caps, the broad US, ex-US and EM.
    Watch the mega-caps' weight in the US index (the chain-linked concentration signal).
    When that weight has fallen ``drawdown`` (a fraction of its peak) below its peak,
    the unwind has started: move ``shift`` of the mega-cap sleeve into ex-US and EM,
    split in proportion to their weights in the mix.
    Stay there until the weight makes a new high (a higher peak than at the last decision),
    then go back to the mix.
    Decisions are taken on the schedule (monthly by default) with data up to that close;
    the engine fills them at the next close.

The drawdown is relative to the chain-linked series, so it needs no anchor scale and exists from
the first day. ``unwind_state_nb`` is the state machine; the rowing-boat rule reuses it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from engine.errors import ConfigError
from strategies.base import Strategy, thesis_from
from strategies.params import BaseParams, check_mix, fraction, param_index, param_positions
from strategies.signals import SignalSpec

#: Default concentration signal: the us_mega sleeve inside the us sleeve.
CONCENTRATION = SignalSpec(kind="concentration", basket="us_mega", index="us")


@dataclass(frozen=True)
class UnwindParams(BaseParams):
    """The mix held outside an unwind, the trigger and the size of the move."""

    us_mega: float = fraction(0.25, "weight of US mega-caps in the mix", mix=True)
    us: float = fraction(0.37, "weight of the broad US in the mix", mix=True)
    ex_us: float = fraction(0.28, "weight of ex-US in the mix", mix=True)
    em: float = fraction(0.10, "weight of EM in the mix", mix=True)
    drawdown: float = fraction(0.05, "fall of the mega-cap weight below its peak, as a fraction "
                               "of the peak, that starts the unwind", lo_open=True, hi_open=True)
    shift: float = fraction(0.5, "fraction of the mega-cap sleeve moved to ex-US and EM")

    def check(self) -> None:
        check_mix(self)
        if self.shift > 0 and self.us_mega > 0 and self.ex_us + self.em <= 0:
            raise ConfigError("param 'shift' moves mega-cap weight into ex-US and EM in "
                              "proportion to their weights, but both are 0; give ex_us or em a "
                              "weight")


_I = param_index(UnwindParams)
_MEGA, _EX, _EM = _I["us_mega"], _I["ex_us"], _I["em"]
_MIX = param_positions(UnwindParams, ("us_mega", "us", "ex_us", "em"))  # in sleeve order
_DD, _SHIFT = _I["drawdown"], _I["shift"]


@njit(cache=True, nogil=True)
def unwind_state_nb(on: bool, drawdown: float, peak: float, prev_peak: float,
                    threshold: float) -> bool:
    """One decision of the unwind state machine.

    A peak above the previous decision's peak means a new high since then → off; a drawdown
    (≤ 0, fraction of the peak) at or below −threshold → on; else unchanged."""
    if peak > prev_peak:
        on = False
    if drawdown <= -threshold:
        on = True
    return on


@njit(cache=True, nogil=True)
def move_nb(out: np.ndarray, d: int, amount: float, src: int, dst_a: int, dst_b: int,
            share_a: float) -> None:
    """Move ``amount`` of weight from column ``src`` to ``dst_a`` (``share_a`` of it) and
    ``dst_b`` (the rest), in row ``d``."""
    out[d, src] -= amount
    out[d, dst_a] += amount * share_a
    out[d, dst_b] += amount * (1.0 - share_a)


@njit(cache=True, nogil=True)
def unwind_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Sleeves (us_mega, us, ex_us, em); inputs (drawdown, peak) of the concentration chain."""
    w_ex, w_em = params[_EX], params[_EM]
    share_ex = w_ex / (w_ex + w_em) if w_ex + w_em > 0.0 else 0.5
    on = False
    prev_peak = inputs[0, 1] if inputs.shape[0] > 0 else 0.0
    for d in range(out.shape[0]):
        on = unwind_state_nb(on, inputs[d, 0], inputs[d, 1], prev_peak, params[_DD])
        prev_peak = inputs[d, 1]
        for k in range(4):
            out[d, k] = params[_MIX[k]]
        if on:
            move_nb(out, d, params[_SHIFT] * params[_MEGA], 0, 2, 3, share_ex)


def _inputs(panel, params: UnwindParams, bound) -> pd.DataFrame:
    conc = UNWIND.slot_signal(panel, params, bound, "concentration")
    return pd.DataFrame({"drawdown": conc["drawdown"], "peak": conc["peak"]}, index=panel.dates)


UNWIND = Strategy(
    name="concentration_unwind",
    thesis=thesis_from(__doc__, "Thesis (GUIDE §5):"),
    Params=UnwindParams,
    GRID={"drawdown": (0.02, 0.03, 0.05, 0.08, 0.10), "shift": (0.25, 0.5, 0.75, 1.0)},
    sleeves=("us_mega", "us", "ex_us", "em"), input_names=("drawdown", "peak"),
    rule=unwind_nb, build_inputs=_inputs, slots={"concentration": CONCENTRATION},
    needs=lambda p: tuple(s for s in ("us_mega", "us", "ex_us", "em") if getattr(p, s) > 0),
    warmup=lambda p: "decides from the first decision date (the concentration chain exists "
                     "from the first day)")

STRATEGIES = (UNWIND,)
