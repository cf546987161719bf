"""From an :class:`engine.experiment.Experiment` to the plain inputs the page and files need.

The report reads the experiment only here, so the page, plots and writer stay free of engine
types: signal panels (grouped from ``Experiment.signals`` columns ``NAME.field``), strategy
descriptions, the trading facts (lag, costs) and the manifest's description of the run.
"""
from __future__ import annotations

import dataclasses

from collections.abc import Mapping
from typing import Any

import pandas as pd

from engine.report.page import esc
from engine.report.run_page import SignalPanel

#: Param names (or name parts) that are a drawdown threshold of a concentration signal.
_DD_PARAM_HINTS = ("drawdown", "dd")


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def strategy_configs(exp: Any) -> list[Any]:
    """The config's ``[[strategy]]`` entries (objects or dicts), in order."""
    cfg = _get(exp, "config")
    for key in ("strategies", "strategy"):
        items = _get(cfg, key)
        if items:
            return list(items.values()) if isinstance(items, Mapping) else list(items)
    return []


def _params(entry: Any) -> dict[str, Any]:
    params = _get(entry, "params", {}) or {}
    if hasattr(params, "__dataclass_fields__"):
        from dataclasses import asdict

        params = asdict(params)
    return dict(params)


def _changed_params(entry: Any) -> dict[str, Any]:
    """Params set away from their defaults (None-valued ones left out)."""
    params = _get(entry, "params")
    values = _params(entry)
    defaults: dict[str, Any] = {}
    if hasattr(params, "__dataclass_fields__"):
        from dataclasses import MISSING, fields

        defaults = {f.name: f.default for f in fields(params) if f.default is not MISSING}
    return {k: v for k, v in values.items()
            if v is not None and (k not in defaults or defaults[k] != v)}


def descriptions(exp: Any) -> dict[str, str]:
    """Strategy → "rule R; params k = v, … (every value used); signals slot = NAME"."""
    from engine.report.view_labels import param_text

    out = {}
    for entry in strategy_configs(exp):
        name = str(_get(entry, "name", ""))
        text = f"rule {_get(entry, 'rule', '')}"
        params = param_text(exp, entry)
        if params:
            text += f"; params {params}"
        binding = dict(_get(entry, "signals", {}) or {})
        if binding:
            text += "; signals " + ", ".join(f"{k} = {v}" for k, v in binding.items())
        out[name] = text
    return out


def theses(exp: Any) -> dict[str, str]:
    """Strategy → its rule's thesis (the registered strategy's ten lines), when known."""
    out = {}
    for entry in strategy_configs(exp):
        strat = _get(entry, "strategy")
        if strat is None:
            try:
                import strategies

                strat = strategies.get(str(_get(entry, "rule")))
            except Exception:  # noqa: BLE001 — a thesis is optional decoration
                strat = None
        thesis = str(_get(strat, "thesis", "") or "").strip()
        if thesis:
            import textwrap

            out[str(_get(entry, "name"))] = textwrap.dedent(thesis)
    return out


