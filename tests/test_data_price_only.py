"""Price-level files (an index such as ^GSPC: ``Date,Close[,Volume]`` without dividends):
loaded as price levels when declared (``[data] price_only`` / ``--price-only``), refused with
one message naming the file and the fix when not; one bad file in a folder does not hide the
rest in ``rowboat data show``."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat
from engine.data import load_panel
from engine.data.sources import read_folder
from engine.errors import DataError

DAYS = pd.bdate_range("2019-01-02", periods=300)


def _write(folder: Path, ticker: str, frame: pd.DataFrame) -> None:
    frame.insert(0, "Date", DAYS.strftime("%Y-%m-%d"))
    frame.to_csv(folder / f"{ticker}.csv", index=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    spx = 2500 * np.cumprod(1 + rng.normal(0.0003, 0.01, len(DAYS)))
    spy = 250 * np.cumprod(1 + rng.normal(0.0004, 0.01, len(DAYS)))
    _write(tmp_path, "^GSPC", pd.DataFrame({"Close": spx, "Volume": 4e9}))   # price levels
    _write(tmp_path, "SPY", pd.DataFrame({"Close": spy}))                      # total return
    return tmp_path


def test_an_undeclared_price_file_names_the_file_and_both_fixes(folder):
    data = read_folder(folder, ["^GSPC"])
    [f] = data.series["^GSPC"].findings
    assert f.is_error and f.message.startswith("^GSPC.csv: ")
    assert "[data] price_only = [\"^GSPC\"]" in f.message and "--price-only ^GSPC" in f.message
    with pytest.raises(DataError, match=r"\^GSPC.csv: .*neither a total-return close nor "
                                        r"declared as price levels"):
        load_panel(folder, {"us": "SPY", "idx": "^GSPC"})


def test_a_declared_price_file_loads_as_price_levels(folder):
    p = load_panel(folder, {"us": "SPY", "idx": "^GSPC"}, price_only=["^GSPC"])
    raw = pd.read_csv(folder / "^GSPC.csv")["Close"].to_numpy()
    np.testing.assert_array_equal(p.pr["^GSPC"].to_numpy(), raw)
    np.testing.assert_array_equal(p.tr["^GSPC"].to_numpy(), raw)     # no dividends to add
    assert p.price_return == frozenset({"^GSPC"})
    assert p.signal_close("idx").equals(p.pr["^GSPC"].rename("^GSPC"))
    with pytest.raises(DataError, match=r"price_only names \^DJI, which is not in"):
        load_panel(folder, {"us": "SPY"}, price_only=["^DJI"])


def test_run_refuses_an_undeclared_price_file_with_exit_2(folder, tmp_path, capsys):
    cfg = tmp_path / "idx.toml"
    body = (f'[run]\nname = "idx"\n[data]\nsource = "{folder}"\nEXTRA[sleeves]\n'
            'us = "SPY"\n[signals.spx_high]\nkind = "breakout"\nseries = "^GSPC"\n'
            '[[strategy]]\nname = "a"\nrule = "us_only"\n')
    cfg.write_text(body.replace("EXTRA", ""))
    out = tmp_path / "out"
    code = rowboat(["run", str(cfg), "--out", str(out), "--no-tearsheets", "--quiet"])
    o, e = capsys.readouterr()
    assert code == 2 and "Traceback" not in o + e
    assert e.count("\n") == 1 and "^GSPC.csv" in e and "price_only" in e
    assert not (out / "idx").exists()
    cfg.write_text(body.replace("EXTRA", 'price_only = ["^GSPC"]\n'))
    code = rowboat(["run", str(cfg), "--out", str(out), "--no-tearsheets", "--quiet"])
    capsys.readouterr()
    assert code == 0 and (out / "idx" / "metrics.csv").exists()


def test_data_show_reports_a_bad_file_and_shows_the_rest(folder, capsys):
    code = rowboat(["data", "show", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in out + err
    assert "^GSPC.csv" in err and "left out" in err and "SPY" in out
    code = rowboat(["data", "show", str(folder), "--price-only", "^GSPC"])
    out, err = capsys.readouterr()
    assert code == 0 and err == "" and "^GSPC" in out
    code = rowboat(["data", "check", str(folder), "--price-only", "^GSPC"])
    assert code == 0
    capsys.readouterr()
