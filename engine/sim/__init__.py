"""Simulation: target weights → trades at t + lag → daily values, weights, costs (GUIDE §3).

Public API: :func:`backtest` (Panel in, :class:`Result` out), :func:`simulate_values` (many
variants on shared closes, daily values only), :func:`schedule_dates`, :func:`fixed_mix`. The
kernels live in :mod:`engine.sim.nb` (``simulate_nb`` for use inside other numba code).
"""
from engine.sim.batch import simulate_values
from engine.sim.portfolio import backtest
from engine.sim.result import Result
from engine.sim.schedule import fixed_mix, schedule_dates

__all__ = ["Result", "backtest", "fixed_mix", "schedule_dates", "simulate_values"]
