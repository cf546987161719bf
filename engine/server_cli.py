"""``rowboat server start|stop|status``: the resident process of :mod:`engine.server`."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from engine import server
from engine.errors import ConfigError

#: seconds ``start`` waits for the warm-up (a cold numba cache compiles every kernel: ~1 min)
READY_TIMEOUT_S = 600.0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status"),
                        help="start a server for this environment (returns once it is warm), "
                             "stop it, or show it")
    parser.add_argument("--idle", type=float, default=30.0, metavar="MINUTES",
                        help="start: stop after this many minutes without a command (30)")


def main(args: argparse.Namespace) -> int:
    path = server.socket_path()
    state = server.request("status", path)
    if args.action == "status":
        if state is None:
            print(f"rowboat server: none for this environment ({path})")
            return 1
        print(f"rowboat server: pid {state['pid']}, up {state['up_s'] / 60:.1f} min, "
              f"{state['served']} command(s) served, stops after {state['idle_s'] / 60:g} min "
              f"idle; socket {state['socket']}")
        return 0
    if args.action == "stop":
        if state is None:
            print("rowboat server: none was running for this environment")
            return 0
        server.request("stop", path)
        _wait(lambda: not path.exists(), 30.0)
        print(f"rowboat server: stopped (pid {state['pid']})")
        return 0
    if state is not None:
        print(f"rowboat server: already running (pid {state['pid']}); "
              "`rowboat server stop` first to restart it")
        return 0
    if args.idle <= 0:
        raise ConfigError(f"--idle must be a positive number of minutes, got {args.idle:g}")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    log = path.with_suffix(".log")
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue", ROWBOAT_SERVER_IDLE=str(args.idle))
    t0 = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "engine.server"], env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True, cwd=server.ROOT)
    if not _wait(lambda: path.exists() or proc.poll() is not None, READY_TIMEOUT_S) \
            or proc.poll() is not None:
        tail = log.read_text(errors="replace")[-3000:]
        proc.kill()
        print(f"rowboat: error: the server did not start (see {log}):\n{tail}", file=sys.stderr)
        return 1
    print(f"rowboat server: ready in {time.perf_counter() - t0:.1f} s (pid {proc.pid}); run, "
          f"sweep, today and compare start in it now; it stops after {args.idle:g} min idle, "
          "on `rowboat server stop`, or is left alone once the sources change")
    return 0


def _wait(done, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if done():
            return True
        time.sleep(0.05)
    return done()
