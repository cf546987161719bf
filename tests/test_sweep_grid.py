"""Grid parsing and validation: values, ranges, order, and one clear ConfigError per mistake."""
from __future__ import annotations

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
