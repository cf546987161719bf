"""The Strategy protocol: a rule as data — params, grid, signal slots and ONE @njit kernel.

A strategy is a :class:`Strategy` value (no subclassing). Its decision logic is one kernel

    rule_nb(inputs (D, S) f8, params (P,) f8, out (D, K) f8) -> None

called once per run with the inputs of every decision date in order (so it can keep state, e.g.
"shifted until a new high"); it writes every cell of ``out``: the target weight (fraction of
portfolio value) of each of the strategy's ``sleeves`` at each decision date. Inputs never hold
NaN (the warm-up is trimmed before the call). The single backtest (:meth:`Strategy.targets`) and
the fused sweep call the same kernel.

How the pieces fit:

- :meth:`Strategy.daily_inputs` builds the ``S`` input series on every panel date (from the
  bound signal slots and the params' signal settings);
- :meth:`Strategy.inputs` samples them at the decision dates of ``params.schedule`` and drops the
  leading dates where some input is still undefined (the warm-up) → :class:`RuleInputs`;
- **while a sleeve is not yet listed** (series keep their own history, so a panel may hold
  EEM from 2003 and ACWX from 2008): every strategy *starts when the sleeves it holds or reads
  exist* — decision dates before the last first price of :meth:`Strategy.required_sleeves`
  (plus any ``listed`` roles the caller adds, e.g. the cash sleeve that receives idle cash) are
  dropped like a warm-up (:meth:`Strategy.listing` says which ticker sets that date);
- :meth:`Strategy.decide` runs the kernel → ``(D, K)`` weights; :meth:`Strategy.targets` names
  them (decision dates × sleeve roles), ready for ``engine.sim.backtest``.

Signal params (``signal_params``) are the params that change the inputs — ``schedule`` (the
decision dates) and the strategy's signal settings (breakout years, SMA months, ...); everything
else only changes the kernel's arithmetic. A sweep computes :meth:`inputs` once per distinct
:meth:`signal_key` and runs the kernel per variant.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ConfigError, DataError, UserError
from strategies.params import (BaseParams, from_vector, make_params, param_docs, param_names,
                               to_vector)
from strategies.signals import SignalSpec, compute

#: Builds the daily inputs: (panel, params, bound slots) → DataFrame (panel dates × input_names).
InputBuilder = Callable[[Any, Any, Mapping[str, SignalSpec]], pd.DataFrame]


@dataclass(frozen=True)
class RuleInputs:
    """The kernel's inputs: ``values[d, s]`` is input ``names[s]`` at decision date ``dates[d]``
    (C-contiguous float64, no NaN). ``skipped`` decision dates were dropped as warm-up."""

    dates: pd.DatetimeIndex
    values: np.ndarray
    names: tuple[str, ...]
    skipped: int = 0

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.values, index=self.dates, columns=list(self.names))


def thesis_from(doc: str, heading: str) -> str:
    """The paragraph after ``heading`` in a module docstring, one stripped line per line: a
    strategy's thesis lives in its module's docstring, written once."""
    block = doc.split(heading, 1)[1].strip().split("\n\n", 1)[0]
    return "\n".join(line.strip() for line in block.splitlines())


def decision_dates(dates: pd.DatetimeIndex, schedule: str) -> pd.DatetimeIndex:
    """Decision dates of ``schedule`` on a trading calendar (``engine.sim.schedule_dates``)."""
    from engine.sim import schedule_dates
    return schedule_dates(dates, schedule)


@dataclass(frozen=True)
class Strategy:
    """A registered strategy. Fields:

    name: registry name. thesis: the rule in about ten lines. Params: its frozen params class.
    GRID: the documented default sweep grid (param → values). sleeves: roles of the ``K`` output
    columns, in kernel order. input_names: the ``S`` kernel inputs, in order. rule: the @njit
    kernel. build_inputs: see :data:`InputBuilder`. slots: signal slot → default
    :class:`SignalSpec` (used when a config binds no signal to it). slot_params: slot → the params
    that override that slot's settings (param name → setting name). needs: params → the sleeve
    roles the strategy holds or reads. warmup: params → why the first decision waits (text).
    """

    name: str
    thesis: str
    Params: type[BaseParams]
    GRID: Mapping[str, tuple[Any, ...]]
    sleeves: tuple[str, ...]
    input_names: tuple[str, ...]
    rule: Any
    build_inputs: InputBuilder
    slots: Mapping[str, SignalSpec] = field(default_factory=dict)
    slot_params: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    signal_param_names: tuple[str, ...] = ()
    needs: Callable[[Any], tuple[str, ...]] | None = None
    warmup: Callable[[Any], str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "GRID", MappingProxyType(dict(self.GRID)))
        object.__setattr__(self, "slots", MappingProxyType(dict(self.slots)))
        object.__setattr__(self, "slot_params", MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in self.slot_params.items()}))

    # ----------------------------------------------------------------- params
    @property
    def signal_params(self) -> tuple[str, ...]:
        """Params that change the kernel's inputs: ``schedule`` + the signal settings."""
        return ("schedule", *self.signal_param_names)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Param names in vector order."""
        return param_names(self.Params)

    def params(self, values: Mapping[str, Any] | None = None, **kw: Any) -> BaseParams:
        """Validated params from a mapping and/or keywords (see ``make_params``)."""
        return make_params(self.Params, {**(values or {}), **kw})

    def vector(self, params: BaseParams) -> np.ndarray:
        """The ``(P,)`` f8 param vector the kernel reads."""
        self._own(params)
        return to_vector(params)

    def from_vector(self, vec: np.ndarray) -> BaseParams:
        return from_vector(self.Params, vec)

    def signal_key(self, params: BaseParams) -> tuple[Any, ...]:
        """Values of :attr:`signal_params`: variants with equal keys share their inputs."""
        return tuple(getattr(params, n) for n in self.signal_params)

    def param_docs(self) -> dict[str, str]:
        return param_docs(self.Params)

    def grid_size(self) -> int:
        n = 1
        for v in self.GRID.values():
            n *= len(v)
        return n

    def required_sleeves(self, params: BaseParams) -> tuple[str, ...]:
        """Sleeve roles this strategy holds or reads with ``params``."""
        return tuple(self.needs(params)) if self.needs else self.sleeves

    def _own(self, params: BaseParams) -> None:
        if not isinstance(params, self.Params):
            raise TypeError(f"strategy '{self.name}' takes {self.Params.__qualname__}, got "
                            f"{type(params).__qualname__}")

    # ----------------------------------------------------------------- signals
    def bind(self, signals: Mapping[str, SignalSpec] | None = None,
             binding: Mapping[str, str] | None = None,
             sleeves: Mapping[str, Any] | None = None) -> dict[str, SignalSpec]:
        """Slot → spec (see :meth:`bind_explained`, which also says how each slot was bound)."""
        return {slot: spec for slot, (spec, _) in
                self.bind_explained(signals, binding, sleeves).items()}

    def bind_explained(self, signals: Mapping[str, SignalSpec] | None = None,
                       binding: Mapping[str, str] | None = None,
                       sleeves: Mapping[str, Any] | None = None
                       ) -> dict[str, tuple[SignalSpec, str]]:
        """Slot → (spec, how). A strategy reads the signals named for it; ``how`` says which
        rule chose each slot's spec:

        - ``"bound"``: ``binding`` names a ``[signals.NAME]`` table for the slot (a name not in
          ``signals``, or a table of another kind, is a ConfigError naming it);
        - ``"auto"``: the slot is unbound and exactly one configured signal of its kind reads
          the slot's own series (a ticker counts as the role of the one-ticker sleeve holding
          it, given ``sleeves``: role → Sleeve); two or more such tables are a ConfigError
          asking for an explicit binding;
        - ``"default"``: otherwise the slot's default spec (its kind's default settings on the
          slot's series).

        A configured signal reading other series is never chosen, so adding a ``[signals.*]``
        table for a chart never changes a strategy's inputs."""
        signals = dict(signals or {})
        binding = dict(binding or {})
        unknown = sorted(set(binding) - set(self.slots))
        if unknown:
            raise ConfigError(f"strategy '{self.name}' has no signal slot {unknown[0]!r}; its "
                              f"slots: {', '.join(self.slots) or 'none'}")
        role_of = {sl.tickers[0]: role for role, sl in (sleeves or {}).items()
                   if len(sl.tickers) == 1}

        def canon(spec: SignalSpec) -> tuple[str, ...]:
            return tuple(role_of.get(n, n) for n in spec.names())

        out: dict[str, tuple[SignalSpec, str]] = {}
        for slot, default in self.slots.items():
            if slot in binding:
                name = binding[slot]
                if name not in signals:
                    raise ConfigError(
                        f"strategy '{self.name}' slot '{slot}' names signal '{name}', which is "
                        f"not defined; defined signals: {', '.join(signals) or 'none'}; add "
                        f"[signals.{name}] with kind = \"{default.kind}\"")
                spec = signals[name]
                if spec.kind != default.kind:
                    raise ConfigError(f"strategy '{self.name}' slot '{slot}' needs a "
                                      f"{default.kind} signal, but '{name}' is a {spec.kind} "
                                      "signal")
                out[slot] = (spec, "bound")
                continue
            match = [n for n, s in signals.items()
                     if s.kind == default.kind and canon(s) == default.names()]
            if len(match) > 1:
                raise ConfigError(
                    f"strategy '{self.name}' slot '{slot}' could read any of the {default.kind} "
                    f"signals {', '.join(repr(m) for m in match)} (all read "
                    f"{'/'.join(default.names())}); bind one in its [[strategy]] table: "
                    f"signals = {{ {slot} = \"{match[0]}\" }}")
            if match:
                out[slot] = (signals[match[0]], "auto")
            else:
                out[slot] = (default, "default")
        return out

    def slot_spec(self, bound: Mapping[str, SignalSpec], slot: str,
                  params: BaseParams) -> SignalSpec:
        """The spec of ``slot`` with the params' signal settings applied (None = as bound)."""
        spec = bound.get(slot, self.slots[slot])
        over = {setting: getattr(params, p)
                for p, setting in self.slot_params.get(slot, {}).items()}
        return spec.with_settings(**over)

    def slot_signal(self, panel: Any, params: BaseParams, bound: Mapping[str, SignalSpec],
                    slot: str) -> pd.DataFrame:
        """The outputs of ``slot``'s signal on every panel date (``strategies.signals.compute``
        of :meth:`slot_spec`). Errors say which strategy and slot asked."""
        spec = self.slot_spec(bound, slot, params)
        try:
            return compute(panel, spec)
        except UserError as exc:
            fix = "" if spec.name else (
                f"; or define [signals.NAME] with kind = \"{spec.kind}\" and the series to read, "
                f"and bind it in the [[strategy]] table: signals = {{ {slot} = \"NAME\" }}")
            raise type(exc)(f"strategy '{self.name}', signal slot '{slot}' ({spec.label}): "
                            f"{exc}{fix}") from None

    # ----------------------------------------------------------------- inputs and decisions
    def daily_inputs(self, panel: Any, params: BaseParams,
                     signals_cfg: Mapping[str, SignalSpec] | None = None) -> pd.DataFrame:
        """The ``S`` inputs on every panel date (NaN where undefined)."""
        self._own(params)
        bound = dict(signals_cfg) if signals_cfg is not None else self.bind()
        for slot in self.slots:
            bound.setdefault(slot, self.slots[slot])
        for role in self.required_sleeves(params):
            panel.sleeve(role)  # ConfigError naming the sleeve when missing
        frame = self.build_inputs(panel, params, bound)
        if tuple(frame.columns) != self.input_names:
            raise AssertionError(f"{self.name}: inputs {tuple(frame.columns)} != "
                                 f"{self.input_names}")
        return frame

    def listing(self, panel: Any, params: BaseParams, listed: tuple[str, ...] = ()
                ) -> tuple[pd.Timestamp, str, str]:
        """(date from which every sleeve this strategy holds or reads — plus the ``listed``
        roles — has a price, the role and the ticker that set it). A strategy decides only from
        that date on: it *starts when its sleeves exist*."""
        best = (panel.dates[0], "", "")
        for role in dict.fromkeys((*self.required_sleeves(params), *listed)):
            sl = panel.sleeve(role)
            for t in sl.tickers:
                d = panel.first_date(t)
                if pd.isna(d):
                    raise DataError(f"strategy '{self.name}': sleeve '{role}' ({t}) has no price "
                                    f"in the data ({_span(panel.dates)}); use a later end or "
                                    "another ticker")
                if d > best[0]:
                    best = (d, role, t)
        return best

    def inputs(self, panel: Any, params: BaseParams,
               signals_cfg: Mapping[str, SignalSpec] | None = None,
               listed: tuple[str, ...] = ()) -> RuleInputs:
        """Inputs sampled at the decision dates from the day its sleeves (and the ``listed``
        roles) all have prices, warm-up dropped (see the module docstring)."""
        daily = self.daily_inputs(panel, params, signals_cfg)
        since, role, ticker = self.listing(panel, params, listed)
        dates = decision_dates(panel.dates, params.schedule)
        early = int(dates.searchsorted(since, side="left"))
        why = self.describe_warmup(params, signals_cfg)
        if role:
            why += f" and waits for {ticker} ({role}, first price {since.date()})"
        ri = sample_inputs(daily, dates[early:], self.name, why)
        return replace(ri, skipped=ri.skipped + early)

    def decide(self, inputs: RuleInputs, params: BaseParams) -> np.ndarray:
        """Run the kernel: ``(D, K)`` target weights."""
        out = np.zeros((len(inputs.dates), len(self.sleeves)), dtype=np.float64)
        self.rule(inputs.values, self.vector(params), out)
        return out

    def targets(self, panel: Any, params: BaseParams | None = None,
                signals_cfg: Mapping[str, SignalSpec] | None = None,
                listed: tuple[str, ...] = ()) -> pd.DataFrame:
        """Target weights: decision dates × the sleeves this strategy uses (fractions), ready
        for ``engine.sim.backtest``. Columns: the sleeves it needs with these params (plus any
        it holds), in kernel order."""
        params = self.params() if params is None else params
        ri = self.inputs(panel, params, signals_cfg, listed)
        w = self.decide(ri, params)
        keep = set(self.required_sleeves(params))
        cols = [i for i, s in enumerate(self.sleeves) if s in keep or np.any(w[:, i] != 0.0)]
        return pd.DataFrame(w[:, cols], index=ri.dates,
                            columns=[self.sleeves[i] for i in cols])

    def resolve(self, params: BaseParams,
                bound: Mapping[str, SignalSpec] | None = None) -> BaseParams:
        """``params`` with every unset (None) signal param filled in from the signal it
        overrides (the bound spec, else the slot's default) — the values actually used."""
        bound = dict(bound) if bound is not None else {}
        fill: dict[str, Any] = {}
        for slot, mapping in self.slot_params.items():
            spec = bound.get(slot, self.slots[slot])
            for p, setting in mapping.items():
                if getattr(params, p) is None and p not in fill:
                    fill[p] = spec.setting(setting)
        return params.replace(**fill) if fill else params

    def describe_warmup(self, params: BaseParams,
                        bound: Mapping[str, SignalSpec] | None = None) -> str:
        """Why the first decision waits, e.g. 'needs 10 months of history for its SMA'."""
        if self.warmup is not None:
            return self.warmup(self.resolve(params, bound))
        return f"decides from the first {params.schedule} close"


