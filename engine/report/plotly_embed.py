"""Plotly charts in a single offline HTML file: one inlined copy of plotly.js, the chart data
as JSON in a ``<script type="application/json">`` block, and a small script that draws them.

Nothing here imports plotly's Python package (slow to import): the figures are plain dicts
(``{"data": [...], "layout": {...}}``) built by :mod:`engine.report.figures`, and plotly.js is
read from the installed package's files. Trace ``x`` values may be a string key into the
blob's ``dates`` table (one date list shared by many traces keeps the file small).

Safety: the JSON is made safe to inline in a script element — every ``<``, ``>`` and ``&`` is
written as a ``\\u00XX`` escape, so no ``</script>`` or ``<!--`` in a strategy name or label can
end the block (see :func:`json_for_script`).
"""
from __future__ import annotations

import functools
import importlib.util
import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Element id of the JSON data block.
DATA_ID = "rowboat-data"


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """The installed plotly.min.js (from the plotly package's files, without importing it)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("plotly is not installed; pip install 'plotly>=5,<7' (a vectorbt "
                           "dependency)")
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    return path.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def page_js() -> str:
    """rowboat's own page script (draws the figures, strategy picker)."""
    return resources.files("engine.report").joinpath("page.js").read_text(encoding="utf-8")


def json_for_script(obj: Any) -> str:
    """``obj`` as JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&``
    and the JS line separators escaped; NaN refused (use None)."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def values(series: pd.Series | np.ndarray | Sequence[float], decimals: int | None = None,
           digits: int = 4) -> dict[str, Any] | list[float | None]:
    """A float array for the page, rounded to ``decimals`` places (or, when None, to ``digits``
    significant digits of the largest magnitude) and packed small: ``{"q": decimals, "z":
    [...]}`` where ``z`` holds the rounded values × 10^q as integer steps from the previous
    non-missing value (``null`` = missing). The page script unpacks it (``unpack`` in
    page.js); :func:`unpack` is the same in Python. Short arrays stay plain lists."""
    a = np.asarray(series, dtype=np.float64)
    finite = np.isfinite(a)
    if decimals is None:
        top = float(np.abs(a[finite]).max()) if finite.any() else 1.0
        decimals = max(0, digits - 1 - int(math.floor(math.log10(top)))) if top > 0 else digits
    if len(a) < 16:
        out = np.round(a, decimals).tolist()
        return [x if math.isfinite(x) else None for x in out]
    ints = np.rint(np.where(finite, a, 0.0) * 10.0 ** decimals).astype(np.int64)
    kept = ints[finite]
    steps = np.diff(np.concatenate([[0], kept]))
    if finite.all():
        return {"q": int(decimals), "z": steps.tolist()}
    z: list[int | None] = [None] * len(a)
    for i, v in zip(np.flatnonzero(finite).tolist(), steps.tolist()):
        z[i] = v
    return {"q": int(decimals), "z": z}


def unpack(packed: dict[str, Any] | list[float | None]) -> list[float | None]:
    """The values :func:`values` packed (what the page script draws)."""
    if isinstance(packed, list):
        return packed
    acc, out = 0, []
    scale = 10.0 ** packed["q"]
    for v in packed["z"]:
        if v is None:
            out.append(None)
        else:
            acc += v
            out.append(acc / scale)
    return out


def dates(index: pd.DatetimeIndex) -> list[str]:
    """ISO dates (YYYY-MM-DD) of an index (tz-naive, without NaT): what
    ``strftime("%Y-%m-%d")`` gives, through NumPy (pandas' strings are Arrow-backed, and a list
    of them is built one element at a time)."""
    days = pd.DatetimeIndex(index).to_numpy().astype("datetime64[D]")
    return np.datetime_as_string(days, unit="D").tolist()


def data_block(figures: Mapping[str, Mapping[str, Any]], date_table: Mapping[str, list[str]],
               extra: Mapping[str, Any] | None = None) -> str:
    """The ``<script type="application/json">`` block holding every figure and date list."""
    blob = {"dates": dict(date_table), "figures": dict(figures), **(extra or {})}
    return f'<script type="application/json" id="{DATA_ID}">{json_for_script(blob)}</script>'


def scripts() -> str:
    """plotly.js and the page script, inlined (put them at the end of the body)."""
    lib = plotly_js().replace("</script", "<\\/script")
    return f"<script>{lib}</script><script>{page_js()}</script>"


def figure_div(fig_id: str, height: int, heading: str = "", caption: str = "") -> str:
    """A placeholder the page script fills with figure ``fig_id`` (drawn when scrolled near).

    ``heading``/``caption`` are already-escaped HTML."""
    from engine.report.page import esc

    head = f"<h3>{heading}</h3>" if heading else ""
    cap = f'<p class="note">{caption}</p>' if caption else ""
    return (f'<figure class="chart plotly-chart" id="fig-{esc(fig_id)}">{head}'
            f'<div class="plot" data-fig="{esc(fig_id)}" style="height:{int(height)}px"></div>'
            f"{cap}</figure>")
