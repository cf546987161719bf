"""The classic references: dual momentum (Antonacci's GEM) and SMA timing (Faber).

Dual momentum (GEM):
    Each decision, compare total returns over the last ``months`` (skipping ``skip_months``).
    Absolute momentum: if the US return beats the hurdle (cash's return over the same months,
    or zero), hold the better of the US and ex-US (relative momentum; a tie goes to the US).
    Otherwise hold the ``fallback`` sleeve (bonds by default) until the US beats it again.
    All or nothing: one sleeve at 100 %.

SMA timing (Faber):
    Hold a mix of US mega-caps, US, ex-US and EM; each decision, each sleeve is held only
    while its close is above its ``months``-month simple moving average; the weight of a
    sleeve below its SMA goes to the ``fallback`` (cash by default) until it is back above.

Decisions are taken on the schedule (monthly by default); the engine fills at the next close.
``months`` and ``skip_months`` are signal params: unset, they take the bound signal's settings
(GEM: 12 and 0; SMA: 10). Months are as published — calendar months of month-end closes (GEM:
month-end to month-end total return; Faber: the month-end close against the mean of the last
10 month-end closes); a bound ``[signals.NAME]`` table with ``basis = "days"`` gives the
trading-day versions (21 trading days a month, updated daily).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from engine.errors import ConfigError
from strategies.base import Strategy, thesis_from
from strategies.params import (BaseParams, check_mix, choice, fraction, integer, param_index,
                               param_positions)
from strategies.signals import SignalSpec, trend_input

FALLBACK = ("bonds", "cash")
HURDLES = ("cash", "zero")

# ----------------------------------------------------------------------------- GEM


@dataclass(frozen=True)
class GemParams(BaseParams):
    """Look-back, hurdle and fallback."""

    months: int | None = integer(None, "momentum look-back in months (month-end closes, or 21 "
                                 "trading days with basis = \"days\"); unset = as the signal "
                                 "(12)", lo=1, hi=600, optional=True)
    skip_months: int | None = integer(None, "most recent months left out; unset = as the "
                                      "signal (0)", lo=0, hi=599, optional=True)
    hurdle: str = choice("cash", HURDLES, "absolute momentum beats the cash sleeve's return, "
                         "or zero")
    fallback: str = choice("bonds", FALLBACK, "held when the US does not beat the hurdle")

    def check(self) -> None:
        if (self.months is not None and self.skip_months is not None
                and self.skip_months >= self.months):
            raise ConfigError(f"param 'skip_months' = {self.skip_months} must be less than "
                              f"'months' = {self.months}: it leaves out the most recent months "
                              "of the look-back (12 and 1 give the classic 12-1 momentum)")


_G = param_index(GemParams)
_G_HURDLE, _G_FALLBACK = _G["hurdle"], _G["fallback"]


@njit(cache=True, nogil=True)
def gem_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Sleeves (us, ex_us, bonds, cash); inputs (mom_us, mom_ex_us, mom_cash) as fractions.
    hurdle = mom_cash, or 0 when params say "zero"."""
    zero = params[_G_HURDLE] == 1.0
    fb = 2 + int(params[_G_FALLBACK])
    for d in range(out.shape[0]):
        for k in range(4):
            out[d, k] = 0.0
        hurdle = 0.0 if zero else inputs[d, 2]
        if inputs[d, 0] > hurdle:
            if inputs[d, 0] >= inputs[d, 1]:
                out[d, 0] = 1.0
            else:
                out[d, 1] = 1.0
        else:
            out[d, fb] = 1.0


def _gem_inputs(panel, p: GemParams, bound) -> pd.DataFrame:
    def mom(slot: str) -> pd.Series:
        return GEM.slot_signal(panel, p, bound, slot)["momentum"]

    cash = mom("cash") if p.hurdle == "cash" else pd.Series(0.0, index=panel.dates)
    return pd.DataFrame({"mom_us": mom("us"), "mom_ex_us": mom("ex_us"), "mom_cash": cash},
                        index=panel.dates)


def _gem_warmup(p: GemParams) -> str:
    months = p.months if p.months is not None else "its"
    return f"needs {months} months of history for its momentum"


_MOM = {"months": "months", "skip_months": "skip_months"}

