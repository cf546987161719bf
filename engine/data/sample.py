"""The synthetic sample universe, rowboat's offline default. **Synthetic sample: not market data.**

``sample_panel(seed)`` generates about 20 years (2006-07-03 → 2026-07-31) of daily closes on a
NYSE-like calendar for invented series named like the real thing:

``US`` (US broad, cap-weighted, contains the seven) · ``MEGA`` (cap-weighted index of the seven =
buy-and-hold of their caps) · the seven ``AAPL MSFT AMZN GOOGL META NVDA TSLA`` (names only) ·
``EXUS`` · ``EM`` · ``WORLD`` (cap-weighted ``US`` + ``EXUS`` + ``EM``) · ``CASH`` · ``BONDS``.

How it is made (deterministic from ``numpy.random.default_rng(seed)``):

1. A *skeleton* of total-return levels at 22 episode dates (``EPISODES``: 2007 peak, a 2008-like
   bear of about -55%, a 2020-like crash, a 2022-like bear with bonds falling too, the 2023–25
   mega-cap boom and its unwind, EXUS and EM held under an old high for years until they break
   out in 2025–26), rounded from the real proxies and ending where the calibrated CAGR puts it
   (``CALIBRATION``, measured by ``scripts/calibrate_sample.py`` on ../shared/data/prices; no
   data is copied).
2. Correlated fat-tailed daily shocks (multivariate Student-t, 5 degrees of freedom, the
   calibrated correlation matrix, annual vols scaled by a volatility regime that is high in
   crashes), cumulated with a slow pull back to the skeleton and *bridged* so they vanish at every
   episode date: the daily vol and correlation are the calibrated ones, and the episodes hold
   for every seed (a draw that misses one, rare: 1 of the first 400 seeds, is redrawn from the same
   generator).
3. Caps: each of the seven = constant shares × price, its share of ``US`` pinned at the episode
   dates (15% in 2006, ≈ 37–39% at the late-2025 peak, 34.5% at the end); ``US`` cap = the
   seven + the rest; ``EXUS`` and ``EM`` caps also grow by net issuance (new listings, index
   inclusions), so ``US`` is ≈ 47% of ``WORLD`` in 2006, ≈ 66% late in 2024, 59% at the end.
4. Price-return closes beside total-return closes: income accrues daily at ``YIELD`` (fractions a
   year); ``CASH``'s whole return is income, so its price close stays flat.
5. One indicator, ``CAPE`` (``Panel.indicators``): ``US``'s month-end price over smooth synthetic
   earnings, published a month late (``engine.data.sample_history.cape_like``), for indicator
   signals such as the ``valuation_tilt`` strategy's.

Units: vols and CAGRs are fractions per 252-trading-day year; caps are billions of (synthetic)
dollars; closes start at 100.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd
from pandas.tseries.holiday import (AbstractHolidayCalendar, GoodFriday, Holiday, USLaborDay,
                                    USMartinLutherKingJr, USMemorialDay, USPresidentsDay,
                                    USThanksgivingDay, nearest_workday,
                                    sunday_to_monday)

from engine.data.panel import TRADING_DAYS_PER_YEAR, Panel, Sleeve
from engine.data.sample_targets import (CALIBRATION, SEVEN, SHOCKED, Calibration,
                                        correlations, measure)
from engine.data.sample_history import cape_like
from engine.errors import ConfigError

__all__ = ["CALIBRATION", "CAP_TICKERS", "Calibration", "DEFAULT_SLEEVES", "SEVEN", "TICKERS",
           "correlations", "measure", "sample_panel", "trading_calendar"]

#: the CAPE-like indicator (``Panel.indicators["CAPE"]``) in 2006-07, as the US CAPE was then
CAPE_START = 27.0
CAPE_GROWTH = 0.085   #: fraction a year, the synthetic earnings behind it
SAMPLE_START = "2006-07-03"
SAMPLE_END = "2026-07-31"
TICKERS = ("US", "MEGA", *SEVEN, "EXUS", "EM", "WORLD", "CASH", "BONDS")
CAP_TICKERS = (*SEVEN, "MEGA", "US", "EXUS", "EM", "WORLD")
DEFAULT_SLEEVES = MappingProxyType({"us_mega": "MEGA", "us": "US", "ex_us": "EXUS", "em": "EM",
                                    "world": "WORLD", "cash": "CASH", "bonds": "BONDS"})


# ---------------------------------------------------------------------------- the episodes
#: One row per episode date: total-return level relative to the window start (rounded from SPY,
#: ACWX (EFA before 2008-04), EEM and AGG, then stylised: US troughs a little higher, as the
#: noise deepens them again; EXUS and EM tops after 2018 lower, so their old highs hold until
#: 2025), the seven's share of the US cap, and the vol multiplier of the segment that starts
#: there (equities, bonds; smoothed over a month and scaled to mean square 1 over the window).
#: The window-start share and the final levels (None) follow from the CAGR targets.
EPISODES = (
    # date          US    EXUS  EM    BONDS  seven  vol:eq  bonds
    ("2006-07-03", 0.90, 0.85, 0.67, 0.88, 0.150, 0.65, 0.8),
    ("2007-10-31", 1.13, 1.13, 1.18, 0.97, 0.178, 1.1, 1.0),   # pre-crisis peak
    ("2008-01-22", 0.95, 0.94, 0.95, 1.00, 0.185, 1.2, 1.0),
    ("2008-04-01", 1.00, 1.00, 1.00, 1.00, None, 1.1, 1.1),    # calibration window starts
    ("2008-09-12", 0.93, 0.83, 0.79, 1.01, 0.190, 2.6, 1.8),
    ("2009-03-09", 0.56, 0.44, 0.46, 1.03, 0.185, 1.0, 0.9),   # 2008-like bear: about -50%
    ("2011-04-29", 1.07, 0.97, 1.14, 1.18, 0.180, 1.5, 0.9),
    ("2011-10-03", 0.87, 0.71, 0.79, 1.24, 0.185, 0.7, 0.8),
    ("2015-05-21", 1.80, 1.08, 1.05, 1.36, 0.185, 1.0, 0.8),
    ("2016-02-11", 1.57, 0.81, 0.73, 1.39, 0.190, 0.6, 0.7),
    ("2018-01-26", 2.55, 1.25, 1.30, 1.43, 0.215, 1.0, 0.8),   # ex-US top under its 2007 high
    ("2018-12-24", 2.15, 1.02, 1.02, 1.44, 0.205, 0.75, 0.8),
    ("2020-02-19", 3.15, 1.27, 1.22, 1.60, 0.245, 2.8, 2.5),
    ("2020-03-23", 2.25, 0.85, 0.85, 1.58, 0.255, 1.2, 1.0),   # 2020-like crash
    ("2021-02-17", 3.70, 1.42, 1.40, 1.66, 0.270, 0.85, 0.9),  # EM top under its 2007 high
    ("2022-01-03", 4.60, 1.45, 1.30, 1.64, 0.285, 1.3, 1.6),
    ("2022-10-12", 3.75, 1.10, 1.00, 1.41, 0.228, 0.8, 1.4),   # 2022-like bear, bonds too
    ("2023-07-31", 4.50, 1.38, 1.15, 1.47, 0.290, 0.8, 1.2),
    ("2024-12-16", 6.05, 1.50, 1.25, 1.55, 0.335, 1.3, 1.0),   # US share of WORLD peaks
    ("2025-04-08", 5.00, 1.47, 1.19, 1.57, 0.315, 0.9, 0.9),
    ("2025-11-03", 6.90, 2.10, 1.95, 1.63, 0.365, 0.8, 0.9),   # the seven peak; ex-US broke out
    ("2026-07-31", None, None, None, None, 0.345, None, None),  # end: levels from the CAGRs
)
ANCHOR_DATES = tuple(row[0] for row in EPISODES)
WINDOW_ANCHOR = ANCHOR_DATES.index(CALIBRATION.window[0])  # EPISODES row of the window start
_LEVEL_COLUMN = {"US": 1, "EXUS": 2, "EM": 3, "BONDS": 4}
#: Each member's weight inside the seven at some dates (log-interpolated in between).
MEMBER_WEIGHTS = MappingProxyType({  # AAPL  MSFT  AMZN GOOGL  META  NVDA  TSLA
    "2006-07-03": (0.18, 0.30, 0.12, 0.20, 0.10, 0.06, 0.04),
    "2009-03-09": (0.17, 0.28, 0.13, 0.21, 0.11, 0.06, 0.04),
    "2016-02-11": (0.22, 0.22, 0.15, 0.20, 0.11, 0.05, 0.05),
    "2020-02-19": (0.24, 0.23, 0.15, 0.17, 0.10, 0.06, 0.05),
    "2021-02-17": (0.22, 0.20, 0.15, 0.14, 0.08, 0.08, 0.13),
    "2022-01-03": (0.24, 0.21, 0.14, 0.15, 0.08, 0.09, 0.09),
    "2022-10-12": (0.28, 0.23, 0.12, 0.15, 0.05, 0.07, 0.10),
    "2024-12-16": (0.21, 0.17, 0.13, 0.13, 0.09, 0.19, 0.08),
    "2025-11-03": (0.18, 0.16, 0.11, 0.16, 0.08, 0.23, 0.08),
    "2026-07-31": (0.19, 0.16, 0.11, 0.17, 0.07, 0.22, 0.08),
})
#: Fat tails: Student-t degrees of freedom of the daily shocks; the common t scale factor is
#: capped at MAX_T_SCALE so that no day is absurd (US's worst day is typically near -10%).
STUDENT_T_DF = 5
MAX_T_SCALE = 2.0
#: sqrt(E[min((df-2)/chi2_df, MAX_T_SCALE**2)]): rescales the capped shocks to unit variance
#: (tests/test_sample.py recomputes it).
T_SCALE_RMS = 0.970019
#: Bounds of any daily shock, as simple returns (the seven's real extremes since 2008 are about
#: -31% and +30%), so the sample never trips the loader's split warning (-40% / +60%).
DAILY_MOVE_BOUNDS = (-0.35, 0.40)
#: The breakout episode: a new all-time high in the last FINAL_DAYS rows after at least
#: CAPPED_DAYS without one (trading days). A draw without it is redrawn, at most MAX_DRAWS times.
FINAL_DAYS, CAPPED_DAYS, MAX_DRAWS = 504, 756, 50
#: Deviations from the episode path fade slowly (a quantity kept 1 - 1/REVERSION_DAYS a day), so
#: a high-vol series cannot wander far from its episodes between two dates (trading days).
REVERSION_DAYS = 63.0

#: Income (dividend / coupon) yields, fractions a year (US's is the index's; the rest of US,
#: which is implied by US minus the seven, yields what makes it so).
YIELD = MappingProxyType({"US": 0.016, "EXUS": 0.030, "EM": 0.020, "BONDS": 0.030,
                          "AAPL": 0.008, "MSFT": 0.010, "AMZN": 0.0, "GOOGL": 0.003,
                          "META": 0.003, "NVDA": 0.001, "TSLA": 0.0})
#: Caps at the start (billions) and net issuance of EXUS and EM (fractions a year).
START_CAP = MappingProxyType({"US": 11_000.0, "EXUS": 10_000.0, "EM": 2_200.0})
ISSUANCE = MappingProxyType({"EXUS": 0.038, "EM": 0.063})
#: Cash rate (fraction a year) at some dates, linear in between; scaled to the CASH target.
CASH_RATE = (("2006-07-03", 0.049), ("2007-08-01", 0.049), ("2008-01-15", 0.032),
             ("2008-04-01", 0.014), ("2008-10-01", 0.008), ("2008-12-31", 0.0005),
             ("2015-12-15", 0.0005), ("2016-12-31", 0.005), ("2017-12-31", 0.013),
             ("2018-12-31", 0.0235), ("2019-07-31", 0.021), ("2019-12-31", 0.0155),
             ("2020-03-01", 0.015), ("2020-03-31", 0.0005), ("2022-03-01", 0.001),
             ("2022-12-31", 0.042), ("2023-08-01", 0.053), ("2024-08-31", 0.052),
             ("2024-12-31", 0.043), ("2025-12-31", 0.037), ("2026-07-31", 0.036))


# ---------------------------------------------------------------------------- calendar
class _NyseLikeCalendar(AbstractHolidayCalendar):
    """The NYSE's regular holidays (no one-off closures)."""

    rules = [
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        USMartinLutherKingJr, USPresidentsDay, GoodFriday, USMemorialDay,
        Holiday("Juneteenth", month=6, day=19, start_date="2022-01-01",
                observance=nearest_workday),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        USLaborDay, USThanksgivingDay,
        Holiday("Christmas", month=12, day=25, observance=nearest_workday),
    ]


