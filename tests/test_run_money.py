"""Money in `rowboat run`: idle cash earns the cash sleeve; with a base currency the risk-free
series is a local one; a late cash sleeve (SGOV-like) that shortens the period is named in the
run output and the manifest. Checked against pandas by hand on a small folder of CSVs."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numba import njit

import strategies
from engine import config_tables
from engine.cli import main as rowboat
from engine.config import config_from_dict
from engine.errors import ConfigError
from engine.experiment import load_experiment

DAYS = pd.bdate_range("2018-01-01", periods=700)


def _walk(seed: int, vol: float, drift: float = 0.0003) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100 * np.cumprod(1 + rng.normal(drift, vol, len(DAYS)))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("money")
    series = {"SPY": _walk(1, 0.01), "BIL": _walk(2, 0.0002, 0.0001),
              "GBPUSD=X": 1.3 * np.cumprod(1 + np.random.default_rng(4).normal(0, 0.005,
                                                                              len(DAYS))),
              "CSH.L": _walk(5, 0.0002, 0.0001)}
    for t, v in series.items():
        pd.DataFrame({"Date": DAYS.strftime("%Y-%m-%d"), "Close": v}).to_csv(d / f"{t}.csv",
                                                                             index=False)
    late = 300                                      # an SGOV-like cash fund listed later
    pd.DataFrame({"Date": DAYS[late:].strftime("%Y-%m-%d"), "Close": _walk(6, 0.0002)[late:]}
                 ).to_csv(d / "SGOV.csv", index=False)
    return d


def _config(folder: Path, **over) -> dict:
    raw = {"run": {"name": "money", "benchmark": "mix", "risk_free": "cash"},
           "data": {"source": str(folder)},
           "sleeves": {"us": "SPY", "cash": "BIL"},
           "strategy": [{"name": "mix", "rule": "us_only"}]}
    for k, v in over.items():
        raw[k] = {**raw.get(k, {}), **v}
    return raw


def _by_hand(closes: pd.DataFrame, weights: dict[str, float], decisions: pd.DatetimeIndex
             ) -> pd.Series:
    """Zero-cost monthly rebalancing in pandas: units fixed between fills (fill = next day)."""
    dates = closes.index
    fills = set(dates[dates.get_indexer(decisions) + 1])
    value, units, out = 1.0, None, []
    for d in dates:
        px = closes.loc[d]
        if units is not None:
            value = float((units * px).sum())
        if d in fills:
            units = pd.Series({t: w * value / px[t] for t, w in weights.items()})
        out.append(value)
    return pd.Series(out, index=dates).pct_change().fillna(0.0)


@njit
def _sixty_nb(inputs, params, out):
    for d in range(out.shape[0]):
        out[d, 0] = 0.6              # 60 % in the US, the rest left idle


def test_idle_cash_earns_the_cash_sleeve(folder, monkeypatch):
    """A rule whose weights sum to 0.6: the idle 40 % earns the cash sleeve (BIL) in the run,
    as ``backtest(cash=...)`` can (it used to earn 0: the run never passed ``cash=``)."""
    sixty = dataclasses.replace(strategies.REGISTRY["us_only"], name="sixty", rule=_sixty_nb)
    assert sixty.sleeves[0] == "us"
    monkeypatch.setattr(config_tables, "REGISTRY", {**strategies.REGISTRY, "sixty": sixty})
    raw = _config(folder)
    raw["strategy"] = [{"name": "mix", "rule": "sixty"}]
    e = load_experiment(config_from_dict(raw))
    assert e.cash == "cash"
    r = e.results["mix"]
    closes = pd.DataFrame({"SPY": e.panel.tr["SPY"], "BIL": e.panel.tr["BIL"]})
    expect = _by_hand(closes, {"SPY": 0.6, "BIL": 0.4}, r.targets.index)
    s, end = e.period
    np.testing.assert_allclose(e.returns()["mix"].to_numpy(), expect.loc[s:end].to_numpy(),
                               rtol=0, atol=1e-13)
    assert r.sleeve_weights.loc[s:, "cash"].min() > 0.35       # the 40 % rest sits in BIL


def test_a_base_currency_needs_a_local_risk_free_series(folder):
    gbp = {"base_currency": "GBP", "fx": "GBPUSD=X"}
    with pytest.raises(ConfigError, match=r"\[run\] risk_free.*'cash' \(BIL\) is converted into "
                                          r"GBP with GBPUSD=X.*\[data\] local.*"
                                          r"risk_free_converted = true"):
        config_from_dict(_config(folder, data=gbp))
    # a local (pound) cash series, not converted: its own returns are the risk-free series
    cfg = config_from_dict(_config(folder, data={**gbp, "local": ["CSH.L"]},
                                   run={"risk_free": "CSH.L"}))
    e = load_experiment(cfg)
    raw = pd.read_csv(folder / "CSH.L.csv", index_col="Date", parse_dates=True)["Close"]
    np.testing.assert_allclose(e.rf.to_numpy()[1:], raw.pct_change().to_numpy()[1:], rtol=0,
                               atol=1e-15)
    vol_local = e.rf.iloc[1:].std() * np.sqrt(252)
    # the converted dollar fund, only when asked for: it carries the pound's volatility
    conv = load_experiment(config_from_dict(_config(folder, data=gbp,
                                                    run={"risk_free_converted": True})))
    vol_conv = conv.rf.iloc[1:].std() * np.sqrt(252)
    assert vol_local < 0.01 < 0.05 < vol_conv
    spy_gbp = conv.panel.tr["SPY"]
    fx = pd.read_csv(folder / "GBPUSD=X.csv")["Close"].to_numpy()
    np.testing.assert_allclose(spy_gbp.to_numpy(), pd.read_csv(folder / "SPY.csv")["Close"]
                               .to_numpy() / fx, rtol=1e-15)


def test_a_late_cash_sleeve_is_named_as_what_set_the_period(folder, tmp_path, capsys):
    raw = _config(folder, sleeves={"us": "SPY", "cash": "SGOV"})
    e = load_experiment(config_from_dict(raw))
    sgov_first = DAYS[300]
    assert e.period[0] > sgov_first
    assert f"waits for SGOV (cash, first price {sgov_first.date()})" in e.period_reason
    lines = ['[run]', 'name = "money"', 'benchmark = "mix"', 'risk_free = "cash"', '[data]',
             f'source = "{folder}"', '[sleeves]', 'us = "SPY"', 'cash = "SGOV"', '[[strategy]]',
             'name = "mix"', 'rule = "us_only"']
    cfg = tmp_path / "money.toml"
    cfg.write_text("\n".join(lines) + "\n")
    code = rowboat(["run", str(cfg), "--out", str(tmp_path / "out"), "--no-tearsheets"])
    out, _ = capsys.readouterr()
    assert code == 0 and "waits for SGOV (cash, first price" in out
    manifest = json.loads((tmp_path / "out" / "money" / "manifest.json").read_text())
    assert "waits for SGOV" in manifest["period"]["reason"]
    page = (tmp_path / "out" / "money" / "index.html").read_text()
    assert "waits for SGOV" in page
