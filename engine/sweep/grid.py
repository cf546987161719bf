"""The parameter grid of a sweep: parse ``param=v1,v2,…`` and ``param=start:stop:step``, validate.

A grid is the Cartesian product of each swept parameter's values, in the order the parameters
were given, the last one varying fastest (``itertools.product`` order); parameters not swept keep
their base values (the config's, else the strategy's defaults). Variant ``i`` is that product's
``i``-th element, so a variant's number is stable across runs, chunks and machines.

Every bad grid is one :class:`~engine.errors.ConfigError` naming the parameter and the fix: an
unknown parameter, a value of the wrong type, an empty range, a repeated parameter or value, a
value the strategy's ``Params.validate()`` rejects, or more than ``max_variants`` (10 million)
variants without ``yes=True`` (``--yes``).
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ConfigError, UserError

MAX_VARIANTS = 10_000_000
#: a range's values are rounded to this many significant digits (0.1 + 0.2 → 0.3)
RANGE_DIGITS = 12

GridSpec = Sequence[str] | Mapping[str, Any] | None


def split_spec(spec: str) -> tuple[str, str]:
    """``"name=values"`` → (name, values); a missing ``=`` is an error showing the two forms."""
    name, sep, values = spec.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ConfigError(f"--grid {spec!r}: expected NAME=v1,v2,… or NAME=start:stop:step "
                          "(e.g. drawdown=0.05,0.1,0.2 or months=6:12:2)")
    return name, values.strip()


_META_KINDS = {"float": float, "int": int, "bool": bool, "choice": str}


def _kinds(params_cls: type) -> dict[str, tuple[type, bool]]:
    """Parameter name → (type: bool, int, float or str; optional: accepts ``none``), from the
    field's metadata (``strategies.params`` helpers) or else its annotation."""
    hints = typing.get_type_hints(params_cls)
    out = {}
    for f in dataclasses.fields(params_cls):
        meta = f.metadata
        if "kind" in meta:
            out[f.name] = (_META_KINDS.get(meta["kind"], float), bool(meta.get("optional")))
            continue
        kind = hints.get(f.name, float)
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        optional = len(args) < len(typing.get_args(kind))
        if optional and len(args) == 1:
            kind = args[0]
        out[f.name] = (kind if kind in (bool, int, float, str) else float, optional)
    return out


def parse_value(name: str, text: str, kind: type, optional: bool = False) -> Any:
    """One grid value of parameter ``name`` as its ``kind`` (bool, int, float, str); ``none``
    when the parameter is ``optional``."""
    t = text.strip()
    if not t:
        raise ConfigError(f"--grid {name}: an empty value; give values like {name}=1,2,3")
    if optional and t.lower() in ("none", "null"):
        return None
    try:
        if kind is bool:
            low = t.lower()
            if low in ("true", "yes", "1", "on"):
                return True
            if low in ("false", "no", "0", "off"):
                return False
            raise ValueError(t)
        if kind is int:
            v = float(t)
            if not v.is_integer():
                raise ValueError(t)
            return int(v)
        if kind is float:
            v = float(t)
            if not math.isfinite(v):
                raise ValueError(t)
            return v
        return t
    except ValueError:
        raise ConfigError(f"--grid {name}: {t!r} is not a valid {kind.__name__}; "
                          f"{name} takes {kind.__name__} values"
                          + (" or none" if optional else "")) from None