def _fmt_param(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def signal_specs(exp: Any) -> dict[str, Any]:
    """Signal NAME → its config spec (object or dict), when the config exposes them."""
    specs = _get(_get(exp, "config"), "signals", {}) or {}
    return dict(specs) if isinstance(specs, Mapping) else {}


def _kind(name: str, frame: pd.DataFrame, spec: Any) -> str:
    kind = _get(spec, "kind")
    if kind:
        return str(kind)
    cols = set(frame.columns)
    if {"drawdown", "peak"} <= cols or {"drawdown", "chain"} <= cols:
        return "concentration"
    if {"level", "state"} <= cols:
        return "breakout"
    if {"sma", "above"} <= cols:
        return "trend"
    if cols == {"momentum"}:
        return "momentum"
    return "other"


def _series_name(spec: Any) -> str | None:
    series = _get(spec, "series")
    if isinstance(series, (list, tuple)):
        return str(series[0]) if len(series) == 1 else None
    return str(series) if series else None


def _close(exp: Any, frame: pd.DataFrame, spec: Any, kind: str) -> pd.Series | None:
    """The close a signal reads: a ``close`` column, else from the panel (breakouts read the
    price-return close when genuine, trends the total-return close — as strategies.signals)."""
    if "close" in frame.columns:
        return frame["close"]
    name = _series_name(spec)
    panel = _get(exp, "panel")
    if name and panel is not None:
        try:
            return panel.signal_close(name) if kind == "breakout" else panel.close(name, "tr")
        except Exception:  # noqa: BLE001 — no close: the panel falls back to plain lines
            return None
    return None


def _reads(exp: Any, entry: Any, signal: str) -> bool:
    """Whether strategy ``entry`` reads concentration signal ``signal`` (True when unknown)."""
    cfg = _get(exp, "config")
    if cfg is None or not hasattr(cfg, "bound_signals"):
        return True
    try:
        bound = cfg.bound_signals(_get(entry, "name"))
    except Exception:  # noqa: BLE001 — unknown binding: show the threshold anyway
        return True
    return any(_get(spec, "kind") == "concentration" and _get(spec, "name") == signal
               for spec in bound.values())


def thresholds(exp: Any, signal: str) -> dict[str, float]:
    """Drawdown thresholds of the strategies reading concentration ``signal``: label → positive
    fraction of the peak. Strategies sharing a value share one line ("a, b drawdown")."""
    by_value: dict[tuple[str, float], list[str]] = {}
    for entry in strategy_configs(exp):
        for key, value in _params(entry).items():
            if (any(h in key.lower() for h in _DD_PARAM_HINTS) and isinstance(value, float)
                    and 0.0 < value < 1.0 and _reads(exp, entry, signal)):
                by_value.setdefault((key, value), []).append(str(_get(entry, "name")))
    return {f"{', '.join(names)} {key}": value for (key, value), names in by_value.items()}


def _exit_text(spec: Any) -> str:
    """How a breakout spec turns off and how much history its level needs, in words."""
    if not hasattr(spec, "setting"):
        return ""
    out = ""
    drop, low = spec.setting("exit_drop"), spec.setting("exit_low_days")
    if drop:
        ref = ("the highest close since it turned on (a trailing exit)"
               if spec.setting("exit_from") == "high" else "the level at entry (a fixed stop)")
        out += f" Off after a fall of {drop:.0%} from {ref}"
        out += f" or below its {low}-day low." if low else "."
    elif low:
        out += f" Off below its {low}-day low."
    else:
        out += " No exit: once on, it stays on."
    need = max(spec.setting("years"), spec.setting("min_years"))
    if need:
        out += f" Undefined in the first {need} year{'s' if need != 1 else ''} of the series."
    return out


def signal_panels(exp: Any) -> tuple[SignalPanel, ...]:
    """One panel per signal in ``Experiment.signals`` (columns ``NAME.field``)."""
    signals = _get(exp, "signals")
    if signals is None or len(getattr(signals, "columns", [])) == 0:
        return ()
    groups: dict[str, dict[str, pd.Series]] = {}
    for col in signals.columns:
        name, _, field = str(col).partition(".")
        groups.setdefault(name, {})[field or name] = signals[col]
    specs = signal_specs(exp)
    frames = {n: pd.DataFrame(cols) for n, cols in groups.items()}
    kinds = {n: _kind(n, f, specs.get(n)) for n, f in frames.items()}
    from engine.report.view_labels import signal_title, tickers_of

    panels = []
    for name, frame in frames.items():
        spec, kind = specs.get(name), kinds[name]
        title = signal_title(exp, name, spec, kind)
        series = _series_name(spec)
        close_label = f"{tickers_of(exp, series)} close" if series else "close"
        if kind == "concentration":
            basket, index = _get(spec, "basket"), _get(spec, "index")
            caption = (f"Weight of {_label(basket)} in {tickers_of(exp, str(index))}"
                       if basket and index else "Concentration")
            caption += "; drawdown is a fraction of the running peak of the chain-linked level."
            anchors = _get(spec, "anchors")
            if isinstance(anchors, tuple) and anchors:
                d, w = anchors[-1]
                caption += (f" No holdings data: projected from the relative levels of "
                            f"{_label(basket)} and {_label(index)}, anchored at a known weight "
                            f"of {w:.1%} on {pd.Timestamp(d).date()}.")
            panels.append(SignalPanel(name, kind, frame, thresholds=thresholds(exp, name),
                                      caption=caption, title=title))
        elif kind == "breakout":
            close = _close(exp, frame, spec, kind)
            years = spec.setting("years") if hasattr(spec, "setting") else _get(spec, "years")
            look = ("all-time high" if not years else f"highest close of the prior {years} years")
            caption = f"{close_label} against its {look}." + _exit_text(spec)
            if close is None:
                panels.append(SignalPanel(name, "other", frame[["level"]], caption=caption,
                                          title=title))
            else:
                panels.append(SignalPanel(name, kind, frame, close=close, caption=caption,
                                          title=title, series=close_label))
        elif kind == "trend":
            close = _close(exp, frame, spec, kind)
            months = spec.setting("months") if hasattr(spec, "setting") else _get(spec, "months")
            days = hasattr(spec, "setting") and spec.setting("basis") == "days"
            per = ("one month-end close a month"
                   if _get(_get(exp, "panel"), "frequency", "daily") == "monthly"
                   else "21 trading days a month")
            avg = ((f"{months}-month simple moving average ({per})" if days
                    else f"average of its last {months} month-end closes (Faber), compared at "
                         "each month-end") if months else "simple moving average")
            caption = f"{close_label} (total return) against its {avg}."
            if close is None:
                panels.append(SignalPanel(name, "other", frame[["sma"]], caption=caption,
                                          title=title))
            else:
                panels.append(SignalPanel(name, kind, frame, close=close, caption=caption,
                                          title=title, series=close_label))
        elif kind == "momentum":
            months = spec.setting("months") if hasattr(spec, "setting") else _get(spec, "months")
            panels.append(SignalPanel(name, kind, frame[["momentum"]], title=title,
                                      caption=f"{_series_name(spec) or name}: total return over "
                                              + (f"the last {months} months." if months
                                                 else "its look-back.")))
        elif kind == "indicator" and hasattr(spec, "all_settings"):
            st = spec.all_settings()
            caption = (f"{_series_name(spec) or name}: {st['transform']} of its own history to "
                       "date, each value from the date it was published; shaded while on (on "
                       f"at {st['on']:g}, off {'below' if st['direction'] == 'above' else 'above'}"
                       f" {st['off']:g}).")
            cols = [c for c in ("score", "state", "on_event", "off_event") if c in frame]
            panels.append(SignalPanel(name, "indicator", frame[cols], caption=caption,
                                      thresholds={"on": st["on"], "off": st["off"]},
                                      title=f"{name}: {_series_name(spec)} {st['transform']}"))
        else:
            numeric = frame.select_dtypes("number")
            panels.append(SignalPanel(name, kind, numeric.loc[:, numeric.columns[:4]],
                                      caption=f"{kind} signal", title=title))
    return tuple(dataclasses.replace(p, caption=p.caption + _readers(exp, p.name))
                 for p in panels)


def _readers(exp: Any, signal: str) -> str:
    """" Read by: rowing_boat (em), breakout_rotation (em; auto)." — the strategies whose slots
    read the [signals.NAME] table ``signal`` (``Config.signal_bindings``); "" when unknown."""
    cfg = _get(exp, "config")
    if cfg is None or not hasattr(cfg, "signal_bindings"):
        return ""
    try:
        bindings = cfg.signal_bindings()
    except Exception:  # noqa: BLE001 — an unknown binding: say nothing
        return ""
    who = [f"{strat} ({slot}{'; auto' if b['how'] == 'auto' else ''})"
           for strat, slots in bindings.items() for slot, b in slots.items()
           if b["signal"] == signal and b["how"] in ("bound", "auto")]
    return f" Read by: {', '.join(who)}." if who else " Read by no strategy (chart only)."


def _label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "+".join(map(str, value))
    return str(value)


def trading_facts(exp: Any) -> tuple[tuple[str, str], ...]:
    """Cards for the page: how orders trade (lag, fees, slippage, backend)."""
    results = _get(exp, "results", {}) or {}
    if not results:
        return ()
    first = next(iter(results.values()))
    lag = int(_get(first, "lag", 1))
    fee, slip = float(_get(first, "fee", 0.0)), float(_get(first, "slippage", 0.0))
    panel = _get(exp, "panel")
    freq = str(_get(panel, "frequency", "daily") or "daily")
    unit = {"monthly": "month-end close", "weekly": "week-end close"}.get(freq, "trading day")
    lag_text = ("decide at a close, trade at the same close (lag 0: optimistic)" if lag == 0 else
                f"decide at a close, trade at the close {lag} {unit}{'s' if lag > 1 else ''} "
                "later")
    costs = f"fee {fee * 1e4:g} bps, slippage {slip * 1e4:g} bps per trade"
    backend = str(_get(first, "backend", "numba"))
    facts = [("Trading", f"{esc(lag_text)} (lag {lag})<br>{esc(costs)}<br>"
                         f'<span class="note">engine: {esc(backend)}</span>')]
    history = history_facts(panel)
    if history:
        facts.append(("Data frequency · history", history))
    return tuple(facts)


def history_facts(panel: Any) -> str:
    """HTML: the panel's frequency (and periods a year), its extended series (splice date,
    tracking difference) and its indicators — '' for a plain daily panel."""
    if panel is None:
        return ""
    freq = str(_get(panel, "frequency", "daily") or "daily")
    splices = _get(panel, "splices", {}) or {}
    indicators = _get(panel, "indicators")
    if freq == "daily" and not splices and indicators is None:
        return ""
    per = {"monthly": 12, "weekly": 52}.get(freq, 252)
    parts = [f"<b>{esc(freq)}</b> closes: metrics use {per} periods a year"]
    parts += [f"spliced: {esc(sp.describe())}" for sp in splices.values()]
    if indicators is not None:
        parts.append("indicators (each value from the date it was published): "
                     + esc(", ".join(map(str, indicators.columns))))
    return "<br>".join(parts)


def run_description(exp: Any) -> dict[str, Any]:
    """The manifest's view of the experiment: data, period, lag, costs, strategies, timings."""
    panel = _get(exp, "panel")
    results = _get(exp, "results", {}) or {}
    first = next(iter(results.values()), None)
    start, end = _get(exp, "period", (None, None))
    data = {}
    if panel is not None:
        data = {"source": _get(panel, "source", ""), "synthetic": bool(_get(panel, "synthetic")),
                "hash": panel.data_hash() if hasattr(panel, "data_hash") else "unknown",
                "first_date": panel.dates[0], "last_date": panel.dates[-1],
                "days": len(panel.dates), "tickers": list(panel.tickers),
                "sleeves": {r: dict(zip(s.tickers, s.weights))
                            for r, s in (_get(panel, "sleeves", {}) or {}).items()},
                "currency": _get(panel, "currency"),
                "frequency": _get(panel, "frequency", "daily"),
                "splices": {t: sp.describe()
                            for t, sp in (_get(panel, "splices", {}) or {}).items()}}
    return {
        "data": data,
        "period": {"start": start, "end": end, "reason": _get(exp, "period_reason", "")},
        "benchmark": _get(exp, "benchmark"),
        "risk_free": _get(exp, "rf_label", ""),
        "lag": _get(first, "lag"), "fee": _get(first, "fee"),
        "slippage": _get(first, "slippage"), "backend": _get(first, "backend"),
        "strategies": [{"name": _get(e, "name"), "rule": _get(e, "rule"), "params": _params(e)}
                       for e in strategy_configs(exp)],
        "first_invested": {n: _get(r, "start") for n, r in results.items()},
    }
