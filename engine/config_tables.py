"""The shared pieces of config parsing (errors naming file, section and key) and the parsers
of the ``[signals.NAME]`` and ``[[strategy]]`` tables. :mod:`engine.config` documents the format.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from engine.data.panel import Sleeve
from engine.errors import ConfigError
from engine.names import file_key, safe_name
from strategies import REGISTRY
from strategies.base import Strategy
from strategies.params import BaseParams, make_params
from strategies.signals import KINDS, REFS, SETTINGS, SignalSpec, check_setting


@dataclass(frozen=True)
class StrategyConfig:
    """One ``[[strategy]]``: its name in results, the registered rule, validated params and the
    slot → signal-name binding."""

    name: str
    rule: str
    params: BaseParams
    signals: Mapping[str, str] = field(default_factory=dict)

    @property
    def strategy(self) -> Strategy:
        return REGISTRY[self.rule]


#: Names of results folders, strategies and sleeve roles: letters, digits, ``_.-``; not
#: ending in "." (Windows drops a trailing dot, so ``a..`` would silently become folder ``a``).
NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
#: Longest name: a file name is at most 255 bytes, and the temporary folder adds ~30 to it.
NAME_MAX = 100


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a results folder, strategy or role (None when it can)."""
    if not isinstance(name, str):
        return f"{name!r} is not text"
    if len(name) > NAME_MAX:
        return f"{len(name)} characters is too long for a file name; use at most {NAME_MAX}"
    if name.endswith("."):
        return (f"{name!r} ends with '.', which file systems drop or hide; remove the trailing "
                "dot")
    if not NAME.match(name):
        return (f"{name!r}: use letters, digits, '_', '-' and '.' (starting with a letter or "
                "digit)")
    return None
STRATEGY_KEYS = ("name", "rule", "params", "signals")


class Where:
    """Builds errors that name the file and the section."""

    def __init__(self, path: Path | None) -> None:
        self.file = str(path) if path is not None else "config"

    def err(self, section: str, key: str | None, msg: str) -> ConfigError:
        at = (section if section.startswith("[") else f"[{section}]") + (f" {key}" if key else "")
        return ConfigError(f"{self.file}: {at}: {msg}")

    def table(self, raw: Any, section: str) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            raise self.err(section, None, f"expected a table [{section}], got "
                           f"{type(raw).__name__}")
        return dict(raw)

    def keys(self, tab: Mapping[str, Any], section: str, valid: tuple[str, ...]) -> None:
        unknown = [k for k in tab if k not in valid]
        if unknown:
            raise self.err(section, unknown[0], f"unknown key; valid keys: {', '.join(valid)}")


def text(w: Where, section: str, key: str, v: Any, *, fix: str) -> str:
    """A non-empty string value, stripped."""
    if not isinstance(v, str) or not v.strip():
        raise w.err(section, key, f"expected a non-empty string, got {v!r}; {fix}")
    return v.strip()


def whole(w: Where, section: str, key: str, v: Any, lo: int, hi: int, fix: str) -> int:
    """A whole number in [lo, hi] (bools rejected)."""
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise w.err(section, key, f"expected a whole number from {lo} to {hi}, got {v!r}; {fix}")
    return v


def parse_signals(w: Where, tab: dict[str, Any], base: Path) -> dict[str, SignalSpec]:
    """The ``[signals.NAME]`` tables (see ``strategies.signals`` for kinds and settings)."""
    out: dict[str, SignalSpec] = {}
    for name, spec in tab.items():
        section = f"signals.{name}"
        if not isinstance(spec, Mapping):
            raise w.err(section, None, "expected a table [signals.NAME] with kind = ...")
        spec = dict(spec)
        kind = spec.get("kind")
        if kind not in KINDS:
            raise w.err(section, "kind", f"{kind!r} is not a signal kind; valid kinds: "
                        f"{', '.join(KINDS)}")
        valid = ("kind", *REFS[kind], *SETTINGS[kind])
        w.keys(spec, section, valid)
        kw: dict[str, Any] = {"kind": kind, "name": name}
        for ref in REFS[kind]:
            if ref not in spec:
                continue
            v = spec[ref]
            if ref == "basket" and isinstance(v, list):
                if not v or not all(isinstance(t, str) and t for t in v):
                    raise w.err(section, ref, "expected a sleeve role, a ticker or a list of "
                                "tickers")
                kw[ref] = tuple(v)
            elif ref == "anchors" and isinstance(v, Mapping):
                kw[ref] = inline_anchors(w, section, v)
            elif ref == "anchors":
                a = Path(text(w, section, ref, v, fix="give the path of a snapshot CSV"))
                a = (a if a.is_absolute() else base / a).resolve()
                if not a.is_file():
                    raise w.err(section, ref, f"file {a} not found; paths are relative to the "
                                "config file")
                kw[ref] = a
            else:
                kw[ref] = text(w, section, ref, v, fix="give a sleeve role or a ticker")
        settings = {}
        for key in SETTINGS[kind]:
            if key in spec:
                try:
                    settings[key] = check_setting(kind, key, spec[key])
                except ConfigError as exc:
                    raise w.err(section, key, str(exc)) from None
        kw["settings"] = tuple(sorted(settings.items()))
        if kind == "concentration":
            kw.setdefault("basket", "us_mega")
            kw.setdefault("index", "us")
        elif "series" not in kw:
            raise w.err(section, "series", f"missing; a {kind} signal reads one series: give "
                        "series = a sleeve role (e.g. \"ex_us\") or a ticker")
        out[name] = SignalSpec(**kw)
    return out


