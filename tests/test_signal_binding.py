"""Explicit signal binding: a strategy reads the signals named for it; an automatic choice only
when unambiguous (and said); a chart-only [signals.*] table never changes a strategy's inputs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.config import load_config
from engine.errors import ConfigError
from strategies import REGISTRY

ROOT = Path(__file__).resolve().parents[1]

#: The shape of the shipped ETF config before explicit bindings: one concentration table on
#: other series (SPY in ACWI), breakout tables on ex_us and em, no binding anywhere.
BASE = """
[run]
name = "binding"
benchmark = "world"
risk_free = "cash"

[data]
source = "sample"

[signals.us_weight]
kind = "concentration"
basket = "US"
index = "WORLD"

[signals.exus_high]
kind = "breakout"
series = "ex_us"
years = 3

[signals.em_high]
kind = "breakout"
series = "em"
confirm_days = 2

[signals.us_trend]
kind = "trend"
series = "us"
months = 8
"""

#: every registered rule, default params, nothing bound
STRATEGIES = "".join(f'\n[[strategy]]\nname = "{n}"\nrule = "{n}"\n' for n in REGISTRY)

#: chart-only tables of every kind on series no slot reads by default
CHART_ONLY = {
    "concentration": '[signals.chart]\nkind = "concentration"\nbasket = "US"\nindex = "WORLD"\n',
    "breakout": '[signals.chart]\nkind = "breakout"\nseries = "WORLD"\n',
    "trend": '[signals.chart]\nkind = "trend"\nseries = "WORLD"\nmonths = 3\n',
    "momentum": '[signals.chart]\nkind = "momentum"\nseries = "WORLD"\nmonths = 2\n',
}


def _cfg(tmp_path: Path, text: str, name: str = "c.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize("kind", sorted(CHART_ONLY))
def test_a_chart_only_table_never_changes_a_strategys_inputs(tmp_path, kind):
    """Before: concentration_unwind read SPY-in-ACWI as the only concentration table, and one
    more concentration table switched it back to its default spec."""
    before = _cfg(tmp_path, BASE + STRATEGIES, "a.toml")
    after = _cfg(tmp_path, BASE + CHART_ONLY[kind] + STRATEGIES, "b.toml")
    for sc in before.strategies:
        assert before.bound_signals(sc.name) == after.bound_signals(sc.name), sc.name
    # a table on other series is not picked up: the unwind reads its default spec
    b = before.signal_bindings()["concentration_unwind"]["concentration"]
    assert b == {"signal": "concentration(us_mega)", "how": "default",
                 "reads": ["us_mega", "us"]}


def test_targets_do_not_change_either(tmp_path):
    from engine.experiment import load_experiment

    a = load_experiment(_cfg(tmp_path, BASE + STRATEGIES, "a.toml"))
    b = load_experiment(_cfg(tmp_path, BASE + CHART_ONLY["concentration"] + STRATEGIES,
                             "b.toml"))
    for name, res in a.results.items():
        assert res.targets.equals(b.results[name].targets), name


def test_auto_choice_is_the_one_table_on_the_slots_series_and_is_said(tmp_path):
    cfg = _cfg(tmp_path, BASE + STRATEGIES)
    rb = cfg.signal_bindings()["rowing_boat"]
    assert rb["ex_us"]["signal"] == "exus_high" and rb["ex_us"]["how"] == "auto"
    assert rb["em"]["signal"] == "em_high" and rb["trend"]["signal"] == "us_trend"
    assert cfg.bound_signals("rowing_boat")["ex_us"].setting("years") == 3
    lines = cfg.binding_lines()
    assert "rowing_boat.ex_us reads exus_high (auto: the only breakout signal on ex_us)" in lines
    assert ("concentration_unwind.concentration reads concentration(us_mega) (default "
            "settings; no [signals.*] table reads its series)") in lines


def test_explicit_binding_wins_and_is_not_listed_as_a_choice(tmp_path):
    text = BASE + ('\n[[strategy]]\nname = "u"\nrule = "concentration_unwind"\n'
                   'signals = { concentration = "us_weight" }\n')
    text = text.replace('benchmark = "world"', 'benchmark = "u"')
    cfg = _cfg(tmp_path, text)
    assert cfg.bound_signals("u")["concentration"].name == "us_weight"
    assert cfg.signal_bindings()["u"]["concentration"]["how"] == "bound"
    assert cfg.binding_lines() == []


def test_two_tables_on_the_slots_series_are_ambiguous(tmp_path):
    text = BASE + '[signals.em_3y]\nkind = "breakout"\nseries = "em"\nyears = 3\n' + STRATEGIES
    with pytest.raises(ConfigError, match=re.escape(
            "'breakout_rotation' slot 'em' could read any of the breakout signals 'em_high', "
            "'em_3y' (all read em); bind one in its [[strategy]] table: "
            "signals = { em = \"em_high\" }")):
        _cfg(tmp_path, text)


def test_binding_to_a_missing_signal_exits_2_with_one_message(tmp_path, capsys):
    from engine.cli import main

    text = BASE + ('\n[[strategy]]\nname = "world"\nrule = "world"\n'
                   '\n[[strategy]]\nname = "u"\nrule = "concentration_unwind"\n'
                   'signals = { concentration = "nope" }\n')
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-tearsheets"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "names signal 'nope', which is not defined" in err
    assert not out.exists()


def test_shipped_configs_bind_their_concentration_explicitly():
    for name in ("rowing_boat.toml", "rowing_boat_etfs.toml"):
        cfg = load_config(ROOT / "scripts" / "configs" / name)
        for s in ("concentration_unwind", "rowing_boat"):
            assert cfg.signal_bindings()[s]["concentration"]["how"] == "bound", (name, s)


def test_the_page_says_who_reads_each_signal(tmp_path):
    from types import SimpleNamespace

    from engine.report.experiment_view import _readers

    text = BASE + CHART_ONLY["trend"] + ('\n[[strategy]]\nname = "world"\nrule = "world"\n'
                                          '\n[[strategy]]\nname = "rb"\nrule = "rowing_boat"\n'
                                          'signals = { em = "em_high" }\n')
    exp = SimpleNamespace(config=_cfg(tmp_path, text))
    assert _readers(exp, "em_high") == " Read by: rb (em)."
    assert _readers(exp, "exus_high") == " Read by: rb (ex_us; auto)."
    assert _readers(exp, "chart") == " Read by no strategy (chart only)."
