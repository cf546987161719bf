"""The one place where text becomes HTML: every user-derived string (tickers, file and column
names, strategy, signal and run names, config and folder paths) goes through :func:`esc` or
:func:`href` on its way into any page rowboat writes — its own pages and quantstats' tearsheets.

``esc`` escapes ``& < > " '`` (safe in element text and in quoted attributes). ``href`` makes a
link target from a *relative* path: percent-encoded (so ``javascript:x`` becomes the harmless
relative path ``javascript%3Ax``, never a URL scheme), then escaped.
"""
from __future__ import annotations

import html
from pathlib import PurePath
from urllib.parse import quote


def esc(value: object) -> str:
    """``value`` as text that is safe inside HTML element content and quoted attributes."""
    return html.escape(str(value), quote=True)


def href(path: str | PurePath) -> str:
    """A quoted-attribute-safe link to a relative ``path`` (``/`` separated, never a scheme)."""
    text = path.as_posix() if isinstance(path, PurePath) else str(path).replace("\\", "/")
    return esc(quote(text, safe="/"))
