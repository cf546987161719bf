"""``rowboat data check | show`` end to end, ``load_panel("sample")`` and the installed
command in a subprocess (exit codes, no traceback)."""
from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat
from engine.data import Panel, Sleeve, load_panel
from engine.data import load as load_mod
from engine.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parent.parent
ROWBOAT = Path(sys.executable).parent / "rowboat"


def fake_sample(seed: int = 7) -> Panel:
    """A stand-in with the sample's shape (the real one is engine.data.sample)."""
    days = pd.bdate_range("2010-01-01", periods=600, name="Date")
    rng = np.random.default_rng(seed)
    names = ["MEGA", "US", "EXUS", "EM", "CASH"]
    tr = pd.DataFrame(100 * np.cumprod(1 + rng.normal(0.0003, 0.01, (600, 5)), axis=0),
                      index=days, columns=names)
    roles = {"us_mega": "MEGA", "us": "US", "ex_us": "EXUS", "em": "EM", "cash": "CASH"}
    return Panel(tr=tr, pr=tr * 0.9, price_return=frozenset(names), synthetic=True,
                 source=f"synthetic sample (seed {seed})",
                 ).with_sleeves({r: Sleeve.parse(r, t) for r, t in roles.items()})


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = rowboat(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.realdata
def test_check_real_prices_lists_28_tickers(prices_dir, capsys):
    code, out, err = run(capsys, "data", "check", str(prices_dir))
    assert code == 0 and err == ""
    rows = re.findall(r"^│ (\S+)\s+│ (\d{4}-\d\d-\d\d) │ (\d{4}-\d\d-\d\d) │\s+(\d+) │", out, re.M)
    assert len(rows) == 28
    assert {r[0] for r in rows} == {p.stem for p in prices_dir.glob("*.csv")}
    assert ("MAGS", "2023-04-11", "2026-07-31", "830") in rows
    assert "28 tickers: 1 warning" in out and "AAPL.csv: column 'Close' has 1 daily move" in out
    assert "common period 2023-04-11 to 2026-07-31 (830 trading days; start set by MAGS)" in out


@pytest.mark.realdata
def test_check_real_yahoo_export(yahoo_export_dir, capsys):
    code, out, _ = run(capsys, "data", "check", str(yahoo_export_dir))
    assert code == 0 and "18 tickers: ok" in out and "^GSPC" in out


@pytest.mark.realdata
def test_show_real_folder_prints_the_sleeves(prices_dir, capsys):
    code, out, _ = run(capsys, "data", "show", str(prices_dir), "--sleeve", "us=SPY",
                       "--sleeve", "em=EEM,VWO", "--sleeve", "mega=MGK:0.75,QQQ:0.25")
    assert code == 0
    panel = load_panel(prices_dir, {"us": "SPY", "em": ["EEM", "VWO"],
                                    "mega": {"MGK": 0.75, "QQQ": 0.25}})
    assert f"source: CSV folder {prices_dir}" in out
    assert "period: 2007-12-27 to 2026-07-31" in out and "start set by MGK" in out
    assert "data: 1993-01-29 to 2026-07-31" in out      # every series keeps its own history
    d = panel.describe().set_index("sleeve")
    for role, text in (("us", "SPY"), ("em", "EEM 50% VWO 50%"), ("mega", "MGK 75% QQQ 25%")):
        line = next(ln for ln in out.splitlines() if f"│ {role} " in ln)
        assert text in line
        assert f"{100 * d.loc[role, 'ann_return']:.2f}" in line
        assert f"{100 * d.loc[role, 'ann_vol']:.2f}" in line
    assert "synthetic" not in out


def test_show_sample_uses_the_generator(monkeypatch, capsys):
    monkeypatch.setattr(load_mod, "sample_panel", fake_sample)
    code, out, _ = run(capsys, "data", "show", "sample", "--seed", "3")
    assert code == 0
    assert "synthetic sample" in out and "source: synthetic sample (seed 3)" in out
    assert "period: 2010-01-01 to 2012-04-19 (600 trading days)" in out
    for role in ("us_mega", "us", "ex_us", "em", "cash"):
        assert f"│ {role} " in out


def test_load_sample_sleeves_and_errors(monkeypatch):
    monkeypatch.setattr(load_mod, "sample_panel", fake_sample)
    p = load_panel("sample", seed=5)
    assert p.synthetic and p.roles == ["us_mega", "us", "ex_us", "em", "cash"]
    assert p.data_hash() == fake_sample(5).data_hash()
    q = load_panel("sample", {"core": {"US": 0.6, "EXUS": 0.4}}, start="2010-06-01",
                   end="2011-06-01")
    assert q.roles == ["core"] and str(q.dates[0].date()) == "2010-06-01"
    with pytest.raises(ConfigError, match="sleeve 'x' names ticker 'SPY', which is not in the "
                                          "data"):
        load_panel("sample", {"x": "SPY"})
    with pytest.raises(DataError, match="ticker SPY not in the synthetic sample"):
        load_panel("sample", extra_tickers=["SPY"])
    with pytest.raises(ConfigError, match="the synthetic sample has one currency"):
        load_panel("sample", base_currency="GBP", fx="GBPUSD=X")
    with pytest.raises(DataError, match="end 2030-01-01 is outside the data: the data covers "
                                        "2010-01-01 to 2012-04-19"):
        load_panel("sample", end="2030-01-01")


def test_missing_sample_module_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "engine.data.sample", None)  # import fails
    with pytest.raises(DataError, match=r"synthetic sample universe \(engine/data/sample.py\) "
                                        "is missing"):
        load_panel("sample")


