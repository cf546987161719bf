"""A sweep on a Dask LocalCluster (2 worker processes on 127.0.0.1) gives the same bytes as the
local run."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ConfigError
from engine.sweep import run_sweep

distributed = pytest.importorskip("dask.distributed")

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"
GRID = ["drawdown=0.03,0.05,0.08", "shift=0.5,1", "years=0,3", "trend_months=6,10",
        "defensive=0,0.5"]
FILES = ("variants.parquet", "best.csv", "top_returns.parquet", "index.html")


@pytest.mark.slow
def test_dask_equals_local(tmp_path: Path) -> None:
    local = run_sweep(CONFIG, strategy="rowing_boat", grid=GRID, out=tmp_path / "local", top=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        remote = run_sweep(CONFIG, strategy="rowing_boat", grid=GRID, out=tmp_path / "dask",
                           top=4, scheduler=cluster.scheduler_address, chunk=7)
    assert remote.scheduler is not None and local.scheduler is None
    for name in FILES:
        a = (local.path / name).read_bytes()
        b = (remote.path / name).read_bytes()
        assert a == b, name
    assert local.stats.as_dict() == remote.stats.as_dict()


def test_unreachable_scheduler_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tcp://HOST:PORT"):
        run_sweep(CONFIG, strategy="rowing_boat", grid=["shift=0.5"], out=tmp_path,
                  scheduler="127.0.0.1:1")


def test_no_scheduler_there_is_a_config_error(tmp_path: Path, monkeypatch) -> None:
    import engine.sweep.dask as sweep_dask

    monkeypatch.setattr(sweep_dask, "CONNECT_TIMEOUT", 1)
    with pytest.raises(ConfigError, match="cannot connect.*dask scheduler"):
        run_sweep(CONFIG, strategy="rowing_boat", grid=["shift=0.5"], out=tmp_path,
                  scheduler="tcp://127.0.0.1:1")
    assert not list(tmp_path.iterdir())
