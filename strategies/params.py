"""Strategy parameters: frozen dataclasses that validate themselves and map to an f8 vector.

Every strategy's ``Params`` subclasses :class:`BaseParams` and declares its fields with the
helpers below (:func:`fraction`, :func:`number`, :func:`integer`, :func:`flag`, :func:`choice`),
which record the type and the valid range in the field's metadata. From that one declaration:

- ``Params(...)`` validates on construction (type, range, choices, then the class's ``check()``
  for rules across fields) and raises :class:`~engine.errors.ConfigError` naming the parameter,
  the valid range and the value;
- :func:`make_params` builds one from a config table (unknown names are errors listing the valid
  ones; a table that names any weight of a mix sets the mix's other weights to 0);
- :func:`to_vector` / :func:`from_vector` map it to and from the ``(P,)`` float64 vector the rule
  kernel reads: **one entry per field, keyed by name** — in the order of
  :func:`vector_names` (sorted by name, so the order fields are declared in cannot change a
  rule) — floats and ints as themselves, bools as 0/1, choices as their position in
  ``choices``, and ``None`` as NaN. Kernels read it by name only: :func:`param_index` gives the
  position of each name and :func:`param_positions` a tuple of positions for a group of fields
  (e.g. a mix's weights in sleeve order), both compile-time constants of the kernel.

Units: every rate, weight and threshold is a fraction (0.05 = 5 %); windows in months or years
say so in their name.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import ConfigError
from engine.sim.inputs import REBALANCE_MODES  # noqa: F401 - re-exported for configs

#: Decision schedules (decide at the last trading day of each period; "daily" = every day), in
#: the order their param-vector codes use (``engine.sim.schedule.FREQS`` lists the same names).
SCHEDULES = ("monthly", "weekly", "daily", "quarterly", "yearly")


def _meta(kind: str, doc: str, **kw: Any) -> dict[str, Any]:
    return {"kind": kind, "doc": doc, **kw}


def fraction(default: float | None, doc: str, *, lo: float = 0.0, hi: float = 1.0,
             lo_open: bool = False, hi_open: bool = False, optional: bool = False,
             mix: bool = False) -> Any:
    """A float field in [lo, hi] (open ends as flagged). ``mix=True``: a weight of the
    strategy's mix (see :func:`make_params`)."""
    return dataclasses.field(default=default, metadata=_meta(
        "float", doc, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, optional=optional, mix=mix))


def number(default: float | None, doc: str, *, lo: float = -math.inf, hi: float = math.inf,
           lo_open: bool = False, hi_open: bool = False, optional: bool = False) -> Any:
    """A float field in [lo, hi]."""
    return fraction(default, doc, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open,
                    optional=optional)


def integer(default: int | None, doc: str, *, lo: int = 0, hi: int = 10**6,
            optional: bool = False) -> Any:
    """A whole-number field in [lo, hi]."""
    return dataclasses.field(default=default, metadata=_meta(
        "int", doc, lo=lo, hi=hi, optional=optional))


def flag(default: bool, doc: str) -> Any:
    """A bool field (vector: 0/1)."""
    return dataclasses.field(default=default, metadata=_meta("bool", doc))


def choice(default: str | None, choices: tuple[str, ...], doc: str, *,
           optional: bool = False) -> Any:
    """A string field, one of ``choices`` (vector: its position)."""
    return dataclasses.field(default=default, metadata=_meta(
        "choice", doc, choices=tuple(choices), optional=optional))


@dataclass(frozen=True)
class BaseParams:
    """Fields every strategy has: when it decides and how its decisions trade.

    ``schedule`` changes the decision dates (so the sweep groups by it like a signal setting);
    ``rebalance`` and ``band`` override the config's ``[costs]`` values when set.
    """

    schedule: str = choice("monthly", SCHEDULES,
                           "decision dates: the last trading day of each period")
    rebalance: str | None = choice(None, REBALANCE_MODES,
                                   "'decision': rebalance at every decision; 'change': only when "
                                   "the target changes; None = [costs] rebalance", optional=True)
    band: float | None = fraction(None, "trade only when some weight is off target by more than "
                                  "this fraction (0.05 = 5 points); None = [costs] band",
                                  hi_open=True, optional=True)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field's type and range, then :meth:`check`; ConfigError on failure."""
        for f in dataclasses.fields(self):
            _check_field(f, getattr(self, f.name))
        self.check()

    def check(self) -> None:
        """Rules across fields (subclasses override); raise ConfigError."""

    def replace(self, **changes: Any) -> BaseParams:
        """A validated copy with ``changes``."""
        return dataclasses.replace(self, **changes)


def _range_text(m: Mapping[str, Any]) -> str:
    lo = "(" if m.get("lo_open") else "["
    hi = ")" if m.get("hi_open") else "]"
    return f"{lo}{m['lo']:g}, {m['hi']:g}{hi}"


