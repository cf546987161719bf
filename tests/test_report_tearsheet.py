"""quantstats tearsheets: offline-clean HTML, the same numbers as the page, quiet workers."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.report.tearsheet import (AnnualRate, TearsheetJob, external_refs, quantstats_inputs,
                                     quantstats_rf, sanitize, tearsheet_jobs)

ROOT = Path(__file__).resolve().parent.parent

#: Builds two tearsheets in 2 worker processes from synthetic returns; run in a fresh
#: interpreter so the test sees exactly what a user's terminal would.
SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np, pandas as pd
    from engine.report.tearsheet import tearsheet_jobs, write_tearsheets
    idx = pd.bdate_range("2018-01-01", periods=2 * 252 + 30)
    rng = np.random.default_rng(5)
    r = pd.DataFrame(rng.normal(4e-4, 0.01, (len(idx), 2)), index=idx, columns=["bench", "rule"])
    rf = pd.Series(8e-5, index=idx)
    r.to_csv(Path(sys.argv[1]) / "returns.csv")
    jobs = tearsheet_jobs(r, "bench", rf, "cash (CASH)", Path(sys.argv[1]),
                          {"bench": "bench.html", "rule": "rule.html"})
    write_tearsheets(jobs, workers=2)
""")


@pytest.mark.slow
def test_tearsheets_quiet_offline_and_equal_to_the_page(tmp_path: Path) -> None:
    """Two tearsheets built by 2 worker processes in a fresh interpreter (one test: it takes
    several seconds)."""
    out = tmp_path
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(out)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    # quantstats hygiene in the workers: nothing on the user's terminal
    assert "findfont" not in proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    for name in ("bench", "rule"):
        html = (out / f"{name}.html").read_text()
        assert external_refs(html) == [], name
        assert 'onload="save()"' not in html and "<script" not in html
        assert "favicon" not in html and 'href="../index.html"' in html
        assert f"<title>{name} — 2018-01-01 to " in html
    # the tearsheet's own table shows the scorecard's CAGR, Sharpe, Sortino, max drawdown
    from engine.report.scorecard import scorecard

    r = pd.read_csv(out / "returns.csv", index_col=0, parse_dates=True)
    card = scorecard(r, "bench", pd.Series(8e-5, index=r.index))
    html = (out / "rule.html").read_text()
    # columns: benchmark, strategy
    assert _row(html, "Sharpe")[1] == f"{card.at['rule', 'sharpe']:.2f}"
    assert _row(html, "Sortino")[1] == f"{card.at['rule', 'sortino']:.2f}"
    assert "\ufe6a" not in html  # quantstats' small percent sign, shown as a box by most fonts
    assert _row(html, "CAGR%")[1] == f"{card.at['rule', 'cagr'] * 100:.2f}%"
    assert _row(html, "Max Drawdown")[1] == f"{card.at['rule', 'max_drawdown'] * 100:.2f}%"
    assert _row(html, "Sharpe")[0] == f"{card.at['bench', 'sharpe']:.2f}"
    # the risk-free rate shown is our daily series re-annualised (mean), not zero
    assert _row(html, "Risk-Free Rate")[1] == f"{((1 + 8e-5) ** 252 - 1) * 100:.2f}%"


def _row(html: str, label: str) -> list[str]:
    m = re.search(rf"<tr><td>{re.escape(label)}</td>(.*?)</tr>", html, re.S)
    assert m, label
    return re.findall(r"<td>([^<]*)</td>", m.group(1))


def test_quantstats_rf_round_trips() -> None:
    idx = pd.bdate_range("2020-01-01", periods=10)
    daily = pd.Series(np.linspace(0, 3e-4, 10), index=idx)
    assert quantstats_rf(None, idx) == 0.0
    assert quantstats_rf(daily * 0, idx) == 0.0
    annual = quantstats_rf(daily, idx)
    assert isinstance(annual, AnnualRate) and f"{annual:.1%}" == f"{annual.mean():.1%}"
    back = np.power(1 + annual.to_numpy(), 1 / 252) - 1  # what quantstats does with it
    np.testing.assert_allclose(back, daily.to_numpy(), rtol=0, atol=1e-16)
    with pytest.raises(ValueError, match="no value"):
        quantstats_rf(daily.iloc[2:], idx)


def test_inputs_never_use_a_ticker_benchmark(tmp_path: Path) -> None:
    idx = pd.bdate_range("2020-01-01", periods=5)
    r = pd.DataFrame({"a": [0.01] * 5, "b": [0.0] * 5}, index=idx)
    jobs = {j.strategy: j for j in tearsheet_jobs(r, "b", None, "0", tmp_path,
                                                    {"a": "a.html", "b": "b.html"})}
    kw = quantstats_inputs(jobs["a"])
    assert isinstance(kw["benchmark"], pd.Series) and kw["benchmark"].name == "b"
    assert kw["rf"] == 0.0 and kw["match_dates"] is False
    assert kw["title"] == "a" and jobs["a"].title.startswith("a — ")  # quantstats adds dates
    assert quantstats_inputs(jobs["b"])["benchmark"] is None  # the benchmark's own sheet
    bad = TearsheetJob("a", r["a"], "SPY", "SPY", None, "0", "t",  # type: ignore[arg-type]
                       tmp_path / "x.html")
    with pytest.raises(TypeError, match="ticker"):
        quantstats_inputs(bad)


def test_sanitize_removes_every_external_reference() -> None:
    html = ('<head><meta http-equiv="X-UA-Compatible" content="IE=edge">'
            '<link rel="shortcut icon" href="https://qtpylib.io/favicon.ico" type="image/x-icon">'
            '</head><body onload="save()"><div class="container"><h4>by <a href="http://'
            'quantstats.io" target="quantstats">QuantStats</a></h4><?xml version="1.0"?>'
            '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/x.dtd">'
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            '<metadata><rdf:RDF xmlns:dc="http://purl.org/dc/elements/1.1/"/></metadata></svg>')
    assert len(external_refs(html)) >= 5
    clean = sanitize(html)
    assert external_refs(clean) == []
    assert "QuantStats</h4>" in clean and 'href="data:,"' in clean and "onload" not in clean
