"""Conversion of closes into a base currency with an FX close series from the same source.

Convention (Yahoo's): the FX series is quoted as **data currency per one unit of base
currency**. For US-dollar closes held by a GBP investor that is ``GBPUSD=X`` (US dollars per
pound, about 1.27), and

    close in GBP = close in USD / GBPUSD

Both the total-return and the price-return closes are converted, so returns in the base currency
include the currency move. Give the FX ticker that way round: a series quoted the other way
(``USDGBP=X``, pounds per dollar, about 0.79) would multiply instead of divide — invert it first.
"""
from __future__ import annotations

import pandas as pd

from engine.errors import ConfigError


def check_fx_args(base_currency: str | None, fx: str | None) -> None:
    """Both or neither: a base currency needs the FX ticker that converts into it."""
    if base_currency and not fx:
        raise ConfigError(f"base_currency {base_currency!r} needs fx: the ticker of an FX close "
                          f"quoted as data currency per one {base_currency} (e.g. "
                          f"{base_currency}USD=X for US-dollar data)")
    if fx and not base_currency:
        raise ConfigError(f"fx {fx!r} is given without base_currency; set base_currency to the "
                          "currency you hold (e.g. GBP), or drop fx")


def to_base_currency(closes: pd.DataFrame, fx_close: pd.Series) -> pd.DataFrame:
    """``closes / fx_close`` row by row. ``fx_close``: data currency per one base-currency unit,
    on the same dates as ``closes`` (already aligned, no NaN)."""
    if not closes.index.equals(fx_close.index):
        raise ValueError("fx_close must be aligned to the closes' dates")
    return closes.div(fx_close.to_numpy(), axis=0)
