"""File and folder names made from user-given names (runs, strategies)."""
from __future__ import annotations

import re


def safe_name(name: str) -> str:
    """A file/folder name from a strategy or run name: letters, digits, ``._-`` only (no
    leading or trailing ``.``/``_``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._")
    return cleaned or "unnamed"


def file_key(name: str) -> str:
    """What two names must not share to write different files: their :func:`safe_name`,
    case-folded (macOS and Windows file systems ignore case)."""
    return safe_name(name).casefold()
