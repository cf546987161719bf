"""Panels for the engine's tests (not a test module): tiny hand-made ones, seeded random walks,
the real four-asset universe and the synthetic sample."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.data.panel import Panel, Sleeve

#: The benchmark universe of the issue: US, ex-US developed, emerging, Treasuries.
REAL_SLEEVES = {"us": "SPY", "ex_us": "EFA", "em": "EEM", "bonds": "IEF", "cash": "SHY"}


def panel_from(closes: pd.DataFrame, sleeves: dict[str, str | list | dict] | None = None) -> Panel:
    """A Panel straight from total-return closes (price closes = the same)."""
    closes = closes.astype(float)
    closes.index = pd.DatetimeIndex(closes.index, name="Date")
    sl = {r: Sleeve.parse(r, s) for r, s in (sleeves or {}).items()}
    return Panel(tr=closes, pr=closes.copy(), sleeves=sl, source="test")


def random_walk(n_days: int = 300, tickers: tuple[str, ...] = ("A", "B", "C"), seed: int = 0,
                vol: float = 0.015, start: str = "2020-01-01") -> pd.DataFrame:
    """Seeded geometric random walks on business days, starting near 100."""
    rng = np.random.default_rng(seed)
    rets = rng.normal(0.0003, vol, size=(n_days, len(tickers)))
    rets[0] = 0.0
    closes = 100.0 * np.exp(np.cumsum(rets, axis=0)) * rng.uniform(0.5, 2.0, len(tickers))
    return pd.DataFrame(closes, index=pd.bdate_range(start, periods=n_days), columns=list(tickers))


def real_panel(prices_dir: Path) -> Panel:
    """SPY/EFA/EEM/IEF/SHY from the shared CSVs, 2003-09-29 onwards (all five exist)."""
    from engine.data import load_panel

    return load_panel(prices_dir, REAL_SLEEVES, start="2003-09-29")


def sample() -> Panel:
    """The synthetic sample universe (default sleeves, including cash = CASH)."""
    from engine.data.sample import sample_panel

    return sample_panel(7)
