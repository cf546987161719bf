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
* :func:`lean_imports` (in each worker, before quantstats is imported): the packages quantstats
  imports but never uses to render a tearsheet from given returns are not loaded.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import os
import signal
import sys
import types
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


#: imported by quantstats for downloads only (``yfinance``, ~0.3 s with its own imports): a
#: stand-in that imports the real package on first use of any of its names
DEFERRED = ("yfinance",)
#: imported by quantstats and seaborn inside ``try: … except ImportError`` for notebook display
#: and widgets (~0.2 s): absent in a worker, which draws to files only
ABSENT = ("IPython", "ipywidgets")


class _Deferred(types.ModuleType):
    """A module that imports the real one on first use of a name it does not define."""

    def __getattr__(self, attr: str):  # only called for names the stand-in lacks
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        return getattr(real, attr)


def lean_imports() -> None:
    """Call in a worker process before quantstats is imported (never in a user's process: a
    notebook needs IPython). Rendering is unchanged: nothing of these packages is used."""
    for name in ABSENT:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # import → ImportError
    for name in DEFERRED:
        if name not in sys.modules:
            stand_in = _Deferred(name)
            stand_in.__spec__ = importlib.machinery.ModuleSpec(name, None)
            sys.modules[name] = stand_in


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
