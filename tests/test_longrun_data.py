"""Long history in the data layer (issue 11): frequency inference, monthly panels, resampling,
MSCI .xls exports, FRED rates, multi-column statistics files and their bad-input errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import quantstats as qs

from engine.cli import main as rowboat
from engine.data import load_panel
from engine.data.frequency import infer_frequency, month_anchor, resample_to
from engine.data.harmonise import resample_panel
from engine.data.msci import read_msci_xls
from engine.data.statfiles import SeriesFile, read_series_file
from engine.errors import DataError, DataWarning
from engine.experiment import load_experiment
from engine.metrics import summary
from longrun_files import (monthly_levels, write_close_csv, write_fred_csv, write_msci_xls)

SLEEVES = {"us": "MSCI_USA", "ex_us": "MSCI_EXUS", "em": "MSCI_EM"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = rowboat(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture()
def monthly_folder(tmp_path: Path) -> Path:
    """Three monthly Date,Close files like MSCI USA, World ex USA and EM gross, 1987-12 →
    2021-04 (the issue's reproduction)."""
    for i, (t, mu) in enumerate((("MSCI_USA", 0.009), ("MSCI_EXUS", 0.006),
                                 ("MSCI_EM", 0.008))):
        write_close_csv(tmp_path / f"{t}.csv",
                        monthly_levels("1987-12-31", "2021-04-30", mu, 0.045, seed=i))
    return tmp_path


def _config(folder: Path, extra: str = "") -> Path:
    cfg = folder / "exp.toml"
    cfg.write_text('[run]\nname = "m"\nbenchmark = "us_only"\n[data]\nsource = "."\n' + extra
                   + '[sleeves]\nus = "MSCI_USA"\nex_us = "MSCI_EXUS"\nem = "MSCI_EM"\n'
                   '[[strategy]]\nname = "us_only"\nrule = "us_only"\n')
    return cfg


# ---------------------------------------------------------------- frequency


def test_infer_frequency_from_gaps():
    assert infer_frequency(pd.bdate_range("2020-01-01", periods=50)) == "daily"
    assert infer_frequency(pd.date_range("2020-01-03", periods=50, freq="W-FRI")) == "weekly"
    assert infer_frequency(pd.date_range("2020-01-31", periods=50, freq="ME")) == "monthly"
    assert infer_frequency(pd.date_range("2020-01-01", periods=50, freq="MS")) == "monthly"
    assert infer_frequency(pd.date_range("2020-03-31", periods=20, freq="QE")) is None
    assert infer_frequency(pd.DatetimeIndex(["2020-01-01", "2020-02-01"])) is None


def test_month_anchor_accepts_weekend_month_ends_and_names_a_mix():
    ends = pd.date_range("2023-01-31", periods=12, freq="ME")          # 2023-09-30 is a Saturday
    assert month_anchor(ends) == ("end", "")
    fridays = pd.DatetimeIndex(["2023-09-29", "2023-10-31", "2023-11-30"])  # last weekdays
    assert month_anchor(fridays) == ("end", "")
    assert month_anchor(pd.date_range("2023-01-01", periods=12, freq="MS")) == ("start", "")
    kind, text = month_anchor(pd.DatetimeIndex(["2020-01-01", "2020-02-15", "2020-03-31"]))
    assert kind == "mixed"
    assert text == ("month-starts (first 2020-01-01), mid-months (first 2020-02-15), "
                    "month-ends (first 2020-03-31)")


def test_daily_resampled_to_month_ends_equals_hand_computed_monthly_returns():
    days = pd.bdate_range("2019-12-02", "2021-03-15")          # March 2021 is unfinished
    rng = np.random.default_rng(3)
    close = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, len(days))), index=days)
    monthly = resample_to(close, "monthly")
    # by hand: the last close of each complete month, and the returns between them
    by_hand = {}
    for (y, m), grp in close.groupby([close.index.year, close.index.month]):
        if (y, m) != (2021, 3):
            by_hand[pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)] = grp.iloc[-1]
    expect = pd.Series(by_hand)
    assert list(monthly.index) == list(expect.index)
    np.testing.assert_array_equal(monthly.to_numpy(), expect.to_numpy())
    np.testing.assert_array_equal(monthly.pct_change().to_numpy()[1:],
                                  (expect / expect.shift(1) - 1).to_numpy()[1:])
    assert monthly.index[-1] == pd.Timestamp("2021-02-28")    # labelled at the calendar end


