"""The real-ETF config end to end on ../shared/data/prices (a user's folder of CSVs)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from engine.cli import main as rowboat
from engine.report.tearsheet import external_refs

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat_etfs.toml"

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def test_real_etf_run_end_to_end(prices_dir: Path, tmp_path: Path) -> None:
    """One test (the run takes ~20 s with its tearsheets, so it is made once)."""
    out = tmp_path / "results"
    assert rowboat(["run", str(CONFIG), "--data", str(prices_dir), "--out", str(out),
                    "--quiet"]) == 0
    etf_run = out / "rowing_boat_etfs"
    manifest = json.loads((etf_run / "manifest.json").read_text())
    assert manifest["data"]["synthetic"] is False
    source = manifest["data"]["source"]   # the folder as given (a symlinked ../shared included)
    assert str(prices_dir) in source or str(prices_dir.resolve()) in source
    assert manifest["data_override"] == str(prices_dir)
    metrics = pd.read_csv(etf_run / "metrics.csv", index_col=0)
    strategies = [s["name"] for s in manifest["strategies"]]
    assert list(metrics.index) == strategies and len(strategies) >= 6
    # ACWX/ACWI/BIL start 2008-03/04: nothing can be measured before them
    assert metrics["start"].iloc[0] >= "2008-04-01"
    assert metrics["end"].iloc[0] == "2026-07-31"
    html = (etf_run / "index.html").read_text()
    assert "synthetic sample" not in html and "cash (BIL)" in html
    for name in strategies:
        sheet = (etf_run / "tearsheets" / f"{name}.html").read_text()
        assert external_refs(sheet) == [], name


    # us_only holds SPY: its 2022 and 2024 returns are SPY's total returns (data README)
    returns = pd.read_csv(etf_run / "returns.csv", index_col=0, parse_dates=True)["us_only"]
    by_year = (1 + returns).groupby(returns.index.year).prod() - 1
    assert by_year[2022] == pytest.approx(-0.1818, abs=5e-4)
    assert by_year[2024] == pytest.approx(0.2489, abs=5e-4)
