"""Results folders: built in a temporary folder next to the target and renamed into place.

A run either leaves a complete ``results/<name>/`` or nothing: the work happens in
``results/.<name>.tmp-<pid>-XXXX`` (locked while the run lives; see :mod:`engine.report.target`)
and is renamed at the end; an error or an interruption removes it, and a killed run's folder is
removed at the next start. A full disk, a read-only place or a too-long name while writing is
a ConfigError (exit 2, one line). An existing
folder is replaced only with ``force=True``. CSVs use a fixed float format and contain no
timestamps of when they were written, so the same inputs give byte-identical files.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import pandas as pd

from engine import names
from engine.report.target import check_target, make_temp, unlock, write_error

__all__ = ["atomic_folder", "check_target", "write_csv", "write_manifest", "write_metrics_csv"]

#: Floats in metrics.csv: 12 significant digits (rounding far below the 1e-9 agreement bound).
METRICS_FLOAT = "%.12g"
#: Floats in returns/weights/signals CSVs: round-trip precision. Written by pyarrow's CSV
#: writer as the shortest digits that read back to the same double (0.1, not
#: 0.10000000000000001); this format string is pandas' fallback for frames pyarrow cannot take.
SERIES_FLOAT = "%.17g"

PACKAGES = ("rowboat", "numpy", "pandas", "numba", "vectorbt", "quantstats", "matplotlib",
            "scipy", "yfinance", "rich")


#: A file/folder name from a strategy or run name (one definition: ``engine.names``).
safe_name = names.safe_name


def config_digest(text: str | None) -> str | None:
    """SHA-256 (hex) of a config file's text, as manifests record it; None without a text."""
    return hashlib.sha256(text.encode()).hexdigest() if text else None


@contextmanager
def atomic_folder(target: Path, *, force: bool = False, need_bytes: int = 0) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``target``; on success it becomes ``target``.

    On any exception (or interruption) the temporary folder is removed (and the parent too when
    this call created it and it is empty), so a failed run leaves nothing behind. With ``force``
    an existing ``target`` is replaced only after the new one is complete. An OSError meaning
    "cannot write there" (disk full, read-only, name too long) becomes a ConfigError.
    """
    target = Path(target)
    check_target(target, force=force, need_bytes=need_bytes)
    parent = target.parent
    created_parent = not parent.exists()
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp, lock = make_temp(target)
    except OSError as exc:
        _remove_parent(parent, created_parent)
        raise (write_error(exc, target) or exc) from None
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        for p in [tmp, *tmp.rglob("*")]:
            if p.is_dir():
                p.chmod(0o777 & ~umask)
        old = None
        if target.exists():
            check_target(target, force=force)
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
            old.rmdir()
            target.rename(old)
        tmp.rename(target)
        unlock(lock)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        unlock(lock)
        _remove_parent(parent, created_parent)
        err = write_error(exc, target)
        if err is not None:
            raise err from None
        raise


def _remove_parent(parent: Path, created: bool) -> None:
    if created:
        try:
            parent.rmdir()
        except OSError:
            pass


def write_csv(frame: pd.DataFrame, path: Path, *, float_format: str = SERIES_FLOAT) -> None:
    """Write a frame with a fixed float format, ISO dates and "\\n" line endings.

    With the default ``SERIES_FLOAT``, a frame of numbers on a date index (returns, weights,
    signals) goes through pyarrow's CSV writer (~10× faster than pandas): floats as their
    shortest round-trip digits, NaN as an empty field. Anything else (text columns, another
    float format) through pandas.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if float_format == SERIES_FLOAT and _write_numeric_csv(frame, path):
        return
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    if isinstance(out.index, pd.DatetimeIndex):
        out.index = out.index.strftime("%Y-%m-%d")
        out.index.name = frame.index.name or "date"
    out.to_csv(path, float_format=float_format, lineterminator="\n", na_rep="")


def _write_numeric_csv(frame: pd.DataFrame, path: Path) -> bool:
    """The fast path of :func:`write_csv`; False (nothing written) when it does not apply."""
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex) or (len(idx) and not (idx == idx.normalize()).all()):
        return False
    if not all(pd.api.types.is_float_dtype(t) or (pd.api.types.is_integer_dtype(t)
                                                  and not pd.api.types.is_bool_dtype(t))
               for t in frame.dtypes):
        return False
    import csv
    import io

    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(
        [frame.index.name or "date", *[str(c) for c in frame.columns]])
    cols = {"0": pa.array(idx.values.astype("datetime64[D]"))}
    for i, col in enumerate(frame.columns):
        values = frame[col].to_numpy()
        cols[str(i + 1)] = pa.array(values, from_pandas=bool(np.issubdtype(values.dtype,
                                                                           np.floating)))
    body = io.BytesIO()
    pacsv.write_csv(pa.table(cols), body, pacsv.WriteOptions(include_header=False,
                                                             quoting_style="none"))
    path.write_bytes(head.getvalue().encode("utf-8") + body.getvalue())
    return True


def write_metrics_csv(metrics: pd.DataFrame, path: Path) -> None:
    """metrics.csv: one row per strategy, fractions, 12 significant digits, ISO dates."""
    out = metrics.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, pd.Timestamp)).any():
            out[col] = pd.to_datetime(out[col])
    write_csv(out, path, float_format=METRICS_FLOAT)


def package_versions() -> dict[str, str]:
    """Python's version and each of :data:`PACKAGES`' (looked up once per process: a run's page
    and manifest both state them, and each lookup scans the installed packages)."""
    return dict(_package_versions())


@lru_cache(maxsize=1)
def _package_versions() -> tuple[tuple[str, str], ...]:
    versions = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return tuple(versions.items())


def git_commit(where: Path | None = None) -> str:
    """The checkout's commit (with "+dirty" when it has uncommitted changes), or "unknown"."""
    cwd = Path(where) if where else Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha}+dirty" if dirty else (sha or "unknown")


def _jsonable(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, (pd.Timestamp,)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return _jsonable(asdict(value))  # type: ignore[arg-type]
    return str(value)


def manifest_text(manifest: Mapping[str, object]) -> str:
    """manifest.json's text: sorted keys, 2-space indent, dates as ISO strings."""
    return json.dumps(_jsonable(manifest), indent=2, sort_keys=True) + "\n"


def write_manifest(path: Path, manifest: Mapping[str, object]) -> None:
    """manifest.json: sorted keys, 2-space indent, dates as ISO strings."""
    path.write_text(manifest_text(manifest), encoding="utf-8")


def read_manifest(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
