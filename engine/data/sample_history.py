"""The long-history synthetic sample: monthly, 1969-12 → 2026-06. **Synthetic sample: not market
data.**

``history_panel(seed)`` is the offline default of ``scripts/configs/rowing_boat_history.toml``:
month-end closes (``frequency = "monthly"``) of invented series named like index families:

``US`` · ``EXUS`` (developed ex-US) · ``EM`` (emerging) · ``WORLD`` (cap-weighted ``US`` +
``EXUS`` + ``EM``) · ``CASH`` (bills) · ``BONDS`` · ``EEM`` (an EM fund listed in 2003-04, EM minus a 0.68 % fee: the
thing to extend back with ``EM``), plus one indicator, ``CAPE`` (a cyclically
adjusted P/E of ``US``: its price over the 10-year average of synthetic earnings), in
``Panel.indicators`` with a publication lag of one month.

How it is made (deterministic from ``numpy.random.default_rng(seed)``): total-return log levels
at the episode dates of :data:`EPISODES` — regimes of non-US leadership (1970–1989, the Japan
years; 2002–2007, the EM boom; 2025–26) and of US leadership (1990–2000, 2009–2024), the bears
of 1973–74, 2000–02, 2008, 2020 and 2022, rounded from the public record of the MSCI families
(no data copied) — joined by monthly Student-t shocks (5 degrees of freedom, correlation
:data:`CORR`, annual vols :data:`VOL`) bridged so the path passes through every episode. Caps
are price level × shares, ``EXUS`` and ``EM`` also growing by net issuance, so ``US`` is about
two-thirds of ``WORLD`` in 1970, under 40 % in 1989 and back near 60 % in 2024; they weight
``WORLD`` but are not in the panel (as with index files: the US share is projected from the
relative levels of ``US`` and ``WORLD`` anchored at a known weight, :data:`US_SHARE`). Cash
earns the rate path :data:`RATES` (fractions a year; 15 % in 1981, ~0 in 2009–15).

Units: vols, yields, rates and issuance are fractions per year; closes start at 100.
"""
from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from engine.data.panel import Panel, Sleeve
from engine.errors import ConfigError

START, END = "1969-12-31", "2026-06-30"
TICKERS = ("US", "EXUS", "EM", "WORLD", "CASH", "BONDS", "EEM")
SHOCKED = ("US", "EXUS", "EM", "BONDS")
DEFAULT_SLEEVES = MappingProxyType({"us": "US", "ex_us": "EXUS", "em": "EM", "world": "WORLD",
                                    "cash": "CASH", "bonds": "BONDS"})
#: month → total-return levels of US, EXUS, EM, BONDS (1969-12 = 100)
EPISODES = (
    ("1969-12", 100, 100, 100, 100),
    ("1972-12", 135, 190, 170, 118),
    ("1974-09", 75, 115, 105, 120),      # the 1973-74 bear
    ("1980-11", 230, 330, 330, 150),
    ("1987-08", 640, 1350, 900, 330),
    ("1987-11", 450, 1150, 700, 340),
    ("1989-12", 700, 1900, 1500, 430),   # Japan peak: non-US leadership at its height
    ("1992-08", 800, 1150, 1600, 560),
    ("1994-09", 950, 1500, 2600, 560),
    ("1998-08", 1900, 1500, 1050, 800),
    ("2000-03", 3000, 2050, 1900, 830),  # dot-com concentration peak
    ("2002-09", 1750, 1100, 1250, 1010),
    ("2007-10", 3250, 2750, 5600, 1200), # EM boom
    ("2009-02", 1550, 1050, 2100, 1300),
    ("2011-04", 2800, 1800, 4800, 1420),
    ("2016-01", 4100, 1750, 3000, 1700),
    ("2020-01", 7000, 2400, 4300, 1900),
    ("2020-03", 5400, 1850, 3300, 1960),
    ("2021-12", 10300, 2900, 4800, 1960),
    ("2022-09", 7900, 2150, 3300, 1660),
    ("2024-12", 13500, 2900, 4300, 1800), # US concentration peak
    ("2026-06", 14800, 3900, 6300, 1900), # non-US breaking out
)
VOL = {"US": 0.155, "EXUS": 0.17, "EM": 0.23, "BONDS": 0.06}
#: correlation of monthly shocks (US, EXUS, EM, BONDS)
CORR = np.array([[1.00, 0.75, 0.65, 0.10],
                 [0.75, 1.00, 0.75, 0.10],
                 [0.65, 0.75, 1.00, 0.00],
                 [0.10, 0.10, 0.00, 1.00]])
