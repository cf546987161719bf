"""Benchmarks: what a rotation rule must beat.

- ``us_only``: hold the US sleeve.
- ``world``: hold the world at cap weights — US / ex-US / EM in proportion to their market caps
  when the panel has caps for those sleeves (the sample universe does), else the fixed mix given
  in params (``mode = "auto"``); ``mode = "caps" | "mix"`` forces one; ``mode = "sleeve"`` holds
  the ``world`` sleeve itself (e.g. ACWI).
- ``fixed_mix``: constant weights over the standard sleeves (default 60 % US / 40 % bonds).
- ``equal_thirds``: a third each in US mega-caps, ex-US and EM — the two sides of the boat.

Each rebalances to its weights at every decision (monthly by default), subject to the band.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from engine.errors import ConfigError
from strategies.base import Strategy
from strategies.params import BaseParams, check_mix, choice, fraction, param_index, param_positions

# ----------------------------------------------------------------------------- us_only


@dataclass(frozen=True)
class UsOnlyParams(BaseParams):
    """No parameters beyond when to decide and how to trade."""


@njit(cache=True, nogil=True)
def us_only_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Every decision: 100 % in sleeve 0 (``us``)."""
    for d in range(out.shape[0]):
        out[d, 0] = 1.0


def _no_inputs(panel, params, bound) -> pd.DataFrame:
    return pd.DataFrame(index=panel.dates)


US_ONLY = Strategy(
    name="us_only",
    thesis="Hold the US sleeve, rebalanced (trivially) at every decision. The benchmark most "
           "investors actually hold.",
    Params=UsOnlyParams, GRID={}, sleeves=("us",), input_names=(), rule=us_only_nb,
    build_inputs=_no_inputs)

# ----------------------------------------------------------------------------- equal thirds


@dataclass(frozen=True)
class EqualThirdsParams(BaseParams):
    """No parameters beyond when to decide and how to trade."""


@njit(cache=True, nogil=True)
def equal_thirds_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Every decision: 1/3 in each of the three sleeves (us_mega, ex_us, em)."""
    for d in range(out.shape[0]):
        for k in range(3):
            out[d, k] = 1.0 / 3.0


EQUAL_THIRDS = Strategy(
    name="equal_thirds",
    thesis="A third each in US mega-caps, ex-US and emerging markets, rebalanced at every "
           "decision: both sides of the boat, no view.",
    Params=EqualThirdsParams, GRID={}, sleeves=("us_mega", "ex_us", "em"), input_names=(),
    rule=equal_thirds_nb, build_inputs=_no_inputs)

# ----------------------------------------------------------------------------- fixed mix

MIX_SLEEVES = ("us_mega", "us", "ex_us", "em", "world", "bonds", "cash")


@dataclass(frozen=True)
class FixedMixParams(BaseParams):
    """Weights per sleeve (fractions summing to 1). Listing any weight sets the unlisted to 0."""

    us_mega: float = fraction(0.0, "weight of US mega-caps", mix=True)
    us: float = fraction(0.6, "weight of the US", mix=True)
    ex_us: float = fraction(0.0, "weight of ex-US developed", mix=True)
    em: float = fraction(0.0, "weight of emerging markets", mix=True)
    world: float = fraction(0.0, "weight of the world sleeve", mix=True)
    bonds: float = fraction(0.4, "weight of bonds", mix=True)
    cash: float = fraction(0.0, "weight of cash", mix=True)

    def check(self) -> None:
        check_mix(self)


_FM = param_index(FixedMixParams)
_FM_MIX = param_positions(FixedMixParams, MIX_SLEEVES)  # the weights in sleeve order


@njit(cache=True, nogil=True)
def fixed_mix_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Every decision: the params' weights, sleeve k = the weight named MIX_SLEEVES[k]."""
    for d in range(out.shape[0]):
        for k in range(out.shape[1]):
            out[d, k] = params[_FM_MIX[k]]


FIXED_MIX = Strategy(
    name="fixed_mix",
    thesis="Constant weights per sleeve (default 60 % US, 40 % bonds), rebalanced at every "
           "decision. List the weights you want in params; they must sum to 1.",
    # Nothing to sweep: compare mixes as separate [[strategy]] tables.
    Params=FixedMixParams, GRID={},
    sleeves=MIX_SLEEVES, input_names=(), rule=fixed_mix_nb, build_inputs=_no_inputs,
    needs=lambda p: tuple(s for s in MIX_SLEEVES if getattr(p, s) > 0))