def test_folder_needs_sleeves(tmp_path):
    pd.DataFrame({"Date": ["2020-01-02"], "Close": [1.0]}).to_csv(tmp_path / "A.csv",
                                                                 index=False)
    with pytest.raises(ConfigError, match="give sleeves .* only the sample has default sleeves"):
        load_panel(tmp_path)


def test_data_without_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        rowboat(["data"])
    assert info.value.code == 2


def test_installed_command_exit_codes(tmp_path):
    """The console script itself: exit 2, one line on stderr, no traceback."""
    if not ROWBOAT.exists():
        pytest.skip(f"console script not installed at {ROWBOAT}")
    (tmp_path / "SPY.csv").write_text("Date,Close\n2020-01-02,1\n2020-01-02,1\n")
    env = dict(os.environ)  # engine/__init__.py picks the numba cache folder
    proc = subprocess.run([str(ROWBOAT), "data", "check", str(tmp_path)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    assert "SPY.csv: 1 duplicated date (first 2020-01-02); remove them" in proc.stdout
    proc = subprocess.run([str(ROWBOAT), "data", "show", str(tmp_path), "--sleeve", "us=SPY"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("rowboat: error: SPY.csv: 1 duplicated date")
    assert proc.stderr.count("\n") == 1


def test_real_sample_shows(capsys):
    """The real generator (engine.data.sample) through ``rowboat data show sample``, which
    ``make demo`` runs."""
    pytest.importorskip("engine.data.sample")
    code, out, _ = run(capsys, "data", "show", "sample")
    assert code == 0 and "synthetic sample" in out
    for role in ("us_mega", "us", "ex_us", "em", "world", "cash", "bonds"):
        assert f"│ {role} " in out



@pytest.mark.parametrize("spec, text", [
    ({"US": "abc", "EXUS": 0.4}, "sleeve 'core': weight of 'US' is 'abc', not a number"),
    ({"US": True}, "sleeve 'core': weight of 'US' is True, not a number"),
    ({"US": 0.6, "EXUS": "0.4"}, "sleeve 'core': weight of 'EXUS' is '0.4', not a number"),
])
def test_basket_weight_must_be_a_number(spec, text):
    with pytest.raises(ConfigError) as info:
        Sleeve.parse("core", spec)
    assert text in str(info.value)
    with pytest.raises(ConfigError, match="weight of 'US' is False, not a number"):
        Sleeve("core", ("US",), (False,))


def test_basket_weight_text_in_a_config_exits_2(tmp_path, capsys):
    cfg = tmp_path / "exp.toml"
    cfg.write_text('[run]\nname = "t"\nbenchmark = "us"\n[data]\nsource = "sample"\n'
                   '[sleeves]\ncore = {US = "abc", EXUS = 0.4}\n'
                   '[[strategy]]\nname = "us"\nrule = "us_only"\n')
    code, _, err = run(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 2 and "sleeve 'core': weight of 'US' is 'abc', not a number" in err


def test_show_says_when_the_start_is_set_by_the_option(monkeypatch, capsys):
    monkeypatch.setattr(load_mod, "sample_panel",
                        lambda seed=7: dataclasses.replace(fake_sample(seed), start_ticker="US"))
    code, out, _ = run(capsys, "data", "show", "sample")
    assert code == 0 and "(600 trading days; start set by US)" in out
    code, out, _ = run(capsys, "data", "show", "sample", "--start", "2010-06-01")
    assert code == 0 and "period: 2010-06-01 to 2012-04-19" in out
    assert "start set by --start" in out and "start set by US" not in out
    code, out, _ = run(capsys, "data", "show", "sample", "--end", "2011-06-01")
    assert code == 0 and "start set by US" in out
    code, _, err = run(capsys, "data", "show", "sample", "--start", "2010-02-30")
    assert code == 2 and "start: expected YYYY-MM-DD, got '2010-02-30'" in err
    code, _, err = run(capsys, "data", "show", "sample", "--start", "2010-06-05",
                       "--end", "2010-06-06")
    assert code == 2 and "no trading day from 2010-06-05 to 2010-06-06" in err
