"""``rowboat server``: commands run in a fork of a warm process, with the same files, exit codes
and signals as on their own (engine/server.py)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import server

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = str(ROOT / "scripts" / "configs" / "rowing_boat.toml")
SMALL = ["--grid", "drawdown=0.05,0.1,0.2", "--grid", "shift=0.5,1"]


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ROWBOAT_NO_SERVER"}
    env.update(ROWBOAT_SERVER_DIR=str(folder), PYTHONWARNINGS="ignore", **extra)
    return env


def rowboat(env: dict[str, str], *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, **kw)


def served(env: dict[str, str]) -> int:
    state = server.request("status", server.socket_path(env))
    assert state is not None, "the server is not running"
    return int(state["served"])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    """A started server (its own socket folder); stopped after the module's tests."""
    folder = tmp_path_factory.mktemp("server")
    env = _env(folder)
    start = rowboat(env, "server", "start", "--idle", "3")
    assert start.returncode == 0, start.stderr
    assert "ready in" in start.stdout
    state = server.request("status", server.socket_path(env))
    yield env
    stop = rowboat(env, "server", "stop")
    assert stop.returncode == 0 and "stopped" in stop.stdout
    assert not server.socket_path(env).exists()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(state["pid"]):
        time.sleep(0.1)
    assert not _alive(state["pid"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and \
        Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def test_a_run_in_the_server_writes_the_same_files_as_a_run_by_itself(env, tmp_path):
    before = served(env)
    args = ["run", SAMPLE, "--no-tearsheets", "--quiet"]
    mine = rowboat(env, *args, "--out", str(tmp_path / "server"))
    assert mine.returncode == 0, mine.stderr
    assert served(env) == before + 1
    alone = rowboat(dict(env, ROWBOAT_NO_SERVER="1"), *args, "--out", str(tmp_path / "alone"))
    assert alone.returncode == 0, alone.stderr
    assert served(env) == before + 1
    assert mine.stdout.replace("/server/", "/alone/") == alone.stdout   # the page path
    a, b = _files(tmp_path / "server" / "rowing_boat"), _files(tmp_path / "alone" / "rowing_boat")
    assert a.keys() == b.keys() and "index.html" in a and "metrics.csv" in a
    assert a == b


def test_a_sweep_in_the_server_gives_the_same_bits(env, tmp_path):
    """numba's parallel kernels run on the workqueue layer in a server, on OpenMP alone."""
    before = served(env)
    args = ["sweep", SAMPLE, "--strategy", "rowing_boat", *SMALL, "--quiet", "--yes"]
    mine = rowboat(env, *args, "--out", str(tmp_path / "server"))
    alone = rowboat(dict(env, ROWBOAT_NO_SERVER="1"), *args, "--out", str(tmp_path / "alone"))
    assert mine.returncode == 0 and alone.returncode == 0, mine.stderr + alone.stderr
    assert served(env) == before + 1
    name = "rowing_boat-sweep"
    for f in ("variants.parquet", "best.csv", "top_returns.parquet", "index.html"):
        assert (tmp_path / "server" / name / f).read_bytes() == \
            (tmp_path / "alone" / name / f).read_bytes(), f


def test_errors_keep_their_message_and_exit_code(env, tmp_path):
    before = served(env)
    missing = rowboat(env, "run", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("rowboat: error: config file ") and \
        missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    wrong = rowboat(env, "run", SAMPLE, "--bogus")
    assert wrong.returncode == 2 and "unrecognized arguments: --bogus" in wrong.stderr
    helped = rowboat(env, "sweep", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: rowboat sweep")
    assert served(env) == before + 3


def test_sigterm_reaches_the_command_and_nothing_is_left(env, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "run", SAMPLE, "--quiet",
                             "--no-tearsheets", "--out", str(out)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and not any(out.iterdir()):
        time.sleep(0.005)                       # the run's temporary folder: it is writing
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "interrupted (SIGTERM)" in err and "Traceback" not in err
    assert list(out.iterdir()) == []            # nothing half-written
    assert served(env) >= 1                     # the server itself goes on


def test_another_environment_runs_by_itself(env, tmp_path):
    before = served(env)
    other = dict(env, ROWBOAT_CACHE_DIR=str(tmp_path / "yahoo"))   # any ROWBOAT_* variable
    done = rowboat(other, "today", SAMPLE)                          # names another server
    assert done.returncode == 0, done.stderr
    assert served(env) == before
    assert server.socket_path(other) != server.socket_path(env)


def test_the_socket_names_what_modules_read_when_they_load(tmp_path):
    base = _env(tmp_path)
    same = server.identity(base)
    for key, value in (("PWD", "/elsewhere"), ("TERM", "dumb"), ("COLUMNS", "40"),
                       ("NUMBA_THREADING_LAYER", "omp"), ("ROWBOAT_NO_SERVER", "")):
        assert server.identity(dict(base, **{key: value})) == same, key
    for key, value in (("NUMBA_NUM_THREADS", "1"), ("ROWBOAT_LANES", "4"), ("LANG", "C"),
                       ("PYTHONHASHSEED", "1"), ("MPLCONFIGDIR", "/x")):
        assert server.identity(dict(base, **{key: value})) != same, key


def test_no_server_and_an_idle_server_stops_by_itself(tmp_path):
    env = _env(tmp_path)
    none = rowboat(env, "server", "status")
    assert none.returncode == 1 and "none for this environment" in none.stdout
    start = rowboat(env, "server", "start", "--idle", "0.02")      # 1.2 s
    assert start.returncode == 0, start.stderr
    path = server.socket_path(env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and path.exists():
        time.sleep(0.1)
    assert not path.exists()
    assert rowboat(env, "server", "status").returncode == 1

