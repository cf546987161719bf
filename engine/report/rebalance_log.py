"""The rebalance log of a strategy: one row per executed rebalance in the measurement period.

Columns: ``date`` (fill date, the index), ``decision_date``, per sleeve ``<role>_before`` (the
end-of-day weight on the trading day before the fill) and ``<role>_after`` (end-of-day weight on
the fill date), ``turnover`` (one-way, fraction of value), ``cost`` (fees + slippage, fraction of
value), and ``signal_changed``: the rule's 0/1 inputs (signal states) that changed between the
previous decision date and this one, e.g. "ex_us_on 0→1" (empty: a scheduled rebalance or a
band trade after drift). Written as ``rebalances/<strategy>.csv``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _binary_changes(inputs: pd.DataFrame | None) -> pd.Series:
    """Decision date → "name a→b; …" for the 0/1 inputs that changed since the previous date
    (an input that was missing on the previous date is not a change)."""
    if inputs is None or inputs.empty:
        return pd.Series(dtype=object)
    binary = [c for c in inputs.columns
              if np.isin(inputs[c].dropna().unique(), (0.0, 1.0)).all()]
    values = inputs[binary].to_numpy(dtype=float)
    prev, cur = values[:-1], values[1:]
    changed = (cur != prev) & ~np.isnan(prev)
    out = np.full(len(cur), "", dtype=object)
    for i in np.flatnonzero(changed.any(axis=1)).tolist():
        out[i] = "; ".join(f"{binary[k]} {int(prev[i, k])}→{int(cur[i, k])}"
                           for k in np.flatnonzero(changed[i]).tolist())
    return pd.Series(out, index=inputs.index[1:].rename(None), dtype=object)


def rebalance_log(result: Any, start: pd.Timestamp, end: pd.Timestamp,
                  inputs: pd.DataFrame | None = None) -> pd.DataFrame:
    """The log of ``result`` (an ``engine.sim`` Result) for fills in [start, end].

    ``inputs``: the rule's inputs at its decision dates (``RuleInputs.frame()``), for
    ``signal_changed``; None leaves that column empty.
    """
    reb = result.rebalances.loc[start:end]
    sw = result.sleeve_weights
    roles = [c for c in sw.columns if (sw[c].fillna(0.0).abs() > 1e-12).any()]
    pos = sw.index.get_indexer(reb.index)
    before = sw[roles].shift(1).to_numpy()[pos]
    after = sw[roles].to_numpy()[pos]
    decided = reb["decision_date"].to_numpy()
    cols: dict[str, Any] = {"decision_date": decided}
    for k, r in enumerate(roles):
        cols[f"{r}_before"] = np.nan_to_num(before[:, k])
        cols[f"{r}_after"] = after[:, k]
    cols["turnover"] = reb["turnover"].to_numpy()
    cols["cost"] = reb["cost"].to_numpy()
    changes = _binary_changes(inputs)
    cols["signal_changed"] = _lookup(changes, decided)
    out = pd.DataFrame(cols, index=reb.index)
    out.index.name = "date"
    return out


def _lookup(changes: pd.Series, dates: np.ndarray) -> list[str]:
    """``changes.get(d, "")`` for each of ``dates`` (one vectorised index lookup)."""
    if changes.empty or not len(dates):
        return [""] * len(dates)
    pos = pd.DatetimeIndex(changes.index).get_indexer(pd.DatetimeIndex(dates))
    texts = changes.to_numpy()
    return [texts[p] if p >= 0 else "" for p in pos.tolist()]
