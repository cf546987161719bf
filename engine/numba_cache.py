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
import sys
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


#: the module numba imports to check that BLAS is there (``numba.np.arraymath._check_blas``)
BLAS = "scipy.linalg.cython_blas"


def preload_blas() -> bool:
    """Load scipy's ``cython_blas`` extension by itself, before numba looks for it.

    Loading any cached kernel makes numba import its array registry, which checks that BLAS is
    available with ``import scipy.linalg.cython_blas``: that runs ``scipy/linalg/__init__``
    first — all of scipy.linalg and, through scipy's array-API shim, numpy.f2py — about 0.35 s
    of a one-second run, none of which rowboat's kernels use. With the extension already in
    ``sys.modules`` numba's check finds the very same BLAS (its function pointers come from this
    module) and ``scipy.linalg`` is imported only by whoever uses it (it then picks up this
    module). Does nothing (False) when numba has already checked, scipy.linalg is imported, or
    the extension is not where scipy keeps it; numba then imports it itself, as before.
    """
    if BLAS in sys.modules or "scipy.linalg" in sys.modules or "numba.np.arraymath" in sys.modules:
        return False
    try:
        import importlib.machinery
        import importlib.util

        import scipy

        folder = Path(scipy.__file__).parent / "linalg"
        path = next((folder / f"cython_blas{suffix}"
                     for suffix in importlib.machinery.EXTENSION_SUFFIXES
                     if (folder / f"cython_blas{suffix}").is_file()), None)
        spec = importlib.util.spec_from_file_location(BLAS, path) if path else None
        if spec is None or spec.loader is None:
            return False
        module = importlib.util.module_from_spec(spec)
        sys.modules[BLAS] = module
        spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 — numba imports it the usual way
        sys.modules.pop(BLAS, None)
        return False
    return True
