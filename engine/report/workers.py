"""Tearsheet worker processes live and die with the run that started them.

* :func:`guard_worker` (in each worker, at start): the kernel kills the worker when its parent
  dies (Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; with ``forkserver`` the parent is the fork
  server, which exits when the run dies), Ctrl-C in the terminal is left to the run (which
  then stops the workers: one message instead of a traceback per worker), and the parent's pid
  is remembered.
* :func:`parent_alive` — checked by a worker before it writes a file: a worker never writes
  after its run has gone (and never recreates a removed temporary folder).
* :func:`stop_pool` (in the run, on an error or an interruption): kill the workers *before*
  the temporary folder is removed.
"""
from __future__ import annotations

import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

_PARENT: int | None = None
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: parent_alive() still guards
        pass


def guard_worker() -> None:
    """Call first in a worker process; see the module doc."""
    global _PARENT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _PARENT = os.getppid()
    _die_with_parent()
    if os.getppid() != _PARENT or _PARENT == 1:  # the parent died before the guard was set
        os._exit(0)


def parent_alive() -> bool:
    """False in a worker whose run has died; True elsewhere (also in the run's own process)."""
    return _PARENT is None or os.getppid() == _PARENT


def stop_pool(pool: ProcessPoolExecutor | None) -> None:
    """Kill ``pool``'s workers now (work in flight is dropped) and shut it down."""
    if pool is None:
        return
    procs = list((getattr(pool, "_processes", None) or {}).values())  # no public API for this
    for proc in procs:
        try:
            proc.kill()
        except (OSError, ValueError, AttributeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        try:
            proc.join(5)
        except (OSError, ValueError, AttributeError, AssertionError):
            pass
