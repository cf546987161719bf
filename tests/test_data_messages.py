"""Errors about the sample universe and the window name the config file and key (issue 10,
Why 7): FX on the sample, a sleeve ticker the sample lacks, a window without a trading day."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main as rowboat

ROWING = Path(__file__).resolve().parent.parent / "scripts" / "configs" / "rowing_boat.toml"


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = ROWING.read_text()
    assert old in text
    cfg = tmp_path / "exp.toml"
    cfg.write_text(text.replace(old, new, 1))
    return cfg


def run(capsys, *argv: str) -> tuple[int, str]:
    code = rowboat(["run", *argv, "--no-tearsheets"])
    return code, " ".join(capsys.readouterr().err.split())


def test_fx_on_the_sample_names_the_config_and_key(tmp_path, capsys):
    cfg = variant(tmp_path, "seed = 7", 'seed = 7\nbase_currency = "GBP"\nfx = "GBPUSD=X"')
    # a base currency also asks for a local risk-free series; risk_free = 0 isolates the FX error
    cfg.write_text(cfg.read_text().replace('risk_free = "cash"', "risk_free = 0", 1))
    code, err = run(capsys, str(cfg), "--out", str(tmp_path / "o"))
    assert code == 2 and f"{cfg}: [data] base_currency/fx: the synthetic sample has one " \
                          "currency" in err and "remove base_currency and fx" in err


def test_sleeve_ticker_missing_from_the_sample_names_the_config_and_sleeve(tmp_path, capsys):
    cfg = variant(tmp_path, "seed = 7", 'seed = 7\n[sleeves]\nus = "NOPE"')
    code, err = run(capsys, str(cfg), "--out", str(tmp_path / "o"))
    assert code == 2 and f"{cfg}: [sleeves] us: sleeve 'us' names ticker 'NOPE'" in err
    assert "synthetic sample" in err and "use one of its tickers: AAPL" in err


@pytest.mark.parametrize("where, extra", [
    ("[run] start/end", []),
    ("--start and --end", ["--start", "2020-12-05", "--end", "2020-12-06"]),
])
def test_window_without_a_trading_day_names_where_it_came_from(tmp_path, capsys, where, extra):
    cfg = (variant(tmp_path, 'risk_free = "cash"',
                   'risk_free = "cash"\nstart = 2020-12-05\nend = 2020-12-06')
           if not extra else ROWING)
    code, err = run(capsys, str(cfg), "--out", str(tmp_path / "o"), *extra)
    prefix = f"{cfg}: {where}" if not extra else where
    assert code == 2 and f"{prefix}: no trading day from 2020-12-05 to 2020-12-06" in err
    assert "widen the period" in err and not (tmp_path / "o").exists()
