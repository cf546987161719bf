"""The run's page and a tearsheet in Debian's headless Chromium: no console error, no network
request, every strategy row and chart drawn. Screenshots go to tests/_artifacts/ (git-ignored)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CONFIG = """
[run]
name = "browser"
benchmark = "world"
risk_free = "cash"
[data]
source = "sample"
[signals.mega_weight]
kind = "concentration"
basket = ["AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA"]
index = "US"
[signals.exus_high]
kind = "breakout"
series = "ex_us"
years = 5
[signals.us_trend]
kind = "trend"
series = "us"
months = 10
[costs]
fee_bps = 5
slippage_bps = 5
[[strategy]]
name = "world"
rule = "world"
[[strategy]]
name = "us_only"
rule = "us_only"
[[strategy]]
name = "rowing_boat"
rule = "rowing_boat"
params = { drawdown = 0.05 }
signals = { concentration = "mega_weight", ex_us = "exus_high", trend = "us_trend" }
"""
NAMES = ["world", "us_only", "rowing_boat"]
CHARTS = ["equity", "drawdowns", "rolling-excess", "allocation", "signal-0", "signal-1",
          "signal-2"]


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    from engine.report import run_config

    base = tmp_path
    cfg = base / "browser.toml"
    cfg.write_text(CONFIG)
    out = run_config(cfg, out=base / "results", tearsheets=True, workers=2, show_progress=False)
    return out.path


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (install Debian's chromium: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install -e '.[dev]')")
    profile = tempfile.mkdtemp(prefix="rowboat-chromium-")  # a fresh --user-data-dir
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(  # passes profile as --user-data-dir
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": 1360, "height": 900})
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def open_page(context, path: Path) -> tuple[object, list[str], list[str]]:
    """Open ``path`` via file://, recording every request and every console error."""
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    return page, requests, errors


def offsite(requests: list[str], path: Path) -> list[str]:
    own = path.resolve().as_uri()
    return [u for u in requests if u != own and not u.startswith("data:")]


def test_page_and_tearsheet_open_offline(browser, run_dir: Path) -> None:
    """One test (the run with its tearsheets is made once, on one xdist worker)."""
    index = run_dir / "index.html"
    page, requests, errors = open_page(browser, index)
    assert errors == []
    assert offsite(requests, index) == []
    for name in NAMES:
        row = page.locator(f'#metrics tr[data-strategy="{name}"]')
        assert row.count() == 1 and row.is_visible(), name
    for chart in CHARTS:
        box = page.locator(f'figure#{chart} svg').bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 150, chart
    assert page.locator("#calendar tbody tr").count() >= 10
    assert page.get_by_text("synthetic sample", exact=False).first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "index.png"), full_page=True)
    page.close()

    html = index.read_text()
    for name in NAMES:  # every tearsheet is linked and exists
        assert f'href="tearsheets/{name}.html"' in html
        assert (run_dir / "tearsheets" / f"{name}.html").is_file()

    sheet = run_dir / "tearsheets" / "rowing_boat.html"
    page, requests, errors = open_page(browser, sheet)
    assert errors == []
    assert offsite(requests, sheet) == []
    assert "rowing_boat" in page.title()
    assert page.locator("svg").count() >= 10  # quantstats' charts are drawn
    ARTIFACTS.mkdir(exist_ok=True)
    assert page.locator('a[href="../index.html"]').count() == 1  # back to the page
    page.screenshot(path=str(ARTIFACTS / "tearsheet.png"), full_page=False)
    page.close()
