"""TOML configs: parsing, units, and one clear error (exit 2 through ``rowboat run``) per
mistake."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.cli import main
from engine.config import load_config
from engine.errors import ConfigError
from strategies import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "scripts" / "configs"

GOOD = """
[run]
name = "t"
benchmark = "world"
risk_free = "cash"

[data]
source = "sample"

[signals.mega]
kind = "concentration"
basket = ["AAPL", "MSFT"]
index = "US"

[costs]
fee_bps = 10
slippage_bps = 2.5
band = 0.05

[[strategy]]
name = "world"
rule = "world"

[[strategy]]
name = "unwind"
rule = "concentration_unwind"
params = { shift = 0.25 }
signals = { concentration = "mega" }
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_good_config_parses_with_units_converted(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.run.name == "t" and cfg.run.lag == 1 and cfg.run.risk_free == "cash"
    assert cfg.costs.fee == pytest.approx(0.001) and cfg.costs.slippage == pytest.approx(0.00025)
    assert cfg.costs.band == 0.05 and cfg.costs.rebalance == "decision"
    assert [s.name for s in cfg.strategies] == ["world", "unwind"]
    assert cfg.strategy("unwind").params == REGISTRY["concentration_unwind"].params(shift=0.25)
    assert cfg.bound_signals("unwind")["concentration"] is cfg.signals["mega"]
    assert cfg.signals["mega"].basket == ("AAPL", "MSFT")
    assert {r: sl.tickers for r, sl in cfg.sleeves.items()} == {
        "us_mega": ("MEGA",), "us": ("US",), "ex_us": ("EXUS",), "em": ("EM",),
        "world": ("WORLD",), "cash": ("CASH",), "bonds": ("BONDS",)}  # the sample's defaults


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.toml")), ids=lambda p: p.name)
def test_example_configs_parse(path):
    cfg = load_config(path)
    assert cfg.run.benchmark in [s.name for s in cfg.strategies]
    for sc in cfg.strategies:
        assert sc.rule in REGISTRY


def test_rowing_boat_example_is_the_article_scenario():
    cfg = load_config(CONFIGS / "rowing_boat.toml")
    rules = {s.rule for s in cfg.strategies}
    assert rules >= {"us_only", "world", "equal_thirds", "concentration_unwind",
                     "breakout_rotation", "rowing_boat", "dual_momentum", "sma_timing"}
    assert cfg.data.source == "sample"
    etf = load_config(CONFIGS / "rowing_boat_etfs.toml") if (
        CONFIGS / "../../../shared/data/prices").resolve().exists() else None
    if etf is not None:
        assert {s.rule for s in etf.strategies} == rules
        assert {sl.tickers[0] for sl in etf.sleeves.values()} >= {"SPY", "MGK", "ACWX", "EEM",
                                                                 "BIL", "AGG"}


def test_dates_and_inline_anchors(tmp_path):
    text = GOOD.replace('name = "t"', 'name = "t"\nstart = 2010-01-04\nend = "2020-12-31"')
    text = text.replace('index = "US"', 'index = "US"\nanchors = { 2020-06-30 = 0.2 }')
    text = text.replace('basket = ["AAPL", "MSFT"]', 'basket = "AAPL"')
    cfg = load_config(write(tmp_path, text))
    assert cfg.run.start == pd.Timestamp("2010-01-04") and cfg.run.end == pd.Timestamp("2020-12-31")
    assert cfg.signals["mega"].anchors == ((pd.Timestamp("2020-06-30"), 0.2),)


# (what to change in GOOD, the message expected) — every error names file, section and key
BAD = {
    "unknown strategy": (('rule = "world"', 'rule = "wrold"'),
                         r"\[\[strategy\]\] #1 'world' rule: unknown strategy rule 'wrold'; "
                         r"registered rules: us_only, world"),
    "unknown sleeve (risk-free)": (('risk_free = "cash"', 'risk_free = "tbills"'),
                                   r"\[run\] risk_free: unknown sleeve 'tbills'; sleeves: .*"
                                   r"add it under \[sleeves\] \(or name a ticker listed in "
                                   r"\[data\] local\) or use 0"),
    "missing signal": (('signals = { concentration = "mega" }',
                        'signals = { concentration = "mega_weight" }'),
                       r"\[\[strategy\]\] #2 'unwind' signals: .*names signal 'mega_weight', "
                       r"which is not defined; defined signals: mega; add "
                       r"\[signals.mega_weight\]"),
    "out-of-range param": (("shift = 0.25", "shift = 25"),
                           r"#2 'unwind' params: param 'shift' = 25 is out of range \[0, 1\].*"
                           r"for 25 %, write 0.25"),
    "unknown param": (("shift = 0.25", "shfit = 0.25"),
                      r"params: unknown param 'shfit'; valid params: schedule, rebalance, band, "
                      r"us_mega"),
    "wrong param type": (("shift = 0.25", 'shift = "a lot"'), r"'shift' must be a number"),
    "unknown key": (('benchmark = "world"', 'benchmark = "world"\nbenchmrk = "x"'),
                    r"\[run\] benchmrk: unknown key; valid keys: name, start, end, benchmark"),
    "costs in percent": (("fee_bps = 10", "fee = 0.1"),
                         r"\[costs\] fee: unknown key; valid keys: fee_bps, slippage_bps"),
    "band in percent": (("band = 0.05", "band = 5"),
                        r"\[costs\] band: expected a fraction .* got 5 — for 5 %, write 0.05"),
    "unknown section": (("[costs]", "[cost]"), r"unknown section \[cost\]; valid sections: "
                                               r"\[run\], \[data\]"),
    "unknown benchmark": (('benchmark = "world"', 'benchmark = "spy"'),
                          r"\[run\] benchmark: 'spy' is not one of the \[\[strategy\]\] names "
                          r"\(world, unwind\)"),
    "signal kind": (('kind = "concentration"', 'kind = "concentrate"'),
                    r"\[signals.mega\] kind: 'concentrate' is not a signal kind; valid kinds: "
                    r"concentration, breakout, trend, momentum"),
    "signal setting": (('index = "US"', 'index = "US"\nwindow = 0'),
                       r"\[signals.mega\] window: concentration setting 'window' = 0 is out of "
                       r"range"),
    "duplicate name": (('name = "unwind"', 'name = "world"'), r"'world' is used twice"),
    # results files are named by safe_name, which drops a trailing '_' / '.': weights/world.csv
    "same file name (_)": (('name = "unwind"', 'name = "world_"'),
                           r"#2 'world_' name: 'world_' and 'world' \(#1\) would write the same "
                           r"files \(weights/world.csv, tearsheets/world.html\).*rename one"),
    "trailing dot": (('name = "unwind"', 'name = "world."'),
                     r"name: 'world\.' ends with '\.', which file systems drop or hide"),
    "same file name (case)": (('name = "unwind"', 'name = "World"'), r"'World' and 'world'"),
    "lag": (('risk_free = "cash"', 'risk_free = "cash"\nlag = -1'),
            r"\[run\] lag: expected a whole number from 0 to 21, got -1"),
    "bad toml": (('name = "t"', "name = t"), r"not valid TOML"),
    "single brackets": (("[[strategy]]\nname = \"unwind\"", "[strategy]\nname = \"unwind\""),
                        r"not valid TOML|array of tables"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_gives_one_clear_error(tmp_path, case):
    (old, new), match = BAD[case]
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError, match=match) as exc:
        load_config(path)
    assert str(path) in str(exc.value)


def test_missing_source_folder_is_an_error_unless_data_overrides_it(tmp_path):
    """A config naming a folder that is not on this machine still loads (``--data`` may replace
    it); running it without an override names the key, the resolved path and both fixes."""
    from engine.experiment import load_experiment

    path = write(tmp_path, """
[run]
name = "t"
benchmark = "us"
[data]
source = "no/such/folder"
[sleeves]
us = "US"
ex_us = "EXUS"
[[strategy]]
name = "us"
rule = "us_only"
""")
    cfg = load_config(path)
    assert cfg.data.source == str((tmp_path / "no/such/folder").resolve())
    with pytest.raises(ConfigError, match=r"\[data\] source: .*no/such/folder does not exist "
                                          r"\(paths are relative to the config file\); fix the "
                                          r"path, or pass --data FOLDER"):
        load_experiment(cfg)
    exp = load_experiment(cfg, data="sample")
    assert exp.panel.synthetic


def test_unknown_sleeve_needed_by_a_strategy(tmp_path):
    text = f"""
[data]
source = "{tmp_path.as_posix()}"
[sleeves]
us = "SPY"
ex_us = "ACWX"
cash = "BIL"
[[strategy]]
name = "gem"
rule = "dual_momentum"
"""
    with pytest.raises(ConfigError, match=r"\[\[strategy\]\] #1 'gem' rule: strategy 'gem' "
                                          r"\(dual_momentum\) holds or reads sleeve 'bonds', "
                                          r"which is not defined.*add bonds = \"TICKER\" under "
                                          r"\[sleeves\]"):
        load_config(write(tmp_path, text))
    with pytest.raises(ConfigError, match=r"\[sleeves\]: missing; only the sample has default"):
        load_config(write(tmp_path, text.replace('[sleeves]\nus = "SPY"\nex_us = "ACWX"\n'
                                                 'cash = "BIL"\n', "")))


# ----------------------------------------------------------------------------- through the CLI

CLI_CASES = {
    "unknown strategy": ('rule = "world"', 'rule = "wrold"', "unknown strategy rule 'wrold'"),
    "unknown sleeve": ('risk_free = "cash"', 'risk_free = "tbills"', "unknown sleeve 'tbills'"),
    "missing signal": ('signals = { concentration = "mega" }',
                       'signals = { concentration = "nope" }', "names signal 'nope'"),
    "out-of-range params": ("shift = 0.25", "shift = 2", "'shift' = 2 is out of range"),
    "unknown key": ("fee_bps = 10", "fees_bps = 10", "[costs] fees_bps: unknown key"),
    "dates outside the data": ('name = "t"', 'name = "t"\nstart = "1990-01-02"',
                               "[run] start: 1990-01-02 is outside the data: the data "
                               "(synthetic sample (seed 7)) covers 2006-07-03 to 2026-07-31"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_rowboat_run_exits_2_with_one_message(tmp_path, monkeypatch, capsys, case):
    old, new, message = CLI_CASES[case]
    path = write(tmp_path, GOOD.replace(old, new, 1))
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("rowboat: error: ")]
    assert len(errors) == 1 and message in errors[0], err
    assert "Traceback" not in err
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("value", ['"2008-13-01"', '"20080131"', '"31/01/2008"', "2008"])
def test_run_dates_must_be_iso_dates(tmp_path, value):
    """[run] start is read by the same parser as --start: a bad one names the file and key."""
    path = write(tmp_path, GOOD.replace('name = "t"', f'name = "t"\nstart = {value}', 1))
    with pytest.raises(ConfigError, match=r"\[run\] start: expected YYYY-MM-DD, got "):
        load_config(path)
    assert load_config(write(tmp_path, GOOD.replace(
        'name = "t"', 'name = "t"\nstart = 2008-01-31', 1))).run.start == pd.Timestamp("2008-01-31")