def parse_values(name: str, text: str, kind: type, optional: bool = False) -> list[Any]:
    """``"v1,v2,…"`` or ``"start:stop:step"`` (stop included when the steps land on it)."""
    if ":" in text and kind in (int, float):
        parts = text.split(":")
        if len(parts) != 3:
            raise ConfigError(f"--grid {name}={text}: a range is start:stop:step, e.g. "
                              f"{name}=0.05:0.3:0.05")
        start, stop, step = (parse_value(name, p, kind) for p in parts)
        if step == 0:
            raise ConfigError(f"--grid {name}={text}: the step is 0; give a non-zero step")
        count = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
        if count < 1:
            raise ConfigError(f"--grid {name}={text}: empty range (start {start} is past stop "
                              f"{stop} for step {step}); swap start and stop or flip the step")
        if kind is int:
            return [int(start + k * step) for k in range(count)]
        return [float(f"{start + k * step:.{RANGE_DIGITS}g}") for k in range(count)]
    raw = [v for v in text.split(",")]
    if not text or all(not v.strip() for v in raw):
        raise ConfigError(f"--grid {name}=: no values; give {name}=v1,v2,… or "
                          f"{name}=start:stop:step")
    return [parse_value(name, v, kind, optional) for v in raw]


@dataclass(frozen=True)
class Grid:
    """A validated grid over a strategy's ``Params`` dataclass.

    ``names`` are the swept parameters (in the order given), ``values`` their values; ``base``
    holds every parameter's value for the parameters not swept.
    """

    params_cls: type
    base: Any
    names: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.values)

    @property
    def n_variants(self) -> int:
        return math.prod(self.shape)

    def codes(self, ids: np.ndarray | None = None) -> np.ndarray:
        """(n, n_swept) int64: each variant's index into each swept parameter's values, for
        variant numbers ``ids`` (default: all)."""
        ids = np.arange(self.n_variants) if ids is None else np.asarray(ids, dtype=np.int64)
        if not self.names:
            return np.zeros((ids.size, 0), dtype=np.int64)
        return np.stack(np.unravel_index(ids, self.shape), axis=1).astype(np.int64)

    def vectors(self, encode: Callable[[Any], np.ndarray], ids: np.ndarray | None = None
                ) -> np.ndarray:
        """(n, P) float64 param vectors of variants ``ids`` (default: all); ``encode`` maps a
        Params to its (P,) vector (e.g. ``strategies.params.to_vector``)."""
        codes = self.codes(ids)
        base = np.asarray(encode(self.base), dtype=np.float64)
        out = np.tile(base, (codes.shape[0], 1))
        for k, (name, col) in enumerate(zip(self.names, self.positions())):
            enc = np.array([encode(dataclasses.replace(self.base, **{name: v}))[col]
                            for v in self.values[k]])
            out[:, col] = enc[codes[:, k]]
        return out

    def positions(self) -> tuple[int, ...]:
        """Each swept parameter's position among the Params fields (= in the param vector)."""
        order = [f.name for f in dataclasses.fields(self.params_cls)]
        return tuple(order.index(n) for n in self.names)

    def group_ids(self, names: Sequence[str], ids: np.ndarray | None = None) -> np.ndarray:
        """(n,) int64 id of each variant's combination of the swept parameters in ``names``
        (0 … product of their lengths − 1, last fastest; all 0 when none of them is swept)."""
        codes = self.codes(ids)
        ks = [k for k, n in enumerate(self.names) if n in names]
        if not ks:
            return np.zeros(codes.shape[0], dtype=np.int64)
        return np.ravel_multi_index(tuple(codes[:, k] for k in ks),
                                    tuple(self.shape[k] for k in ks)).astype(np.int64)

    def variant(self, i: int) -> Any:
        """The ``Params`` of variant ``i``."""
        idx = np.unravel_index(i, self.shape) if self.names else ()
        return dataclasses.replace(self.base, **{n: self.values[k][int(j)]
                                                 for k, (n, j) in enumerate(zip(self.names, idx))})

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.n_variants):
            yield self.variant(i)

    def frame(self) -> pd.DataFrame:
        """One row per variant (index ``variant``), one column per swept parameter."""
        codes = self.codes()
        cols = {}
        for k, (n, vals) in enumerate(zip(self.names, self.values)):
            arr = np.asarray(vals, dtype=object if isinstance(vals[0], str) else None)
            cols[n] = arr[codes[:, k]]
        return pd.DataFrame(cols, index=pd.RangeIndex(self.n_variants, name="variant"))

    def describe(self) -> str:
        """e.g. ``drawdown=[0.05 … 0.3] (6) × shift=[0.25, 0.5] (2) = 12 variants``."""
        def one(n: str, v: tuple[Any, ...]) -> str:
            s = ", ".join(map(str, v)) if len(v) <= 4 else f"{v[0]} … {v[-1]}"
            return f"{n}=[{s}] ({len(v)})"
        body = " × ".join(one(n, v) for n, v in zip(self.names, self.values)) or "(base only)"
        return f"{body} = {self.n_variants:,} variants"


