"""Validating every combination of a grid's values without building every variant.

Each swept value has already been validated alone (with the other params at their base values).
What a combination can still break is the params' cross-field rule (``check()``; else the whole
``validate()``). :func:`check_combinations` runs that rule once per distinct combination of the
swept fields it actually READS — found by tracing attribute reads on a bare instance — and gives
the error validating the variants one by one, in order, would give first. A rule that reads no
swept field runs once; one that reads them all runs per variant.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from engine.errors import ConfigError, UserError


def _rule_of(params_cls: type) -> Callable[[Any], None]:
    """The rule a combination of individually valid values can still break: ``check()`` (the
    cross-field rules; ``strategies.params.BaseParams.validate`` = each field's own checks,
    done per value above, + ``check()``), else the whole ``validate()``."""
    rule = getattr(params_cls, "check", None)
    return rule if callable(rule) else params_cls.validate


def _tracer(params_cls: type) -> tuple[type, set[str]] | None:
    """A subclass of ``params_cls`` that records which fields are read (``__dict__`` counts as
    all of them), and the set it records into; None when instances cannot be built bare."""
    fields = frozenset(f.name for f in dataclasses.fields(params_cls))
    reads: set[str] = set()

    def getattribute(self: Any, attr: str) -> Any:
        if attr in fields:
            reads.add(attr)
        elif attr == "__dict__":
            reads.update(fields)
        return object.__getattribute__(self, attr)

    traced = type(f"Traced{params_cls.__name__}", (params_cls,),
                  {"__getattribute__": getattribute})
    try:
        probe = object.__new__(traced)
        object.__setattr__(probe, next(iter(fields)), None)
    except (TypeError, AttributeError, StopIteration):
        return None
    return traced, reads


def check_combinations(params_cls: type, base: Any, names: Sequence[str],
                       values: Sequence[Sequence[Any]]) -> None:
    """Every combination of the swept values passes the params' rule — else the ConfigError
    that validating the variants one by one, in order, gives first: ``variant i (…): …``.

    The rule runs once per distinct combination of the swept fields it READS, not per variant:
    it runs on a representative combination with the fields it reads traced; when it read a
    swept field not fixed yet, each value of that field is explored in turn; when it read only
    fixed ones, its outcome holds for every variant that shares them (the rule is a function
    of the values it reads), whose first is the representative (the free fields at their first
    values). A rule that reads nothing swept runs once; one that reads every swept field runs
    per variant, as before."""
    shape = tuple(len(v) for v in values)
    rule = _rule_of(params_cls)
    at = {n: k for k, n in enumerate(names)}
    traced = _tracer(params_cls)
    if traced is None:                                  # no tracing: one by one
        for i, combo in enumerate(itertools.product(*values)):
            try:
                rule(dataclasses.replace(base, **dict(zip(names, combo))))
            except (UserError, ValueError, TypeError) as exc:
                raise _variant_error(names, i, combo, exc) from None
        return
    cls, reads = traced
    state = {f.name: getattr(base, f.name) for f in dataclasses.fields(params_cls)}
    first: tuple[int, tuple[Any, ...], BaseException] | None = None
    stack: list[dict[int, int]] = [{}]
    while stack:
        fixed = stack.pop()
        codes = tuple(fixed.get(k, 0) for k in range(len(names)))
        combo = tuple(values[k][j] for k, j in enumerate(codes))
        obj = object.__new__(cls)
        for n, v in {**state, **dict(zip(names, combo))}.items():
            object.__setattr__(obj, n, v)
        reads.clear()
        error: BaseException | None = None
        try:
            rule(obj)
        except (UserError, ValueError, TypeError) as exc:
            error = exc
        free = sorted({at[n] for n in reads if n in at} - set(fixed))
        if free:
            k = free[0]
            stack.extend({**fixed, k: j} for j in range(shape[k]))
        elif error is not None:
            i = int(np.ravel_multi_index(codes, shape))
            if first is None or i < first[0]:
                first = (i, combo, error)
    if first is not None:
        raise _variant_error(names, *first)


def _variant_error(names: Sequence[str], i: int, combo: tuple[Any, ...],
                   exc: BaseException) -> ConfigError:
    shown = ", ".join(f"{k}={v}" for k, v in zip(names, combo))
    return ConfigError(f"--grid: variant {i} ({shown}): {exc}")
