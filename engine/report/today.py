"""Signals today: where every signal stands at the last date and what each strategy holds.

:func:`today` reads an :class:`engine.experiment.Experiment` and returns a :class:`Today`:
the "as of" date and how old the data is; for each configured signal its value, its trigger
and the distance to it (a concentration's fall below its peak against the rules' drawdown
thresholds, a breakout's close against its level, a trend's close against its average), with
the date its current state began; for each strategy the sleeve weights it holds at the last
close and the weights its rule gives on today's signals — what it would trade to at the next
decision date if nothing changed — and that date. :func:`to_html` and :func:`to_text` render it
(page panel, ``rowboat today``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.report.page import esc, pct
from engine.report.view_labels import signal_title, sleeve_labels


@dataclass(frozen=True)
class SignalNow:
    title: str
    state: str  # "on" | "off" | "" (no state)
    value: str  # e.g. "SPY 512.3, level 498.1"
    trigger: str  # e.g. "on above its all-time high 498.1; off 10% below the entry level"
    distance: str  # e.g. "2.8% above the level"
    since: str  # date the current state began ("" when unknown)


@dataclass(frozen=True)
class HoldingNow:
    strategy: str
    now: Mapping[str, float]  # sleeve label → weight at the last close
    next: Mapping[str, float]  # sleeve label → target on today's signals ({} when unknown)
    next_date: pd.Timestamp | None
    schedule: str


@dataclass(frozen=True)
class Today:
    as_of: pd.Timestamp
    age: str  # "data up to 2026-07-31 (125 days before 2026-12-03)"
    signals: tuple[SignalNow, ...] = ()
    holdings: tuple[HoldingNow, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def _since(mask: pd.Series) -> str:
    """First date of the current run of equal values at the end of ``mask``."""
    m = mask.dropna()
    if m.empty:
        return ""
    last = m.iloc[-1]
    diff = m.ne(last)
    if not diff.any():
        return f"{m.index[0]:%Y-%m-%d} (start of the data shown)"
    return f"{m.index[np.flatnonzero(diff.to_numpy())[-1] + 1]:%Y-%m-%d}"


def next_decision(dates: pd.DatetimeIndex, schedule: str) -> pd.Timestamp | None:
    """The first decision date of ``schedule`` after the last of ``dates`` (on weekdays; the
    exchange's holidays are not known)."""
    from engine.sim import schedule_dates

    if schedule == "daily":
        return pd.Timestamp(dates[-1]) + pd.offsets.BDay(1)
    future = pd.bdate_range(dates[-1] + pd.Timedelta(days=1), periods=400)
    cal = pd.DatetimeIndex(list(dates[-30:]) + list(future))
    picks = schedule_dates(cal, schedule)
    later = picks[picks > dates[-1]]
    return later[0] if len(later) else None


def _signal_now(exp: Any, name: str, spec: Any, frame: pd.DataFrame,
                thresholds: Mapping[str, float]) -> SignalNow:
    from engine.report.experiment_view import _close

    kind = spec.kind
    title = signal_title(exp, name, spec, kind)
    last = frame.iloc[-1]
    if kind == "concentration":
        dd = float(last.get("drawdown", np.nan))
        level = last.get("level", np.nan)
        value = (f"weight {pct(level)}, " if not pd.isna(level) else "") + \
            f"{pct(-dd)} below its peak"
        trig, dist, since, state = [], [], "", ""
        for label, thr in thresholds.items():
            on = dd <= -thr
            trig.append(f"{label} {thr:.0%}")
            gap = thr + dd
            dist.append(f"past the {thr:.0%} trigger by {pct(-gap)}" if on
                        else f"{pct(gap)} short of the {thr:.0%} trigger")
            if not since:
                since = _since(frame["drawdown"] <= -thr)
                state = "on" if on else "off"
        return SignalNow(title, state, value, "; ".join(trig) or "no rule reads it",
                         "; ".join(dist) or "–", since)
    if kind == "indicator" and hasattr(spec, "all_settings"):
        st = spec.all_settings()
        score, value = float(last.get("score", np.nan)), float(last.get("value", np.nan))
        on = bool(last.get("state", False))
        up = st["direction"] == "above"
        trig = f"on at {st['on']:g}, off {'below' if up else 'above'} {st['off']:g}"
        dist = ("–" if np.isnan(score) else
                f"{abs(score - (st['off'] if on else st['on'])):.3g} from turning "
                f"{'off' if on else 'on'}")
        return SignalNow(title, "on" if on else "off",
                         f"{st['transform']} {score:.3g} (value {value:.4g})", trig, dist,
                         _since(frame["state"].astype(float)))
    close = _close(exp, frame, spec, kind)
    c = float(close.reindex(frame.index).iloc[-1]) if close is not None else np.nan
    if kind == "breakout":
        level = float(last.get("level", np.nan))
        on = bool(last.get("state", 0) > 0)
        drop = spec.setting("exit_drop") if hasattr(spec, "setting") else None
        trig = f"on above the level {level:,.4g}" + (f"; off {drop:.0%} below its high since "
                                                      "turning on" if drop else "")
        dist = f"close {pct(c / level - 1.0, sign=True)} from the level" if level > 0 else "–"
        return SignalNow(title, "on" if on else "off", f"close {c:,.4g}, level {level:,.4g}",
                         trig, dist, _since(frame["state"].fillna(0) > 0))
    if kind == "trend":
        sma = float(last.get("sma", np.nan))
        above = bool(last.get("above", False))
        return SignalNow(title, "above" if above else "below",
                         f"close {c:,.4g}, average {sma:,.4g}", "above / below its average",
                         f"close {pct(c / sma - 1.0, sign=True)} from its average"
                         if sma > 0 else "–", _since(frame["above"].astype(float)))
    numeric = frame.select_dtypes("number")
    val = float(numeric.iloc[-1, 0]) if numeric.shape[1] else np.nan
    shown = pct(val) if kind == "momentum" else f"{val:.4g}"
    return SignalNow(title, "", shown, "–", "–", "")


def _weights(row: pd.Series, labels: Mapping[str, str]) -> dict[str, float]:
    return {labels.get(k, k): float(v) for k, v in row.items() if abs(float(v)) > 0.005}


def _would_hold(exp: Any, sc: Any) -> dict[str, float]:
    """The rule's targets on today's inputs (the last row of its daily inputs)."""
    strat, params = sc.strategy, sc.params
    hist = exp.history if exp.history is not None else exp.panel
    bound = exp.config.bound_signals(sc.name)
    ri = exp.rule_inputs(sc.name)
    daily = getattr(exp, "daily", {}).get(sc.name)
    if daily is None:
        daily = strat.daily_inputs(hist, params, bound)
    today_row = daily.iloc[[-1]].to_numpy(dtype=np.float64)
    values = ri.values
    if len(ri.dates) and ri.dates[-1] == daily.index[-1]:
        values = values[:-1]
    if np.isnan(today_row).any():
        return {}
    values = np.ascontiguousarray(np.vstack([values, today_row]))
    from strategies.base import RuleInputs

    w = strat.decide(RuleInputs(ri.dates, values, ri.names), params)[-1]
    return {s: float(x) for s, x in zip(strat.sleeves, w)}


def today(exp: Any, now: dt.date | None = None) -> Today:
    """Where the signals and strategies stand at the experiment's last date."""
    from engine.report.experiment_view import signal_specs, thresholds

    hist = exp.history if exp.history is not None else exp.panel
    as_of = pd.Timestamp(hist.dates[-1])
    now = now or dt.date.today()
    source = str(getattr(exp.panel, "source", ""))
    age_days = (pd.Timestamp(now) - as_of).days
    if getattr(exp.panel, "synthetic", False):
        age = f"synthetic data up to {as_of:%Y-%m-%d}"
    else:
        age = (f"data up to {as_of:%Y-%m-%d} ({age_days} day{'s' if age_days != 1 else ''} "
               f"before {now:%Y-%m-%d}; source {source})")
    labels = sleeve_labels(exp)
    sig_rows = []
    specs = signal_specs(exp)
    signals = exp.signals
    for name, spec in specs.items():
        cols = [c for c in signals.columns if c.startswith(f"{name}.")]
        if not cols:
            continue
        frame = signals[cols].rename(columns=lambda c: c.split(".", 1)[1])
        sig_rows.append(_signal_now(exp, name, spec, frame, thresholds(exp, name)
                                    if spec.kind == "concentration" else {}))
    holds = []
    for sc in (exp.config.strategies if exp.config is not None else []):
        res = exp.results[sc.name]
        now_w = _weights(res.sleeve_weights.iloc[-1], labels)
        try:
            nxt = _weights(pd.Series(_would_hold(exp, sc)), labels)
        except Exception:  # noqa: BLE001 — a rule we cannot replay: say so, keep the panel
            nxt = {}
        schedule = str(getattr(sc.params, "schedule", "monthly"))
        holds.append(HoldingNow(sc.name, now_w, nxt, next_decision(hist.dates, schedule),
                                schedule))
    return Today(as_of, age, tuple(sig_rows), tuple(holds))


def _mix(w: Mapping[str, float]) -> str:
    return ", ".join(f"{k} {pct(v, 0)}" for k, v in w.items()) or "–"


def to_html(t: Today) -> str:
    """The page's "as of" panel."""
    sig = "".join(
        f'<tr><td class="name left">{esc(s.title)}</td>'
        f'<td><span class="state {esc(s.state)}">{esc(s.state or "–")}</span></td>'
        f'<td class="left">{esc(s.value)}</td><td class="left">{esc(s.trigger)}</td>'
        f'<td class="left">{esc(s.distance)}</td><td>{esc(s.since or "–")}</td></tr>'
        for s in t.signals)
    sig_table = (f'<div class="tablewrap"><table id="today-signals" class="compact"><thead><tr>'
                 "<th>Signal</th><th>State</th><th>Now</th><th>Trigger</th><th>Distance</th>"
                 f"<th>Since</th></tr></thead><tbody>{sig}</tbody></table></div>") if sig else ""
    hold = "".join(
        f'<tr data-strategy="{esc(h.strategy)}"><td class="name">{esc(h.strategy)}</td>'
        f'<td class="left">{esc(_mix(h.now))}</td>'
        f'<td class="left">{esc(_mix(h.next)) if h.next else "–"}'
        f'{"" if not h.next or _same(h.now, h.next) else " <b>(change)</b>"}</td>'
        f"<td>{esc(f'{h.next_date:%Y-%m-%d}' if h.next_date is not None else '–')}</td></tr>"
        for h in t.holdings)
    hold_table = (f'<div class="tablewrap"><table id="today-holdings" class="compact"><thead>'
                  "<tr><th>Strategy</th><th>Holds now</th><th>Target on today's signals</th>"
                  f"<th>Next decision</th></tr></thead><tbody>{hold}</tbody></table></div>"
                  ) if hold else ""
    return (f'<div id="as-of" class="asof"><b>As of {t.as_of:%Y-%m-%d}</b> · '
            f"{esc(t.age)}</div>{sig_table}<h3>Holdings</h3>{hold_table}"
            '<p class="note">"Target on today\'s signals": the weights the rule gives if its '
            "next decision saw today's data; it trades at the close after that decision "
            "(lag), and only when a weight is off target by more than the band.</p>")


def _same(a: Mapping[str, float], b: Mapping[str, float], tol: float = 0.02) -> bool:
    keys = set(a) | set(b)
    return all(abs(a.get(k, 0.0) - b.get(k, 0.0)) <= tol for k in keys)


def to_text(t: Today) -> str:
    """Plain text for the terminal (``rowboat today``)."""
    lines = [f"As of {t.as_of:%Y-%m-%d} — {t.age}", "", "Signals:"]
    for s in t.signals:
        state = f"[{s.state}] " if s.state else ""
        since = f", since {s.since}" if s.since else ""
        lines.append(f"  {state}{s.title}: {s.value}; {s.distance}{since}")
        lines.append(f"      trigger: {s.trigger}")
    lines += ["", "Strategies (holds now → target on today's signals; next decision):"]
    for h in t.holdings:
        nd = f"{h.next_date:%Y-%m-%d}" if h.next_date is not None else "–"
        change = "" if not h.next or _same(h.now, h.next) else "  (change)"
        lines.append(f"  {h.strategy}: {_mix(h.now)}")
        lines.append(f"      → {_mix(h.next) if h.next else '–'}{change}; next {h.schedule} "
                     f"decision {nd}")
    return "\n".join(lines)
