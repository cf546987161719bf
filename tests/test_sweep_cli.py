"""`rowboat sweep` end to end: the folder, the page, --force, and one clear error (exit 2) for
every bad grid or option."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
CONFIG = str(ROOT / "scripts" / "configs" / "rowing_boat.toml")
SMALL = ["--grid", "drawdown=0.03,0.08", "--grid", "shift=0.5,1", "--grid", "years=0,3"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["sweep", CONFIG, "--strategy", "rowing_boat", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweep")
    assert main(["sweep", CONFIG, "--strategy", "rowing_boat", *SMALL, "--top", "3",
                 "--pbo-blocks", "8", "--wf-train", "36", "--wf-test", "12", "--quiet",
                 "--out", str(out)]) == 0
    return out / "rowing_boat-sweep"


def test_folder_contents(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [
        "best.csv", "index.html", "manifest.json", "top_returns.parquet", "variants.parquet"]
    variants = pd.read_parquet(folder / "variants.parquet")
    assert len(variants) == 8 and variants["variant"].tolist() == list(range(8))
    assert {"drawdown", "shift", "years", "sharpe", "cagr", "max_drawdown"} <= set(variants)
    best = pd.read_csv(folder / "best.csv")
    assert best["rank"].tolist() == [1, 2, 3]
    assert best["variant"].iloc[0] == variants["sharpe"].idxmax()
    assert best["sharpe"].iloc[0] == pytest.approx(variants["sharpe"].max(), rel=1e-11)
    trading = ["turnover_per_year", "costs_per_year", "cost_total", "n_rebalances"]
    assert set(trading) <= set(variants) and set(trading) <= set(best)
    assert best[trading].to_numpy() == pytest.approx(
        variants.set_index("variant").loc[best["variant"], trading].to_numpy(), rel=1e-11)
    assert (variants["costs_per_year"] > 0).all()
    man = json.loads((folder / "manifest.json").read_text())
    assert man["kind"] == "sweep" and man["grid"]["variants"] == 8
    assert man["grid"]["params"] == {"drawdown": [0.03, 0.08], "shift": [0.5, 1.0],
                                     "years": [0, 3]}
    assert man["statistics"]["pbo"]["n_blocks"] == 8
    assert man["data"]["synthetic"] is True
    top = pd.read_parquet(folder / "top_returns.parquet")
    assert list(top.columns) == ["date"] + [f"variant_{v}" for v in best["variant"]]


def test_page_is_self_contained(folder: Path) -> None:
    html = (folder / "index.html").read_text()
    for section in ("top-section", "heatmaps", "dsr", "pbo", "walk-forward"):
        assert f'id="{section}"' in html
    # the charts' data, plotly.js and the page script are inlined; nothing is loaded
    assert html.count("<script") == 3
    assert html.count('<script type="application/json" id="rowboat-data">') == 1
    outside = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r'(src|href)="(https?:)?//', outside)
    assert "synthetic sample" in html
    assert "drawdown × shift" in html
    assert "<th>Turnover / yr</th><th>Costs / yr</th>" in html


def test_same_sweep_same_page_bytes(tmp_path: Path) -> None:
    """The page (charts included: SVG ids, styles) is byte-identical from one run to the next;
    so are the tables."""
    for out in ("a", "b"):
        assert main(["sweep", CONFIG, "--strategy", "rowing_boat", *SMALL, "--top", "3",
                     "--pbo-blocks", "8", "--wf-train", "36", "--wf-test", "12", "--quiet",
                     "--out", str(tmp_path / out)]) == 0
    a, b = (tmp_path / out / "rowing_boat-sweep" for out in ("a", "b"))
    for name in ("index.html", "variants.parquet", "best.csv", "top_returns.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_rank_by_calmar(tmp_path: Path, capsys) -> None:
    """--rank-by calmar: best.csv and the best variant by Calmar; the page says the DSR, PBO
    and walk-forward still rank by Sharpe."""
    code, out, _ = run(capsys, *SMALL, "--top", "8", "--rank-by", "calmar", "--pbo-blocks", "8",
                       "--wf-train", "36", "--out", str(tmp_path))
    assert code == 0 and "by calmar" in out
    folder = tmp_path / "rowing_boat-sweep"
    best = pd.read_csv(folder / "best.csv")
    assert best["calmar"].is_monotonic_decreasing and len(best) == 8
    man = json.loads((folder / "manifest.json").read_text())
    assert man["best"]["rank_by"] == "calmar"
    assert man["best"]["variant"] == best["variant"].iloc[0]
    assert man["best"]["calmar"] == pytest.approx(best["calmar"].iloc[0], rel=1e-11)
    html = (folder / "index.html").read_text()
    assert "Best variant (in sample, by Calmar ratio)" in html
    assert "Calmar ratio heat maps" in html and "by Calmar ratio (CAGR over" in html
    assert "rank variants by Sharpe ratio on excess returns, whatever --rank-by says" in html
    assert f"highest-Sharpe variant is #{man['statistics']['best_variant']}" in html


def test_existing_folder_needs_force(folder: Path, capsys) -> None:
    code, _, err = run(capsys, *SMALL, "--quiet", "--out", str(folder.parent))
    assert code == 2 and "already exists" in err and "--force" in err
    code, out, _ = run(capsys, "--grid", "shift=0.5,1", "--quiet", "--force",
                       "--out", str(folder.parent))
    assert code == 0 and out.strip().endswith("index.html")
    assert len(pd.read_parquet(folder / "variants.parquet")) == 2


@pytest.mark.parametrize("args, message", [
    (["--grid", "lookback=1,2"], "unknown parameter of strategy 'rowing_boat'.*drawdown"),
    (["--grid", "drawdown=0.3:0.1:0.05"], "empty range"),
    (["--grid", "drawdown="], "no values"),
    (["--grid", "drawdown=0.05,1.5"], r"drawdown=1.5.*out of range"),
    (["--grid", "combine=either,sometimes"], "combine.*must be one of"),
    (["--grid", "drawdown=0.001:0.999:0.001", "--grid", "shift=0:1:0.001",
      "--grid", "defensive=0:1:0.1"], r"= 10,999,989 variants, over the 10,000,000 limit.*--yes"),
    (["--grid", "drawdown=0:1:0.000000001"], r"\(1000000001\) = 1,000,000,001 variants, over "
                                             r"the 10,000,000 limit"),
    (["--strategy", "nope"], "--strategy nope: not a \\[\\[strategy\\]\\]"),
    (["--start", "foo"], r"--start: expected YYYY-MM-DD, got 'foo'"),
    (["--start", "2020-13-01"], r"--start: expected YYYY-MM-DD, got '2020-13-01' \(month"),
    (["--end", "2020-02-30"], r"--end: expected YYYY-MM-DD, got '2020-02-30' \(day"),
    (["--start", "2020-01-04", "--end", "2020-01-05"],
     r"no trading day from 2020-01-04 to 2020-01-05 .*covers 2006-07-03 to 2026-07-31"),
    (["--pbo-blocks", "5"], "even number"),
    (["--chunk", "0"], "--chunk must be at least 1 variant, got 0"),
    (["--scheduler", "localhost:8786"], "tcp://HOST:PORT"),
])
def test_bad_input_is_one_error_exit_2(capsys, tmp_path: Path, args, message) -> None:
    code, out, err = run(capsys, *args, "--out", str(tmp_path))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rowboat: error: "), err
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in err and not list(tmp_path.iterdir())
