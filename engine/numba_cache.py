"""Recover from a damaged numba cache by itself.

numba stores compiled kernels in ``$NUMBA_CACHE_DIR`` (rowboat points it at a folder of its own,
see :mod:`engine`). A file there that cannot be read — a disk that filled up while numba wrote
it, a copy cut short — makes numba raise (an ``UnpicklingError``, an ``EOFError``…) on every
later run until someone deletes the folder by hand. The CLI instead clears rowboat's cache
folder once, says so, and runs the command again (numba then compiles afresh).
"""
from __future__ import annotations

import os
import shutil
import traceback
from pathlib import Path

_CACHING = os.path.join("numba", "core", "caching.py")


def is_cache_failure(exc: BaseException) -> bool:
    """True when ``exc`` was raised while numba loaded a kernel from its on-disk cache."""
    if not isinstance(exc, Exception):
        return False
    return any(frame.f_code.co_filename.endswith(_CACHING)
               for frame, _ in traceback.walk_tb(exc.__traceback__))


def cache_folder() -> Path | None:
    given = os.environ.get("NUMBA_CACHE_DIR")
    return Path(given) if given else None


def clear() -> Path | None:
    """Empty rowboat's numba cache folder (``$NUMBA_CACHE_DIR``); returns it."""
    folder = cache_folder()
    if folder is None or not folder.is_dir():
        return None
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            try:
                entry.unlink()
            except OSError:
                pass
    return folder
