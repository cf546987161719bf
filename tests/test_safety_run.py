"""User errors of issue 10 (Why #5–#7) that are about where and how a run writes: each is exit
code 2 and one line naming the thing and the fix, found before computing where possible."""
from __future__ import annotations

import errno
import http.server
import math
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import cli

ROOT = Path(__file__).resolve().parent.parent
TINY = """
[run]
name = "{name}"
benchmark = "us_only"
risk_free = "cash"
[data]
source = "sample"
[[strategy]]
name = "us_only"
rule = "us_only"
[[strategy]]
name = "{strategy}"
rule = "fixed_mix"
"""


def config(tmp_path: Path, name: str = "tiny", strategy: str = "mix") -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY.format(name=name, strategy=strategy))
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("rowboat: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def no_compute(monkeypatch):
    """Fail the test if the experiment is computed: the check must come before it."""
    import engine.experiment

    def boom(*a, **k):
        raise AssertionError("computed before the check")

    monkeypatch.setattr(engine.experiment, "load_experiment", boom)


@contextmanager
def tmpfs(where: Path, options: str):
    """A tiny tmpfs (root only); skips the test when it cannot be mounted."""
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


# --- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["name", "strategy"])
def test_300_character_name_is_exit_2_not_file_name_too_long(tmp_path, capsys, field) -> None:
    long = "n" * 300
    cfg = config(tmp_path, **{field: long})
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    line = one_line_error(capsys)
    assert "300 characters is too long" in line and "at most 100" in line
    assert not (tmp_path / "out").exists()


def test_run_name_with_trailing_dots_is_rejected_not_renamed(tmp_path, capsys) -> None:
    """`a..` used to become folder `a`: the folder would not be named as the run."""
    cfg = config(tmp_path, name="a..")
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    line = one_line_error(capsys)
    assert "[run] name" in line and "ends with '.'" in line and "remove the trailing dot" in line


# --- --out ---------------------------------------------------------------------------------

def test_out_pointing_at_a_file_fails_before_computing(tmp_path, capsys, no_compute) -> None:
    out = tmp_path / "file"
    out.write_text("x")
    assert cli.main(["run", str(config(tmp_path)), "--out", str(out), "--quiet"]) == 2
    line = one_line_error(capsys)
    assert "is a file, not a folder" in line and "--out" in line


def test_out_read_only_fails_before_computing(tmp_path, capsys, no_compute) -> None:
    with tmpfs(tmp_path / "ro", "ro,size=64k") as ro:
        assert cli.main(["run", str(config(tmp_path)), "--out", str(ro / "results"),
                         "--quiet"]) == 2
        line = one_line_error(capsys)
        assert "is not writable" in line and "choose another --out" in line


def test_full_disk_fails_before_computing(tmp_path, capsys, no_compute) -> None:
    with tmpfs(tmp_path / "small", "size=64k") as small:
        assert cli.main(["run", str(config(tmp_path)), "--out", str(small), "--quiet"]) == 2
        line = one_line_error(capsys)
        assert "MB free" in line and "free some space" in line
        assert cli.main(["sweep", str(config(tmp_path)), "--strategy", "mix", "--grid",
                         "us=0.6", "--out", str(small), "--quiet"]) == 2
        assert "MB free" in one_line_error(capsys)
        assert list(small.iterdir()) == []


def test_disk_full_while_writing_is_exit_2_and_leaves_nothing(tmp_path, capsys,
                                                              monkeypatch) -> None:
    import engine.report.run as run_mod

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.csv"))

    monkeypatch.setattr(run_mod, "_write_tables", full)
    out = tmp_path / "out"
    assert cli.main(["run", str(config(tmp_path)), "--out", str(out), "--quiet",
                     "--no-tearsheets"]) == 2
    line = one_line_error(capsys)
    assert "No space left on device" in line and "free some space" in line
    assert not out.exists()  # neither the folder nor its temporary folder (nor --out itself)


def test_compare_out_dot_is_exit_2(tmp_path, capsys, monkeypatch) -> None:
    run = tmp_path / "r"
    assert cli.main(["run", str(config(tmp_path)), "--out", str(run), "--quiet",
                     "--no-tearsheets"]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["compare", str(run / "tiny"), "--out", ".", "--force"]) == 2
    assert "needs a name of its own" in one_line_error(capsys)
    assert (run / "tiny" / "index.html").is_file()


# --- stale temporary folders ---------------------------------------------------------------

def test_stale_temp_folders_of_dead_runs_are_removed_live_ones_kept(tmp_path) -> None:
    from engine.report.target import make_temp, sweep_stale, unlock

    dead = tmp_path / ".run.tmp-99999999-abcd"      # e.g. left by SIGKILL: nobody holds it
    (dead / "tearsheets").mkdir(parents=True)
    old = tmp_path / ".run.old-zz"
    old.mkdir()
    live, fd = make_temp(tmp_path / "other")
    keep = tmp_path / ".hidden"                      # not ours
    keep.mkdir()
    removed = sweep_stale(tmp_path)
    assert sorted(removed) == sorted([dead, old])
    assert live.is_dir() and keep.is_dir()
    assert live.name.startswith(f".other.tmp-{os.getpid()}-")
    unlock(fd)
    assert sweep_stale(tmp_path) == [live]


# --- workers -------------------------------------------------------------------------------

def test_workers_capped_at_cores_and_tearsheets(tmp_path, capsys, monkeypatch) -> None:
    import engine.report.run as run_mod
    import engine.report.run_tearsheets as sheets_mod

    started: list[int] = []
    monkeypatch.setenv("ROWBOAT_TEARSHEET_CACHE", "off")
    monkeypatch.setattr(run_mod, "start_pool",
                        lambda n, **kw: started.append(n))  # no processes
    monkeypatch.setattr(sheets_mod, "render", lambda job: job.path.write_text("t") and 0.0)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert cli.main(["run", str(config(tmp_path)), "--out", str(tmp_path / "o"), "--quiet",
                     "--workers", "16"]) == 0
    assert started == [2]                       # 2 tearsheets
    assert "--workers 16 capped at 2 (4 cores, 2 tearsheets)" in capsys.readouterr().err
    from engine.report.run import worker_count

    assert worker_count(16, 8, say=False) == 4  # 4 cores
    assert worker_count(3, 8, say=False) == 3


# --- the Dask scheduler address --------------------------------------------------------------

class _Banner(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
        time.sleep(1)


@contextmanager
def serving(handler):
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("handler, words", [
    (http.server.SimpleHTTPRequestHandler, "sent nothing"),   # hung > 200 s before
    (_Banner, "greets with 'SSH-2.0-"),                       # a 3 EiB allocation before
])
def test_scheduler_that_is_not_dask_fails_within_the_timeout(tmp_path, capsys, handler,
                                                            words) -> None:
    from engine.sweep.dask import CONNECT_TIMEOUT

    with serving(handler) as address:
        t0 = time.monotonic()
        code = cli.main(["sweep", str(config(tmp_path)), "--strategy", "mix", "--grid",
                         "us=0.6", "--scheduler", address, "--out", str(tmp_path / "o"),
                         "--quiet"])
        elapsed = time.monotonic() - t0
    assert code == 2
    line = one_line_error(capsys)
    assert "not a Dask scheduler" in line and words in line and address in line
    assert elapsed < CONNECT_TIMEOUT + 15
    assert not (tmp_path / "o").exists() or list((tmp_path / "o").iterdir()) == []


# --- Sharpe of a strategy equal to the risk-free series ------------------------------------

def test_sharpe_of_the_risk_free_itself_is_undefined_not_rounding_noise() -> None:
    from engine.data import load_panel
    from engine.experiment import risk_free_series
    from engine.metrics import summary
    from engine.sim import backtest, fixed_mix

    panel = load_panel("sample")
    res = backtest(panel, fixed_mix(panel, {"cash": 1.0}), fee=0.0)
    rf, _ = risk_free_series(panel, "cash")
    r = res.returns.loc[res.start:].iloc[1:]      # the measured period: the day after the fill
    excess = r - rf.loc[r.index]
    assert 0 < excess.std() < 1e-15                # rounding noise only
    s = summary(r, rf=rf.loc[r.index])
    assert math.isnan(s["sharpe"]) and math.isnan(s["sortino"])
    assert s["volatility"] == pytest.approx(r.std() * math.sqrt(252))
    # a real (tiny but genuine) excess risk still gets its ratio
    rng = np.random.default_rng(1)
    noisy = r + pd.Series(rng.normal(1e-6, 1e-6, r.size), index=r.index)
    s2 = summary(noisy, rf=rf.loc[r.index])
    e2 = noisy - rf.loc[r.index]
    assert s2["sharpe"] == pytest.approx(e2.mean() / e2.std() * math.sqrt(252), rel=1e-9)


# --- a damaged numba cache ---------------------------------------------------------------

@pytest.mark.slow
def test_corrupted_numba_cache_is_cleared_once_and_the_run_succeeds(tmp_path) -> None:
    import shutil

    import engine

    cache = tmp_path / "numba"
    mine = ROOT / ".cache" / "numba" / engine.source_hash()
    if mine.is_dir():                                   # start from compiled kernels (fast)
        shutil.copytree(mine, cache / engine.source_hash())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "engine.cli", "run", str(config(tmp_path)), "--out",
           str(tmp_path / "o"), "--quiet", "--no-tearsheets", "--force"]
    if not list(cache.rglob("*.nbc")):
        assert subprocess.run(cmd, env=env, capture_output=True, timeout=600).returncode == 0
    files = list(cache.rglob("*.nbc")) + list(cache.rglob("*.nbi"))
    assert files
    for f in files:
        f.write_bytes(b"\xa5garbage")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "numba's cache" in done.stderr and "could not be read" in done.stderr
    assert "cleared it and running again" in done.stderr and "Traceback" not in done.stderr
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "numba's cache" not in again.stderr