def test_resample_panel_of_the_sample_is_its_month_end_rows():
    from engine.data.load import sample_panel
    daily = sample_panel(7)
    monthly = resample_panel(daily, "monthly")
    assert monthly.frequency == "monthly" and monthly.periods_per_year == 12
    last = daily.tr.groupby(daily.dates.to_period("M")).tail(1)
    last = last.iloc[:len(monthly)]
    np.testing.assert_array_equal(monthly.tr.to_numpy(), last.to_numpy())


# ---------------------------------------------------------------- the 841.8 % bug


def test_monthly_close_files_make_a_monthly_panel_with_monthly_metrics(monthly_folder):
    """Today three monthly Date,Close files gave us_only a CAGR of 841.8 %: every row was taken
    for a trading day (252 a year). Now the panel is monthly and the CAGR is quantstats' with
    periods=12."""
    exp = load_experiment(_config(monthly_folder))
    assert exp.panel.frequency == "monthly"
    r = exp.returns()["us_only"]
    m = summary(r)
    levels = pd.read_csv(monthly_folder / "MSCI_USA.csv", index_col=0, parse_dates=True).Close
    file_r = levels.pct_change().loc[r.index[1]:]           # invested: the file's own returns
    np.testing.assert_allclose(r.iloc[1:].to_numpy(), file_r.to_numpy(), rtol=0, atol=1e-15)
    by_hand = np.prod(1 + r.to_numpy()) ** (12 / len(r)) - 1   # 12 months a year
    assert m["cagr"] == pytest.approx(by_hand, rel=1e-12)
    assert 0.05 < m["cagr"] < 0.15 and m["days"] == len(r) > 390
    assert m["cagr"] == pytest.approx(qs.stats.cagr(r, periods=12), abs=1e-12)
    assert m["volatility"] == pytest.approx(qs.stats.volatility(r, periods=12), abs=1e-12)
    assert m["sharpe"] == pytest.approx(qs.stats.sharpe(r, periods=12), abs=1e-12)


def test_mixing_daily_and_monthly_without_a_frequency_names_both_files(monthly_folder, capsys):
    days = pd.bdate_range("1999-01-01", "2021-04-30")
    write_close_csv(monthly_folder / "MSCI_EM.csv",
                    pd.Series(np.linspace(100, 300, len(days)), index=days))
    code, _, err = run(capsys, "run", str(_config(monthly_folder)), "--out",
                       str(monthly_folder / "out"))
    assert code == 2
    assert "MSCI_EM.csv is daily but MSCI_USA.csv is monthly" in err
    assert 'frequency = "monthly" under [data]' in err
    assert len(err.strip().splitlines()) == 1 and not (monthly_folder / "out").exists()
    # saying how fixes it: the daily file is resampled to month-end closes
    exp = load_experiment(_config(monthly_folder, 'frequency = "monthly"\n'))
    assert exp.panel.frequency == "monthly"
    assert exp.panel.dates[-1] == pd.Timestamp("2021-04-30")


def test_monthly_dates_mixing_starts_mids_and_ends_exit_2(monthly_folder, capsys):
    lv = monthly_levels("1987-12-31", "2021-04-30", 0.006, 0.04, seed=9)
    idx = list(lv.index)
    idx[5] = idx[5] - pd.Timedelta(days=14)        # a mid-month date
    idx[9] = idx[9].replace(day=1)                 # a month-start
    write_close_csv(monthly_folder / "MSCI_EXUS.csv", pd.Series(lv.to_numpy(), index=idx))
    code, _, err = run(capsys, "run", str(_config(monthly_folder)), "--out",
                       str(monthly_folder / "out"))
    assert code == 2
    assert err.count("MSCI_EXUS.csv: monthly dates mix month-starts (first 1988-09-01)") == 1
    assert "mid-months (first 1988-05-17)" in err
    assert "date every row on the 1st of its month or every row on its last day" in err


# ---------------------------------------------------------------- MSCI .xls


