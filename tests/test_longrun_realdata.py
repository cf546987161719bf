"""Long history on real monthly files (../shared/data/history): Shiller's S&P 500 as a total
return with its unpublished zeros missing, FRED's TB3MS as a cash sleeve with its lag, monthly
metrics equal to quantstats' with periods=12, and a CAPE percentile that is causal."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import quantstats as qs

from engine.data.statfiles import SeriesFile, read_series_file
from engine.errors import DataWarning
from engine.experiment import load_experiment
from engine.metrics import summary
from engine.metrics.summary import quantstats_rf
from strategies.signals import SignalSpec, compute

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def history_dir(shared_data: Path) -> Path:
    path = shared_data / "history"
    if not path.is_dir():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="module")
def exp(history_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    cfg = tmp_path_factory.mktemp("hist") / "hist.toml"
    cfg.write_text(f'''
[run]
name = "hist"
benchmark = "us_only"
risk_free = "cash"
[data]
source = "{history_dir}"
[data.series.SPX_TR]
file = "{history_dir / 'shiller_sp500_monthly.csv'}"
column = "SP500"
dividends = "Dividend"
[data.series.TBILL]
file = "{history_dir / 'fred_TB3MS.csv'}"
column = "TB3MS"
kind = "rate"
[data.series.CAPE]
file = "{history_dir / 'shiller_sp500_monthly.csv'}"
column = "PE10"
kind = "indicator"
[sleeves]
us = "SPX_TR"
cash = "TBILL"
[signals.cape]
kind = "indicator"
series = "CAPE"
[[strategy]]
name = "us_only"
rule = "us_only"
[[strategy]]
name = "sixty_forty_cash"
rule = "fixed_mix"
params = {{ us = 0.6, bonds = 0.0, cash = 0.4 }}
''')
    with pytest.warns(DataWarning) as caught:
        e = load_experiment(cfg)
    WARNINGS[:] = [str(w.message) for w in caught]
    return e


WARNINGS: list[str] = []


def test_shiller_total_return_drops_the_unpublished_zeros_with_a_warning(exp, history_dir):
    assert ("shiller_sp500_monthly.csv: column 'Dividend' is 0 from 2023-07-01 to the end (36 "
            "rows): read as not published yet (missing), not as zero") in WARNINGS
    assert any("column 'PE10' is 0 from 2023-10-01" in w for w in WARNINGS)
    d = read_series_file(SeriesFile("SPX", history_dir / "shiller_sp500_monthly.csv", "SP500",
                                    "price", dividends="Dividend"))
    assert d.data.tr.index[-1] == pd.Timestamp("2023-06-30")      # not a zero-dividend month
    raw = pd.read_csv(history_dir / "shiller_sp500_monthly.csv", index_col=0, parse_dates=True)
    p, div = raw["SP500"], raw["Dividend"]
    by_hand = ((p + div / 12) / p.shift(1) - 1).loc["1871-02-01":"2023-06-01"]
    np.testing.assert_allclose(d.data.tr.pct_change().iloc[1:].to_numpy(), by_hand.to_numpy(),
                               rtol=0, atol=1e-15)
    assert d.data.pr.loc["2008-10-31"] == 968.8


def test_tb3ms_is_a_cash_sleeve_earning_last_months_rate(exp):
    assert exp.panel.frequency == "monthly"
    cash = exp.panel.close("cash", "tr").pct_change()
    # TB3MS 1981-01 = 15.02 % a year: the cash return of February 1981 (lag 1)
    assert cash.loc["1981-02-28"] == pytest.approx(1.1502 ** (1 / 12) - 1, abs=1e-15)
    # 2008-12 = 0.03 %: January 2009
    assert cash.loc["2009-01-31"] == pytest.approx(1.0003 ** (1 / 12) - 1, abs=1e-15)
    # the 60/40 earns it on its cash: its month is 0.6 · US + 0.4 · cash (drift aside, ≈)
    r = exp.results["sixty_forty_cash"].returns
    assert r.loc["1981-02-28"] == pytest.approx(
        0.6 * exp.panel.close("us", "tr").pct_change().loc["1981-02-28"]
        + 0.4 * cash.loc["1981-02-28"], abs=2e-3)


def test_monthly_metrics_equal_quantstats_with_periods_12(exp):
    rets = exp.returns()
    rf = exp.rf_returns()
    qrf = quantstats_rf(rf, periods=12)
    for name in rets.columns:
        r = rets[name]
        m = summary(r, rf)
        assert m["days"] == len(r) > 1000
        assert m["cagr"] == pytest.approx(qs.stats.cagr(r, periods=12), abs=1e-12)
        assert m["volatility"] == pytest.approx(qs.stats.volatility(r, periods=12), abs=1e-12)
        assert m["sharpe"] == pytest.approx(qs.stats.sharpe(r, rf=qrf, periods=12), abs=1e-12)
        assert m["sortino"] == pytest.approx(qs.stats.sortino(r, rf=qrf, periods=12),
                                             abs=1e-12)
        assert m["max_drawdown"] == pytest.approx(qs.stats.max_drawdown(r), abs=1e-12)
        assert m["calmar"] == pytest.approx(qs.stats.calmar(r, periods=12), abs=1e-12)
        assert 0.04 < m["cagr"] < 0.15 and 0.05 < m["volatility"] < 0.25   # not 841.8 %


def test_cape_percentile_is_causal_under_truncation(exp):
    spec = SignalSpec(kind="indicator", name="c", series="CAPE")
    panel = exp.history
    full = compute(panel, spec)
    assert full["state"].any()
    # CAPE for a month is used one month later: the 1999-12 peak (PE10 44.2) shows in January
    assert full.loc["2000-01-31", "value"] == pytest.approx(44.2, abs=0.01)
    assert full.loc["1999-12-31", "value"] != full.loc["2000-01-31", "value"]
    for cut in ("1966-01-31", "2000-01-31", "2021-12-31"):
        part = panel.slice(None, cut)
        pd.testing.assert_frame_equal(compute(part, spec), full.loc[:cut])
