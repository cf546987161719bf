"""The rowing boat: the article's combined rule — concentration unwind + breakouts + a fallback.

Thesis (GUIDE §5):
    Hold a world-like mix: US mega-caps, the broad US, ex-US and EM (bonds and cash at 0).
    The crowd is leaving the mega-caps when their weight is ``drawdown`` below its peak
    (until a new high); the other side is rowing when ex-US or EM is in a breakout state.
    Tilt when ``combine`` says so ("either" signal, or "both"): move ``shift`` of the
    mega-cap sleeve to the sleeves breaking out (equally), or, with none breaking out,
    to ex-US and EM in proportion to the mix.
    When nobody rows — the US close below its ``trend_months`` SMA and no breakout on —
    move ``defensive`` of the whole portfolio to the ``fallback`` sleeve (bonds or cash).
    Decisions are taken on the schedule (monthly by default); fills at the next close.

Signal params: ``schedule``, ``years`` and ``confirm_days`` (both breakouts), ``trend_months``;
unset, the signal settings of the bound ``[signals.NAME]`` tables apply.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from engine.errors import ConfigError
from strategies.base import Strategy, thesis_from
from strategies.breakout import CONFIRM_DOC, EM_BREAKOUT, EX_US_BREAKOUT, YEARS_DOC, breakout_warmup
from strategies.concentration import CONCENTRATION, move_nb, unwind_state_nb
from strategies.params import (BaseParams, check_mix, choice, fraction, integer, param_index,
                               param_positions)
from strategies.signals import SignalSpec, breakout_input, trend_input

COMBINE = ("either", "both")
FALLBACK = ("bonds", "cash")
SLEEVES = ("us_mega", "us", "ex_us", "em", "bonds", "cash")
US_TREND = SignalSpec(kind="trend", series="us")


@dataclass(frozen=True)
class RowingBoatParams(BaseParams):
    """The mix, the two signals' triggers, how they combine, and the fallback."""

    us_mega: float = fraction(0.25, "weight of US mega-caps in the mix", mix=True)
    us: float = fraction(0.37, "weight of the broad US in the mix", mix=True)
    ex_us: float = fraction(0.28, "weight of ex-US in the mix", mix=True)
    em: float = fraction(0.10, "weight of EM in the mix", mix=True)
    drawdown: float = fraction(0.05, "fall of the mega-cap weight below its peak (fraction of "
                               "the peak) that starts the unwind", lo_open=True, hi_open=True)
    shift: float = fraction(0.5, "fraction of the mega-cap sleeve moved when tilting")
    combine: str = choice("either", COMBINE, "tilt when either signal is on, or only when both")
    defensive: float = fraction(0.5, "fraction of the portfolio moved to the fallback when the "
                                "US trend is down and nothing breaks out")
    fallback: str = choice("bonds", FALLBACK, "where the defensive part goes")
    years: int | None = integer(None, YEARS_DOC, lo=0, hi=100, optional=True)
    confirm_days: int | None = integer(None, CONFIRM_DOC, lo=1, hi=10_000, optional=True)
    trend_months: int | None = integer(None, "SMA length of the US trend in months (month-end "
                                       "closes, as the signal's basis); unset = as the signal "
                                       "(10)", lo=1, hi=600, optional=True)

    def check(self) -> None:
        check_mix(self)
        if self.shift > 0 and self.us_mega > 0 and self.ex_us + self.em <= 0:
            raise ConfigError("with no breakout on, the tilt goes to ex-US and EM in proportion "
                              "to their weights, but both are 0; give ex_us or em a weight")


_I = param_index(RowingBoatParams)
_MEGA, _EX, _EM = _I["us_mega"], _I["ex_us"], _I["em"]
_MIX = param_positions(RowingBoatParams, SLEEVES[:4])  # mix weights in sleeve order
_DD, _SHIFT = _I["drawdown"], _I["shift"]
_COMBINE, _DEF, _FALLBACK = _I["combine"], _I["defensive"], _I["fallback"]