GEM = Strategy(
    name="dual_momentum",
    thesis=thesis_from(__doc__, "Dual momentum (GEM):"),
    Params=GemParams,
    GRID={"months": (3, 6, 9, 12), "skip_months": (0, 1), "fallback": FALLBACK,
          "schedule": ("monthly", "weekly")},
    sleeves=("us", "ex_us", "bonds", "cash"), input_names=("mom_us", "mom_ex_us", "mom_cash"),
    rule=gem_nb, build_inputs=_gem_inputs,
    slots={"us": SignalSpec(kind="momentum", series="us"),
           "ex_us": SignalSpec(kind="momentum", series="ex_us"),
           "cash": SignalSpec(kind="momentum", series="cash")},
    slot_params={"us": _MOM, "ex_us": _MOM, "cash": _MOM},
    signal_param_names=("months", "skip_months", "hurdle"),
    needs=lambda p: tuple(s for s in ("us", "ex_us", "bonds", "cash")
                          if s in ("us", "ex_us", p.fallback)
                          or (s == "cash" and p.hurdle == "cash")),
    warmup=_gem_warmup)

# ----------------------------------------------------------------------------- SMA timing

TIMED = ("us_mega", "us", "ex_us", "em")


@dataclass(frozen=True)
class SmaParams(BaseParams):
    """The timed mix, the SMA length and the fallback."""

    us_mega: float = fraction(0.0, "weight of US mega-caps in the mix", mix=True)
    us: float = fraction(0.62, "weight of the US in the mix", mix=True)
    ex_us: float = fraction(0.28, "weight of ex-US in the mix", mix=True)
    em: float = fraction(0.10, "weight of EM in the mix", mix=True)
    months: int | None = integer(None, "SMA length in months (month-end closes, or 21 trading "
                                 "days with basis = \"days\"); unset = as the signal (10)",
                                 lo=1, hi=600, optional=True)
    fallback: str = choice("cash", FALLBACK, "where a sleeve's weight goes while it is below "
                           "its SMA")

    def check(self) -> None:
        check_mix(self)


_S = param_index(SmaParams)
_S_MIX = param_positions(SmaParams, TIMED)  # the timed weights in sleeve order
_S_FALLBACK = _S["fallback"]


@njit(cache=True, nogil=True)
def sma_timing_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Sleeves (us_mega, us, ex_us, em, bonds, cash); inputs (above_us_mega, above_us,
    above_ex_us, above_em) as 0/1."""
    fb = 4 + int(params[_S_FALLBACK])
    for d in range(out.shape[0]):
        out[d, 4] = 0.0
        out[d, 5] = 0.0
        for k in range(4):
            w = params[_S_MIX[k]]
            if inputs[d, k] > 0.5:
                out[d, k] = w
            else:
                out[d, k] = 0.0
                out[d, fb] += w


def _sma_inputs(panel, p: SmaParams, bound) -> pd.DataFrame:
    cols = {}
    for role in TIMED:
        spec = SMA_TIMING.slot_spec(bound, role, p)
        readable = all(n in panel.sleeves or n in panel.tr.columns for n in spec.names())
        # A sleeve the panel lacks has weight 0 (checked by `needs`): it is never held, so its
        # trend is a constant "above" that does not depend on the data.
        cols[f"above_{role}"] = (trend_input(SMA_TIMING.slot_signal(panel, p, bound, role))
                                 if readable else pd.Series(1.0, index=panel.dates))
    return pd.DataFrame(cols, index=panel.dates)


def _sma_warmup(p: SmaParams) -> str:
    months = p.months if p.months is not None else "its"
    return f"needs {months} months of history for its SMA"


SMA_TIMING = Strategy(
    name="sma_timing",
    thesis=thesis_from(__doc__, "SMA timing (Faber):"),
    Params=SmaParams,
    GRID={"months": (6, 8, 10, 12), "fallback": FALLBACK, "schedule": ("monthly", "weekly")},
    sleeves=(*TIMED, "bonds", "cash"),
    input_names=tuple(f"above_{r}" for r in TIMED), rule=sma_timing_nb,
    build_inputs=_sma_inputs,
    slots={r: SignalSpec(kind="trend", series=r) for r in TIMED},
    slot_params={r: {"months": "months"} for r in TIMED},
    signal_param_names=("months",),
    needs=lambda p: (*(s for s in TIMED if getattr(p, s) > 0), p.fallback),
    warmup=_sma_warmup)

STRATEGIES = (GEM, SMA_TIMING)