YIELD = {"US": 0.025, "EXUS": 0.03, "EM": 0.025, "BONDS": 0.06}
ISSUANCE = {"EXUS": 0.025, "EM": 0.05}
START_CAP = {"US": 66.0, "EXUS": 31.0, "EM": 3.0}
#: (month, bill rate as a fraction a year), linearly interpolated
RATES = (("1969-12", 0.078), ("1974-06", 0.08), ("1977-01", 0.047), ("1981-01", 0.150),
         ("1986-10", 0.052), ("1989-03", 0.087), ("1993-01", 0.030), ("2000-06", 0.058),
         ("2003-06", 0.010), ("2007-01", 0.050), ("2009-01", 0.001), ("2015-11", 0.001),
         ("2019-01", 0.024), ("2020-04", 0.001), ("2022-01", 0.001), ("2023-08", 0.053),
         ("2026-06", 0.040))
#: an EM fund listed on this date (EEM's first month), tracking ``EM`` minus its fee
FUND_START, FUND_FEE = "2003-04-30", 0.0068
#: the US share of WORLD's caps on one date (a "known weight" to anchor the concentration on)
US_SHARE = ("2024-12-31", 0.66)
EARNINGS_GROWTH = 0.062  #: fraction a year, trend of the synthetic US earnings
CAPE_LAG = 1             #: months before a CAPE value is known


def cape_like(us_price: pd.Series, *, first: float, growth: float = EARNINGS_GROWTH,
              lag_months: int = CAPE_LAG) -> pd.Series:
    """A CAPE-like valuation indicator on ``us_price``'s (daily) dates: each month-end price
    over smooth synthetic earnings growing ``growth`` a year (scaled so the first month reads
    ``first``), on the row it is published ``lag_months`` months later (NaN between
    publications, as ``Panel.indicators`` holds them). Causal: a value uses closes up to its
    month's end only."""
    from engine.data.frequency import resample_to

    monthly = resample_to(us_price.dropna(), "monthly")
    years = np.arange(len(monthly)) / 12
    cape = monthly / (monthly.iloc[0] / first * (1 + growth) ** years)
    from engine.data.load import on_publication_rows

    labels = (pd.DatetimeIndex(monthly.index).to_period("M") + lag_months).to_timestamp(how="end")
    known = pd.Series(cape.to_numpy(), index=labels.normalize(), name="CAPE")
    return on_publication_rows(known, pd.DatetimeIndex(us_price.index))


def history_dates() -> pd.DatetimeIndex:
    """Calendar month-ends 1969-12-31 → 2026-06-30."""
    return pd.date_range(START, END, freq="ME", name="Date")


def _interp(points: list[tuple[str, float]], dates: pd.DatetimeIndex) -> np.ndarray:
    x = np.asarray([pd.Period(d, "M").ordinal for d, _ in points], dtype=float)
    y = np.asarray([v for _, v in points], dtype=float)
    return np.interp(np.asarray(dates.to_period("M").asi8, dtype=float), x, y)


