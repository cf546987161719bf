"""Checks the browser tests run on every page (run page, compare, sweep, tearsheet): no console
error, no network request, no horizontal overflow on a phone, no overlapping text boxes in link
lists and chart legends, hover shows a value, a legend click hides its series.

Plain functions over a Playwright page, shared by tests/test_browser.py and
scripts/page_screenshot.py.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium(sync_api: Any, width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A persistent Chromium context with a fresh profile."""
    profile = tempfile.mkdtemp(prefix="rowboat-chromium-")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": width, "height": height})
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


class Opened:
    """A page opened from a file, with every request and console error it caused."""

    def __init__(self, context: Any, path: Path, width: int) -> None:
        self.path = path
        self.page = context.new_page()
        self.page.set_viewport_size({"width": width, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console",
                     lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_timeout(400)

    def offsite(self) -> list[str]:
        own = self.path.resolve().as_uri()
        return [u for u in self.requests if u != own and not u.startswith("data:")]

    def overflow(self) -> int:
        """Pixels the page is wider than the viewport (0 = no horizontal scrolling)."""
        return int(self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"))

    def close(self) -> None:
        self.page.close()


_BOXES = """(sel) => Array.from(document.querySelectorAll(sel)).map(e => {
  const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];
}).filter(b => b[2] - b[0] > 0 && b[3] - b[1] > 0)"""


def overlaps(page: Any, selector: str, tol: float = 0.5) -> list[tuple[int, int]]:
    """Pairs of elements matching ``selector`` whose boxes overlap (by more than ``tol``)."""
    boxes = page.evaluate(_BOXES, selector)
    bad = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            if min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol:
                bad.append((i, j))
    return bad


def draw(page: Any, fig_id: str) -> Any:
    """Scroll figure ``fig_id`` into view and wait until Plotly has drawn it."""
    loc = page.locator(f'div.plot[data-fig="{fig_id}"]')
    loc.scroll_into_view_if_needed()
    page.evaluate("id => window.rowboatDraw && window.rowboatDraw(id)", fig_id)
    page.wait_for_function(
        "id => { const el = document.querySelector(`div.plot[data-fig=\"${id}\"]`);"
        " return el && el.querySelector('.main-svg'); }", arg=fig_id, timeout=15000)
    return loc


def legend_overlaps(page: Any, fig_id: str) -> list[tuple[int, int]]:
    return overlaps(page, f'div.plot[data-fig="{fig_id}"] .legend .traces')


def hover_value(page: Any, fig_id: str) -> str:
    """Hover the middle of a figure's plot area; the text of the hover label ("" if none)."""
    draw(page, fig_id)
    box = page.locator(f'div.plot[data-fig="{fig_id}"] .nsewdrag').first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_timeout(300)
    return str(page.evaluate(
        "id => { const el = document.querySelector(`div.plot[data-fig=\"${id}\"] .hoverlayer`);"
        " return el ? el.textContent : ''; }", fig_id)).strip()


def legend_click_hides(page: Any, fig_id: str) -> bool:
    """Click the first legend entry: its trace becomes "legendonly" (hidden)."""
    draw(page, fig_id)
    page.locator(f'div.plot[data-fig="{fig_id}"] .legend .traces .legendtoggle').first.click()
    page.wait_for_timeout(800)  # Plotly waits out its double-click delay before acting
    return page.evaluate(
        "id => document.querySelector(`div.plot[data-fig=\"${id}\"]`).data[0].visible",
        fig_id) == "legendonly"
