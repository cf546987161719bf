"""Tearsheets only when they change: a content-addressed cache of rendered tearsheets.

A tearsheet is a pure function of its inputs, so its file is stored under a key that hashes
exactly those inputs (:func:`cache_key`): the strategy's daily returns (values and dates), the
benchmark's, the risk-free series, the title (it names the period), the labels, the spliced
history it marks (each splice's dates, label and note), the versions of
quantstats and the libraries it draws with, and rowboat's report code (every module of
``engine/report`` and of ``engine/metrics``, which the tearsheet fixes read: a change anywhere
there renders every tearsheet again, once). A rerun with unchanged strategies copies the
cached file instead of rendering it again (~4 s each); the bytes are the same either way.

Folder: ``$ROWBOAT_TEARSHEET_CACHE`` or ``~/.cache/rowboat/tearsheets`` (``off`` disables the
cache; an unwritable folder falls back to rendering every time). Files are written to a
temporary name and renamed, so a crash never leaves a half-written entry; entries not used for
:data:`MAX_AGE_DAYS` days are removed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from engine.report.tearsheet import TearsheetJob

CACHE_ENV = "ROWBOAT_TEARSHEET_CACHE"
#: bump when the key's recipe changes
KEY_VERSION = b"rowboat-tearsheet-cache-1"
#: cache entries untouched for this long are removed
MAX_AGE_DAYS = 30

_REPORT = Path(__file__).resolve().parent
#: engine/metrics: the tearsheet fixes read its drawdown periods and monthly tables
_METRICS = _REPORT.parent / "metrics"


def cache_dir() -> Path | None:
    """The cache folder (created), or None when disabled (``$ROWBOAT_TEARSHEET_CACHE=off``) or
    not writable."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() in ("off", "0", "none", "false"):
        return None
    folder = Path(env).expanduser() if env else Path.home() / ".cache" / "rowboat" / "tearsheets"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """SHA-256 of the report code (names and contents) and the versions that render it."""
    h = hashlib.sha256(KEY_VERSION)
    for f in sorted(_REPORT.rglob("*.py")):
        h.update(f.relative_to(_REPORT).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    for f in sorted(_METRICS.glob("*.py")):
        h.update(b"metrics/" + f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    for dist in ("quantstats", "matplotlib", "pandas", "numpy", "seaborn", "tabulate"):
        try:
            h.update(f"{dist}={metadata.version(dist)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=none\0".encode())
    return h.digest()


def _series_bytes(h: "hashlib._Hash", s, what: str) -> None:
    h.update(what.encode() + b"\0")
    if s is None:
        h.update(b"none\0")
        return
    h.update(str(s.name).encode() + b"\0")
    h.update(np.ascontiguousarray(s.index.asi8 if hasattr(s.index, "asi8") else
                                  np.asarray(s.index, dtype="datetime64[ns]").view("i8")))
    h.update(np.ascontiguousarray(s.to_numpy(dtype=np.float64)).tobytes())


def cache_key(job: "TearsheetJob") -> str:
    """Hex SHA-256 of everything that decides the tearsheet's bytes (see the module doc)."""
    h = hashlib.sha256(code_digest())
    for text in (job.strategy, job.benchmark_name, job.rf_label, job.title):
        h.update(str(text).encode() + b"\0")
    _series_bytes(h, job.returns, "returns")
    _series_bytes(h, job.benchmark, "benchmark")
    rf = None if job.rf_daily is None else job.rf_daily.reindex(job.returns.index)
    _series_bytes(h, rf, "rf")
    for s in job.splices or ():  # the spliced history it notes and shades
        h.update(b"splice\0" + "\0".join((s.start, s.end, s.label, s.ticker, *s.roles,
                                             "|", s.note)).encode() + b"\0")
    return h.hexdigest()


def has_entries(folder: Path | None) -> bool:
    """Whether the cache holds any tearsheet: without one (or without a cache) every tearsheet of
    a run will render, so its workers import quantstats at once."""
    return folder is not None and next(folder.glob("*/*.html"), None) is not None


def entry(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.html"


def lookup(folder: Path | None, key: str) -> Path | None:
    """The cached file for ``key`` (its time touched, so pruning keeps it), or None."""
    if folder is None:
        return None
    path = entry(folder, key)
    if not path.is_file():
        return None
    try:
        os.utime(path)
    except OSError:
        pass
    return path


def copy_atomic(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` through a temporary file in ``dst``'s folder and a rename."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store(folder: Path | None, key: str, rendered: Path) -> None:
    """Put a freshly rendered tearsheet into the cache (best effort: a full disk is no error)."""
    if folder is None:
        return
    try:
        copy_atomic(rendered, entry(folder, key))
    except OSError:
        pass


def prune(folder: Path | None, *, max_age_days: float = MAX_AGE_DAYS) -> int:
    """Remove entries not used for ``max_age_days``; returns how many were removed."""
    if folder is None:
        return 0
    cutoff = time.time() - max_age_days * 86400.0
    removed = 0
    for path in folder.glob("*/*.html"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            pass
    return removed
