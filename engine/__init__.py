"""rowboat's engine: data, signals, simulation, metrics, reports and sweeps.

Importing the package points numba's on-disk cache at a writable folder inside the checkout
(``.cache/numba``, or ``$NUMBA_CACHE_DIR`` when set), in a sub-folder named by a hash of the
``engine`` and ``strategies`` sources and by the CPU's SIMD level and the sweep's lane width
(:func:`engine.simd.cache_tag`, e.g. ``3f2a…-avx2-l8``). numba invalidates a cached kernel only
when its own file changes, not when a kernel it calls (in another file) does, nor when a
module-level constant it froze (the lane width) differs; a folder per source version and width
makes a stale kernel impossible after an edit, a pull, or on another CPU sharing the checkout.
Older sub-folders in the default location are removed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

__version__ = "0.1.0"

_ROOT = Path(__file__).resolve().parent.parent


def source_hash() -> str:
    """12 hex digits of SHA-256 over the package sources (paths and contents)."""
    h = hashlib.sha256()
    for pkg in ("engine", "strategies"):
        for f in sorted((_ROOT / pkg).rglob("*.py")):
            h.update(f.relative_to(_ROOT).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


_LOADED_SOURCE: str | None = None


def loaded_source_hash() -> str:
    """:func:`source_hash` as it was when this process loaded the package (computed once)."""
    global _LOADED_SOURCE
    if _LOADED_SOURCE is None:
        _LOADED_SOURCE = source_hash()
    return _LOADED_SOURCE


def cache_name() -> str:
    """The numba cache sub-folder's name: source hash, SIMD level, lane width."""
    from engine.simd import cache_tag

    return f"{loaded_source_hash()}-{cache_tag()}"


def _numba_cache() -> None:
    given = os.environ.get("NUMBA_CACHE_DIR")
    default = _ROOT / ".cache" / "numba"
    candidates = [Path(given)] if given else [default, Path.home() / ".cache" / "rowboat" / "numba"]
    version = cache_name()
    source = version.split("-", 1)[0]
    for base in candidates:
        if base.name.split("-", 1)[0] == source:    # already chosen by a parent (maybe for
            base = base.parent                      # another forced lane width)
        folder = base / version
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if not os.access(folder, os.W_OK):
            continue
        os.environ["NUMBA_CACHE_DIR"] = str(folder)
        if not given:
            for old in base.iterdir():      # other sources' folders (other CPUs' stay)
                if old.is_dir() and old.name.split("-", 1)[0] != source:
                    shutil.rmtree(old, ignore_errors=True)
        return


_numba_cache()