@njit(cache=True, nogil=True)
def rowing_boat_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Sleeves (us_mega, us, ex_us, em, bonds, cash); inputs (conc_drawdown, conc_peak,
    ex_us_on, em_on, us_above_sma), states as 0/1."""
    w_ex, w_em = params[_EX], params[_EM]
    share_ex = w_ex / (w_ex + w_em) if w_ex + w_em > 0.0 else 0.5
    both = params[_COMBINE] == 1.0
    defensive = params[_DEF]
    fb = 4 + int(params[_FALLBACK])
    unwinding = False
    prev_peak = inputs[0, 1] if inputs.shape[0] > 0 else 0.0
    for d in range(out.shape[0]):
        unwinding = unwind_state_nb(unwinding, inputs[d, 0], inputs[d, 1], prev_peak,
                                    params[_DD])
        prev_peak = inputs[d, 1]
        ex_on = inputs[d, 2] > 0.5
        em_on = inputs[d, 3] > 0.5
        rowing = ex_on or em_on
        tilt = (unwinding and rowing) if both else (unwinding or rowing)
        for k in range(4):
            out[d, k] = params[_MIX[k]]
        out[d, 4] = 0.0
        out[d, 5] = 0.0
        if tilt:
            move = params[_SHIFT] * params[_MEGA]
            if ex_on and em_on:
                move_nb(out, d, move, 0, 2, 3, 0.5)
            elif ex_on:
                move_nb(out, d, move, 0, 2, 3, 1.0)
            elif em_on:
                move_nb(out, d, move, 0, 2, 3, 0.0)
            else:
                move_nb(out, d, move, 0, 2, 3, share_ex)
        if inputs[d, 4] < 0.5 and not rowing and defensive > 0.0:
            for k in range(4):
                out[d, k] *= 1.0 - defensive
            out[d, fb] = defensive


def _inputs(panel, p: RowingBoatParams, bound) -> pd.DataFrame:
    conc = ROWING_BOAT.slot_signal(panel, p, bound, "concentration")
    ex = ROWING_BOAT.slot_signal(panel, p, bound, "ex_us")
    em = ROWING_BOAT.slot_signal(panel, p, bound, "em")
    trend = ROWING_BOAT.slot_signal(panel, p, bound, "trend")
    return pd.DataFrame({"conc_drawdown": conc["drawdown"], "conc_peak": conc["peak"],
                         "ex_us_on": breakout_input(ex), "em_on": breakout_input(em),
                         "us_above_sma": trend_input(trend)}, index=panel.dates)


def _needs(p: RowingBoatParams) -> tuple[str, ...]:
    held = {s for s in ("us_mega", "us", "ex_us", "em") if getattr(p, s) > 0}
    if p.shift > 0 and p.us_mega > 0:
        held |= {"ex_us", "em"}
    if p.defensive > 0:
        held.add(p.fallback)
    return tuple(s for s in SLEEVES if s in held)


def _warmup(p: RowingBoatParams) -> str:
    months = p.trend_months if p.trend_months is not None else "its"
    return f"{breakout_warmup(p)} and {months} months for the US SMA"


ROWING_BOAT = Strategy(
    name="rowing_boat",
    thesis=thesis_from(__doc__, "Thesis (GUIDE §5):"),
    Params=RowingBoatParams,
    # 5·4·2·5·2 rule variants × 3·3·3 signal settings = 10,800 variants in 27 signal groups.
    GRID={"drawdown": (0.02, 0.03, 0.05, 0.08, 0.10), "shift": (0.25, 0.5, 0.75, 1.0),
          "combine": COMBINE, "defensive": (0.0, 0.25, 0.5, 0.75, 1.0), "fallback": FALLBACK,
          "years": (0, 3, 5), "confirm_days": (1, 3, 5), "trend_months": (6, 10, 12)},
    sleeves=SLEEVES,
    input_names=("conc_drawdown", "conc_peak", "ex_us_on", "em_on", "us_above_sma"),
    rule=rowing_boat_nb, build_inputs=_inputs,
    slots={"concentration": CONCENTRATION, "ex_us": EX_US_BREAKOUT, "em": EM_BREAKOUT,
           "trend": US_TREND},
    slot_params={"ex_us": {"years": "years", "confirm_days": "confirm_days"},
                 "em": {"years": "years", "confirm_days": "confirm_days"},
                 "trend": {"trend_months": "months"}},
    signal_param_names=("years", "confirm_days", "trend_months"), needs=_needs,
    warmup=_warmup)

STRATEGIES = (ROWING_BOAT,)
