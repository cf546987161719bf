"""Checks of a written tearsheet (HTML text) against the quantstats 0.0.86 bugs users saw.

:func:`tearsheet_problems` returns one line per problem (empty = clean). It reads the SVG that
matplotlib writes: each tick is a ``<g id="xtick_N">`` group whose first path starts at the
tick's position and whose first comment is its label; each text has a ``<!-- text -->`` comment;
bars are clipped rectangle paths. Shared by the unit tests and the demo/ETF real-run tests.
"""
from __future__ import annotations

import re

import pandas as pd

_NUMBER = re.compile(r"<!-- (-?\d+\.\d\d) -->")
_RECT = re.compile(r'<path d="M ([-\d.]+) [-\d.]+ \s*L ([-\d.]+) [-\d.]+ \s*L [-\d.]+ [-\d.]+ '
                   r'\s*L [-\d.]+ [-\d.]+ \s*z\s*" clip-path=')


def chart_svg(html: str, div_id: str) -> str:
    m = re.search(rf'<div id="{div_id}">(.*?)</div>', html, re.S)
    assert m, f"no #{div_id}"
    return m.group(1)


def ticks(svg: str, axis: str) -> list[tuple[float, str]]:
    """(position along the axis in SVG units, label) of each drawn tick of ``axis`` (x or y)."""
    out = []
    chunks = re.split(rf'<g id="{axis}tick_\d+">', svg)[1:]
    for chunk in chunks:
        pos = re.search(r'(?:d="M|x=")\s*([-\d.]+)[ "]\s*([-\d.]+)?', chunk)
        label = re.search(r"<!-- (.*?) -->", chunk)
        if pos and label:
            out.append((float(pos.group(1) if axis == "x" else pos.group(2) or pos.group(1)),
                        label.group(1)))
    return out


def bars(svg: str) -> list[tuple[float, float]]:
    """(left, right) of every clipped rectangle (the bars) in SVG units."""
    return sorted((min(float(a), float(b)), max(float(a), float(b)))
                  for a, b in _RECT.findall(svg))


def row(html: str, label: str) -> list[str]:
    m = re.search(rf"<tr><td>{re.escape(label)}</td>(.*?)</tr>", html, re.S)
    assert m, label
    return re.findall(r"<td>([^<]*)</td>", m.group(1))


def eoy_problems(svg: str, years: list[int]) -> list[str]:
    labels = ticks(svg, "x")
    found = [int(t) for _, t in labels if t.isdigit()]
    if found != years:
        return [f"EOY chart: year labels {found}, expected {years}"]
    rects = bars(svg)
    if len(rects) % len(years):
        return [f"EOY chart: {len(rects)} bars for {len(years)} years"]
    per = len(rects) // len(years)
    groups = [rects[i * per:(i + 1) * per] for i in range(len(years))]
    bad = [f"{y} at x={x:.0f} outside its bars {g[0][0]:.0f}–{g[-1][1]:.0f}"
           for (x, _), y, g in zip(labels, years, groups) if not g[0][0] <= x <= g[-1][1]]
    return [f"EOY chart: label {b}" for b in bad[:3]]


def tearsheet_problems(html: str, index: pd.DatetimeIndex) -> list[str]:
    """Every bug of the list found in one tearsheet of returns measured on ``index``."""
    problems = []
    for word in ("dtype:", "Length:"):
        if word in html:
            i = html.index(word)
            problems.append(f"pandas text {word!r} printed: …{html[max(0, i - 60):i + 20]!r}")
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S)
    if h1 is None or h1.group(1).count(str(index[0].year)) != 1:
        problems.append(f"title shows the start year {index[0].year} not exactly once: "
                        f"{h1.group(1) if h1 else None!r}")
    problems += eoy_problems(chart_svg(html, "eoy_returns"), sorted(set(index.year)))
    months = len(set(zip(index.year, index.month)))
    cells = len(_NUMBER.findall(chart_svg(html, "monthly_heatmap")))
    if cells != months:
        problems.append(f"monthly heatmap: {cells} numbered cells for {months} months")
    y_labels = [t for _, t in ticks(chart_svg(html, "log_returns"), "y")]
    if len(y_labels) < 4:
        problems.append(f"log chart: y ticks {y_labels} (fewer than 4)")
    return problems
