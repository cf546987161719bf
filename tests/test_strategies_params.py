"""Params dataclasses: validation, the f8 vector convention, grids, signal keys and binding."""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from engine.errors import ConfigError
from strategies import REGISTRY, SignalSpec
from strategies.params import from_vector, make_params, param_index, to_vector


@pytest.mark.parametrize("name", list(REGISTRY))
def test_defaults_validate_and_vector_round_trips(name):
    s = REGISTRY[name]
    p = s.params()
    v = s.vector(p)
    assert v.dtype == np.float64 and v.shape == (len(s.param_names),)
    assert s.from_vector(v) == p
    assert s.param_names[:3] == ("schedule", "rebalance", "band")
    assert s.signal_params[0] == "schedule"
    assert set(s.signal_params) <= set(s.param_names)
    assert s.thesis and len(s.thesis.splitlines()) <= 12
    assert set(s.required_sleeves(p)) <= set(s.sleeves)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_grid_value_is_a_valid_param(name):
    s = REGISTRY[name]
    base = s.params()
    for key, values in s.GRID.items():
        assert key in s.param_names
        assert len(values) == len(set(values)) >= 2
    keys = list(s.GRID)
    for combo in itertools.product(*(s.GRID[k] for k in keys)):  # the whole product is valid
        s.params(dict(zip(keys, combo)))
    if name == "rowing_boat":
        assert s.grid_size() == 10_800
        groups = {tuple(combo) for combo in itertools.product(
            *(s.GRID[k] for k in s.signal_params if k in s.GRID))}
        assert len(groups) == 27
    assert base == s.params()


def test_vector_convention_choices_bools_none():
    s = REGISTRY["rowing_boat"]
    p = s.params(schedule="weekly", combine="both", fallback="cash", years=3, band=0.02)
    v = s.vector(p)
    i = param_index(s.Params)
    assert v[i["schedule"]] == 1.0          # position in SCHEDULES
    assert v[i["combine"]] == 1.0           # position in ("either", "both")
    assert v[i["fallback"]] == 1.0          # position in ("bonds", "cash")
    assert v[i["years"]] == 3.0
    assert np.isnan(v[i["confirm_days"]])   # None → NaN
    assert np.isnan(v[i["rebalance"]])
    assert v[i["band"]] == 0.02
    assert from_vector(s.Params, v) == p


def test_signal_key_groups_by_schedule_and_signal_settings_only():
    s = REGISTRY["rowing_boat"]
    a = s.params(drawdown=0.02, shift=0.25, years=3)
    b = s.params(drawdown=0.10, shift=1.0, fallback="cash", years=3)
    c = s.params(years=5)
    assert s.signal_key(a) == s.signal_key(b) != s.signal_key(c)
    assert s.signal_key(s.params(schedule="weekly")) != s.signal_key(s.params())


@pytest.mark.parametrize("bad, match", [
    ({"shift": 1.5}, r"'shift' = 1.5 is out of range \[0, 1\].*for 1.5 %, write 0.015"),
    ({"drawdown": 0.0}, r"'drawdown' = 0.0 is out of range \(0, 1\)"),
    ({"shift": "half"}, r"'shift' must be a number"),
    ({"shift": True}, r"'shift' must be a number"),
    ({"years": 2.5}, r"'years' must be a whole number"),
    ({"combine": "any"}, r"'combine' must be one of \['either', 'both'\]"),
    ({"schedule": "hourly"}, r"'schedule' must be one of"),
    ({"band": 5}, r"'band' = 5 is out of range"),
    ({"shfit": 0.5}, r"unknown param 'shfit'; valid params: schedule, rebalance, band"),
    ({"us_mega": 0.5}, r"mix weights us_mega = 0.5, us = 0, ex_us = 0, em = 0 sum to 0.5"),
])
def test_bad_params_give_one_clear_error(bad, match):
    with pytest.raises(ConfigError, match=match):
        REGISTRY["rowing_boat"].params(bad)


@pytest.mark.parametrize("months, skip", [(3, 3), (12, 13), (1, 5)])
def test_dual_momentum_skip_must_be_shorter_than_the_look_back(months, skip):
    """Caught when the params are built (config parse, grid), not later by the signal with a
    message about signal slots."""
    gem = REGISTRY["dual_momentum"]
    with pytest.raises(ConfigError, match=rf"'skip_months' = {skip} must be less than "
                                          rf"'months' = {months}"):
        gem.params(months=months, skip_months=skip)
    assert gem.params(months=months, skip_months=months - 1).skip_months == months - 1
    assert gem.params(skip_months=skip).months is None      # unset: the signal's (checked there)


def test_mix_listed_weights_replace_the_default_mix():
    p = make_params(REGISTRY["sma_timing"].Params, {"us": 1.0})
    assert (p.us_mega, p.us, p.ex_us, p.em) == (0.0, 1.0, 0.0, 0.0)
    with pytest.raises(ConfigError, match="sum to 1.2"):
        make_params(REGISTRY["fixed_mix"].Params, {"us": 0.6, "bonds": 0.6})


def test_params_are_frozen_and_validated_on_replace():
    p = REGISTRY["concentration_unwind"].params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.shift = 0.1  # type: ignore[misc]
    with pytest.raises(ConfigError):
        p.replace(shift=-0.1)


def test_to_vector_of_each_registered_default_is_the_kernel_vector():
    for s in REGISTRY.values():
        np.testing.assert_array_equal(to_vector(s.params()), s.vector(s.params()))
        with pytest.raises(TypeError):
            s.vector(REGISTRY["us_only"].params() if s.name != "us_only"
                     else REGISTRY["world"].params())