def _make(base: Any, changes: dict[str, Any], what: str | None = None) -> Any:
    """``base`` with ``changes``, validated (construction and ``validate()``); the error names
    ``what`` (default: the changes)."""
    try:
        params = dataclasses.replace(base, **changes)
        params.validate()
    except (UserError, ValueError, TypeError) as exc:
        what = what or ", ".join(f"{k}={v}" for k, v in changes.items())
        raise ConfigError(f"--grid: {what}: {exc}") from None
    return params


def build_grid(params_cls: type, specs: GridSpec, *, base: Any = None, yes: bool = False,
               max_variants: int = MAX_VARIANTS, strategy: str = "the strategy") -> Grid:
    """Parse and validate ``specs`` against ``params_cls`` (a frozen dataclass with
    ``validate()``).

    ``specs``: CLI strings (``["drawdown=0.05:0.3:0.05", "shift=0.25,0.5"]``) or a mapping
    name → list of values or a ``"v1,v2"`` / ``"start:stop:step"`` string. ``base``: the Params
    for parameters not swept (default: the dataclass defaults).
    """
    base = params_cls() if base is None else base
    kinds = _kinds(params_cls)
    items: list[tuple[str, Any]]
    if specs is None:
        items = []
    elif isinstance(specs, Mapping):
        items = list(specs.items())
    else:
        items = [split_spec(s) for s in specs]
    names: list[str] = []
    values: list[tuple[Any, ...]] = []
    for name, raw in items:
        if name not in kinds:
            raise ConfigError(f"--grid {name}: unknown parameter of {strategy}; its parameters "
                              f"are {', '.join(kinds)}")
        if name in names:
            raise ConfigError(f"--grid {name}: given twice; put all its values in one "
                              f"{name}=v1,v2,… option")
        kind, optional = kinds[name]
        if isinstance(raw, str):
            vals = parse_values(name, raw, kind, optional)
        else:
            seq = list(raw) if isinstance(raw, (list, tuple, np.ndarray, range)) else [raw]
            if not seq:
                raise ConfigError(f"--grid {name}: no values; give at least one")
            vals = [parse_value(name, str(v), kind, optional) for v in seq]
        if len(set(vals)) != len(vals):
            dup = next(v for v in vals if vals.count(v) > 1)
            raise ConfigError(f"--grid {name}: the value {dup} appears twice; list each value "
                              "once")
        names.append(name)
        values.append(tuple(vals))
    grid = Grid(params_cls, base, tuple(names), tuple(values))
    n = grid.n_variants
    if n > max_variants and not yes:
        raise ConfigError(f"the grid has {grid.describe()}, over the {max_variants:,} limit; "
                          "narrow it or pass --yes to run it anyway")
    _make(base, {}, "the base parameters")
    for name, vals in zip(names, values):       # one value at a time: the clearest message
        for v in vals:
            _make(base, {name: v}, f"{name}={v}")
    if len(names) > 1:
        for i, combo in enumerate(itertools.product(*values)):
            changes = dict(zip(names, combo))
            try:
                dataclasses.replace(base, **changes).validate()
            except (UserError, ValueError, TypeError) as exc:
                shown = ", ".join(f"{k}={v}" for k, v in changes.items())
                raise ConfigError(f"--grid: variant {i} ({shown}): {exc}") from None
    return grid
