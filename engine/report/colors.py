"""Colours of the pages: one per strategy (the benchmark grey) and a separate palette for sleeves.

Strategies use the Okabe–Ito colour-blind-friendly hues then Tableau's; sleeves use a palette
of their own (no hue shared with the first eight strategy colours would be ideal, but they are
told apart by place: sleeves appear only in allocation charts). Bonds (dark blue-grey) and cash
(light sand) are far apart in lightness and hue, so they never look alike.
"""
from __future__ import annotations

from collections.abc import Sequence

#: Strategy colours in order; the benchmark is :data:`BENCHMARK_COLOR`.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B",
           "#7F3C8D", "#11A579", "#F2B701", "#E73F74", "#3969AC")
BENCHMARK_COLOR = "#3B3B3B"
#: Sleeve role → colour, the same everywhere (allocation charts, sleeve tables).
SLEEVE_COLORS = {"us_mega": "#B2182B", "us": "#EF8A62", "ex_us": "#2166AC", "em": "#1B9E77",
                 "world": "#762A83", "bonds": "#4D5D6C", "cash": "#E9D8A6"}
_EXTRA_SLEEVE = ("#FDB863", "#80CDC1", "#C2A5CF", "#A6611A", "#5AB4AC", "#DFC27D")


def strategy_colors(names: Sequence[str], benchmark: str | None = None) -> dict[str, str]:
    """Strategy → colour, in the given order; the benchmark is dark grey."""
    colors, k = {}, 0
    for name in names:
        if name == benchmark:
            colors[name] = BENCHMARK_COLOR
        else:
            colors[name] = PALETTE[k % len(PALETTE)]
            k += 1
    return colors


def sleeve_order(roles: Sequence[str]) -> list[str]:
    """Roles in the standard order (us_mega, us, ex_us, em, world, bonds, then others, cash)."""
    std = [r for r in SLEEVE_COLORS if r in roles and r != "cash"]
    other = [r for r in roles if r not in SLEEVE_COLORS]
    return std + other + (["cash"] if "cash" in roles else [])


def sleeve_colors(roles: Sequence[str]) -> dict[str, str]:
    """Sleeve role → colour (standard roles fixed, others from a spare palette)."""
    out, k = {}, 0
    for role in roles:
        if role in SLEEVE_COLORS:
            out[role] = SLEEVE_COLORS[role]
        else:
            out[role] = _EXTRA_SLEEVE[k % len(_EXTRA_SLEEVE)]
            k += 1
    return out