def sample_inputs(daily: pd.DataFrame, dates: pd.DatetimeIndex, name: str = "",
                  warmup: str = "") -> RuleInputs:
    """Sample daily inputs at ``dates`` and drop the leading dates with any NaN."""
    values = np.ascontiguousarray(daily.reindex(dates).to_numpy(dtype=np.float64))
    names = tuple(str(c) for c in daily.columns)
    if values.shape[1] == 0 or len(dates) == 0:
        if len(dates) == 0:
            raise DataError(f"strategy '{name}': no decision dates in the data "
                            f"({_span(daily.index)}); use a longer period or a finer schedule")
        return RuleInputs(dates, values, names, 0)
    ok = ~np.isnan(values).any(axis=1)
    if not ok.any():
        raise DataError(f"strategy '{name}': its signals are never all defined in the data "
                        f"({_span(daily.index)}) — it {warmup}; use a longer history or "
                        "shorter look-backs")
    first = int(np.argmax(ok))
    if not ok[first:].all():
        bad = first + int(np.argmin(ok[first:]))
        cols = [names[j] for j in np.flatnonzero(np.isnan(values[bad]))]
        raise DataError(f"strategy '{name}': input {', '.join(cols)} is undefined on "
                        f"{dates[bad].date()} after its warm-up; check the data of the series "
                        "behind it")
    return RuleInputs(dates[first:], np.ascontiguousarray(values[first:]), names, first)


def _span(index: pd.Index) -> str:
    if len(index) == 0:
        return "no dates"
    return f"{index[0].date()} to {index[-1].date()}"