def test_msci_xls_reads_variant_currency_and_levels(tmp_path):
    lv = monthly_levels("1987-12-31", "2021-04-30", 0.008, 0.06, seed=1) * 13.39259
    path = write_msci_xls(tmp_path / "MSCI_EM.xls", lv, variant="Gross", currency="USD")
    data = read_msci_xls(path)
    assert (data.variant, data.currency) == ("gross", "USD")
    assert not data.findings and data.pr is None
    assert data.tr.index[0] == pd.Timestamp("1987-12-31") and len(data.tr) == len(lv)
    np.testing.assert_allclose(data.tr.to_numpy(), np.round(lv.to_numpy(), 3), rtol=0,
                               atol=5e-13 * lv.max())
    assert data.tr.iloc[0] == pytest.approx(1339.259)  # "1,339.259": the separator is dropped
    price = read_msci_xls(write_msci_xls(tmp_path / "P.xls", lv, variant="Price",
                                         currency="EUR", text_cells=False))
    assert (price.variant, price.currency) == ("price", "EUR")
    assert price.pr is not None and price.pr.equals(price.tr)
    assert any("price levels (no dividends)" in f.message for f in price.findings)


def test_msci_xls_in_a_folder_loads_beside_csvs(tmp_path):
    for i, t in enumerate(("MSCI_USA", "MSCI_EXUS")):
        write_close_csv(tmp_path / f"{t}.csv", monthly_levels("1987-12-31", "2021-04-30",
                                                               0.007, 0.04, seed=i))
    write_msci_xls(tmp_path / "MSCI_EM.xls", monthly_levels("1987-12-31", "2021-04-30",
                                                            0.008, 0.06, seed=5))
    panel = load_panel(tmp_path, SLEEVES)
    assert panel.frequency == "monthly" and "gross, USD" in panel.source + str(panel.tickers) \
        or "MSCI_EM" in panel.tickers
    assert panel.dates[0] == pd.Timestamp("1987-12-31") and len(panel) == 401


@pytest.mark.parametrize("variant", [None, "Total"])
def test_msci_xls_without_a_readable_variant_exits_2_naming_it(tmp_path, capsys, variant):
    for i, t in enumerate(("MSCI_USA", "MSCI_EXUS")):
        write_close_csv(tmp_path / f"{t}.csv", monthly_levels("1987-12-31", "2021-04-30",
                                                               0.007, 0.04, seed=i))
    write_msci_xls(tmp_path / "MSCI_EM.xls", monthly_levels("1987-12-31", "2021-04-30",
                                                            0.008, 0.06, seed=5),
                   variant=variant)
    code, _, err = run(capsys, "run", str(_config(tmp_path)), "--out", str(tmp_path / "out"))
    assert code == 2 and "MSCI_EM.xls: cannot tell which index level it holds" in err
    assert len(err.strip().splitlines()) == 1


def test_a_file_that_is_not_xls_exits_2_naming_it(tmp_path):
    (tmp_path / "MSCI_EM.xls").write_text("<html><table>not excel</table></html>")
    with pytest.raises(DataError, match=r"MSCI_EM.xls: cannot be read as an Excel 97-2003"):
        load_panel(tmp_path, {"em": "MSCI_EM"})


# ---------------------------------------------------------------- rates and statistics files


def _tbill(tmp_path: Path, values: list[float] | None = None) -> SeriesFile:
    dates = pd.date_range("1980-01-01", periods=48, freq="MS")
    v = pd.Series(values if values is not None else np.linspace(12.0, 8.0, 48), index=dates)
    return SeriesFile("TBILL", write_fred_csv(tmp_path / "fred_TB3MS.csv", "TB3MS", v),
                      "TB3MS", "rate")


def test_rate_becomes_period_returns_used_one_period_later(tmp_path):
    spec = _tbill(tmp_path)
    d = read_series_file(spec)
    assert d.frequency == "monthly" and not d.findings
    r = d.data.tr.pct_change().dropna()
    # January 1980's average (12 %) is the return earned over February 1980
    assert r.index[0] == pd.Timestamp("1980-02-29")
    assert r.iloc[0] == pytest.approx(1.12 ** (1 / 12) - 1, abs=1e-15)
    assert d.data.tr.index[0] == pd.Timestamp("1980-01-31") and d.data.tr.iloc[0] == 1.0
    lag0 = read_series_file(SeriesFile("T", spec.file, "TB3MS", "rate", lag=0))
    assert lag0.data.tr.pct_change().dropna().index[0] == pd.Timestamp("1980-01-31")