# ----------------------------------------------------------------------------- signal binding

EXUS = SignalSpec(kind="breakout", name="exus_high", series="ex_us",
                  settings=(("years", 1),))
EM = SignalSpec(kind="breakout", name="em_high", series="EEM")
CONC = SignalSpec(kind="concentration", name="mega", basket=("AAPL", "MSFT"), index="SPY")


def test_bind_by_series_and_by_sleeve_ticker_never_by_kind_alone():
    from engine.data import Sleeve
    s = REGISTRY["rowing_boat"]
    sleeves = {"em": Sleeve.parse("em", "EEM"), "ex_us": Sleeve.parse("ex_us", "ACWX")}
    b = s.bind({"exus_high": EXUS, "em_high": EM, "mega": CONC}, None, sleeves)
    assert b["ex_us"] is EXUS
    assert b["em"] is EM                  # series EEM is the em sleeve's ticker
    # the only concentration signal reads other series: not picked up (the default spec)
    assert b["concentration"] == s.slots["concentration"]
    assert b["trend"] == s.slots["trend"]  # none configured: the default spec
    # explicit binding wins
    b = s.bind({"exus_high": EXUS, "em_high": EM}, {"em": "exus_high"}, sleeves)
    assert b["em"] is EXUS


def test_bind_errors_name_the_slot_and_the_fix():
    s = REGISTRY["breakout_rotation"]
    with pytest.raises(ConfigError, match=r"slot 'ex_us' names signal 'nope', which is not "
                                          r"defined.*add \[signals.nope\] with kind = \"breakout\""):
        s.bind({"exus_high": EXUS}, {"ex_us": "nope"})
    with pytest.raises(ConfigError, match="has no signal slot 'trend'; its slots: ex_us, em"):
        s.bind({}, {"trend": "x"})
    with pytest.raises(ConfigError, match="needs a breakout signal, but 'mega' is a "
                                          "concentration signal"):
        s.bind({"mega": CONC}, {"ex_us": "mega"})


def test_signal_params_override_bound_settings_only_when_set():
    s = REGISTRY["breakout_rotation"]
    bound = s.bind({"exus_high": EXUS})
    assert s.slot_spec(bound, "ex_us", s.params()).setting("years") == 1   # as configured
    assert s.slot_spec(bound, "ex_us", s.params(years=5)).setting("years") == 5
    assert s.slot_spec(bound, "em", s.params(confirm_days=3)).setting("confirm_days") == 3


def test_signal_docs_give_the_defaults_the_code_uses():
    """strategies.signals' docstring lists each kind's settings with their defaults: the same
    values as SETTINGS (breakout exit_drop is 0.10, not 0)."""
    import re

    import strategies.signals as sig

    for kind, settings in sig.SETTINGS.items():
        bullet = re.search(rf"^- ``{kind}``:(.*?)(?=^- |\Z)", sig.__doc__, re.S | re.M)
        assert bullet, kind
        documented = dict(re.findall(r"``(\w+) = ([^`]+)``", bullet.group(1)))
        assert set(documented) == set(settings), kind
        for key, text in documented.items():
            default = settings[key][0]
            value = {"true": True, "false": False}.get(text, None)
            if value is None:
                value = text.strip('"') if text.startswith('"') else float(text)
            assert value == default, (kind, key, text, default)


def test_schedules_are_the_engines_frequencies():
    """A schedule a strategy accepts is one the engine can decide on, and no other."""
    from engine.sim.schedule import FREQS
    from strategies.params import SCHEDULES

    assert sorted(SCHEDULES) == sorted(FREQS)


def _reordered(cls):
    """``cls`` with its own fields declared in reverse order (same names, defaults, checks)."""
    import dataclasses

    from strategies.params import BaseParams

    base = {f.name for f in dataclasses.fields(BaseParams)}
    own = [f for f in dataclasses.fields(cls) if f.name not in base]
    spec = [(f.name, f.type, dataclasses.field(default=f.default, metadata=f.metadata))
            for f in reversed(own)]
    return dataclasses.make_dataclass(f"Reordered{cls.__name__}", spec, bases=(BaseParams,),
                                      frozen=True, namespace={"check": cls.check})


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_reordering_the_fields_of_a_params_class_cannot_change_the_rule(name):
    """Kernels read params by name: the vector is keyed by field name, so a params class with
    its fields declared in another order gives the same vector and the same weights."""
    import dataclasses

    from strategies.params import from_vector, to_vector

    s = REGISTRY[name]
    R = _reordered(s.Params)
    own = len(s.param_names) - 3
    assert own < 2 or [f.name for f in dataclasses.fields(R)] != list(s.param_names)
    rng = np.random.default_rng(5)
    variants = [{}] + [{k: v[rng.integers(len(v))] for k, v in s.GRID.items()}
                       for _ in range(8)]
    for values in variants:
        try:
            p = s.params(values)
        except ConfigError:
            continue
        r = R(**{n: getattr(p, n) for n in s.param_names})
        np.testing.assert_array_equal(to_vector(r), to_vector(p))
        assert from_vector(R, to_vector(p)) == r
        inputs = np.ascontiguousarray(rng.uniform(-0.2, 1.0, (40, len(s.input_names))))
        if len(s.input_names):
            inputs[:, -1] = rng.integers(0, 2, 40)
        a = np.zeros((40, len(s.sleeves)))
        b = np.zeros((40, len(s.sleeves)))
        s.rule(inputs, to_vector(p), a)
        s.rule(inputs, to_vector(r), b)
        np.testing.assert_array_equal(a, b)
