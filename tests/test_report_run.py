"""`rowboat run` / `rowboat compare` end to end: files, determinism, refusal, clean failures,
and the page's metrics against quantstats' own numbers from the tearsheets' inputs."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[run]
name = "small"
benchmark = "world"
risk_free = "cash"

[data]
source = "sample"

[signals.mega_weight]
kind = "concentration"
basket = ["AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA"]
index = "US"

[signals.exus_high]
kind = "breakout"
series = "ex_us"
years = 5

[costs]
fee_bps = 5
slippage_bps = 5

[[strategy]]
name = "world"
rule = "world"

[[strategy]]
name = "us_only"
rule = "us_only"

[[strategy]]
name = "concentration_unwind"
rule = "concentration_unwind"
params = { drawdown = 0.05 }
signals = { concentration = "mega_weight" }

[[strategy]]
name = "breakout_rotation"
rule = "breakout_rotation"
"""
NAMES = ["world", "us_only", "concentration_unwind", "breakout_rotation"]


def write_config(folder: Path, text: str = CONFIG, name: str = "small.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*argv: str) -> int:
    return rowboat(["run", *map(str, argv), "--quiet", "--no-tearsheets"])


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of the small config on the sample (no tearsheets: those are tested elsewhere)."""
    base = tmp_path_factory.mktemp("run")
    cfg = write_config(base)
    assert run(cfg, "--out", base / "results") == 0
    return base / "results" / "small"


def test_run_writes_every_file(small_run: Path) -> None:
    names = {p.name for p in small_run.iterdir()}
    assert {"index.html", "metrics.csv", "returns.csv", "signals.csv", "manifest.json",
            "weights"} <= names
    assert not [p for p in small_run.parent.iterdir() if p.name.startswith(".")]  # no temp left
    metrics = pd.read_csv(small_run / "metrics.csv", index_col=0)
    assert list(metrics.index) == NAMES
    returns = pd.read_csv(small_run / "returns.csv", index_col=0, parse_dates=True)
    assert list(returns.columns) == NAMES
    assert {p.stem for p in (small_run / "weights").iterdir()} == set(NAMES)
    signals = pd.read_csv(small_run / "signals.csv", index_col=0)
    assert {"mega_weight.drawdown", "exus_high.level", "exus_high.state"} <= set(signals.columns)
    # every strategy measured over the same period: the returns' first and last dates
    assert (metrics["start"] == returns.index[0].strftime("%Y-%m-%d")).all()
    assert (metrics["end"] == returns.index[-1].strftime("%Y-%m-%d")).all()
    assert (metrics["days"] == len(returns)).all()


def test_manifest_describes_the_run(small_run: Path) -> None:
    m = json.loads((small_run / "manifest.json").read_text())
    assert m["name"] == "small" and m["benchmark"] == "world" and m["lag"] == 1
    assert m["data"]["synthetic"] is True and "synthetic sample" in m["data"]["source"]
    assert len(m["data"]["hash"]) >= 16
    assert m["period"]["start"] == m["measured"]["start"] and m["period"]["reason"]
    assert "[run]" in m["config"]["text"] and len(m["config"]["sha256"]) == 64
    assert m["versions"]["quantstats"] == "0.0.86" and m["versions"]["pandas"]
    assert m["git_commit"]  # a sha or "unknown"
    assert m["timings_s"]["total"] > 0 and m["fee"] == pytest.approx(0.0005)


def test_page_states_period_source_and_every_strategy(small_run: Path) -> None:
    html = (small_run / "index.html").read_text()
    m = json.loads((small_run / "manifest.json").read_text())
    assert "synthetic sample" in html and "cash (CASH)" in html
    assert m["period"]["reason"] in html and m["measured"]["start"] in html
    for name in NAMES:
        assert f'data-strategy="{name}"' in html
    for fig_id in ("equity", "vs-s0", "alloc-s0", "signal-0", "signal-1"):
        assert f'data-fig="{fig_id}"' in html
    assert 'id="as-of"' in html and 'id="headline"' in html and 'id="verdict"' in html
    outside = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert "http://" not in outside and "https://" not in outside
    assert html.count("<script") == 3  # the data, one plotly.js, the page script


def test_rebalance_logs_are_written(small_run: Path) -> None:
    m = json.loads((small_run / "manifest.json").read_text())
    for name in NAMES:
        path = small_run / m["files"]["rebalances"][name]
        log = pd.read_csv(path, index_col=0, parse_dates=True)
        assert {"decision_date", "turnover", "cost", "signal_changed"} <= set(log.columns)
        weights = pd.read_csv(small_run / "weights" / f"{name}.csv", index_col=0,
                              parse_dates=True)
        after = [c for c in log.columns if c.endswith("_after")]
        assert after
        for c in after:  # "after" = the end-of-day weight on the fill date
            role = c[:-len("_after")]
            np.testing.assert_allclose(log[c].to_numpy(), weights.loc[log.index, role],
                                       atol=1e-12)


def test_same_config_same_data_gives_identical_metrics(small_run: Path, tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    assert run(cfg, "--out", tmp_path / "again") == 0
    again = tmp_path / "again" / "small"
    for name in ("metrics.csv", "returns.csv", "signals.csv", "index.html"):
        assert (again / name).read_bytes() == (small_run / name).read_bytes(), name


def test_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cfg = write_config(tmp_path)
    out = tmp_path / "results"
    assert run(cfg, "--out", out) == 0
    marker = out / "small" / "keep.txt"
    marker.write_text("mine")
    capsys.readouterr()
    assert run(cfg, "--out", out) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and "Traceback" not in err
    assert marker.read_text() == "mine"  # untouched
    assert run(cfg, "--out", out, "--force") == 0
    assert not marker.exists() and (out / "small" / "index.html").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["small"]


def _assert_clean_failure(capsys: pytest.CaptureFixture, out: Path, *needles: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.startswith("rowboat: error:") and "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    for n in needles:
        assert n in err, err
    assert not out.exists() or not any(out.iterdir())


def test_bad_config_exit_2_one_message_no_folder(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    cfg = write_config(tmp_path, CONFIG.replace("fee_bps = 5", "fee_bps = 5\nfees = 3"))
    out = tmp_path / "results"
    assert run(cfg, "--out", out) == 2
    _assert_clean_failure(capsys, out, "fees")


def test_bad_data_exit_2_one_message_no_folder(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "prices"
    folder.mkdir()
    (folder / "SPY.csv").write_text("Date,Close\n2020-01-02,100\n2020-01-03,oops\n")
    cfg = write_config(tmp_path, """
[run]
name = "bad"
[data]
source = "prices"
[sleeves]
us = "SPY"
[[strategy]]
name = "us_only"
rule = "us_only"
""")
    out = tmp_path / "results"
    assert run(cfg, "--out", out) == 2
    _assert_clean_failure(capsys, out, "SPY")


def test_missing_config_and_date_outside_data(tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "results"
    assert run(tmp_path / "nope.toml", "--out", out) == 2
    _assert_clean_failure(capsys, out, "nope.toml")
    cfg = write_config(tmp_path)
    assert run(cfg, "--out", out, "--start", "1900-01-01") == 2
    _assert_clean_failure(capsys, out, "1900-01-01")


@pytest.mark.parametrize("key, value, why", [
    ("--start", "foo", ""), ("--start", "2020-13-01", "month"), ("--end", "2020-02-30", "day"),
    ("--end", "20200131", ""),
])
def test_bad_dates_exit_2_one_message(tmp_path: Path, capsys: pytest.CaptureFixture,
                                      key: str, value: str, why: str) -> None:
    """An unreadable --start/--end is one ConfigError naming the option and the format."""
    out = tmp_path / "results"
    assert run(write_config(tmp_path), "--out", out, key, value) == 2
    _assert_clean_failure(capsys, out, f"{key}: expected YYYY-MM-DD, got '{value}'", why)


def test_bad_config_from_a_real_shell(tmp_path: Path) -> None:
    """The installed entry point: exit 2, one line on stderr, nothing written."""
    cfg = write_config(tmp_path, CONFIG.replace('rule = "us_only"', 'rule = "no_such_rule"'))
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "run", str(cfg), "--out",
                           str(tmp_path / "results"), "--quiet"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert "no_such_rule" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "results").exists()


def test_page_metrics_equal_quantstats_on_the_tearsheet_inputs(small_run: Path,
                                                               tmp_path: Path) -> None:
    """CAGR, Sharpe, Sortino, max drawdown: metrics.csv == quantstats on what tearsheets get."""
    import quantstats as qs

    from engine.experiment import load_experiment
    from engine.report.tearsheet import quantstats_inputs, tearsheet_jobs

    exp = load_experiment(write_config(tmp_path))
    returns = exp.returns()
    jobs = tearsheet_jobs(returns, exp.benchmark, exp.rf, exp.rf_label, tmp_path,
                          {n: f"{n}.html" for n in returns.columns})
    page = pd.read_csv(small_run / "metrics.csv", index_col=0)
    assert exp.rf.loc[returns.index].abs().sum() > 0  # a real risk-free series is in play
    for job in jobs:
        kw = quantstats_inputs(job)
        r, rf = kw["returns"], kw["rf"]
        assert kw["match_dates"] is False and kw["periods_per_year"] == 252
        assert isinstance(kw["benchmark"], pd.Series) or job.strategy == exp.benchmark
        ours = page.loc[job.strategy]
        theirs = {"cagr": qs.stats.cagr(r, rf=rf, periods=252),
                  "sharpe": qs.stats.sharpe(r, rf=rf, periods=252),
                  "sortino": qs.stats.sortino(r, rf=rf, periods=252),
                  "max_drawdown": qs.stats.max_drawdown(r),
                  "volatility": qs.stats.volatility(r, periods=252)}
        for key, value in theirs.items():
            assert abs(float(value) - ours[key]) < 1e-9, (job.strategy, key, value, ours[key])
        # same period: quantstats sees exactly the measured days
        assert len(r) == ours["days"] and r.index[0].strftime("%Y-%m-%d") == ours["start"]


def test_vectorbt_backend_gives_the_same_metrics(small_run: Path, tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    assert run(cfg, "--out", tmp_path / "vbt", "--backend", "vectorbt") == 0
    a = pd.read_csv(small_run / "metrics.csv", index_col=0)
    b = pd.read_csv(tmp_path / "vbt" / "small" / "metrics.csv", index_col=0)
    for key in ("cagr", "sharpe", "sortino", "max_drawdown", "turnover_per_year"):
        np.testing.assert_allclose(b[key], a[key], rtol=1e-9, atol=1e-10)
    manifest = json.loads((tmp_path / "vbt" / "small" / "manifest.json").read_text())
    assert manifest["backend"] == "vectorbt"


def test_compare_builds_one_page_across_runs(small_run: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    cfg = write_config(tmp_path, CONFIG.replace('name = "small"', 'name = "costly"')
                       .replace("fee_bps = 5", "fee_bps = 50"))
    assert run(cfg, "--out", tmp_path / "results") == 0
    costly = tmp_path / "results" / "costly"
    out = tmp_path / "cmp"
    capsys.readouterr()
    assert rowboat(["compare", str(small_run), str(costly), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "index.html")
    html = (out / "index.html").read_text()
    for label in ("small", "costly"):
        assert f'data-run="{label}"' in html
    for name in NAMES:
        assert f'data-strategy="{name} · small"' in html
        assert f'data-strategy="{name} · costly"' in html
    for fig in ("bars-cagr", "bars-sharpe", "bars-max_drawdown", "equity-0", "equity-1"):
        assert f'data-fig="{fig}"' in html
    outside = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert "http://" not in outside and "https://" not in outside
    assert html.count("<script") == 3
    # higher fees cost the rotating strategy more
    a = pd.read_csv(small_run / "metrics.csv", index_col=0)
    b = pd.read_csv(costly / "metrics.csv", index_col=0)
    assert b.at["concentration_unwind", "costs_per_year"] > a.at["concentration_unwind",
                                                                 "costs_per_year"]


def test_compare_rejects_a_folder_that_is_not_a_run(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "empty").mkdir()
    out = tmp_path / "cmp"
    assert rowboat(["compare", str(tmp_path / "empty"), "--out", str(out)]) == 2
    _assert_clean_failure(capsys, out, "manifest.json")
