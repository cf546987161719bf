"""What a user sees in the terminal: the next command after `make demo`, no setuptools warning
box, the summary table before the slow part, one closing line, `--version`, `data show --config`
and `compare --common-period`."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engine
from engine.cli import main as rowboat

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[run]
name = "term"
benchmark = "world"
risk_free = "cash"
[data]
source = "sample"
[sleeves]
us = "US"
ex_us = "EXUS"
em = "EM"
cash = "CASH"
[[strategy]]
name = "world"
rule = "fixed_mix"
params = { us = 0.6, ex_us = 0.3, em = 0.1 }
[[strategy]]
name = "us_only"
rule = "us_only"
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "term.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- make demo → next
def _block_after(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]


def test_readme_next_command_works_after_make_demo() -> None:
    """`make demo` installs rowboat into .venv only (`rowboat` alone: exit 127); the README's
    next commands activate that venv first, and make demo says so."""
    lines = _block_after((ROOT / "README.md").read_text(), "## What a run gives you")
    assert lines[0] == "source .venv/bin/activate"
    assert all(line.startswith(("rowboat ", ".venv/bin/rowboat ")) for line in lines[1:])
    make = subprocess.run(["make", "--no-print-directory", "-nB", "demo"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert make.returncode == 0, make.stderr
    hint = make.stdout.strip().splitlines()[-1]
    assert "source .venv/bin/activate" in hint and ".venv/bin/rowboat" in hint


def test_pip_install_hides_the_setuptools_editable_warning_box() -> None:
    """Every `pip install -e` in the Makefile runs with a warning filter that silences
    setuptools' "Editable installation." box (re-emitted by pip as a BuildBackendWarning)."""
    make = subprocess.run(["make", "--no-print-directory", "-nB", "venv-dev", "venv"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    installs = [line for line in make.stdout.splitlines()
                if "pip install" in line and " -e " in line]
    assert len(installs) == 2
    specs = {re.search(r'PYTHONWARNINGS="([^"]*)"', line).group(1) for line in installs}
    assert len(specs) == 1
    box = ("import warnings\nclass BuildBackendWarning(UserWarning): pass\n"
           "warnings.warn('Editable installation.\\n!!\\n  Please be careful with folders in "
           "your working directory', BuildBackendWarning)")
    loud = subprocess.run([sys.executable, "-c", box], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "default"})
    quiet = subprocess.run([sys.executable, "-c", box], capture_output=True, text=True,
                           env={**os.environ, "PYTHONWARNINGS": specs.pop()})
    assert "Editable installation" in loud.stderr and quiet.stderr == ""


# ---------------------------------------------------------------------------- version
def test_version(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        rowboat(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"rowboat {engine.__version__} (quantstats {version('quantstats')}, ")


# ---------------------------------------------------------------------------- run output
def test_summary_comes_before_the_page_and_the_tearsheets(config: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.report.run as run_mod
    import engine.report.run_tearsheets as sheets_mod

    events: list[str] = []
    page = run_mod.build_run_page

    def render(job) -> float:  # a stand-in tearsheet (the real ones take seconds each)
        events.append("tearsheet")
        job.path.parent.mkdir(parents=True, exist_ok=True)
        job.path.write_text("<html></html>")
        return 0.0

    monkeypatch.setenv("ROWBOAT_TEARSHEET_CACHE", "off")
    monkeypatch.setattr(run_mod, "build_run_page", lambda p: events.append("page") or page(p))
    monkeypatch.setattr(sheets_mod, "render", render)
    seen = {}

    def on_measured(name: str, metrics: pd.DataFrame, benchmark: str) -> None:
        events.append("summary")
        seen.update(name=name, strategies=list(metrics.index), benchmark=benchmark)

    out = run_mod.run_config(config, out=tmp_path, tearsheets=True, workers=1,
                             show_progress=False, on_measured=on_measured)
    assert events == ["summary", "page", "tearsheet", "tearsheet"]
    assert seen == {"name": "term", "strategies": ["world", "us_only"], "benchmark": "world"}
    assert list(out.metrics.index) == seen["strategies"]


def test_run_prints_table_then_one_closing_line_then_the_page(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert rowboat(["run", str(config), "--out", str(tmp_path), "--no-tearsheets"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    m = pd.read_csv(tmp_path / "term" / "metrics.csv", index_col=0)
    title = f"term: {m['start'].iloc[0]} to {m['end'].iloc[0]}"
    assert lines[0].strip() == title and "us_only" in "\n".join(lines[1:-2])
    assert re.fullmatch(rf"term: 2 strategies, {m['start'].iloc[0]} to {m['end'].iloc[0]}, "
                        r"data: synthetic sample.*; \d+\.\d s\. Page:", lines[-2]), lines[-2]
    assert lines[-1] == str(tmp_path / "term" / "index.html")


def test_demo_script_is_rowboat_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo prints exactly what `rowboat run` prints: it is that command."""
    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts" / "rowing_boat.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    calls = []
    monkeypatch.setattr("engine.cli.main", lambda argv: calls.append(argv) or 0)
    monkeypatch.setattr(sys, "argv", ["rowing_boat.py", "--no-tearsheets"])
    assert demo.main() == 0
    assert calls == [["run", str(demo.CONFIG), "--data", "sample", "--out", "results",
                      "--force", "--no-tearsheets"]]


# ---------------------------------------------------------------------------- data show
def test_data_show_reads_a_config(config: Path, capsys: pytest.CaptureFixture) -> None:
    assert rowboat(["data", "show", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"config: {config}" in out and "synthetic sample" in out
    table = out.split("sleeves (total return", 1)[1]
    assert [r for r in ("us", "ex_us", "em", "cash") if re.search(rf"│ {r}\s+│", table)] == \
        ["us", "ex_us", "em", "cash"]
    assert rowboat(["data", "show", "--config", str(config), "--start", "2015-01-02",
                    "--end", "2016-12-30"]) == 0
    assert "period: 2015-01-02 to 2016-12-30" in capsys.readouterr().out


def test_data_show_config_errors(config: Path, capsys: pytest.CaptureFixture,
                                 tmp_path: Path) -> None:
    assert rowboat(["data", "show", "--config", str(config), "--sleeve", "us=SPY"]) == 2
    assert rowboat(["data", "show", "--config", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "--sleeve" in err[0] and "not found" in err[1]
    assert "Traceback" not in "\n".join(err)


# ---------------------------------------------------------------------------- compare
def _run(config: Path, out: Path, start: str, end: str) -> Path:
    assert rowboat(["run", str(config), "--out", str(out), "--no-tearsheets", "--quiet",
                    "--start", start, "--end", end]) == 0
    return out / "term"


def test_compare_common_period(config: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture) -> None:
    a = _run(config, tmp_path / "a", "2012-01-03", "2018-12-31")
    b = _run(config, tmp_path / "b", "2015-01-02", "2021-12-31")
    page_dir = tmp_path / "cmp"
    assert rowboat(["compare", str(a), str(b), "--out", str(page_dir), "--common-period"]) == 0
    html = (page_dir / "index.html").read_text()
    ra = pd.read_csv(a / "returns.csv", index_col=0, parse_dates=True)
    rb = pd.read_csv(b / "returns.csv", index_col=0, parse_dates=True)
    start, end = max(ra.index[0], rb.index[0]), min(ra.index[-1], rb.index[-1])
    assert f"common period {start:%Y-%m-%d} → {end:%Y-%m-%d}" in html
    for run, r in (("a", ra), ("b", rb)):
        cut = r.loc[start:end, "us_only"]
        cagr = float(np.prod(1 + cut) ** (252 / len(cut)) - 1)
        label = "term" + (" (a)" if run == "a" else " (b)")
        row = re.search(rf"us_only <span class=\"badge\">{re.escape(label)}</span>.*?</tr>",
                        html, re.S).group(0)
        assert f"{cagr * 100:.1f}%".replace("-", "−") in row
    # without the flag each run keeps its own period (and its own CAGR)
    assert rowboat(["compare", str(a), str(b), "--out", str(tmp_path / "own")]) == 0
    own = (tmp_path / "own" / "index.html").read_text()
    assert "All runs measured over their common period" not in own
    assert f"{ra.index[0]:%Y-%m-%d} → {ra.index[-1]:%Y-%m-%d}" in own


def test_compare_common_period_errors(config: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture) -> None:
    a = _run(config, tmp_path / "a", "2010-01-04", "2012-12-31")
    b = _run(config, tmp_path / "b", "2016-01-04", "2018-12-31")
    assert rowboat(["compare", str(a), str(b), "--out", str(tmp_path / "c"),
                    "--common-period"]) == 2
    assert "share no period" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
    c = _run(config, tmp_path / "c2", "2011-01-03", "2017-12-29")
    (c / "risk_free.csv").unlink()  # a run folder from before risk_free.csv existed
    assert rowboat(["compare", str(a), str(c), "--out", str(tmp_path / "d"),
                    "--common-period"]) == 2
    assert "risk_free.csv" in capsys.readouterr().err
