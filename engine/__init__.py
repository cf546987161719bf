"""rowboat's engine: data, signals, simulation, metrics, reports and sweeps.

Importing the package points numba's on-disk cache at a writable folder inside the checkout
(``.cache/numba``, or ``$NUMBA_CACHE_DIR`` when set), in a sub-folder named by a hash of the
``engine`` and ``strategies`` sources. numba invalidates a cached kernel only when its own file
changes, not when a kernel it calls (in another file) does; a folder per source version makes a
stale kernel impossible after an edit or a pull. Older sub-folders in the default location are
removed.
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


def _numba_cache() -> None:
    given = os.environ.get("NUMBA_CACHE_DIR")
    default = _ROOT / ".cache" / "numba"
    candidates = [Path(given)] if given else [default, Path.home() / ".cache" / "rowboat" / "numba"]
    version = source_hash()
    for base in candidates:
        folder = base if base.name == version else base / version  # already chosen by a parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if not os.access(folder, os.W_OK):
            continue
        os.environ["NUMBA_CACHE_DIR"] = str(folder)
        if not given:
            for old in base.iterdir():
                if old.is_dir() and old.name != version:
                    shutil.rmtree(old, ignore_errors=True)
        return


_numba_cache()
