"""Ctrl-C and ``kill``: one line and a conventional exit code, nothing half-written.

:func:`handle_signals` makes SIGTERM (and SIGHUP) raise :class:`Interrupted` in the main thread
as Ctrl-C raises KeyboardInterrupt, so the same clean-up runs for all three: tearsheet workers
are killed, the temporary results folder is removed (see :mod:`engine.report.writer`). A second
signal during that clean-up is ignored so the clean-up finishes. Exit codes: 128 + the signal
number (130 for Ctrl-C, 143 for SIGTERM). SIGKILL cannot be caught: its left-overs are removed
at the next start, and the workers die with the run (:mod:`engine.report.workers`).
"""
from __future__ import annotations

import signal
import sys
import threading
from types import FrameType


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by a signal (SIGINT, SIGTERM or SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


_CAUGHT = (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None))
_stopping = False


def _raise(signum: int, frame: FrameType | None) -> None:
    global _stopping
    if _stopping:          # already cleaning up: let it finish
        return
    _stopping = True
    raise Interrupted(signum)


def handle_signals() -> dict[int, object]:
    """Install the handlers (main thread only; elsewhere a no-op); returns the previous ones
    for :func:`restore`."""
    global _stopping
    _stopping = False
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for sig in _CAUGHT:
        if sig is not None:
            previous[sig] = signal.signal(sig, _raise)
    return previous


def restore(previous: dict[int, object]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)  # type: ignore[arg-type]


def exit_code(exc: KeyboardInterrupt) -> int:
    """130 for Ctrl-C (a KeyboardInterrupt raised by Python's own handler), else 128 + signal."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + int(signal.SIGINT)


def message(exc: KeyboardInterrupt) -> str:
    name = exc.name if isinstance(exc, Interrupted) else "SIGINT"
    return f"rowboat: interrupted ({name}); stopped, nothing half-written left behind"


def report(exc: KeyboardInterrupt) -> int:
    """Print the one line and return the exit code."""
    global _stopping
    _stopping = True
    print(message(exc), file=sys.stderr)
    return exit_code(exc)