def _paths(rng: np.random.Generator, dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Log total-return levels through the episodes, with bridged monthly shocks."""
    n = len(dates)
    months = np.asarray(dates.to_period("M").asi8)
    idx = np.searchsorted(months, [pd.Period(e[0], "M").ordinal for e in EPISODES])
    chol = np.linalg.cholesky(CORR)
    t = rng.standard_t(5, size=(n, len(SHOCKED))) * np.sqrt(3 / 5)
    shocks = (t @ chol.T) * np.asarray([VOL[s] for s in SHOCKED]) / np.sqrt(12)
    walk = np.cumsum(shocks, axis=0)
    out = {}
    for j, s in enumerate(SHOCKED):
        anchor = np.log([e[1 + j] for e in EPISODES])
        skeleton = np.interp(np.arange(n), idx, anchor)
        # a Brownian bridge between episodes: the walk minus its linear interpolation there
        bridge = walk[:, j] - np.interp(np.arange(n), idx, walk[idx, j])
        out[s] = skeleton + bridge
    return out


def _fund(rng: np.random.Generator, dates: pd.DatetimeIndex, em_tr: np.ndarray,
          em_pr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``EEM``: from :data:`FUND_START`, EM's monthly returns minus the fee and a small
    tracking error (0.5 % a year), starting at 40; NaN before its listing."""
    first = int(dates.searchsorted(pd.Timestamp(FUND_START)))
    noise = rng.normal(0.0, 0.005 / np.sqrt(12), len(dates))
    out = []
    for lv in (em_tr, em_pr):
        r = lv[first + 1:] / lv[first:-1] - 1 - FUND_FEE / 12 + noise[first + 1:]
        path = np.full(len(dates), np.nan)
        path[first:] = 40.0 * np.concatenate([[1.0], np.cumprod(1 + r)])
        out.append(path)
    return out[0], out[1]


def history_panel(seed: int = 7) -> Panel:
    """The monthly long-history sample (see the module docstring) for ``seed``; same seed →
    byte-identical closes, caps and indicator."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"sample seed must be a whole number >= 0, got {seed!r}; e.g. seed = 7")
    dates = history_dates()
    n = len(dates)
    rng = np.random.default_rng(seed)
    tr_log = _paths(rng, dates)
    income = {s: np.log1p(YIELD[s]) / 12 * np.arange(n) for s in SHOCKED}
    tr = {s: np.exp(tr_log[s]) for s in SHOCKED}
    pr = {s: np.exp(tr_log[s] - income[s]) for s in SHOCKED}
    years = np.arange(n) / 12
    caps = {"US": START_CAP["US"] * pr["US"] / 100.0}
    for s in ("EXUS", "EM"):
        caps[s] = START_CAP[s] * pr[s] / 100.0 * (1 + ISSUANCE[s]) ** years
    caps["WORLD"] = caps["US"] + caps["EXUS"] + caps["EM"]
    c = np.column_stack([caps[m] for m in ("US", "EXUS", "EM")])
    w = c[:-1] / c[:-1].sum(axis=1, keepdims=True)          # weights at the previous close
    for store in (tr, pr):
        lv = np.column_stack([store[m] for m in ("US", "EXUS", "EM")])
        r = (w * (lv[1:] / lv[:-1] - 1)).sum(axis=1)
        store["WORLD"] = 100.0 * np.concatenate([[1.0], np.cumprod(1 + r)])
    fund = _fund(rng, dates, tr["EM"], pr["EM"])
    tr["EEM"], pr["EEM"] = fund
    rate = _interp(list(RATES), dates)
    cash_r = np.concatenate([[0.0], np.power(1 + rate[:-1], 1 / 12) - 1])  # known a month ahead
    tr["CASH"] = 100.0 * np.cumprod(1 + cash_r)
    pr["CASH"] = np.full(n, 100.0)
    # CAPE: US price over the 10-year mean of earnings (earnings from 1959 on a noisy trend)
    pre = 120
    e_noise = rng.normal(0.0, 0.06, n + pre)
    earnings = np.exp(np.log(6.0) + np.log1p(EARNINGS_GROWTH) / 12 * np.arange(-pre, n)
                      + np.convolve(e_noise, np.ones(12) / 12, mode="same"))
    e10 = pd.Series(earnings).rolling(pre).mean().to_numpy()[pre:]
    cape = pr["US"] / e10
    cape = np.concatenate([np.full(CAPE_LAG, np.nan), cape[:-CAPE_LAG]])
    return Panel(
        tr=pd.DataFrame({t: tr[t] for t in TICKERS}, index=dates),
        pr=pd.DataFrame({t: pr[t] for t in TICKERS}, index=dates),
        price_return=frozenset(TICKERS),
        sleeves={r: Sleeve(r, (t,), (1.0,)) for r, t in DEFAULT_SLEEVES.items()},
        source=f"synthetic long-history sample (seed {seed}, monthly)", synthetic=True,
        start_ticker="US", frequency="monthly",
        indicators=pd.DataFrame({"CAPE": cape}, index=dates))