def trading_calendar(start: str = SAMPLE_START, end: str = SAMPLE_END) -> pd.DatetimeIndex:
    """Weekdays from ``start`` to ``end`` without the NYSE's regular holidays (~252 a year)."""
    holidays = _NyseLikeCalendar().holidays(pd.Timestamp(start), pd.Timestamp(end))
    return pd.bdate_range(start, end, freq="C", holidays=list(holidays), name="Date")


# ---------------------------------------------------------------------------- generation
def _segments(dates: pd.DatetimeIndex) -> np.ndarray:
    """Row index of each episode date (the first trading day on or after it)."""
    idx = dates.searchsorted(pd.DatetimeIndex(pd.to_datetime(ANCHOR_DATES)))
    if idx[-1] >= len(dates):
        idx[-1] = len(dates) - 1
    return idx


def _regime(anchor_idx: np.ndarray, column: int, n: int, w0: int) -> np.ndarray:
    """Per-day volatility multiplier from EPISODES[:, column]: piecewise constant by segment,
    smoothed over 21 days, scaled to mean square 1 over the window's returns (rows > w0)."""
    m = np.repeat(np.asarray([row[column] for row in EPISODES[:-1]]), np.diff(anchor_idx))
    m = np.append(m, m[-1])
    kernel = np.ones(21) / 21.0
    m = np.convolve(np.pad(m, 10, mode="edge"), kernel, mode="valid")
    return m / np.sqrt(np.mean(m[w0 + 1:] ** 2))


