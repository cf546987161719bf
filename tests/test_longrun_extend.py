"""Extended series (issue 11): a fund extended back with an index's returns minus a cost."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat
from engine.data import load_panel
from engine.data.panel import Sleeve
from engine.errors import ConfigError
from engine.experiment import load_experiment
from longrun_files import monthly_levels, write_close_csv, write_msci_xls

COST = 0.0068


def _folder(tmp_path: Path, index_start: str = "1987-12-31", index_end: str = "2021-04-30",
            fund_start: str = "2003-04-30") -> Path:
    idx = monthly_levels(index_start, index_end, 0.008, 0.06, seed=5) * 13.0
    write_msci_xls(tmp_path / "MSCI_EM.xls", idx)
    f_dates = pd.date_range(fund_start, "2021-04-30", freq="ME")
    x = idx.reindex(f_dates)
    if x.notna().sum() > 1:
        r = x.pct_change().fillna(0.0).to_numpy() - COST / 12
        r += np.random.default_rng(2).normal(0, 0.001, len(r)) * (np.arange(len(r)) > 0)
        fund = pd.Series(40.0 * np.cumprod(1 + r), index=f_dates)
    else:
        fund = monthly_levels(fund_start, "2021-04-30", 0.007, 0.06, seed=8)
    write_close_csv(tmp_path / "EEM.csv", fund)
    write_close_csv(tmp_path / "US.csv", monthly_levels("1987-12-31", "2021-04-30", 0.008,
                                                       0.045, seed=1))
    return tmp_path


def test_sleeve_parses_an_extension():
    sl = Sleeve.parse("em", {"ticker": "EEM", "extend_with": "MSCI_EM", "cost": COST})
    assert (sl.tickers, sl.extend_with, sl.cost) == (("EEM",), "MSCI_EM", COST)
    with pytest.raises(ConfigError, match="unknown key 'fee'"):
        Sleeve.parse("em", {"ticker": "EEM", "extend_with": "MSCI_EM", "fee": 0.1})
    with pytest.raises(ConfigError, match="cost from 0 to 0.1"):
        Sleeve.parse("em", {"ticker": "EEM", "extend_with": "MSCI_EM", "cost": 0.68})


def test_extended_fund_is_the_index_minus_cost_before_its_first_date(tmp_path):
    folder = _folder(tmp_path)
    panel = load_panel(folder, {"us": "US", "em": {"ticker": "EEM", "extend_with": "MSCI_EM",
                                                   "cost": COST}})
    em = panel.close("em", "tr")
    fund = pd.read_csv(folder / "EEM.csv", index_col=0, parse_dates=True).Close
    from engine.data.msci import read_msci_xls
    index = read_msci_xls(folder / "MSCI_EM.xls").tr
    assert em.first_valid_index() == pd.Timestamp("1987-12-31")    # signals see 1987 on
    d0 = pd.Timestamp("2003-04-30")
    np.testing.assert_array_equal(em.loc[d0:].to_numpy(), fund.to_numpy())  # the fund's own
    before = em.loc[:d0].pct_change().iloc[1:]
    expect = index.loc[:d0].pct_change().iloc[1:] - COST / 12
    np.testing.assert_allclose(before.to_numpy(), expect.to_numpy(), rtol=0, atol=1e-12)
    sp = panel.splices["EEM"]
    assert (sp.index, sp.splice_date, sp.start) == ("MSCI_EM", d0, pd.Timestamp("1987-12-31"))
    n = len(fund) - 1
    by_hand = ((fund.iloc[-1] / fund.iloc[0]) ** (12 / n)
               - (index.iloc[-1] / index.loc[d0]) ** (12 / n))
    assert sp.tracking_difference == pytest.approx(by_hand, abs=1e-12)
    assert -0.012 < sp.tracking_difference < -0.002         # ≈ −cost, the fund tracks its index
    assert "EEM extended back to 1987-12-31 with MSCI_EM" in sp.describe()


def test_a_breakout_on_the_extended_sleeve_reads_the_index_years(tmp_path):
    folder = _folder(tmp_path)
    cfg = folder / "exp.toml"
    cfg.write_text('[run]\nname = "x"\nbenchmark = "us_only"\n[data]\nsource = "."\n'
                   '[sleeves]\nus = "US"\n'
                   'em = { ticker = "EEM", extend_with = "MSCI_EM", cost = 0.0068 }\n'
                   '[signals.em_high]\nkind = "breakout"\nseries = "em"\n'
                   '[[strategy]]\nname = "us_only"\nrule = "us_only"\n')
    exp = load_experiment(cfg)
    level = exp.signals["em_high.level"].dropna()
    assert level.index[0] < pd.Timestamp("1990-01-01")


@pytest.mark.parametrize("kw, text", [
    ({"index_start": "2005-01-31"}, "MSCI_EM.xls (MSCI EM (EMERGING MARKETS) Standard (Large+Mid "
                                    "Cap), gross, USD) starts on 2005-01-31, not before EEM.csv"),
    ({"index_end": "2000-12-31"}, "does not overlap EEM.csv (2003-04-30 → 2021-04-30)"),
])
def test_an_extension_that_cannot_be_checked_exits_2(tmp_path, capsys, kw, text):
    folder = _folder(tmp_path, **kw)
    cfg = folder / "exp.toml"
    cfg.write_text('[run]\nname = "x"\nbenchmark = "us_only"\n[data]\nsource = "."\n'
                   '[sleeves]\nus = "US"\n'
                   'em = { ticker = "EEM", extend_with = "MSCI_EM", cost = 0.0068 }\n'
                   '[[strategy]]\nname = "us_only"\nrule = "us_only"\n')
    code = rowboat(["run", str(cfg), "--out", str(folder / "out")])
    _, err = capsys.readouterr()
    assert code == 2 and text in err and "Traceback" not in err
    assert "(the index must start before the fund and overlap it), or drop extend_with" in err
    assert len(err.strip().splitlines()) == 1 and not (folder / "out").exists()
