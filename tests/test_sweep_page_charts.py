"""The sweep page's charts are Plotly figures the browser draws (as on the run page), not
matplotlib SVGs: the same information (every variant binned as matplotlib's ``hist`` bins them,
the best, the hurdle and the references as lines; the CSCV logits split at 0; the walk-forward's
growth of 1) and the data inlined safely (matplotlib's SVGs cost a sweep ~2 s of imports and
drawing; tests/test_sweep_imports.py checks that no plotting module is loaded)."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.report.plotly_embed import unpack
from engine.sweep import page_charts as charts

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"


def _figure_blob(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="rowboat-data">(.*?)</script>', html,
                      re.S).group(1)
    return json.loads(block)


def test_sharpe_histogram_bins_every_variant_and_draws_the_lines() -> None:
    rng = np.random.default_rng(4)
    sharpe = rng.normal(0.5, 0.1, 5000)
    sharpe[:7] = np.nan                                  # no Sharpe: not binned
    fig = charts.sharpe_histogram(sharpe, best=0.93, sr0=0.31,
                                  references={"world (benchmark)": 0.55, "as configured": 0.6})
    bars, *lines = fig["data"]
    counts, edges = np.histogram(sharpe[7:], bins=60)   # √n bins, 10 to 60, as before
    assert bars["y"] == counts.tolist() and sum(bars["y"]) == 4993
    np.testing.assert_allclose(bars["x"], (edges[:-1] + edges[1:]) / 2, atol=1e-6)
    assert [ln["x"][0] for ln in lines] == [0.93, 0.31, 0.55, 0.6]
    assert [ln["name"] for ln in lines] == [
        "best variant: 0.93", "expected best of 4,993 skill-less trials: 0.31",
        "world (benchmark): 0.55", "as configured: 0.60"]
    lo, hi = fig["layout"]["xaxis"]["range"]
    assert lo < 0.31 and hi > 0.93                       # no line sits on the frame


def test_pbo_logits_split_at_zero() -> None:
    logits = np.random.default_rng(5).normal(-0.3, 1.5, 3432)
    pbo = float(np.mean(logits <= 0))
    fig = charts.pbo_logits(logits, pbo)
    below, above = fig["data"]
    assert sum(below["y"]) == int((logits <= 0).sum()) and sum(above["y"]) == int(
        (logits > 0).sum())
    assert below["name"] == f"λ ≤ 0 (overfit): {pbo:.0%}"
    # bars left of 0 are all "overfit", right of 0 all not
    assert all(x <= 0 for x, n in zip(below["x"], below["y"]) if n)
    assert all(x > 0 for x, n in zip(above["x"], above["y"]) if n)
    scatter = charts.pbo_scatter(np.array([0.5, 1.0, np.nan]), np.array([0.2, -0.1, 0.3]))
    assert sorted(zip(scatter["data"][0]["x"], scatter["data"][0]["y"])) == [(0.5, 0.2),
                                                                            (1.0, -0.1)]


def test_walk_forward_growth_of_one() -> None:
    months = pd.date_range("2015-01-31", periods=40, freq="ME")
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"walk-forward": rng.normal(0.006, 0.03, 40),
                          "in-sample best #3": rng.normal(0.007, 0.03, 40),
                          "hold world (benchmark)": rng.normal(0.005, 0.04, 40)}, index=months)
    fig = charts.walk_forward_figure(frame, pd.Timestamp("2014-12-31"))
    for trace, name in zip(fig["data"], frame.columns):
        y = unpack(trace["y"])
        final = float(np.prod(1 + frame[name]))
        assert y[0] == 1.0 and y[-1] == pytest.approx(final, abs=5e-5)
        assert trace["name"] == f"{name}: {final:.2f}"
        assert trace["x"][0] == "2014-12-31" and trace["x"][-1] == "2018-04-30"
    assert fig["layout"]["yaxis"]["type"] == "log"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    from engine.sweep.api import run_sweep

    out = tmp_path_factory.mktemp("sweep")
    return run_sweep(CONFIG, strategy="rowing_boat", out=out, pbo_blocks=8, wf_train=36,
                     grid=["drawdown=0.03,0.08", "shift=0.5,1", "years=0,3"])


def test_page_carries_the_figures(sweep) -> None:
    html = sweep.index.read_text()
    figs = _figure_blob(html)["figures"]
    assert set(figs) == {"sharpe-hist", "pbo-logits", "pbo-scatter", "walk-forward-equity"}
    for fid in figs:
        assert f'data-fig="{fid}"' in html
    assert sum(figs["sharpe-hist"]["data"][0]["y"]) == 8
    pbo = sweep.stats.pbo
    assert sum(sum(t["y"]) for t in figs["pbo-logits"]["data"]) == pbo.n_combinations
    assert len(figs["pbo-scatter"]["data"][0]["x"]) == pbo.n_combinations
    assert "<svg" not in html.split("<script", 1)[0]     # no matplotlib SVG left


def test_labels_cannot_end_the_data_block(sweep) -> None:
    """A reference label is the user's strategy name: inlined as JSON, it is escaped."""
    import dataclasses

    from engine.sweep.page import sweep_page

    refs = sweep.references
    evil = "</script><script>alert(1)</script>"
    metrics = refs.metrics.rename(index={refs.metrics.index[0]: evil})
    html = sweep_page(dataclasses.replace(sweep, references=dataclasses.replace(
        refs, metrics=metrics)))
    assert "alert(1)</script>" not in html
    names = [t["name"] for t in _figure_blob(html)["figures"]["sharpe-hist"]["data"][1:]]
    assert f"{evil}: {refs.metrics['sharpe'].iloc[0]:.2f}".replace("-", "−") in names
