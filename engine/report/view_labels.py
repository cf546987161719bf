"""Readable names for the page: sleeves with their tickers, signals with the series they read,
params with their values, and each strategy's signal and rule states over time.

Reads an :class:`engine.experiment.Experiment` (or anything with the same attributes) and
returns plain strings and pandas objects.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.report.experiment_view import _get


def tickers_of(exp: Any, name: str) -> str:
    """A role's tickers ("ACWX", "AAPL+MSFT+…") or the name itself when it is a ticker."""
    panel = _get(exp, "panel")
    sleeves = _get(panel, "sleeves", {}) or {}
    if name in sleeves:
        t = list(sleeves[name].tickers)
        return "+".join(t) if len(t) <= 3 else f"{'+'.join(t[:3])}+{len(t) - 3} more"
    return str(name)


def sleeve_labels(exp: Any) -> dict[str, str]:
    """Role → "role (TICKERS)"; idle cash without a cash sleeve stays "cash"."""
    panel = _get(exp, "panel")
    sleeves = _get(panel, "sleeves", {}) or {}
    return {role: f"{role} ({tickers_of(exp, role)})" for role in sleeves}


def _series_of(spec: Any) -> str | None:
    series = _get(spec, "series")
    if isinstance(series, (list, tuple)):
        return "+".join(map(str, series))
    return str(series) if series else None


def _setting(spec: Any, key: str) -> Any:
    return spec.setting(key) if hasattr(spec, "setting") else _get(spec, key)


def signal_title(exp: Any, name: str, spec: Any, kind: str) -> str:
    """E.g. "exus_high: ACWX all-time-high breakout", "us_weight: SPY weight in ACWI"."""
    if spec is None:
        return f"{name} ({kind})"
    if kind == "concentration":
        basket, index = _get(spec, "basket"), _get(spec, "index")
        b = ("+".join(basket) if len(basket) <= 3 else "Magnificent Seven"
             if len(basket) == 7 else f"{len(basket)} stocks") \
            if isinstance(basket, (list, tuple)) else tickers_of(exp, str(basket))
        return f"{name}: {b} weight in {tickers_of(exp, str(index))}"
    series = _series_of(spec)
    what = tickers_of(exp, series) if series else name
    if kind == "breakout":
        years = _setting(spec, "years")
        look = "all-time-high" if not years else f"{years}-year-high"
        return f"{name}: {what} {look} breakout"
    if kind == "trend":
        return f"{name}: {what} against its {_setting(spec, 'months')}-month average"
    if kind == "momentum":
        return f"{name}: {what} {_setting(spec, 'months')}-month momentum"
    return f"{name}: {what} ({kind})"


def param_text(exp: Any, entry: Any) -> str:
    """Every param with its value (signal params resolved from the bound signals), e.g.
    "drawdown = 0.05, shift = 0.5, combine = either, …"."""
    params = _get(entry, "params")
    strat = _get(entry, "strategy")
    cfg = _get(exp, "config")
    if params is not None and strat is not None and cfg is not None:
        try:
            params = strat.resolve(params, cfg.bound_signals(_get(entry, "name")))
        except Exception:  # noqa: BLE001 — unresolved: show the values as configured
            pass
    if params is None:
        return ""
    if hasattr(params, "__dataclass_fields__"):
        from dataclasses import asdict

        values = asdict(params)
    else:
        values = dict(params)
    parts = []
    for k, v in values.items():
        if v is None:
            continue
        parts.append(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}")
    return ", ".join(parts)


def strategy_strips(exp: Any, index: pd.DatetimeIndex) -> dict[str, dict[str, pd.Series]]:
    """Strategy → label → bool Series on ``index``: when each signal it reads was on (a
    breakout's state, a trend's close below its average, a concentration past the rule's
    ``drawdown``), and for the rowing-boat rule its state (tilted, defensive)."""
    cfg = _get(exp, "config")
    signals = _get(exp, "signals")
    if cfg is None or signals is None or not hasattr(cfg, "bound_signals"):
        return {}
    out: dict[str, dict[str, pd.Series]] = {}
    for sc in cfg.strategies:
        strips: dict[str, pd.Series] = {}
        try:
            bound = cfg.bound_signals(sc.name)
        except Exception:  # noqa: BLE001 — no binding: no strips
            bound = {}
        for spec in bound.values():
            name = _get(spec, "name")
            if not name:
                continue
            kind = spec.kind
            col = lambda f: signals.get(f"{name}.{f}")  # noqa: E731
            title = signal_title(exp, name, spec, kind).split(": ", 1)[-1]
            if kind == "breakout" and col("state") is not None:
                strips[f"{title} on"] = col("state").fillna(0) > 0
            elif kind == "trend" and col("above") is not None:
                sma = col("sma")
                below = ~col("above").fillna(True).astype(bool)
                if sma is not None:
                    below &= sma.notna()
                strips[title.replace("against", "below")] = below
            elif kind == "concentration" and col("drawdown") is not None:
                dd = getattr(sc.params, "drawdown", None)
                if isinstance(dd, float):
                    strips[f"{title} ≥{dd:.0%} below peak"] = col("drawdown") <= -dd
        res = _get(exp, "results", {}).get(sc.name)
        if sc.strategy.name == "rowing_boat" and res is not None:
            strips.update(rowing_boat_states(res.targets, sc.params))
        out[sc.name] = {k: v.reindex(index).fillna(False).astype(bool)
                        for k, v in strips.items()}
    return out


def rowing_boat_states(targets: pd.DataFrame, params: Any) -> dict[str, pd.Series]:
    """The rowing-boat rule's state at each decision date, held until the next: "tilted" (the
    mega-cap sleeve below its share of the mix) and "defensive" (part in the fallback);
    neither = neutral. Read from the targets the rule produced."""
    fb = targets.get(params.fallback, pd.Series(0.0, index=targets.index)).fillna(0.0)
    defensive = fb > 1e-9
    scale = np.where(defensive, 1.0 - params.defensive, 1.0)
    mega = targets.get("us_mega", pd.Series(0.0, index=targets.index)).fillna(0.0)
    tilted = mega < params.us_mega * scale - 1e-9
    days = pd.date_range(targets.index[0], targets.index[-1], freq="D") if len(targets) else \
        targets.index
    return {"rule: tilted": tilted.reindex(days, method="ffill"),
            "rule: defensive": defensive.reindex(days, method="ffill")}


def focus(exp: Any) -> str | None:
    """The strategy the headline talks about: the first using the rowing-boat rule, else the
    first that is not the benchmark."""
    cfg = _get(exp, "config")
    bench = _get(exp, "benchmark")
    for sc in getattr(cfg, "strategies", []) or []:
        if sc.strategy.name == "rowing_boat" and sc.name != bench:
            return sc.name
    return next((n for n in (_get(exp, "results", {}) or {}) if n != bench), None)


def sleeve_returns(exp: Any, index: pd.DatetimeIndex) -> pd.DataFrame | None:
    """Daily total returns of each sleeve over ``index`` (columns: roles)."""
    panel = _get(exp, "panel")
    sleeves = _get(panel, "sleeves", {}) or {}
    cols = {}
    for role in sleeves:
        try:
            cols[role] = panel.close(role, "tr").pct_change().reindex(index)
        except Exception:  # noqa: BLE001 — a sleeve without closes is left out
            continue
    return pd.DataFrame(cols) if cols else None
