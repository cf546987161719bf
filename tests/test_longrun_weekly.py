"""Weekly panels end to end (issue 11: "Monthly (and weekly) panels"): the daily sample resampled
to Friday closes by a config, and a folder of weekly files, through `rowboat run` (page and
metrics with 52 periods a year, equal to quantstats'), signal windows stated in months and
years read as the right number of weeks, and `rowboat sweep` (variants equal single backtests
annualised with 52). The truncation test on a weekly panel is in tests/test_truncation.py."""
from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import quantstats as qs

from engine.cli import main as rowboat
from engine.config import config_from_dict
from engine.data import load_panel
from engine.data.calendar import period_end_flags
from engine.data.frequency import rows_for_months
from engine.experiment import load_experiment
from engine.metrics import summary
from engine.metrics.summary import quantstats_rf
from longrun_files import swept, variant_backtest
from strategies.signals import SignalSpec, compute

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "scripts" / "configs"


def _weekly_config(**data) -> dict:
    raw = tomllib.loads((CONFIGS / "rowing_boat.toml").read_text())
    raw["run"]["name"] = "weekly"
    raw["data"].update({"frequency": "weekly", **data})
    return raw


@pytest.fixture(scope="module")
def wexp():
    return load_experiment(config_from_dict(_weekly_config(), base_dir=CONFIGS))


def _check_52(metrics: pd.DataFrame, returns: pd.DataFrame, rf: pd.Series) -> None:
    qrf = quantstats_rf(rf, periods=52)
    for name in metrics.index:
        r = returns[name].dropna()
        assert metrics.loc[name, "cagr"] == pytest.approx(qs.stats.cagr(r, periods=52),
                                                          abs=1e-12), name
        assert metrics.loc[name, "volatility"] == pytest.approx(
            qs.stats.volatility(r, periods=52), abs=1e-12), name
        assert metrics.loc[name, "sharpe"] == pytest.approx(
            qs.stats.sharpe(r, rf=qrf, periods=52), abs=1e-12), name
        assert metrics.loc[name, "sortino"] == pytest.approx(
            qs.stats.sortino(r, rf=qrf, periods=52), abs=1e-12), name


# ---------------------------------------------------------------------------- rowboat run
def test_a_weekly_config_runs_with_52_periods_a_year(wexp, tmp_path):
    from engine.report.run import run_config

    assert wexp.panel.frequency == "weekly" and wexp.panel.periods_per_year == 52
    assert (wexp.panel.dates.day_of_week == 4).all()                  # Friday closes
    out = run_config(config_from_dict(_weekly_config(), base_dir=CONFIGS), out=tmp_path,
                     tearsheets=False, show_progress=False)
    folder = out.path
    returns = pd.read_csv(folder / "returns.csv", index_col=0, parse_dates=True)
    rf = pd.read_csv(folder / "risk_free.csv", index_col=0, parse_dates=True)["risk_free"]
    metrics = pd.read_csv(folder / "metrics.csv", index_col=0)
    assert (returns.index.to_series().diff().dropna() == pd.Timedelta(days=7)).all()
    _check_52(metrics, returns, rf)
    # in memory, to the last bit the kernels give: the same numbers as quantstats'
    m = summary(wexp.returns()["rowing_boat"], wexp.rf_returns())
    r = wexp.returns()["rowing_boat"]
    assert m["cagr"] == pytest.approx(qs.stats.cagr(r, periods=52), abs=1e-12)
    page = (folder / "index.html").read_text()
    assert "52 periods a year" in page and f"{len(returns)} weeks" in page
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "weekly" in json.dumps(manifest)
    # the tearsheets get quantstats' periods=52 and the risk-free re-annualised with 52
    from engine.report.tearsheet import TearsheetJob, quantstats_inputs
    rfr = wexp.rf_returns()
    kw = quantstats_inputs(TearsheetJob("rowing_boat", r, wexp.returns()["world"], "world", rfr,
                                        "cash", "t", tmp_path / "x.html"))
    assert kw["periods_per_year"] == 52
    np.testing.assert_allclose(np.asarray(kw["rf"]), (1 + rfr.to_numpy()) ** 52 - 1,
                               rtol=1e-15)
    assert m["sharpe"] == pytest.approx(qs.stats.sharpe(kw["returns"], rf=kw["rf"], periods=52),
                                        abs=1e-12)


