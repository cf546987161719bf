"""Fault injection (issue 10, Why #2/#3): ``rowboat run`` and ``rowboat sweep`` killed at several
points by SIGKILL, SIGTERM and Ctrl-C (SIGINT to the whole process group, as a terminal sends
it). Afterwards: no results folder; no temporary folder once the next run has started (at once
for SIGINT/SIGTERM); no surviving process of the killed run (tearsheet workers included); Ctrl-C
and SIGTERM print one line and exit 128 + the signal; the next run succeeds."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """
[run]
name = "fault"
benchmark = "us_only"
risk_free = "cash"
[data]
source = "sample"
[signals.us_trend]
kind = "trend"
series = "us"
months = 10
[[strategy]]
name = "us_only"
rule = "us_only"
[[strategy]]
name = "mix"
rule = "fixed_mix"
[[strategy]]
name = "sma"
rule = "sma_timing"
"""


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ROWBOAT_TEARSHEET_CACHE": "off"}
    return subprocess.Popen([sys.executable, "-m", "engine.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group: pgid = pid


def group_alive(pgid: int) -> list[str]:
    """Processes (not zombies) still in process group ``pgid``."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            alive.append(f"{stat.parent.name} {text[:60]}")
    return alive


def temp_folders(out: Path) -> list[Path]:
    """The temporary folders of runs in ``out`` (results and tearsheet staging)."""
    from engine.report.target import STALE

    return sorted(p for p in out.iterdir() if STALE.match(p.name)) if out.exists() else []


def wait_for(cond, timeout: float) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return True
        time.sleep(0.05)
    return False


def kill_at(proc: subprocess.Popen, sig: int, when) -> tuple[int, str]:
    """Wait for ``when()`` (or the process to end), send ``sig`` (SIGINT to the whole group,
    like Ctrl-C), then wait for the end. Returns (exit code, stderr)."""
    assert wait_for(lambda: when() or proc.poll() is not None, 300)
    assert proc.poll() is None, f"finished before the fault point: {proc.communicate()}"
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def check_after(proc: subprocess.Popen, sig: int, code: int, err: str, out: Path,
                target: Path, placed_ok: bool = False) -> None:
    """Nothing half-written: no results folder — or, with ``placed_ok`` (a SIGKILL sent while
    the run's own temp folder existed, which can land just after the folder's atomic rename),
    a complete one."""
    if placed_ok and target.exists():
        assert sorted(p.name for p in target.iterdir()) == sorted(
            ["index.html", "manifest.json", "variants.parquet", "best.csv",
             "top_returns.parquet"]), sorted(p.name for p in target.iterdir())
    else:
        assert not target.exists()
    assert wait_for(lambda: not group_alive(proc.pid), 15), group_alive(proc.pid)
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
        return
    assert code == 128 + sig, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [f"rowboat: interrupted ({signal.Signals(sig).name}); stopped, nothing "
                     "half-written left behind"], err
    # neither the results' temp folder nor the tearsheets' staging folder of this run is left
    assert [p for p in temp_folders(out) if f"-{proc.pid}-" in p.name] == []


def test_run_killed_at_several_points_leaves_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "fault.toml"
    cfg.write_text(CONFIG)
    out = tmp_path / "results"
    target = out / "fault"
    args = ["run", str(cfg), "--out", str(out), "--workers", "2"]
    # this run's own temp folder exists: the page/tearsheet stage began (not any temp folder: one
    # left by an earlier run fired at once, before the handlers were installed, and the SIGTERM
    # then killed Python itself with -15 — seen in CI)
    has_tmp = lambda: any(f".tmp-{proc.pid}-" in p.name  # noqa: E731
                          for p in temp_folders(out))
    t0 = time.monotonic()
    early = lambda: time.monotonic() - t0 > 2.0  # noqa: E731 - loading data, backtests
    for sig, when in ((signal.SIGINT, has_tmp), (signal.SIGTERM, has_tmp),
                      (signal.SIGKILL, has_tmp), (signal.SIGINT, early)):
        t0 = time.monotonic()
        proc = start(args, tmp_path)
        code, err = kill_at(proc, sig, when)
        if sig == signal.SIGKILL:
            left = temp_folders(out)
            assert any(f".fault.tmp-{proc.pid}-" in p.name for p in left), left
            before = sorted(f for p in left for f in p.rglob("*"))
            time.sleep(3.0)  # a worker still rendering would write now: it must be dead
            assert sorted(f for p in left for f in p.rglob("*")) == before
        check_after(proc, sig, code, err, out, target)
    done = start([*args, "--quiet"], tmp_path)
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    assert (target / "index.html").is_file()
    assert len(list((target / "tearsheets").glob("*.html"))) == 3
    assert temp_folders(out) == []  # the SIGKILLed run's folder was removed at this start


def test_sweep_killed_at_several_points_leaves_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "fault.toml"
    cfg.write_text(CONFIG)
    out = tmp_path / "results"
    target = out / "fault-sma-sweep"
    args = ["sweep", str(cfg), "--strategy", "sma", "--out", str(out), "--quiet"]
    # this sweep's own temp folder exists: it is writing its files (a SIGKILLed run's folder
    # stays until the next start removes it, so any temp folder would fire too early)
    has_tmp = lambda: any(f".tmp-{proc.pid}-" in p.name  # noqa: E731
                          for p in temp_folders(out))
    # (a SIGKILL timed at 3 s raced the end of a warm sweep: it landed after the folder was placed)
    for sig, when in ((signal.SIGKILL, has_tmp), (signal.SIGTERM, has_tmp),
                      (signal.SIGINT, has_tmp)):
        for _ in range(3):  # a warm sweep of this small grid can finish before a timed point
            t0 = time.monotonic()
            proc = start(args, tmp_path)
            point = when if callable(when) else (lambda d=when: time.monotonic() - t0 > d)
            assert wait_for(lambda: point() or proc.poll() is not None, 300)
            if proc.poll() is None:
                break
            proc.communicate()
            shutil.rmtree(target, ignore_errors=True)
        code, err = kill_at(proc, sig, point)
        check_after(proc, sig, code, err, out, target, placed_ok=sig == signal.SIGKILL)
    done = start(args, tmp_path)
    _, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    assert (target / "index.html").is_file() and temp_folders(out) == []
