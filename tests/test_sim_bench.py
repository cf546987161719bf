"""The benchmark's plumbing (a smoke run: speed itself is measured by ``rowboat bench``, never
asserted in tests)."""
from __future__ import annotations

import json

import pytest

from engine import bench
from engine.cli import main

pytestmark = pytest.mark.slow


def test_bench_quick_prints_one_json_object(capsys):
    """Task B end to end through the CLI: one subprocess, one JSON object."""
    assert main(["bench", "--quick", "--task", "b"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["quick"] is True and "smoke run" in report["note"]
    assert {"cpu", "cores", "numba_threads", "versions"} <= set(report["machine"])
    b = report["task_b"]
    assert {"rowboat_s", "bt_s", "ratio"} <= set(b)
    assert b["ratio"] == pytest.approx(b["bt_s"] / b["rowboat_s"])
    assert b["max_rel_diff_vs_bt"] <= 5e-5


def test_task_a_sides_and_combine(tmp_path):
    """Task A's two sides (run in-process here, at the --quick size) and the merged keys."""
    parts = {side: bench.WORKERS[side](True, tmp_path / f"{side}.npy")
             for side in bench.TASKS["a"].sides}
    a = bench.TASKS["a"].combine(parts, tmp_path)
    assert {"rowboat_s", "vectorbt_s", "ratio", "max_rel_diff", "ns_per_asset_day_variant",
            "rowboat_rss_mb", "vectorbt_rss_mb"} <= set(a)
    assert a["variants"] == 50 and a["assets"] == 4
    assert a["max_rel_diff"] <= 1e-9                   # the same daily values as vectorbt
    assert a["ratio"] == pytest.approx(a["vectorbt_s"] / a["rowboat_s"])