@pytest.mark.parametrize("bad, shown", [(-7.5, "-7.5"), (150.0, "150")])
def test_implausible_rates_exit_2(tmp_path, capsys, bad, shown):
    values = list(np.linspace(5, 6, 48))
    values[10] = bad
    _tbill(tmp_path, values)
    for i, t in enumerate(("MSCI_USA",)):
        write_close_csv(tmp_path / f"{t}.csv", monthly_levels("1979-12-31", "1983-12-31",
                                                               0.007, 0.04, seed=i))
    cfg = tmp_path / "exp.toml"
    cfg.write_text('[run]\nname = "m"\nbenchmark = "us_only"\nrisk_free = "cash"\n[data]\n'
                   'source = "."\n[data.series.TBILL]\nfile = "fred_TB3MS.csv"\n'
                   'column = "TB3MS"\nkind = "rate"\n[sleeves]\nus = "MSCI_USA"\n'
                   'cash = "TBILL"\n[[strategy]]\nname = "us_only"\nrule = "us_only"\n')
    code, _, err = run(capsys, "run", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert (f"fred_TB3MS.csv: column 'TB3MS' has 1 rates outside -5…100 percent a year (first "
            f"{shown} on 1980-11-01)") in err
    assert "give the rate in percent per year" in err


def test_trailing_zeros_are_missing_with_a_warning(tmp_path):
    dates = pd.date_range("2020-01-01", periods=24, freq="MS")
    frame = pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"),
                          "SP500": np.linspace(3000, 3600, 24),
                          "Dividend": [60.0] * 18 + [0.0] * 6,
                          "PE10": [0.0] * 3 + list(np.linspace(25, 30, 21))})
    frame.to_csv(tmp_path / "shiller.csv", index=False)
    spec = SeriesFile("SPX", tmp_path / "shiller.csv", "SP500", "price", dividends="Dividend")
    d = read_series_file(spec)
    warn = [f.message for f in d.findings if not f.is_error]
    assert warn == ["shiller.csv: column 'Dividend' is 0 from 2021-07-01 to the end (6 rows): "
                    "read as not published yet (missing), not as zero"]
    assert d.data.tr.index[-1] == pd.Timestamp("2021-06-30")      # no zero dividends used
    p = frame.SP500.to_numpy()
    tr = d.data.tr.to_numpy()
    np.testing.assert_allclose(tr[1:] / tr[:-1] - 1, (p[1:18] + 60.0 / 12) / p[:17] - 1,
                               rtol=1e-12)
    cape = read_series_file(SeriesFile("CAPE", tmp_path / "shiller.csv", "PE10", "indicator"))
    assert cape.indicator.index[0] == pd.Timestamp("2020-05-31")   # lag 1: April's is known in May
    with pytest.warns(DataWarning, match="'Dividend' is 0 from 2021-07-01"):
        from engine.data.load import read_declared
        read_declared({"SPX": spec})


def test_weekly_panels_resample_to_friday_closes_and_use_52_periods(tmp_path):
    days = pd.bdate_range("2015-01-05", "2020-12-31")
    rng = np.random.default_rng(4)
    for i, t in enumerate(("A", "B")):
        write_close_csv(tmp_path / f"{t}.csv", pd.Series(
            100 * np.cumprod(1 + rng.normal(0.0003, 0.01, len(days))), index=days))
    panel = load_panel(tmp_path, {"us": "A", "em": "B"}, frequency="weekly")
    assert panel.frequency == "weekly" and panel.periods_per_year == 52
    assert (panel.dates.day_of_week == 4).all()               # labelled on Fridays
    daily = pd.read_csv(tmp_path / "A.csv", index_col=0, parse_dates=True).Close
    by_hand = daily.groupby(daily.index.to_period("W-FRI")).last()
    by_hand = by_hand.iloc[:-1]     # the week of Thursday 2020-12-31 is not over: dropped
    np.testing.assert_array_equal(panel.tr["A"].to_numpy(), by_hand.to_numpy())
    r = panel.tr["A"].pct_change().iloc[1:]
    m = summary(r)
    assert m["cagr"] == pytest.approx(qs.stats.cagr(r, periods=52), abs=1e-12)
    assert m["sharpe"] == pytest.approx(qs.stats.sharpe(r, periods=52), abs=1e-12)
    assert m["volatility"] == pytest.approx(qs.stats.volatility(r, periods=52), abs=1e-12)
