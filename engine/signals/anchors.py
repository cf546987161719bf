"""Anchors: known weights of a basket's members inside an index, on given dates.

:func:`load_snapshots` reads a snapshot file (one row per date and fund, weights in PERCENT) such
as ``../shared/data/weights/mag7_weights_in_etfs_snapshots.csv`` and returns fractions;
:func:`align_anchors` places anchors on a trading calendar.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from engine.data.calendar import as_date
from engine.data.panel import weight_value
from engine.errors import ConfigError, DataError, DataWarning

#: The Magnificent Seven as price series. GOOG and GOOGL both count towards Alphabet, priced by
#: the GOOGL series.
MAG7 = ("AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA")
#: Snapshot column → member (price series) it counts towards.
SNAPSHOT_COLUMNS = {"AAPL": "AAPL", "MSFT": "MSFT", "AMZN": "AMZN", "GOOGL": "GOOGL",
                    "GOOG": "GOOGL", "META": "META", "NVDA": "NVDA", "TSLA": "TSLA"}


def load_snapshots(path: str | Path, fund: str = "SPY") -> pd.DataFrame:
    """Weights of the Magnificent Seven inside ``fund`` from a snapshot file, as fractions.

    The file has columns ``date, fund, AAPL, MSFT, AMZN, GOOGL, GOOG, META, NVDA, TSLA`` (others
    ignored), weights in percent. Returns a DataFrame indexed by snapshot date (``date``,
    ascending; calendar dates as written — :func:`align_anchors` maps them onto trading days)
    with columns :data:`MAG7` in fractions; GOOG and GOOGL are summed into ``GOOGL``.

    A bad snapshot is dropped with one :class:`DataWarning` listing the dates: a weight that is
    missing or negative, a snapshot whose members are all at 0 %, or a member at 0 % that the
    last kept snapshot before it held (a hole, e.g. AAPL and MSFT at 0 % on 2022-02-01 in SPY).
    Each snapshot is judged with the snapshots dated up to it only — cleaning the file as known
    on any date keeps the same snapshots up to that date as cleaning the whole file (no
    look-ahead). A member at 0 % before the fund first holds it is kept. A member that truly
    leaves the fund would make every later snapshot a "hole": the warning lists them.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"snapshot file {p} not found; pass the path of a CSV with columns "
                        "date, fund, AAPL, ..., TSLA (weights in percent)")
    raw = pd.read_csv(p)
    need = ["date", "fund", *SNAPSHOT_COLUMNS]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"snapshot file {p}: missing columns {missing}; expected {need} "
                        "(weights in percent)")
    funds = sorted(raw["fund"].astype(str).unique())
    rows = raw[raw["fund"].astype(str) == fund]
    if rows.empty:
        raise DataError(f"snapshot file {p}: no rows for fund '{fund}'; funds in the file: "
                        f"{funds}")
    try:
        dates = pd.to_datetime(rows["date"], format="%Y-%m-%d")
    except (ValueError, TypeError) as exc:
        raise DataError(f"snapshot file {p}: unreadable date for fund '{fund}' ({exc}); write "
                        "dates as YYYY-MM-DD") from None
    w = rows[list(SNAPSHOT_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    w.index = pd.DatetimeIndex(dates, name="date")
    if w.index.has_duplicates:
        d = w.index[w.index.duplicated()][0]
        raise DataError(f"snapshot file {p}: fund '{fund}' has two snapshots dated {d.date()}; "
                        "keep one")
    w = w.sort_index()
    bad = _bad_snapshots(w.to_numpy(dtype=np.float64))
    if bad.any():
        listed = ", ".join(str(d.date()) for d in w.index[bad])
        warnings.warn(f"snapshot file {p.name}: dropped {int(bad.sum())} bad {fund} snapshot(s) "
                      "(a weight missing or negative, all members at 0 %, or a member at 0 % "
                      f"that the previous kept snapshot held): {listed}", DataWarning,
                      stacklevel=2)
        w = w.loc[~bad]
    out = pd.DataFrame(0.0, index=w.index, columns=list(MAG7))
    for col, member in SNAPSHOT_COLUMNS.items():
        out[member] = out[member] + w[col].to_numpy() / 100.0
    return out


def _bad_snapshots(w: np.ndarray) -> np.ndarray:
    """Rows (snapshots, ascending dates) that cannot be true weights; see load_snapshots.

    Causal: row i is judged against rows < i only (the last kept row), so
    ``_bad_snapshots(w[:k]) == _bad_snapshots(w)[:k]`` for every k."""
    bad = np.any(np.isnan(w) | (w < 0), axis=1) | np.all(np.nan_to_num(w) == 0, axis=1)
    last_kept = np.zeros(w.shape[1], dtype=bool)  # members the last kept snapshot held
    for i in range(w.shape[0]):
        if bad[i]:
            continue
        held = w[i] > 0
        if np.any(last_kept & ~held):
            bad[i] = True
            continue
        last_kept = held
    return bad


def as_anchor_frame(anchors: pd.DataFrame | pd.Series | Mapping, members: list[str],
                    what: str) -> pd.DataFrame:
    """Anchors as a DataFrame (dates × ``members``, fractions), from a DataFrame, or — for a
    one-member basket — a Series or mapping date → weight. Errors name the fix."""
    if isinstance(anchors, Mapping) and not isinstance(anchors, pd.DataFrame):
        anchors = pd.Series({as_date(k, f"{what}: anchor date"): weight_value(v, f"{what}: anchor on {k}")
                             for k, v in anchors.items()}, dtype=np.float64)
    if isinstance(anchors, pd.Series):
        if len(members) != 1:
            raise ConfigError(f"{what}: a single weight per date fits a one-ticker basket; "
                              f"the basket {members} needs each member's weight per date "
                              "(a DataFrame, e.g. load_snapshots(...))")
        anchors = anchors.to_frame(members[0])
    if not isinstance(anchors, pd.DataFrame):
        raise ConfigError(f"{what}: anchors must be a DataFrame (dates × members, fractions), "
                          f"got {type(anchors).__name__}")
    cols = [str(c) for c in anchors.columns]
    if sorted(cols) != sorted(members):
        raise ConfigError(f"{what}: anchors name {sorted(cols)} but the basket is "
                          f"{sorted(members)}; give one weight column per basket member")
    for c in anchors.columns:  # text and booleans are not weights (True is not 1.0)
        col = anchors[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            for d, v in col.items():
                day = d.date() if isinstance(d, pd.Timestamp) else d
                weight_value(v, f"{what}: anchor weight of '{c}' on {day}")
    frame = anchors.copy()
    frame.columns = cols
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index))
    frame = frame[members].astype(np.float64).sort_index()
    if frame.empty:
        raise ConfigError(f"{what}: no anchors given")
    v = frame.to_numpy()
    if np.any(~np.isfinite(v)) or np.any(v < 0):
        r = int(np.argmax(np.any(~np.isfinite(v) | (v < 0), axis=1)))
        raise DataError(f"{what}: anchor on {frame.index[r].date()} has a missing or negative "
                        "weight; drop that anchor or fix it")
    sums = v.sum(axis=1)
    if np.any(sums > 1.0 + 1e-9):
        r = int(np.argmax(sums > 1.0 + 1e-9))
        raise DataError(f"{what}: anchor weights on {frame.index[r].date()} sum to "
                        f"{sums[r]:.4g} > 1; give fractions (0.608, not 60.8)")
    if frame.index.has_duplicates:
        d = frame.index[frame.index.duplicated()][0]
        raise DataError(f"{what}: two anchors dated {d.date()}; keep one")
    return frame


def align_anchors(anchors: pd.DataFrame, dates: pd.DatetimeIndex, what: str = "anchors"
                  ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Place anchors on the trading calendar ``dates``.

    An anchor's weights describe the last close on or before its date (its *base*: Saturday
    2025-10-04 → Friday 2025-10-03) and are usable from the first close on or after its date
    (Monday 2025-10-06; the same day for an anchor dated on a trading day) — so nothing at a
    close t reads an anchor dated after t. Anchors dated before the first date, or with no
    close on or after their date, cannot be placed and are dropped with a
    :class:`DataWarning`. When two anchors share a base close (a Friday and the Saturday or
    holiday after it) the later-dated one is used: it is the more recent statement.

    Returns (base positions (A,) int64, usable-from positions (A,) int64, the kept anchors
    indexed by base trading date ``date`` with columns ``snapshot_date``, ``available`` and
    the members).
    """
    if len(dates) == 0:
        raise DataError(f"{what}: the data has no dates")
    base = dates.searchsorted(anchors.index, side="right") - 1
    avail = dates.searchsorted(anchors.index, side="left")
    outside = (base < 0) | (avail >= len(dates))
    if outside.any():
        listed = ", ".join(str(d.date()) for d in anchors.index[outside])
        warnings.warn(f"{what}: {int(outside.sum())} anchor(s) outside the data "
                      f"({dates[0].date()} to {dates[-1].date()}) ignored: {listed}",
                      DataWarning, stacklevel=3)
    kept = anchors.loc[~outside].copy()
    base, avail = base[~outside], avail[~outside]
    later_same = np.zeros(len(base), dtype=bool)
    later_same[:-1] = base[:-1] == base[1:]
    kept = kept.loc[~later_same]
    base, avail = base[~later_same], avail[~later_same]
    kept.insert(0, "available", dates[avail])
    kept.insert(0, "snapshot_date", kept.index)
    kept.index = pd.DatetimeIndex(dates[base], name="date")
    return base.astype(np.int64), avail.astype(np.int64), kept