def _check_field(f: dataclasses.Field, value: Any) -> None:
    m = f.metadata
    kind = m.get("kind")
    if kind is None:
        raise TypeError(f"param '{f.name}' was declared without a params helper (fraction, "
                        "number, integer, flag, choice)")
    if value is None:
        if m.get("optional"):
            return
        raise ConfigError(f"param '{f.name}' needs a value ({m['doc']})")
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise ConfigError(f"param '{f.name}' must be true or false, got {value!r}")
        return
    if kind == "choice":
        if not isinstance(value, str) or value not in m["choices"]:
            raise ConfigError(f"param '{f.name}' must be one of {list(m['choices'])}, "
                              f"got {value!r}")
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                     np.floating)):
        raise ConfigError(f"param '{f.name}' must be a number ({m['doc']}), got {value!r}")
    if kind == "int" and not isinstance(value, (int, np.integer)):
        raise ConfigError(f"param '{f.name}' must be a whole number ({m['doc']}), got {value!r}")
    v = float(value)
    lo, hi = m["lo"], m["hi"]
    bad = (not math.isfinite(v) or v < lo or v > hi or (m.get("lo_open") and v == lo)
           or (m.get("hi_open") and v == hi))
    if bad:
        hint = ""
        if m.get("hi") == 1.0 and kind == "float" and v > 1.0:
            hint = f" — it is a fraction: for {v:g} %, write {v / 100:g}"
        raise ConfigError(f"param '{f.name}' = {value!r} is out of range {_range_text(m)} "
                          f"({m['doc']}){hint}")


def param_names(cls: type[BaseParams]) -> tuple[str, ...]:
    """Field names in vector order."""
    return tuple(f.name for f in dataclasses.fields(cls))


def vector_names(cls: type[BaseParams]) -> tuple[str, ...]:
    """Field names in param-vector order: sorted by name (independent of declaration order)."""
    return tuple(sorted(param_names(cls)))


def param_index(cls: type[BaseParams]) -> dict[str, int]:
    """Name → position in the param vector."""
    return {n: i for i, n in enumerate(vector_names(cls))}


def param_positions(cls: type[BaseParams], names: tuple[str, ...]) -> tuple[int, ...]:
    """Positions of ``names`` in the param vector, in the order given: a kernel reads a group
    of fields (e.g. the mix weights in its sleeve order) as ``params[POS[k]]``, never as
    ``params[first + k]``."""
    idx = param_index(cls)
    missing = [n for n in names if n not in idx]
    if missing:
        raise TypeError(f"{cls.__qualname__} has no field {missing[0]!r}")
    return tuple(idx[n] for n in names)


def param_docs(cls: type[BaseParams]) -> dict[str, str]:
    """Name → one-line description with the valid range or choices."""
    out = {}
    for f in dataclasses.fields(cls):
        m = f.metadata
        if m["kind"] == "choice":
            rng = "one of " + ", ".join(m["choices"])
        elif m["kind"] == "bool":
            rng = "true/false"
        else:
            rng = _range_text(m)
        out[f.name] = f"{m['doc']} ({rng}; default {f.default!r})"
    return out


def mix_fields(cls: type[BaseParams]) -> tuple[str, ...]:
    """The fields that are weights of the strategy's mix (in vector order)."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("mix"))


def make_params(cls: type[BaseParams], values: Mapping[str, Any] | None = None) -> BaseParams:
    """Build and validate ``cls`` from a mapping (a config's ``params`` table).

    Unknown names are a ConfigError listing the valid ones. If ``values`` names any weight of
    the mix (fields declared with ``mix=True``), the mix weights it does not name are 0 — the
    listed weights replace the default mix rather than adding to it.
    """
    values = dict(values or {})
    names = param_names(cls)
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ConfigError(f"unknown param {', '.join(repr(u) for u in unknown)}; valid params: "
                          f"{', '.join(names)}")
    mix = mix_fields(cls)
    if any(k in values for k in mix):
        for k in mix:
            values.setdefault(k, 0.0)
    try:
        return cls(**values)
    except TypeError as exc:  # pragma: no cover - guarded by the unknown-name check
        raise ConfigError(str(exc)) from None


def _vector_fields(cls: type[BaseParams]) -> list[dataclasses.Field]:
    return sorted(dataclasses.fields(cls), key=lambda f: f.name)


def to_vector(p: BaseParams) -> np.ndarray:
    """The ``(P,)`` float64 param vector (fields by :func:`vector_names`; bool 0/1; choice
    index; None NaN)."""
    fs = _vector_fields(type(p))
    out = np.empty(len(fs), dtype=np.float64)
    for i, f in enumerate(fs):
        v = getattr(p, f.name)
        if v is None:
            out[i] = np.nan
        elif f.metadata["kind"] == "choice":
            out[i] = float(f.metadata["choices"].index(v))
        else:
            out[i] = float(v)
    return out


def from_vector(cls: type[BaseParams], vec: np.ndarray) -> BaseParams:
    """Inverse of :func:`to_vector`."""
    fs = _vector_fields(cls)
    if len(vec) != len(fs):
        raise ValueError(f"{cls.__qualname__}: vector has {len(vec)} entries, expected {len(fs)}")
    kw: dict[str, Any] = {}
    for f, x in zip(fs, vec):
        x = float(x)
        kind = f.metadata["kind"]
        if math.isnan(x):
            kw[f.name] = None
        elif kind == "choice":
            kw[f.name] = f.metadata["choices"][int(x)]
        elif kind == "bool":
            kw[f.name] = bool(x)
        elif kind == "int":
            kw[f.name] = int(x)
        else:
            kw[f.name] = x
    return cls(**kw)


def check_mix(p: BaseParams) -> None:
    """The mix weights (fields declared ``mix=True``) sum to 1 (±1e-9) — else a ConfigError."""
    names = mix_fields(type(p))
    total = sum(float(getattr(p, n)) for n in names)
    if abs(total - 1.0) > 1e-9:
        listed = ", ".join(f"{n} = {getattr(p, n):g}" for n in names)
        rest = " (put any rest in cash)" if "cash" in names else ""
        raise ConfigError(f"mix weights {listed} sum to {total:.6g}, not 1; give fractions that "
                          f"sum to 1{rest}")
