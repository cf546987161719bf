"""The parameter grid of a sweep: parse ``param=v1,v2,…`` and ``param=start:stop:step``, validate.

A grid is the Cartesian product of each swept parameter's values, in the order the parameters
were given, the last one varying fastest (``itertools.product`` order); parameters not swept keep
their base values (the config's, else the strategy's defaults). Variant ``i`` is that product's
``i``-th element, so a variant's number is stable across runs, chunks and machines.

Every bad grid is one :class:`~engine.errors.ConfigError` naming the parameter and the fix: an
unknown parameter, a value of the wrong type, an empty range, a repeated parameter or value, a
value the strategy's ``Params.validate()`` rejects (each value alone, then every combination:
:mod:`engine.sweep.combos`), or more than ``max_variants`` (10 million) variants without
``yes=True`` (``--yes``) — counted before any value list is built.
"""
from __future__ import annotations

import collections
import dataclasses
import functools
import math
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ConfigError, UserError
from engine.sweep.combos import check_combinations

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


@dataclass(frozen=True)
class Range:
    """``start:stop:step`` of an int or float parameter, counted but not built: ``count`` values
    ``start + k·step`` (floats rounded to :data:`RANGE_DIGITS` significant digits)."""

    start: float
    step: float
    count: int
    kind: type

    def value(self, k: int) -> Any:
        if self.kind is int:
            return int(self.start + k * self.step)
        return float(f"{self.start + k * self.step:.{RANGE_DIGITS}g}")

    def values(self) -> list[Any]:
        return [self.value(k) for k in range(self.count)]


def parse_spec(name: str, text: str, kind: type, optional: bool = False) -> list[Any] | Range:
    """``"v1,v2,…"`` → the values; ``"start:stop:step"`` → a :class:`Range` (stop included
    when the steps land on it), checked but not expanded."""
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
        return Range(start, step, count, kind)
    raw = [v for v in text.split(",")]
    if not text or all(not v.strip() for v in raw):
        raise ConfigError(f"--grid {name}=: no values; give {name}=v1,v2,… or "
                          f"{name}=start:stop:step")
    return [parse_value(name, v, kind, optional) for v in raw]


def parse_values(name: str, text: str, kind: type, optional: bool = False) -> list[Any]:
    """``"v1,v2,…"`` or ``"start:stop:step"`` (stop included when the steps land on it)."""
    spec = parse_spec(name, text, kind, optional)
    return spec.values() if isinstance(spec, Range) else spec


def _describe_one(name: str, n: int, first: Any, last: Any, listed: Sequence[Any] | None) -> str:
    s = ", ".join(map(str, listed)) if listed is not None and n <= 4 else f"{first} … {last}"
    return f"{name}=[{s}] ({n})"


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
        base, columns = self._encoded(encode)
        out = np.tile(base, (codes.shape[0], 1))
        for k, (col, enc) in enumerate(columns):
            out[:, col] = enc[codes[:, k]]
        return out

    def _encoded(self, encode: Callable[[Any], np.ndarray]
                 ) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
        """(the base's vector, [(position, each value's encoding)] per swept parameter) under
        ``encode``, made once per grid and encoder (a sweep asks once per chunk)."""
        memo = self._encodings
        if encode not in memo:
            base = np.asarray(encode(self.base), dtype=np.float64)
            columns = [(col, np.array([encode(dataclasses.replace(self.base, **{name: v}))[col]
                                       for v in self.values[k]]))
                       for k, (name, col) in enumerate(zip(self.names, self.positions()))]
            memo[encode] = (base, columns)
        return memo[encode]

    @functools.cached_property
    def _encodings(self) -> dict[Any, tuple[np.ndarray, list[tuple[int, np.ndarray]]]]:
        return {}

    def positions(self) -> tuple[int, ...]:
        """Each swept parameter's position in the param vector (keyed by name:
        ``strategies.params.param_index``, not the order the fields are declared in)."""
        from strategies.params import param_index

        idx = param_index(self.params_cls)
        return tuple(idx[n] for n in self.names)

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
        # one index array per parameter (no (V, n_swept) stack: a million variants of eight
        # parameters would hold 64 MB more)
        codes = np.unravel_index(np.arange(self.n_variants), self.shape) if self.names else ()
        cols = {}
        for k, (n, vals) in enumerate(zip(self.names, self.values)):
            arr = np.asarray(vals, dtype=object if isinstance(vals[0], str) else None)
            cols[n] = arr[codes[k]]
        return pd.DataFrame(cols, index=pd.RangeIndex(self.n_variants, name="variant"))

    def describe(self) -> str:
        """e.g. ``drawdown=[0.05 … 0.3] (6) × shift=[0.25, 0.5] (2) = 12 variants``."""
        return describe_specs(self.names, self.values)


def describe_specs(names: Sequence[str], specs: Sequence[Sequence[Any] | Range]) -> str:
    """``drawdown=[0.05 … 0.3] (6) × shift=[0.25, 0.5] (2) = 12 variants`` from values or
    unexpanded ranges."""
    parts, n = [], 1
    for name, v in zip(names, specs):
        if isinstance(v, Range):
            parts.append(_describe_one(name, v.count, v.value(0), v.value(v.count - 1),
                                       v.values() if v.count <= 4 else None))
            n *= v.count
        else:
            parts.append(_describe_one(name, len(v), v[0], v[-1], v))
            n *= len(v)
    return f"{' × '.join(parts) or '(base only)'} = {n:,} variants"


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
    parsed: list[list[Any] | Range] = []
    for name, raw in items:
        if name not in kinds:
            raise ConfigError(f"--grid {name}: unknown parameter of {strategy}; its parameters "
                              f"are {', '.join(kinds)}")
        if name in names:
            raise ConfigError(f"--grid {name}: given twice; put all its values in one "
                              f"{name}=v1,v2,… option")
        kind, optional = kinds[name]
        if isinstance(raw, str):
            spec = parse_spec(name, raw, kind, optional)
        else:
            seq = list(raw) if isinstance(raw, (list, tuple, np.ndarray, range)) else [raw]
            if not seq:
                raise ConfigError(f"--grid {name}: no values; give at least one")
            spec = [parse_value(name, str(v), kind, optional) for v in seq]
        names.append(name)
        parsed.append(spec)
    # count before building anything: a fine range is refused at once, not after its values
    n = math.prod(s.count if isinstance(s, Range) else len(s) for s in parsed)
    if n > max_variants and not yes:
        raise ConfigError(f"the grid has {describe_specs(names, parsed)}, over the "
                          f"{max_variants:,} limit; narrow it or pass --yes to run it anyway")
    values: list[tuple[Any, ...]] = []
    for name, spec in zip(names, parsed):
        vals = spec.values() if isinstance(spec, Range) else spec
        if len(set(vals)) != len(vals):
            counts = collections.Counter(vals)
            dup = next(v for v in vals if counts[v] > 1)
            raise ConfigError(f"--grid {name}: the value {dup} appears twice; list each value "
                              "once")
        values.append(tuple(vals))
    grid = Grid(params_cls, base, tuple(names), tuple(values))
    _make(base, {}, "the base parameters")
    for name, vals in zip(names, values):       # one value at a time: the clearest message
        for v in vals:
            _make(base, {name: v}, f"{name}={v}")
    if len(names) > 1:
        check_combinations(params_cls, base, grid.names, grid.values)
    return grid
