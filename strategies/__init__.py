"""The strategy library: rotation rules between US mega-caps, ex-US, EM, bonds and cash.

``REGISTRY`` maps each name to its :class:`~strategies.base.Strategy`; :func:`get` looks one up
with an error that lists the names. See ``strategies/base.py`` for the protocol (params vector,
signal slots, the one @njit rule kernel per strategy).
"""
from __future__ import annotations

from types import MappingProxyType

from engine.errors import ConfigError
from strategies import benchmarks, breakout, concentration, momentum, regime, valuation
from strategies.base import RuleInputs, Strategy
from strategies.signals import SignalSpec

#: name → Strategy, in a stable order (benchmarks first). Read-only.
REGISTRY: MappingProxyType[str, Strategy] = MappingProxyType({
    s.name: s for s in (*benchmarks.STRATEGIES, *concentration.STRATEGIES,
                        *breakout.STRATEGIES, *regime.STRATEGIES, *momentum.STRATEGIES,
                        *valuation.STRATEGIES)})


def get(name: str) -> Strategy:
    """The registered strategy ``name`` — else a ConfigError listing the registered names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown strategy rule '{name}'; registered rules: "
                          f"{', '.join(REGISTRY)}") from None


__all__ = ["REGISTRY", "RuleInputs", "SignalSpec", "Strategy", "get"]
