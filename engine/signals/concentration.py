"""Concentration: the weight of a basket B inside an index I (GUIDE §4).

From market caps when the data has them: ``level_t = cap_B,t / cap_I,t``.

Otherwise from anchors (known weights on given dates), rolled forward with relative prices:
each member's weight moves with its own return relative to the index,
``w_i,t = w_i,a · (P_i,t / P_i,a) / (I_t / I_a)`` and ``level_t = Σ_i w_i,t``, using only the last
anchor dated ≤ t (a is the close it describes: the last close on or before its date — a
Saturday snapshot describes Friday's close and is used from Monday). The level therefore jumps
at each new anchor (to the snapshot's value); ``jumps`` records each one.

Rules read the **chain**: a chain-linked index of the basket's weight — daily changes from
relative price moves, the composition updated at each anchor, no jumps. Its drawdown from its
running peak, as a fraction of the peak, does not depend on any anchor's scale, so it exists
from the first day. Before the first anchor the chain's basket starts equal-weighted on the
first date and is held (it drifts with prices) — a choice that keeps the chain causal (the
first anchor's composition would come from the future). With caps the chain is the level.

``projected`` is for charts only and is NOT causal: the first anchor projected backwards over
the dates before it. Draw it dashed and label it "projected".
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import ConfigError, DataError, DataWarning
from engine.signals.anchors import align_anchors, as_anchor_frame
from engine.signals.checks import check_index, frame_values, positive_int
from engine.signals.nb import concentration_nb, running_peak_nb

JUMP_COLUMNS = ("snapshot_date", "available", "anchor", "projected", "jump", "flagged")


@dataclass(frozen=True, eq=False)
class Concentration:
    """A concentration signal on one calendar (every Series shares the index).

    level: causal weight of the basket in the index (fraction); NaN before the first anchor.
    chain: chain-linked causal index of the weight (1.0 on the first date for anchors; the
        level itself for caps); exists from day 0. Rules read this.
    peak: running maximum of ``chain``.
    drawdown: chain / peak − 1 (fraction of the peak, ≤ 0); from day 0.
    drawdown_pts: level − running maximum of level (fraction points, ≤ 0; −0.022 = 2.2 pp);
        NaN where unanchored.
    change: level[t] − level[t − window] (fraction points); NaN where undefined.
    chain_change: chain[t] / chain[t − window] − 1 (relative change, exists before anchors).
    projected: chart-only, NOT causal: the first anchor projected backwards (dates up to the
        first anchor; NaN after). None for caps.
    jumps: one row per anchor used, indexed by its base close (the last close on or before its
        date): ``snapshot_date`` (as given), ``available`` (first close that uses it: the
        first close on or after its date), ``anchor`` (Σ weights), ``projected`` (the level
        rolled from the previous anchor to this one's base close; NaN for the first),
        ``jump`` (anchor − projected, fraction points), ``flagged`` (|jump| > ``jump_limit``).
        Empty for caps.
    source: "caps" or "anchors".
    """

    level: pd.Series
    chain: pd.Series
    peak: pd.Series
    drawdown: pd.Series
    drawdown_pts: pd.Series
    change: pd.Series
    chain_change: pd.Series
    projected: pd.Series | None
    jumps: pd.DataFrame
    window: int
    source: str

    def frame(self) -> pd.DataFrame:
        """All series as columns (``projected`` included when present)."""
        cols = {"level": self.level, "chain": self.chain, "peak": self.peak,
                "drawdown": self.drawdown, "drawdown_pts": self.drawdown_pts,
                "change": self.change, "chain_change": self.chain_change}
        if self.projected is not None:
            cols["projected"] = self.projected
        return pd.DataFrame(cols)


def _build(level: np.ndarray, chain: np.ndarray, projected: np.ndarray | None,
           jumps: pd.DataFrame, index: pd.DatetimeIndex, window: int, source: str
           ) -> Concentration:
    n = len(index)
    peak, dd, dd_pts_chain = np.empty(n), np.empty(n), np.empty(n)
    running_peak_nb(chain, peak, dd, dd_pts_chain)
    lpeak, ldd, dd_pts = np.empty(n), np.empty(n), np.empty(n)
    running_peak_nb(level, lpeak, ldd, dd_pts)
    change = np.full(n, np.nan)
    chain_change = np.full(n, np.nan)
    if window < n:
        change[window:] = level[window:] - level[:-window]
        chain_change[window:] = chain[window:] / chain[:-window] - 1.0

    def s(x: np.ndarray, name: str) -> pd.Series:
        return pd.Series(x, index=index, name=name)

    return Concentration(
        level=s(level, "level"), chain=s(chain, "chain"), peak=s(peak, "peak"),
        drawdown=s(dd, "drawdown"), drawdown_pts=s(dd_pts, "drawdown_pts"),
        change=s(change, "change"), chain_change=s(chain_change, "chain_change"),
        projected=None if projected is None else s(projected, "projected"),
        jumps=jumps, window=window, source=source)


def concentration_from_caps(basket_caps: pd.DataFrame, index_cap: pd.Series,
                            window: int = 63) -> Concentration:
    """Concentration from market caps: ``level = Σ basket caps / index cap`` (fraction).

    ``basket_caps``: dates × members (same units as ``index_cap``); ``window`` in trading days.
    The chain is the level (caps need no chain-linking)."""
    what = "concentration from caps"
    window = positive_int(window, "concentration window (trading days)")
    if isinstance(basket_caps, pd.Series):
        basket_caps = basket_caps.to_frame()
    idx = check_index(basket_caps.index, what)
    if not idx.equals(index_cap.index):
        raise DataError(f"{what}: basket and index caps are on different dates; align them")
    b = frame_values(basket_caps, what).sum(axis=1)
    i = frame_values(index_cap.to_frame(), what)[:, 0]
    level = b / i
    if np.any(level > 1.0 + 1e-9):
        d = idx[int(np.argmax(level > 1.0 + 1e-9))]
        warnings.warn(f"{what}: the basket's caps exceed the index's on {d.date()} (level "
                      f"{level.max():.3f}); is the basket really inside index "
                      f"'{index_cap.name}'?", DataWarning, stacklevel=2)
    jumps = pd.DataFrame({c: pd.Series(dtype=float) for c in JUMP_COLUMNS})
    return _build(level, level.copy(), None, jumps, idx, window, "caps")


def concentration_from_anchors(members: pd.DataFrame, index: pd.Series,
                               anchors: pd.DataFrame | pd.Series | Mapping, *, window: int = 63,
                               jump_limit: float = 0.02) -> Concentration:
    """Concentration from anchors (known weights) rolled forward with relative prices.

    members: dates × member closes (> 0, no gaps; price-return closes when the source has
        them); index: the index's closes on the same dates.
    anchors: dates × members, weights as fractions (a Series or mapping date → weight for a
        one-member basket). An anchor describes the last close on or before its date and is
        used from the first close on or after its date (see ``align_anchors``).
    window: trading days for ``change``. jump_limit: a new anchor that differs from the level
        rolled from the previous one by more than this (fraction points, 0.02 = 2 pp) is
        flagged in ``jumps`` and reported with a DataWarning.
    """
    what = "concentration from anchors"
    window = positive_int(window, "concentration window (trading days)")
    jump_limit = float(jump_limit)
    if not jump_limit > 0:
        raise ConfigError(f"concentration jump_limit must be a positive fraction (0.02 = 2 pp), "
                          f"got {jump_limit!r}")
    if isinstance(members, pd.Series):
        members = members.to_frame()
    idx = check_index(members.index, what)
    if not idx.equals(index.index):
        raise DataError(f"{what}: members and index are on different dates; align them")
    names = [str(c) for c in members.columns]
    p = np.ascontiguousarray(frame_values(members, what))
    i = np.ascontiguousarray(frame_values(index.to_frame(), what)[:, 0])
    frame = as_anchor_frame(anchors, names, what)
    base, avail, aligned = align_anchors(frame, idx, what)
    w = np.ascontiguousarray(aligned[names].to_numpy(dtype=np.float64))
    n, a = len(idx), len(base)
    level, chain, back = np.empty(n), np.empty(n), np.empty(n)
    proj = np.empty(a)
    concentration_nb(p, i, base, avail, w, level, chain, back, proj)
    total = w.sum(axis=1)
    jump = total - proj
    flagged = np.abs(np.nan_to_num(jump)) > jump_limit
    jumps = pd.DataFrame({"snapshot_date": aligned["snapshot_date"].to_numpy(),
                          "available": aligned["available"].to_numpy(), "anchor": total,
                          "projected": proj, "jump": jump, "flagged": flagged}, index=aligned.index)
    if flagged.any():
        listed = ", ".join(f"{d.date()} ({j * 100:+.1f} pp)"
                           for d, j in zip(jumps.index[flagged], jump[flagged]))
        warnings.warn(f"{what}: {int(flagged.sum())} anchor(s) jump more than "
                      f"{jump_limit * 100:.1f} pp from the level rolled forward from the "
                      f"previous anchor: {listed}; check those snapshots", DataWarning,
                      stacklevel=2)
    return _build(level, chain, back, jumps, idx, window, "anchors")


def _basket_tickers(panel, basket: str | Sequence[str]) -> list[str]:
    if isinstance(basket, str):
        if basket in panel.sleeves:
            return list(panel.sleeves[basket].tickers)
        if basket in panel.tr.columns:
            return [basket]
        raise ConfigError(f"concentration basket '{basket}' is neither a sleeve "
                          f"{sorted(panel.sleeves)} nor a ticker {sorted(panel.tickers)}")
    tickers = [str(t) for t in basket]
    unknown = [t for t in tickers if t not in panel.tr.columns]
    if unknown or not tickers:
        raise ConfigError(f"concentration basket {tickers}: unknown tickers {unknown}; the data "
                          f"holds {sorted(panel.tickers)}")
    return tickers


def concentration(panel, basket: str | Sequence[str], index: str, *,
                  anchors: pd.DataFrame | pd.Series | Mapping | None = None, window: int = 63,
                  jump_limit: float = 0.02) -> Concentration:
    """Concentration of ``basket`` (a sleeve role, a ticker or a list of tickers) inside
    ``index`` (a ticker, or a one-ticker sleeve role) of a ``Panel``.

    Uses ``panel.caps`` when it has a column for every ticker involved (``anchors`` are then
    ignored, with a DataWarning); else ``anchors`` rolled forward on price-return closes when
    every ticker involved has a genuine one, else on total-return closes."""
    members = _basket_tickers(panel, basket)
    index_t = _basket_tickers(panel, index)
    if len(index_t) != 1:
        raise ConfigError(f"concentration index '{index}' is a basket {index_t}; give one "
                          "ticker (the index or a fund tracking it)")
    tickers = members + index_t
    caps = panel.caps
    if caps is not None and all(t in caps.columns for t in tickers):
        if anchors is not None:
            warnings.warn(f"concentration of {members} in {index_t[0]}: the data has market "
                          "caps, so the anchors given are not used", DataWarning, stacklevel=2)
        return concentration_from_caps(caps[members], caps[index_t[0]], window)
    if anchors is None:
        have = [] if caps is None else [t for t in tickers if t in caps.columns]
        hint = "" if caps is None else (f", or name tickers that have caps "
                                        f"({', '.join(map(str, caps.columns))})")
        raise ConfigError(f"concentration of {members} in {index_t[0]}: the data ({panel.source})"
                          f" has no market caps for {[t for t in tickers if t not in have]} and "
                          "no anchors were given; give anchors (known weights on dates, e.g. "
                          "load_snapshots(file, fund) or {date: weight} for one ticker)" + hint)
    kind = "pr" if all(t in panel.price_return for t in tickers) else "tr"
    closes = panel.pr if kind == "pr" else panel.tr
    return concentration_from_anchors(closes[members], closes[index_t[0]], anchors,
                                      window=window, jump_limit=jump_limit)
