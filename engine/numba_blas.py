"""numba's start-up BLAS probe without importing scipy.linalg (~0.35 s a process).

The first time numba loads or compiles a kernel it imports ``numba.np.arraymath``, whose module
body asks "is a BLAS there?" (``_HAVE_BLAS``, which only decides how ``np.dot`` / ``np.vdot``
*compile*) by importing ``scipy.linalg.cython_blas`` — and with it all of ``scipy.linalg``
(which pulls in numpy.f2py through scipy's array-API layer): a third of a second on every
``rowboat`` command, though no rowboat kernel calls BLAS.

:func:`install` (called when :mod:`engine` is imported; it imports nothing) answers that one
question from the file system instead: the probe says True exactly when scipy's
``cython_blas`` extension module is installed, where numba's import would find it. Every other
call of numba's ``ensure_blas`` — those made while a kernel that uses BLAS compiles — still
runs numba's own function (it imports scipy and checks it); a compiled kernel reaches BLAS
through numba's helper library, which imports scipy's functions itself when first called.
numba's modules are imported in numba's own order: the hook acts only at the moment numba
imports ``numba.np.arraymath``.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from typing import Any

_TARGET = "numba.np.arraymath"


def cython_blas_installed() -> bool:
    """True when ``scipy.linalg.cython_blas`` exists as an extension module (not imported)."""
    try:
        spec = importlib.util.find_spec("scipy")
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    return any((Path(root) / "linalg" / f"cython_blas{suffix}").is_file()
               for root in spec.submodule_search_locations
               for suffix in importlib.machinery.EXTENSION_SUFFIXES)


def _lazy(real: Any) -> Any:
    """numba's ``ensure_blas`` that answers arraymath's start-up probe from the file system."""
    def ensure_blas() -> None:
        arraymath = sys.modules.get(_TARGET)
        if arraymath is not None and not hasattr(arraymath, "_HAVE_BLAS"):
            # numba.np.arraymath's module body is running its _check_blas()
            if cython_blas_installed():
                return
            raise ImportError("scipy 0.16+ is required for linear algebra")
        real()

    ensure_blas.__wrapped__ = real          # type: ignore[attr-defined]
    return ensure_blas


class _Hook(importlib.abc.MetaPathFinder):
    """Finds nothing; when numba is about to import ``numba.np.arraymath`` (after
    ``numba.np.linalg``, whose ``ensure_blas`` it binds), wraps that function once."""

    done = False

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname != _TARGET or self.done:
            return None
        self.done = True
        linalg = sys.modules.get("numba.np.linalg")
        if linalg is not None and hasattr(linalg, "ensure_blas"):
            linalg.ensure_blas = _lazy(linalg.ensure_blas)
        return None


def install() -> None:
    """Put the hook first on ``sys.meta_path`` (once; nothing when arraymath is loaded)."""
    if _TARGET in sys.modules or any(isinstance(f, _Hook) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Hook())
