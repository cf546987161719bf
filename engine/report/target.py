"""Where a results folder goes: checked before any work, built in a locked temporary folder,
and left-overs of dead runs removed at the next start.

* :func:`check_target` — an existing folder needs ``force``; ``--out`` must not be a file, must
  be writable and must have room for a rough size estimate; all before computing.
* :func:`make_temp` — ``<out>/.<name>.tmp-<pid>-XXXX`` with an exclusive ``flock`` held on the
  folder for as long as the process lives (the kernel releases it when the process dies, even by
  SIGKILL, and a reused pid cannot fake it).
* :func:`sweep_stale` — removes ``.*.tmp-*`` / ``.*.old-*`` folders whose lock nobody holds:
  those of runs that were killed.
* :func:`write_error` — turns "disk full", "read-only" and "name too long" while writing into a
  :class:`~engine.errors.ConfigError` (exit 2, one line).
"""
from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from pathlib import Path

from engine.errors import ConfigError

#: Temporary and replaced folders of a run: ``.<name>.tmp-<pid>-XXXX``, ``.<name>.old-XXXX``,
#: and the tearsheets' staging folder ``.tearsheets-<pid>-XXXX``.
STALE = re.compile(r"^\.(.+\.(tmp|old)|tearsheets)-[A-Za-z0-9_-]+$")
#: errno values that mean "this place cannot take the results" (not a bug).
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG,
                errno.ENAMETOOLONG, errno.ENOTDIR}
MB = 1024 * 1024


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing ancestor."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_out(target: Path, *, need_bytes: int = 0) -> None:
    """``target``'s parent (``--out``) can receive a results folder: not a file, writable, and
    ``need_bytes`` free (a rough estimate). A ConfigError otherwise, before any work."""
    target = Path(target)
    if target.name in ("", ".", ".."):
        raise ConfigError(f"{target}: a results folder needs a name of its own; give --out a "
                          "folder that receives it (e.g. --out results)")
    out = target.parent
    where = _existing(out)
    if not where.is_dir():
        raise ConfigError(f"--out {out}: {where} is a file, not a folder; remove it or choose "
                          "another --out")
    if not os.access(where, os.W_OK | os.X_OK):
        raise ConfigError(f"--out {out}: {where} is not writable (read-only or no permission); "
                          "choose another --out")
    free = shutil.disk_usage(where).free
    if need_bytes and free < need_bytes:
        raise ConfigError(f"--out {out}: only {free / MB:.1f} MB free on that disk and the "
                          f"results need about {need_bytes / MB:.0f} MB; free some space or "
                          "choose another --out")


def check_target(target: Path, *, force: bool, need_bytes: int = 0) -> None:
    """Refuse early when ``target`` exists and ``force`` is off, or when ``--out`` cannot take
    it (see :func:`check_out`); also removes temporary folders of dead runs beside it."""
    target = Path(target)
    check_out(target, need_bytes=need_bytes)
    if target.exists() and not force:
        raise ConfigError(f"results folder {target} already exists; pass --force to replace it "
                          "or --out to write elsewhere")
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target} exists and is not a folder; remove it or choose another --out")
    sweep_stale(target.parent)


def _lock(folder: Path) -> int | None:
    """An fd holding an exclusive flock on ``folder``; None when another process holds it."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def make_temp(target: Path) -> tuple[Path, int | None]:
    """A new locked temporary folder beside ``target`` and the fd holding its lock."""
    return locked_temp(target.parent, f".{target.name}.tmp-")


def locked_temp(parent: Path, prefix: str) -> tuple[Path, int | None]:
    """A new folder ``<parent>/<prefix><pid>-XXXX`` and the fd holding its lock (release it
    with :func:`unlock`); :func:`sweep_stale` removes it once no process holds the lock."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    try:
        fd = _lock(tmp)
    except (OSError, ImportError):  # no flock (not POSIX): the folder still works, unlocked
        fd = None
    return tmp, fd


def unlock(fd: int | None) -> None:
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


def sweep_stale(parent: Path) -> list[Path]:
    """Remove the temporary folders of dead runs in ``parent`` (unlocked ``.*.tmp-*`` and
    ``.*.old-*``); returns what was removed. A live run's folder is locked and kept."""
    removed: list[Path] = []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not STALE.match(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            fd = _lock(entry)
        except (OSError, ImportError):
            continue
        if fd is None:          # a running process holds it
            continue
        try:
            shutil.rmtree(entry, ignore_errors=True)
        finally:
            unlock(fd)
        if not entry.exists():
            removed.append(entry)
    return removed


def write_error(exc: BaseException, target: Path) -> ConfigError | None:
    """A one-line ConfigError for an OSError that means "cannot write there", else None."""
    if not isinstance(exc, OSError) or exc.errno not in WRITE_ERRNOS:
        return None
    what = exc.strerror or str(exc)
    if exc.errno == errno.ENAMETOOLONG:
        fix = "use a shorter run or strategy name, or a shorter --out path"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        fix = "free some space or choose another --out; nothing was written"
    else:
        fix = "choose another --out; nothing was written"
    return ConfigError(f"cannot write the results folder {target}: {what}; {fix}")
