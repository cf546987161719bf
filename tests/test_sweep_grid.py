"""Grid parsing and validation: values, ranges, order, and one clear ConfigError per mistake."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from engine.errors import ConfigError
from engine.sweep.grid import build_grid, parse_values


@dataclass(frozen=True)
class Params:
    drawdown: float = 0.1
    months: int = 12
    shift: float = 0.5
    confirm: bool = False
    schedule: str = "monthly"

    def validate(self) -> None:
        if not 0 < self.drawdown < 1:
            raise ConfigError(f"drawdown must be a fraction in (0, 1), got {self.drawdown}")
        if self.months < 1:
            raise ConfigError(f"months must be ≥ 1, got {self.months}")
        if self.shift > 0.9 and self.drawdown > 0.5:
            raise ConfigError("shift > 0.9 needs drawdown ≤ 0.5")


def test_lists_and_ranges() -> None:
    assert parse_values("x", "0.05:0.3:0.05", float) == [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    assert parse_values("x", "0.1:0.35:0.1", float) == [0.1, 0.2, 0.3]     # stop not on a step
    assert parse_values("n", "6:12:2", int) == [6, 8, 10, 12]
    assert parse_values("n", "12:6:-3", int) == [12, 9, 6]
    assert parse_values("x", "0.1, 0.2,0.4", float) == [0.1, 0.2, 0.4]
    assert parse_values("b", "true,0", bool) == [True, False]
    assert parse_values("s", "monthly,weekly", str) == ["monthly", "weekly"]
    assert parse_values("x", "0.3:0.3:0.1", float) == [0.3]


def test_grid_order_and_variants() -> None:
    g = build_grid(Params, ["drawdown=0.1,0.2,0.3", "months=6:12:6"], base=Params(shift=0.25))
    assert g.n_variants == 6 and g.shape == (3, 2)
    f = g.frame()
    assert list(f.columns) == ["drawdown", "months"]
    assert f["drawdown"].tolist() == [0.1, 0.1, 0.2, 0.2, 0.3, 0.3]      # last varies fastest
    assert f["months"].tolist() == [6, 12, 6, 12, 6, 12]
    assert g.variant(3) == Params(drawdown=0.2, months=12, shift=0.25)
    assert list(g)[5] == Params(drawdown=0.3, months=12, shift=0.25)
    assert "= 6 variants" in g.describe()
    # a mapping from Python works the same
    g2 = build_grid(Params, {"drawdown": [0.1, 0.2, 0.3], "months": "6:12:6"},
                    base=Params(shift=0.25))
    assert g2.frame().equals(f)
    assert build_grid(Params, None).n_variants == 1


@pytest.mark.parametrize("spec, message", [
    (["lookback=1,2"], "unknown parameter.*drawdown, months, shift, confirm, schedule"),
    (["drawdown="], "no values"),
    (["drawdown=0.3:0.1:0.05"], "empty range"),
    (["drawdown=0.1:0.3:0"], "step is 0"),
    (["drawdown=0.1:0.3"], "start:stop:step"),
    (["months=1.5,2"], "not a valid int"),
    (["drawdown=abc"], "not a valid float"),
    (["drawdown"], "NAME=v1"),
    (["drawdown=0.1,0.1"], "appears twice"),
    (["drawdown=0.1", "drawdown=0.2"], "given twice"),
    (["drawdown=0.1,1.5"], r"drawdown=1.5: drawdown must be a fraction"),
    (["drawdown=0.2,0.6", "shift=0.5,0.95"], r"variant 3 \(drawdown=0.6, shift=0.95\)"),
])
def test_bad_grids_are_one_config_error(spec: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_grid(Params, spec)


def test_variant_limit_needs_yes() -> None:
    specs = ["drawdown=0.01:0.99:0.01", "months=1:1000:1", "shift=0:1:0.01"]   # 99·1000·101
    with pytest.raises(ConfigError, match=r"9,999,000 variants.*over the 1,000,000 limit.*--yes"):
        build_grid(Params, specs, max_variants=1_000_000)
    big = ["drawdown=0.01:0.99:0.01", "months=1:10000:1", "shift=0:1:0.01"]     # 99,990,000
    with pytest.raises(ConfigError, match=r"99,990,000 variants.*10,000,000 limit.*--yes"):
        build_grid(Params, big)
    g = build_grid(Params, ["drawdown=0.1,0.2", "months=1:5:1"], yes=True, max_variants=4)
    assert g.n_variants == 10


def test_a_fine_range_is_refused_before_its_values_exist() -> None:
    """A billion-value range is counted, not built: the limit error comes at once (it used to
    build the list first — minutes and gigabytes)."""
    with pytest.raises(ConfigError, match=r"drawdown=\[0.0 … 1.0\] \(1000000001\) = "
                                          r"1,000,000,001 variants, over the 10,000,000 limit"):
        build_grid(Params, ["drawdown=0:1:0.000000001"])
    with pytest.raises(ConfigError, match=r"months=\[1 … 1000000\] \(1000000\) × "
                                          r"drawdown=\[0.01 … 0.99\] \(99\) = 99,000,000"):
        build_grid(Params, ["months=1:1000000:1", "drawdown=0.01:0.99:0.01"])


CALLS = {"check": 0}


@dataclass(frozen=True)
class Branchy:
    """A check() whose reads depend on the values (short-circuits), counting its calls."""

    a: float = 0.1
    b: int = 1
    c: float = 0.5
    d: bool = False
    e: float = 0.0

    def validate(self) -> None:      # the field checks (ranges), then the cross-field rules
        if not 0 <= self.a <= 1:
            raise ConfigError(f"a out of range: {self.a}")
        self.check()

    def check(self) -> None:
        CALLS["check"] += 1
        if self.d and self.c > 0.6:
            raise ConfigError(f"d needs c ≤ 0.6, got {self.c}")
        if self.a > 0.5 and self.b >= 3:
            raise ConfigError(f"a = {self.a} > 0.5 needs b < 3, got {self.b}")


def first_failure(params_cls, spec):
    """The reference: every combination built and validated, in variant order."""
    names = [s.split("=")[0] for s in spec]
    values = [build_grid(params_cls, [s]).values[0] for s in spec]    # one parameter: no combos
    for i, combo in enumerate(itertools.product(*values)):
        try:
            params_cls(**dict(zip(names, combo))).validate()
        except ConfigError as exc:
            shown = ", ".join(f"{k}={v}" for k, v in zip(names, combo))
            return f"--grid: variant {i} ({shown}): {exc}"
    return None


@pytest.mark.parametrize("spec", [
    ["a=0.1,0.6,0.9", "b=1,2,3,4", "c=0.5,0.7", "d=false,true"],
    ["d=false,true", "c=0.5,0.7", "b=1:4:1", "a=0.1,0.6"],
    ["e=0:1:0.25", "b=3,4", "a=0.2,0.7", "d=true,false", "c=0.7,0.5"],
    ["e=0:1:0.25", "b=1,2", "a=0.2,0.7", "c=0.5,0.7"],
])
def test_combinations_fail_as_one_by_one_validation(spec) -> None:
    """The first bad variant and its message are what validating every variant in order gives,
    whatever fields check() happens to read."""
    expect = first_failure(Branchy, spec)
    if expect is None:
        assert build_grid(Branchy, spec).n_variants > 1
    else:
        with pytest.raises(ConfigError) as exc:
            build_grid(Branchy, spec)
        assert str(exc.value) == expect


@pytest.mark.parametrize("spec", [["a=0.1,0.6,0.9", "b=1,2,3,4", "c=0.5,0.7", "d=false,true"],
                                  ["e=0:1:0.25", "b=1,2", "a=0.2,0.7", "c=0.5,0.7"]])
def test_without_tracing_every_variant_is_checked_alike(spec, monkeypatch) -> None:
    """Where reads cannot be traced, the rule runs per variant: the same first error."""
    import engine.sweep.combos as combos

    monkeypatch.setattr(combos, "_tracer", lambda cls: None)
    expect = first_failure(Branchy, spec)
    if expect is None:
        assert build_grid(Branchy, spec).n_variants > 1
    else:
        with pytest.raises(ConfigError) as exc:
            build_grid(Branchy, spec)
        assert str(exc.value) == expect


def test_combinations_are_checked_once_per_distinct_read_values() -> None:
    """check() reads a, b, c, d — never e: 25,025 variants differing in e are checked as the
    few distinct (a, b, c, d) they have, not one by one (each value is also validated alone:
    1,011 calls)."""
    CALLS["check"] = 0
    g = build_grid(Branchy, ["e=0:1:0.001", "b=1:5:1", "c=0.1:0.5:0.1"])
    assert g.n_variants == 1001 * 5 * 5
    assert CALLS["check"] < 1 + 1011 + 100


def test_a_strategys_cross_field_rule_names_the_first_bad_variant() -> None:
    """dual momentum: skip_months must stay below months — the first bad variant of a grid over
    many other fields, with the message validating it alone gives."""
    from strategies.momentum import GemParams

    spec = ["schedule=monthly,weekly", "months=6,3,12", "hurdle=cash,zero",
            "skip_months=0:4:1", "fallback=bonds,cash", "band=none,0.02,0.05"]
    names = [s.split("=")[0] for s in spec]
    vals = [build_grid(GemParams, [s]).values[0] for s in spec]
    expect = None
    for i, combo in enumerate(itertools.product(*vals)):
        try:
            GemParams(**dict(zip(names, combo)))
        except ConfigError as err:
            shown = ", ".join(f"{k}={v}" for k, v in zip(names, combo))
            expect = f"--grid: variant {i} ({shown}): {err}"
            break
    assert expect is not None
    assert "variant 78 (schedule=monthly, months=3, hurdle=cash, skip_months=3," in expect
    with pytest.raises(ConfigError) as exc:
        build_grid(GemParams, spec)
    assert str(exc.value) == expect


@pytest.mark.parametrize("name", ["rowing_boat", "breakout_rotation", "dual_momentum",
                                  "sma_timing", "concentration_unwind"])
def test_grid_vectors_are_each_variants_param_vector(name):
    """The sweep's (n, P) param matrix puts each swept value where the kernel reads it: row i
    equals ``to_vector`` of variant i (the vector is keyed by name, not declaration order)."""
    import numpy as np

    from strategies import REGISTRY
    from strategies.params import to_vector

    s = REGISTRY[name]
    g = build_grid(s.Params, dict(s.GRID), base=s.params(), yes=True)
    ids = np.unique(np.linspace(0, g.n_variants - 1, 25).astype(np.int64))
    vec = g.vectors(to_vector, ids)
    for row, i in zip(vec, ids):
        np.testing.assert_array_equal(row, to_vector(g.variant(int(i))))