def inline_anchors(w: Where, section: str,
                   tab: Mapping[str, Any]) -> tuple[tuple[pd.Timestamp, float], ...]:
    """``anchors = { 2026-02-06 = 0.608 }``: known weights (fractions) of a one-ticker basket."""
    out = []
    for k, v in tab.items():
        try:
            d = pd.Timestamp(dt.date.fromisoformat(str(k).strip()))
        except ValueError:
            raise w.err(section, "anchors", f"key {k!r} is not an ISO date; write "
                        "anchors = { \"2026-02-06\" = 0.608 }") from None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1:
            raise w.err(section, "anchors", f"weight on {d.date()} is {v!r}; give a fraction "
                        "between 0 and 1 (0.608, not 60.8)")
        out.append((d, float(v)))
    if not out:
        raise w.err(section, "anchors", "empty table; give at least one date = weight")
    return tuple(sorted(out))


def parse_strategies(w: Where, raw: Any, signals: Mapping[str, SignalSpec],
                     sleeves: Mapping[str, Sleeve], roles: set[str]
                     ) -> tuple[StrategyConfig, ...]:
    """The ``[[strategy]]`` array: each rule registered, params validated by its Params class,
    its signal binding resolvable and every sleeve it needs among ``roles``."""
    if not raw:
        raise ConfigError(f"{w.file}: no [[strategy]] tables; add at least one, e.g.\n"
                          "[[strategy]]\nname = \"world\"\nrule = \"world\"")
    if not isinstance(raw, list):
        raise ConfigError(f"{w.file}: [strategy] must be an array of tables: write "
                          "[[strategy]] (double brackets) for each strategy")
    out: list[StrategyConfig] = []
    seen: set[str] = set()
    files: dict[str, tuple[int, str]] = {}       # file_key → (#, name) of the first to use it
    for i, tab in enumerate(raw, 1):
        if not isinstance(tab, Mapping):
            raise ConfigError(f"{w.file}: [[strategy]] #{i}: expected a table with rule = ...")
        rule = tab.get("rule")
        where = f"[[strategy]] #{i} '{tab.get('name', rule)}'"
        unknown = [k for k in tab if k not in STRATEGY_KEYS]
        if unknown:
            raise w.err(where, unknown[0], f"unknown key; valid keys: "
                        f"{', '.join(STRATEGY_KEYS)}")
        if rule not in REGISTRY:
            raise w.err(where, "rule", f"unknown strategy rule {rule!r}; registered rules: "
                        f"{', '.join(REGISTRY)}")
        name = tab.get("name", rule)
        problem = name_problem(name)
        if problem:
            raise w.err(where, "name", problem)
        if name in seen:
            raise w.err(where, "name", f"'{name}' is used twice; give each [[strategy]] its own "
                        "name")
        seen.add(name)
        if file_key(name) in files:
            j, other = files[file_key(name)]
            stem = safe_name(name)
            raise w.err(where, "name", f"'{name}' and '{other}' (#{j}) would write the same "
                        f"files (weights/{stem}.csv, tearsheets/{stem}.html): result file names "
                        "drop a trailing '_' or '.' and some file systems ignore case; rename "
                        "one")
        files[file_key(name)] = (i, name)
        strat = REGISTRY[rule]
        params_raw = tab.get("params", {})
        if not isinstance(params_raw, Mapping):
            raise w.err(where, "params", "expected a table, e.g. params = { shift = 0.5 }")
        try:
            params = make_params(strat.Params, params_raw)
        except ConfigError as exc:
            raise w.err(where, "params", f"{exc}") from None
        binding = tab.get("signals", {})
        if not isinstance(binding, Mapping) or not all(isinstance(v, str)
                                                       for v in binding.values()):
            raise w.err(where, "signals", "expected a table slot = \"SIGNAL NAME\", e.g. "
                        "signals = { concentration = \"mega_weight\" }")
        try:
            strat.bind(signals, binding, sleeves)
        except ConfigError as exc:
            raise w.err(where, "signals", str(exc)) from None
        missing = [r for r in strat.required_sleeves(params) if r not in roles]
        if missing:
            raise w.err(where, "rule", f"strategy '{name}' ({rule}) holds or reads sleeve "
                        f"'{missing[0]}', which is not defined; sleeves: "
                        f"{', '.join(sorted(roles)) or 'none'}; add {missing[0]} = \"TICKER\" "
                        "under [sleeves]")
        out.append(StrategyConfig(name=name, rule=rule, params=params,
                                  signals=MappingProxyType(dict(binding))))
    return tuple(out)