def _shocks(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, len(SHOCKED)) unit-variance multivariate Student-t shocks with ``shock_corr``."""
    chol = np.linalg.cholesky(np.asarray(CALIBRATION.shock_corr))
    z = rng.standard_normal((n, len(SHOCKED))) @ chol.T
    mix = np.minimum(np.sqrt((STUDENT_T_DF - 2) / rng.chisquare(STUDENT_T_DF, n)), MAX_T_SCALE)
    return z * (mix / T_SCALE_RMS)[:, None]


def _bridge(noise: np.ndarray, anchor_idx: np.ndarray, reversion_days: float) -> np.ndarray:
    """Cumulate daily log shocks (row 0 ignored) with a slow pull back to 0 (each day keeps
    1 - 1/reversion_days of yesterday's deviation; <= 0: none), then subtract the straight line
    through the values at the anchors: the result is 0 at every anchor, its daily steps keep
    their vol."""
    x = np.zeros_like(noise)
    keep = 1.0 - 1.0 / reversion_days if reversion_days > 0 else 1.0
    for i in range(1, len(x)):
        x[i] = keep * x[i - 1] + noise[i]
    t = np.arange(len(x))
    return x - np.column_stack([np.interp(t, anchor_idx, x[anchor_idx, j])
                                for j in range(x.shape[1])])


def _income_log(yield_: float | np.ndarray, n: int) -> np.ndarray:
    """Cumulative log income factor from row 0 at an annual ``yield_`` accrued daily."""
    step = np.log1p(np.broadcast_to(yield_, (n,)) / TRADING_DAYS_PER_YEAR)
    return np.concatenate([[0.0], np.cumsum(step[1:])])


def _pr_anchor_logs(ticker: str, anchor_idx: np.ndarray) -> np.ndarray:
    """Log price-return levels at the anchors (0 at the window start) from the skeleton and the
    CAGR target: tr level minus the income accrued since the window start."""
    w0 = anchor_idx[WINDOW_ANCHOR]
    n_win = anchor_idx[-1] - w0
    end = (1 + CALIBRATION.cagr[ticker]) ** (n_win / TRADING_DAYS_PER_YEAR)
    tr = np.log(np.append([row[_LEVEL_COLUMN[ticker]] for row in EPISODES[:-1]], end))
    return tr - (anchor_idx - w0) * np.log1p(YIELD[ticker] / TRADING_DAYS_PER_YEAR)


def _member_weights(anchor_idx: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """(anchors, 7) weights inside the seven, log-interpolated between MEMBER_WEIGHTS dates."""
    key_idx = dates.searchsorted(pd.DatetimeIndex(pd.to_datetime(list(MEMBER_WEIGHTS))))
    key_idx = np.minimum(key_idx, len(dates) - 1)
    logw = np.log(np.asarray(list(MEMBER_WEIGHTS.values())))
    w = np.exp(np.column_stack([np.interp(anchor_idx, key_idx, logw[:, j]) for j in range(7)]))
    return w / w.sum(axis=1, keepdims=True)


def _seven_share(anchor_idx: np.ndarray, weights: np.ndarray, us_pr: np.ndarray) -> np.ndarray:
    """The seven's share of US at the episode dates (EPISODES). Its window-start value is solved
    from the MEGA CAGR target: MEGA's price growth over the window is US's times the share's;
    its total return adds the seven's cap-weighted income."""
    w0, last = anchor_idx[WINDOW_ANCHOR], anchor_idx[-1]
    n_win = last - w0
    member_yield = weights @ np.asarray([YIELD[s] for s in SEVEN])
    seg = np.diff(anchor_idx)[WINDOW_ANCHOR:]
    mid_yield = 0.5 * (member_yield[WINDOW_ANCHOR:-1] + member_yield[WINDOW_ANCHOR + 1:])
    avg_yield = float(np.sum(seg * mid_yield) / n_win)
    mega_pr_log = (n_win * (np.log1p(CALIBRATION.cagr["MEGA"]) / TRADING_DAYS_PER_YEAR
                            - np.log1p(avg_yield / TRADING_DAYS_PER_YEAR)))
    share = np.array([np.nan if row[5] is None else row[5] for row in EPISODES])
    share[WINDOW_ANCHOR] = share[-1] * np.exp(us_pr[-1] - us_pr[WINDOW_ANCHOR] - mega_pr_log)
    return share


def _cash(rng: np.random.Generator, dates: pd.DatetimeIndex,
          w0: int) -> tuple[np.ndarray, np.ndarray]:
    """CASH price (flat 100 plus tiny level noise, like a T-bill fund's quotes) and total-return
    close (price × the accrued CASH_RATE, scaled so the window CAGR is the target)."""
    n = len(dates)
    key = pd.DatetimeIndex(pd.to_datetime([d for d, _ in CASH_RATE])).asi8
    rate = np.interp(dates.asi8, key, [r for _, r in CASH_RATE])
    target = (n - 1 - w0) * np.log1p(CALIBRATION.cagr["CASH"])
    scale = 1.0
    for _ in range(4):  # Newton on the window's log growth
        x = scale * rate[w0 + 1:] / TRADING_DAYS_PER_YEAR
        f = np.sum(np.log1p(x)) * TRADING_DAYS_PER_YEAR - target
        scale -= f / np.sum(rate[w0 + 1:] / (1 + x))
    level_sd = CALIBRATION.vol["CASH"] / np.sqrt(2 * TRADING_DAYS_PER_YEAR)
    eps = rng.standard_normal(n) * level_sd
    pr_log = eps - eps[0]
    return pr_log, pr_log + _income_log(scale * rate, n)


def _cap_weighted(caps: np.ndarray, rets: np.ndarray) -> np.ndarray:
    """Index path from 1 whose daily return is the previous day's cap-weighted member return."""
    w = caps[:-1] / caps[:-1].sum(axis=1, keepdims=True)
    return np.concatenate([[1.0], np.cumprod(1.0 + np.sum(w * rets[1:], axis=1))])


def _breaks_out(log_close: np.ndarray) -> bool:
    """True when the series makes a new all-time high in the last FINAL_DAYS rows and its
    previous new high is at least CAPPED_DAYS before that first one."""
    n = len(log_close)
    new_high = np.flatnonzero(log_close[1:] > np.maximum.accumulate(log_close)[:-1]) + 1
    late = new_high[new_high >= n - FINAL_DAYS]
    if late.size == 0:
        return False
    before = new_high[new_high < late[0]]
    return before.size == 0 or late[0] - before[-1] >= CAPPED_DAYS


def _episode_holds(pr_log: Mapping[str, np.ndarray], seven_cap0: np.ndarray) -> bool:
    """The episodes every sample must show: the seven's share of US peaks above 34% and then
    falls at least 5% of its peak; EXUS and EM break out late after years under a prior high."""
    share = sum(c * np.exp(pr_log[s]) for c, s in zip(seven_cap0, SEVEN))
    share = share / (START_CAP["US"] * np.exp(pr_log["US"]))
    peak = int(np.argmax(share))
    return (share[peak] > 0.34 and share[peak:].min() <= 0.95 * share[peak]
            and _breaks_out(pr_log["EXUS"]) and _breaks_out(pr_log["EM"]))


def _price_paths(rng: np.random.Generator, dates: pd.DatetimeIndex, anchors: np.ndarray,
                 at: Mapping[str, np.ndarray], seven_cap0: np.ndarray) -> dict[str, np.ndarray]:
    """Log price-return paths (0 on day 0) of SHOCKED through their anchor levels ``at``. A draw
    that misses an episode (1 of the first 400 seeds) is redrawn from the same generator."""
    n, w0 = len(dates), anchors[WINDOW_ANCHOR]
    eq, bd = _regime(anchors, 6, n, w0), _regime(anchors, 7, n, w0)
    daily_vol = np.asarray([CALIBRATION.vol[t] for t in SHOCKED]) / np.sqrt(TRADING_DAYS_PER_YEAR)
    scale = daily_vol * np.column_stack([bd if t == "BONDS" else eq for t in SHOCKED])
    skeleton = np.column_stack([np.interp(np.arange(n), anchors, at[t]) for t in SHOCKED])
    for _ in range(MAX_DRAWS):
        noise = np.clip(_shocks(rng, n) * scale, *np.log1p(DAILY_MOVE_BOUNDS))
        path = skeleton + _bridge(noise, anchors, REVERSION_DAYS)
        pr_log = {t: path[:, j] - path[0, j] for j, t in enumerate(SHOCKED)}
        if _episode_holds(pr_log, seven_cap0):
            return pr_log
    raise RuntimeError(f"no draw in {MAX_DRAWS} showed the sample's episodes; EPISODES is broken")


def sample_panel(seed: int = 7) -> Panel:
    """The synthetic sample universe (**synthetic sample, not market data**) for ``seed``.

    Tickers ``TICKERS``, default sleeves ``DEFAULT_SLEEVES``, caps for ``CAP_TICKERS`` (billions),
    every ticker with a genuine price-return close, ``synthetic=True``, ``source="synthetic sample
    (seed N)"``. Same seed → byte-identical closes and caps. See the module docstring.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"sample seed must be a whole number >= 0, got {seed!r}; e.g. --seed 7")
    dates = trading_calendar()
    n = len(dates)
    anchors = _segments(dates)
    w0 = anchors[WINDOW_ANCHOR]
    rng = np.random.default_rng(seed)

    # log price levels at the episode dates: indices from the skeleton, the seven from their caps
    at = {t: _pr_anchor_logs(t, anchors) for t in ("US", "EXUS", "EM", "BONDS")}
    weights = _member_weights(anchors, dates)
    share = _seven_share(anchors, weights, at["US"])
    for i, s in enumerate(SEVEN):
        at[s] = at["US"] + np.log(share * weights[:, i])
    seven_cap0 = START_CAP["US"] * share[0] * weights[0]
    pr_log = _price_paths(rng, dates, anchors, at, seven_cap0)
    tr_log = {t: pr_log[t] + _income_log(YIELD[t], n) for t in SHOCKED}
    pr = {t: 100.0 * np.exp(v) for t, v in pr_log.items()}
    tr = {t: 100.0 * np.exp(v) for t, v in tr_log.items()}

    # caps: the seven hold constant shares; EXUS and EM also grow by net issuance
    caps = {s: seven_cap0[i] * pr[s] / 100.0 for i, s in enumerate(SEVEN)}
    caps["US"] = START_CAP["US"] * pr["US"] / 100.0
    years = np.arange(n) / TRADING_DAYS_PER_YEAR
    for t in ("EXUS", "EM"):
        caps[t] = START_CAP[t] * pr[t] / 100.0 * (1 + ISSUANCE[t]) ** years
    caps["WORLD"] = caps["US"] + caps["EXUS"] + caps["EM"]
    caps["MEGA"] = np.sum([caps[s] for s in SEVEN], axis=0)  # the seven's combined cap

    # cap-weighted indices: MEGA of the seven, WORLD of US + EXUS + EM
    for index, members in (("MEGA", SEVEN), ("WORLD", ("US", "EXUS", "EM"))):
        c = np.column_stack([caps[m] for m in members])
        for store in (pr, tr):
            lv = np.column_stack([store[m] for m in members])
            store[index] = 100.0 * _cap_weighted(c, np.vstack([np.zeros(len(members)),
                                                               lv[1:] / lv[:-1] - 1]))
    cash_pr, cash_tr = _cash(rng, dates, w0)
    pr["CASH"], tr["CASH"] = 100.0 * np.exp(cash_pr), 100.0 * np.exp(cash_tr)

    return Panel(
        tr=pd.DataFrame({t: tr[t] for t in TICKERS}, index=dates),
        pr=pd.DataFrame({t: pr[t] for t in TICKERS}, index=dates), price_return=frozenset(TICKERS),
        sleeves={r: Sleeve(r, (t,), (1.0,)) for r, t in DEFAULT_SLEEVES.items()},
        caps=pd.DataFrame({t: caps[t] for t in CAP_TICKERS}, index=dates),
        source=f"synthetic sample (seed {seed})", synthetic=True, start_ticker="US",
        indicators=pd.DataFrame({"CAPE": cape_like(pd.Series(pr["US"], index=dates),
                                                   first=CAPE_START, growth=CAPE_GROWTH)},
                                      index=dates))
