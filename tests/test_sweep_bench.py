"""Task C of the benchmark runs and reports its keys (a 96-variant smoke run on the sample)."""
from __future__ import annotations

import json

from engine.sweep import bench_c


def test_task_c_quick_on_the_sample(capsys) -> None:
    out = bench_c.run_task_c(quick=True, runs=1, prices=None)
    for key in ("variants", "seconds", "grid_seconds", "stats_seconds", "peak_rss_mb",
                "ns_per_asset_day_variant"):
        assert key in out and out[key] > 0
    assert out["variants"] == 96 and out["signal_groups"] == 8
    assert out["data"].startswith("synthetic sample")
    assert out["ns_per_asset_day_variant"] == (
        out["seconds"] / (out["variants"] * out["days"] * out["assets"]) * 1e9)
    assert out["grid_seconds"] < out["seconds"]        # the grid is timed apart from the sweep
    raw, desc = bench_c.config_dict(None)
    assert raw["data"] == {"source": "sample"}
    from engine.bench import SHARED_PRICES
    assert bench_c.SHARED_PRICES is SHARED_PRICES     # one definition of the data's place


def test_config_for_the_real_panel(tmp_path) -> None:
    for t in (*bench_c.SLEEVES.values(), *bench_c.SIGNAL_ONLY):
        (tmp_path / f"{t}.csv").write_text("Date,Close\n")
    raw, desc = bench_c.config_dict(tmp_path)
    assert raw["sleeves"] == bench_c.SLEEVES and len(raw["sleeves"]) >= 5
    assert raw["data"]["source"] == str(tmp_path) and desc.startswith("real:")
    json.dumps(raw)