def test_a_folder_of_weekly_files_runs_through_the_cli(tmp_path, capsys):
    days = pd.bdate_range("2004-01-02", "2021-12-31")
    rng = np.random.default_rng(11)
    folder = tmp_path / "data"
    folder.mkdir()
    for t, mu in (("USW", 0.0004), ("EXW", 0.0002), ("BONDW", 0.0001), ("BILLW", 0.00008)):
        vol = 0.0005 if t == "BILLW" else 0.011
        daily = pd.Series(100 * np.cumprod(1 + rng.normal(mu, vol, len(days))), index=days)
        weekly = daily.groupby(daily.index.to_period("W-FRI")).last()
        weekly.index = weekly.index.to_timestamp(how="end").normalize()   # Fridays
        pd.DataFrame({"Date": weekly.index.strftime("%Y-%m-%d"),
                      "Close": weekly.round(6).to_numpy()}).to_csv(folder / f"{t}.csv",
                                                                     index=False)
    cfg = tmp_path / "w.toml"
    cfg.write_text('[run]\nname = "wk"\nbenchmark = "us_only"\nrisk_free = "cash"\n'
                   '[data]\nsource = "data"\n[sleeves]\nus = "USW"\nex_us = "EXW"\n'
                   'bonds = "BONDW"\ncash = "BILLW"\n'
                   '[[strategy]]\nname = "us_only"\nrule = "us_only"\n'
                   '[[strategy]]\nname = "mix"\nrule = "fixed_mix"\n'
                   'params = { us = 0.6, ex_us = 0.4 }\n'
                   '[[strategy]]\nname = "gem"\nrule = "dual_momentum"\n')
    code = rowboat(["run", str(cfg), "--out", str(tmp_path / "out"), "--no-tearsheets"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "weekly panel (52 periods a year)" in out + err
    folder = tmp_path / "out" / "wk"
    returns = pd.read_csv(folder / "returns.csv", index_col=0, parse_dates=True)
    rf = pd.read_csv(folder / "risk_free.csv", index_col=0, parse_dates=True)["risk_free"]
    metrics = pd.read_csv(folder / "metrics.csv", index_col=0)
    _check_52(metrics, returns, rf)
    assert load_panel(folder.parent.parent / "data", {"us": "USW"}).frequency == "weekly"


# ---------------------------------------------------------------------------- windows
def test_month_windows_on_a_weekly_panel_count_weeks():
    assert [rows_for_months(m, "weekly") for m in (1, 3, 6, 10, 12)] == [4, 13, 26, 43, 52]
    assert [rows_for_months(m, "daily") for m in (1, 10, 12)] == [21, 210, 252]
    assert rows_for_months(10, "monthly") == 10


def test_signal_windows_in_months_and_years_on_a_weekly_panel(wexp):
    panel = wexp.panel
    us = panel.close("us", "tr")
    # momentum over 12 months, basis days: 52 weeks back (not 48)
    mom = compute(panel, SignalSpec(kind="momentum", series="us",
                                    settings=(("basis", "days"),)))["momentum"]
    np.testing.assert_allclose(mom.to_numpy(), (us / us.shift(52) - 1).to_numpy(), rtol=1e-13)
    # momentum at month ends: the last Friday close of each month against 12 months earlier
    mom_me = compute(panel, SignalSpec(kind="momentum", series="us"))["momentum"]
    me = period_end_flags(panel.dates, "monthly")
    closes = us[me]
    expect = (closes / closes.shift(12) - 1).reindex(panel.dates).ffill()
    np.testing.assert_allclose(mom_me.to_numpy(), expect.to_numpy(), rtol=1e-13)
    # a 10-month SMA: basis days = 43 weeks; at month ends = the last 10 month-end closes
    sma = compute(panel, SignalSpec(kind="trend", series="us",
                                    settings=(("basis", "days"),)))["sma"]
    np.testing.assert_allclose(sma.to_numpy(), us.rolling(43).mean().to_numpy(), rtol=1e-12)
    sma_me = compute(panel, SignalSpec(kind="trend", series="us"))["sma"]
    np.testing.assert_allclose(sma_me.to_numpy(), closes.rolling(10).mean().reindex(
        panel.dates).ffill().to_numpy(), rtol=1e-12)
    # a 1-year breakout level: the highest close since the same calendar date a year earlier
    ex = panel.signal_close("ex_us")
    level = compute(panel, SignalSpec(kind="breakout", series="ex_us",
                                      settings=(("years", 1),)))["level"]
    first = ex.first_valid_index()
    for t in panel.dates[[60, 300, 700, 1000]]:
        window = ex.loc[t - pd.DateOffset(years=1):t].iloc[:-1]
        assert level.loc[t] == window.max() and t - pd.DateOffset(years=1) >= first
    # concentration and indicator windows are rows: weeks here
    conc = compute(panel, SignalSpec(kind="concentration", basket="us_mega", index="us",
                                     settings=(("window", 13),)))
    np.testing.assert_allclose(conc["change"].to_numpy(),
                               conc["level"].diff(13).to_numpy(), rtol=1e-12, equal_nan=True)
    ind = compute(panel, SignalSpec(kind="indicator", series="us", settings=(
        ("min_history", 52), ("transform", "change"), ("window", 26))))
    np.testing.assert_allclose(ind["score"].to_numpy(),
                               panel.signal_close("us").diff(26).to_numpy(), equal_nan=True)


# ---------------------------------------------------------------------------- sweep
def test_weekly_sweep_variants_equal_single_backtests_with_52(wexp):
    problem, result = swept(wexp, "rowing_boat", {"drawdown": "0.04,0.08", "shift": "0.5"})
    assert problem.periods == 52
    s, e = problem.period
    for v in range(problem.n_variants):
        r = variant_backtest(wexp, "rowing_boat", problem.grid.variant(v)).returns.loc[s:e]
        expect = summary(r, wexp.rf.loc[s:e])
        row = result.variants.loc[v]
        for k in ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar"):
            assert row[k] == pytest.approx(expect[k], rel=1e-9, abs=1e-12), (v, k)
        assert row["cagr"] == pytest.approx(qs.stats.cagr(r, periods=52), rel=1e-9)
    assert result.stats.dsr is None or result.stats.dsr.periods_per_year == 52


def _sweep_cli(config: Path, strategy: str, grid: str, out: Path, capsys) -> Path:
    code = rowboat(["sweep", str(config), "--strategy", strategy, "--grid", grid,
                    "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 0, err
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


@pytest.mark.slow
def test_rowboat_sweep_of_a_weekly_config(tmp_path, capsys):
    text = (CONFIGS / "rowing_boat.toml").read_text()
    assert '\nsource = "sample"' in text
    cfg = tmp_path / "weekly.toml"
    cfg.write_text(text.replace('\nsource = "sample"', '\nsource = "sample"\nfrequency = "weekly"',
                                1))
    folder = _sweep_cli(cfg, "rowing_boat", "drawdown=0.04,0.08", tmp_path / "out", capsys)
    variants = pd.read_parquet(folder / "variants.parquet")
    exp = load_experiment(cfg)
    assert exp.panel.frequency == "weekly"
    problem, result = swept(exp, "rowing_boat", {"drawdown": "0.04,0.08"})
    direct = result.variants
    assert problem.periods == 52
    np.testing.assert_allclose(variants["cagr"].to_numpy(), direct["cagr"].to_numpy(),
                               rtol=1e-12)
    assert "52" in (folder / "manifest.json").read_text()
    assert (folder / "index.html").is_file()


@pytest.mark.slow
def test_rowboat_sweep_of_the_monthly_history_config(tmp_path, capsys):
    folder = _sweep_cli(CONFIGS / "rowing_boat_history.toml", "valuation_tilt",
                        "shift=0.25,0.5,1", tmp_path / "out", capsys)
    variants = pd.read_parquet(folder / "variants.parquet")
    assert len(variants) == 3
    exp = load_experiment(CONFIGS / "rowing_boat_history.toml")
    r = exp.returns()
    s, e = r.index[0], r.index[-1]
    sc = exp.config.strategy("valuation_tilt")
    for _, row in variants.iterrows():
        params = dataclasses.replace(sc.params, shift=float(row["shift"]))
        x = variant_backtest(exp, "valuation_tilt", params).returns.loc[s:e]
        assert row["cagr"] == pytest.approx(qs.stats.cagr(x, periods=12), rel=1e-9)
    page = (folder / "index.html").read_text()
    assert "valuation_tilt" in page
