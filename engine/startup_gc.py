"""A command's start-up without Python's cycle collector walking what it loads.

pandas, pyarrow, numba (with its type registries) and the cached kernels leave ~150,000
long-lived objects. Each full collection walks all of them again — three did during a
10,800-variant sweep (~0.3 s) and about as many during ``rowboat run``. A command calls
:func:`pause` before its heavy loading and :func:`settle` once it is loaded: what is alive then is
set aside for good (``gc.freeze``) and the collector runs again for the command's own garbage.
CLI processes only — a library caller's collector is left alone.
"""
from __future__ import annotations

import gc


def pause() -> None:
    """No cycle collection from now until :func:`settle`."""
    gc.disable()


def settle() -> None:
    """Freeze what is alive (never collected again, never walked again) and collect as usual
    from now on; a no-op when the collector is already on."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