# ----------------------------------------------------------------------------- world

WORLD_MODES = ("auto", "caps", "mix", "sleeve")
_WORLD_PARTS = ("us", "ex_us", "em")


@dataclass(frozen=True)
class WorldParams(BaseParams):
    """How to weight the world (see the module docstring) and the fixed mix for ``mix``."""

    mode: str = choice("auto", WORLD_MODES, "caps from the panel, a fixed mix, or the world "
                       "sleeve; auto = caps when the panel has them, else the mix")
    us: float = fraction(0.62, "US weight of the fixed mix", mix=True)
    ex_us: float = fraction(0.28, "ex-US weight of the fixed mix", mix=True)
    em: float = fraction(0.10, "EM weight of the fixed mix", mix=True)

    def check(self) -> None:
        check_mix(self)


_W = param_index(WorldParams)
_W_MODE = _W["mode"]
_W_MIX = param_positions(WorldParams, _WORLD_PARTS)  # us, ex_us, em
_MODE_SLEEVE = float(WORLD_MODES.index("sleeve"))


@njit(cache=True, nogil=True)
def world_nb(inputs: np.ndarray, params: np.ndarray, out: np.ndarray) -> None:
    """Sleeves (us, ex_us, em, world). inputs: (cap_us, cap_ex_us, cap_em, use_caps).

    mode sleeve → world = 1; use_caps = 1 → caps / their sum; else the params' mix."""
    for d in range(out.shape[0]):
        for k in range(4):
            out[d, k] = 0.0
        if params[_W_MODE] == _MODE_SLEEVE:
            out[d, 3] = 1.0
        elif inputs[d, 3] == 1.0:
            total = inputs[d, 0] + inputs[d, 1] + inputs[d, 2]
            for k in range(3):
                out[d, k] = inputs[d, k] / total
        else:
            for k in range(3):
                out[d, k] = params[_W_MIX[k]]


def sleeve_caps(panel, role: str) -> pd.Series | None:
    """Market cap of a sleeve (sum over a basket's tickers), or None when the panel lacks it."""
    caps = getattr(panel, "caps", None)
    if caps is None or role not in panel.sleeves:
        return None
    tickers = panel.sleeves[role].tickers
    if not all(t in caps.columns for t in tickers):
        return None
    return caps[list(tickers)].sum(axis=1, min_count=len(tickers))


def _world_inputs(panel, params: WorldParams, bound) -> pd.DataFrame:
    frame = pd.DataFrame(0.0, index=panel.dates, columns=["cap_us", "cap_ex_us", "cap_em",
                                                          "use_caps"])
    if params.mode in ("mix", "sleeve"):
        return frame
    caps = [sleeve_caps(panel, r) for r in _WORLD_PARTS]
    if any(c is None for c in caps):
        if params.mode == "caps":
            raise ConfigError(f"strategy 'world' mode 'caps' needs market caps for the sleeves "
                              f"us, ex_us and em; the data ({panel.source}) has none for some; "
                              "use mode = \"mix\" with us/ex_us/em weights, or mode = \"sleeve\"")
        return frame
    for col, c in zip(frame.columns, caps):
        frame[col] = c.to_numpy(dtype=float)
    frame["use_caps"] = 1.0
    return frame


WORLD = Strategy(
    name="world",
    thesis="Hold the world at cap weights: US, ex-US and EM in proportion to their market caps "
           "(from the panel's caps when it has them, else the fixed mix in params), or the world "
           "sleeve itself (mode = \"sleeve\"). Rebalanced at every decision.",
    Params=WorldParams, GRID={}, sleeves=("us", "ex_us", "em", "world"),
    input_names=("cap_us", "cap_ex_us", "cap_em", "use_caps"), rule=world_nb,
    build_inputs=_world_inputs, signal_param_names=("mode",),
    needs=lambda p: ("world",) if p.mode == "sleeve" else _WORLD_PARTS)

STRATEGIES = (US_ONLY, WORLD, FIXED_MIX, EQUAL_THIRDS)
