"""HTML building blocks for rowboat's pages: one self-contained file, no script, no request.

Numbers arrive as fractions and are shown as percent here (the page says so in its headers).
Every function returns an HTML fragment (escaped) from plain pandas inputs.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from engine.report.escape import esc, href  # noqa: F401  (the one escaping helper, re-exported)

Formatter = Callable[[object], str]


def css() -> str:
    """The page's stylesheet (inlined into every page)."""
    return resources.files("engine.report").joinpath("page.css").read_text(encoding="utf-8")


def _bad(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT


def pct(x: object, decimals: int = 1, *, sign: bool = False) -> str:
    """0.1234 → "12.3%" (a fraction shown as percent); NaN → "–"."""
    if _bad(x):
        return "–"
    v = float(x) * 100.0  # type: ignore[arg-type]
    s = f"{v:+.{decimals}f}%" if sign else f"{v:.{decimals}f}%"
    return s.replace("-", "−")


def pp(x: object, decimals: int = 1) -> str:
    """A difference of two fractions in percentage points: 0.0123 → "+1.2 pp"."""
    if _bad(x):
        return "–"
    return f"{float(x) * 100.0:+.{decimals}f} pp".replace("-", "−")  # type: ignore[arg-type]


def bp(x: object) -> str:
    """A fraction in basis points: 0.00012 → "1.2 bp"."""
    if _bad(x):
        return "–"
    v = float(x) * 1e4  # type: ignore[arg-type]
    return (f"{v:.1f} bp" if abs(v) < 100 else f"{v:.0f} bp").replace("-", "−")


def num(x: object, decimals: int = 2) -> str:
    if _bad(x):
        return "–"
    return f"{float(x):.{decimals}f}".replace("-", "−")  # type: ignore[arg-type]


def day(x: object) -> str:
    if _bad(x):
        return "–"
    return pd.Timestamp(x).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def sign_class(x: object) -> str:
    if _bad(x):
        return ""
    return "neg" if float(x) < 0 else ""  # type: ignore[arg-type]


def chip(color: str) -> str:
    return f'<span class="chip" style="background:{esc(color)}"></span>'


@dataclass(frozen=True)
class Column:
    """One column of a metrics table: header, tooltip, key, formatter, which way is better."""

    key: str
    header: str
    tip: str
    fmt: Formatter
    better: str | None = None  # "high", "low" or None (no "best" highlight)
    signed: bool = True  # colour negatives red
    label_key: str | None = None  # a column whose value is appended in brackets, e.g. a year
    sub: Callable[[pd.Series], str] | None = None  # a small second line from the row


def table(rows: Sequence[str], columns: Sequence[Column], values: pd.DataFrame, *,
          first_header: str, first_cell: Callable[[str], str],
          extra: Mapping[str, Callable[[str], str]] | None = None, table_id: str = "",
          row_attr: str = "data-strategy", highlight_best: bool = True,
          css_class: str = "") -> str:
    """A table with one row per entry of ``rows`` (index of ``values``) and a cell per column.

    The best value per column (by ``Column.better``) is bold when more than one row exists.
    ``extra``: header → function(row) giving extra trailing cells (HTML).
    """
    best: dict[str, object] = {}
    if len(rows) > 1 and highlight_best:
        for col in columns:
            if col.better and col.key in values:
                s = pd.to_numeric(values[col.key], errors="coerce").dropna()
                if len(s) > 1 and s.nunique() > 1:
                    best[col.key] = s.idxmax() if col.better == "high" else s.idxmin()
    head = [f'<th title="{esc("Strategy")}">{esc(first_header)}</th>']
    head += [f'<th title="{esc(c.tip)}">{esc(c.header)}</th>' for c in columns]
    head += [f"<th>{esc(h)}</th>" for h in (extra or {})]
    body = []
    for r in rows:
        cells = [f'<td class="name">{first_cell(r)}</td>']
        for c in columns:
            v = values.at[r, c.key] if c.key in values.columns and r in values.index else None
            cls = [sign_class(v)] if c.signed else []
            if best.get(c.key) == r:
                cls.append("best")
            klass = f' class="{" ".join(x for x in cls if x)}"' if any(cls) else ""
            text = c.fmt(v)
            if c.label_key and c.label_key in values.columns and r in values.index:
                text += f" ({values.at[r, c.label_key]})"
            sub = ""
            if c.sub is not None and r in values.index:
                sub = f'<span class="sub">{esc(c.sub(values.loc[r]))}</span>'
            cells.append(f"<td{klass}>{esc(text)}{sub}</td>")
        for fn in (extra or {}).values():
            cells.append(f"<td>{fn(r)}</td>")
        body.append(f'<tr {row_attr}="{esc(r)}">' + "".join(cells) + "</tr>")
    tid = f' id="{esc(table_id)}"' if table_id else ""
    klass = f' class="{esc(css_class)}"' if css_class else ""
    return (f'<div class="tablewrap"><table{tid}{klass}><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def heat_table(frame: pd.DataFrame, colors: Mapping[str, str], *, index_header: str,
               table_id: str = "", decimals: int = 1) -> str:
    """Rows = index (e.g. years), columns = strategies; cells are fractions shown as percent,
    tinted green (up) or red (down) by size."""
    scale = float(pd.to_numeric(frame.stack(), errors="coerce").abs().max() or 1.0) or 1.0
    head = [f"<th>{esc(index_header)}</th>"]
    head += [f"<th>{chip(colors.get(c, '#999'))}{esc(c)}</th>" for c in frame.columns]
    body = []
    for idx, row in frame.iterrows():
        cells = [f'<td class="name">{esc(idx)}</td>']
        for v in row:
            if _bad(v):
                cells.append("<td>–</td>")
                continue
            a = min(abs(float(v)) / scale, 1.0) * 0.55
            rgb = "19,114,58" if v >= 0 else "179,38,30"
            cells.append(f'<td style="background:rgba({rgb},{a:.3f})">{esc(pct(v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    tid = f' id="{esc(table_id)}"' if table_id else ""
    return (f'<div class="tablewrap"><table class="heat"{tid}><thead><tr>{"".join(head)}</tr>'
            f'</thead><tbody>{"".join(body)}</tbody></table></div>')


def cards(items: Iterable[tuple[str, str]]) -> str:
    """Key/value cards; values are HTML (already escaped by the caller). A key ending in
    " (wide)" makes a card two columns wide."""
    parts = []
    for k, v in items:
        wide = k.endswith(" (wide)")
        k = k.removesuffix(" (wide)")
        klass = "card wide" if wide else "card"
        parts.append(f'<div class="{klass}"><div class="k">{esc(k)}</div>'
                     f'<div class="v">{v}</div></div>')
    return '<div class="cards">' + "".join(parts) + "</div>"


@dataclass(frozen=True)
class Section:
    """One titled part of a page; ``body`` is HTML."""

    id: str
    heading: str
    body: str
    note: str = ""


def chart(svg: str, chart_id: str, heading: str = "", caption: str = "") -> str:
    """A figure: optional heading (h3), the inline SVG (its ids prefixed with ``chart_id``, so
    they are unique in the page and the same on every run), optional caption."""
    from engine.report.plots import prefix_ids

    svg = prefix_ids(svg, f"{chart_id}-")
    head = f"<h3>{esc(heading)}</h3>" if heading else ""
    cap = f'<p class="note">{esc(caption)}</p>' if caption else ""
    return (f'<figure class="chart" id="{esc(chart_id)}" data-chart="{esc(chart_id)}">'
            f"{head}{svg}{cap}</figure>")


def document(title: str, header: str, sections: Sequence[Section], footer: str,
             scripts: str = "") -> str:
    """A complete HTML document: inline CSS, no external reference; ``scripts`` (inline
    ``<script>`` elements, e.g. plotly.js and the chart data) go at the end of the body."""
    parts = []
    for s in sections:
        note = f'<p class="note">{s.note}</p>' if s.note else ""
        parts.append(f'<section id="{esc(s.id)}"><h2>{esc(s.heading)}</h2>{note}{s.body}</section>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"
            f"<title>{esc(title)}</title><style>{css()}</style></head>\n<body><main>"
            f"{header}{''.join(parts)}<footer>{footer}</footer></main>{scripts}</body></html>\n")
