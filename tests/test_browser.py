"""Every page in Debian's headless Chromium at 1400 px and at a 390 px phone width: the run
page (demo and, with ../shared/data, the real-ETF config), a tearsheet, the compare page and the
sweep page. No console error, no network request, no horizontal overflow at 390 px, no
overlapping text boxes in link lists and legends; on the run page the verdict and the "as of"
panel are present, hovering a chart shows a value and clicking a legend entry hides its series.
Screenshots go to tests/_artifacts/ (git-ignored)."""
from __future__ import annotations

from pathlib import Path

import pytest

from browser_checks import (CHROMIUM, Opened, chromium, draw, hover_value,
                                  legend_click_hides, legend_overlaps, overlaps)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
WIDTHS = (1400, 390)
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


@pytest.fixture(scope="module")
def sync_api():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (install Debian's chromium: apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api",
                               reason="playwright not installed (pip install -e '.[dev]')")


@pytest.fixture(scope="module")
def context(sync_api):
    with chromium(sync_api) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The demo-like run (with tearsheets), a compare page of it and a sweep page."""
    from engine.report import run_config
    from engine.report.cli_compare import main as compare_main
    from engine.sweep.api import run_sweep

    base = tmp_path_factory.mktemp("browser")
    cfg = base / "browser.toml"
    cfg.write_text(CONFIG)
    run = run_config(cfg, out=base / "results", tearsheets=True, workers=2,
                     show_progress=False).path
    other = run_config(cfg, out=base / "again", tearsheets=False, show_progress=False).path
    import argparse

    compare_main(argparse.Namespace(runs=[run, other], out=base / "compare", force=True,
                                    common_period=False))
    sweep = run_sweep(cfg, strategy="rowing_boat", grid=["drawdown=0.03,0.05",
                                                         "shift=0.25,0.5"],
                      out=base / "sweeps", force=True, yes=True)
    sweep_dir = Path(getattr(sweep, "path", base / "sweeps" / "browser-rowing_boat"))
    return {"run": run, "compare": base / "compare" / "index.html",
            "sweep": sweep_dir / "index.html",
            "tearsheet": run / "tearsheets" / "rowing_boat.html"}


def common(opened: Opened, width: int) -> None:
    assert opened.errors == []
    assert opened.offsite() == []
    if width < 500:
        assert opened.overflow() <= 0, f"{opened.path.name}: {opened.overflow()} px too wide"
    assert overlaps(opened.page, "ul.links li") == []


def check_run_page(context, index: Path, width: int, shot: str) -> None:
    o = Opened(context, index, width)
    try:
        common(o, width)
        page = o.page
        assert page.locator("#headline").inner_text().startswith("Over ")
        assert page.locator("#verdict tbody tr").count() >= 2
        assert page.locator("#as-of").inner_text().startswith("As of ")
        assert page.locator("#today-signals tbody tr").count() >= 1
        for fig in ("equity", "vs-s" + page.evaluate(
                "Array.from(document.querySelectorAll('.pick')).findIndex(g => !g.hidden)")
                .__str__()):
            draw(page, fig)
            assert legend_overlaps(page, fig) == [], fig
            box = page.locator(f'div.plot[data-fig="{fig}"]').bounding_box()
            assert box["width"] >= min(width - 60, 1100), (fig, box)  # full width
        text = hover_value(page, "equity")
        assert any(ch.isdigit() for ch in text), text
        assert legend_click_hides(page, "equity")
        # the picker shows another strategy's charts
        sel = page.locator("select#picker")
        options = sel.locator("option").all_inner_texts()
        sel.select_option(options[0])
        group = page.locator(f'.pick[data-strategy="{options[0]}"]')
        assert group.is_visible()
        page.wait_for_function(
            "() => document.querySelector('.pick:not([hidden]) div.plot .main-svg')")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{shot}-{width}.png"), full_page=False)
    finally:
        o.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_run_page(context, runs, width: int) -> None:
    check_run_page(context, runs["run"] / "index.html", width, "index")
    html = (runs["run"] / "index.html").read_text()
    for name in NAMES:  # every tearsheet is linked and exists
        assert f'href="tearsheets/{name}.html"' in html
        assert (runs["run"] / "tearsheets" / f"{name}.html").is_file()


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_page(context, runs, width: int) -> None:
    o = Opened(context, runs["compare"], width)
    try:
        common(o, width)
        for fig in ("bars-cagr", "equity-0"):
            draw(o.page, fig)
            assert legend_overlaps(o.page, fig) == [], fig
        assert any(ch.isdigit() for ch in hover_value(o.page, "equity-0"))
        assert legend_click_hides(o.page, "equity-0")
    finally:
        o.close()




@pytest.mark.parametrize("width", (1400, 390))
def test_tearsheet(context, runs, width: int) -> None:
    o = Opened(context, runs["tearsheet"], width)
    try:
        assert o.errors == [] and o.offsite() == []
        assert "rowing_boat" in o.page.title()
        assert o.page.locator("svg").count() >= 10  # quantstats' charts are drawn
        assert o.page.locator('a[href="../index.html"]').count() == 1  # back to the page
        if width < 500:
            assert o.overflow() <= 0
    finally:
        o.close()


@pytest.mark.parametrize("width", (1400, 390))
def test_sweep_page(context, runs, width: int) -> None:
    """Its four Plotly charts draw with no console error; hover shows a value; a legend click
    hides a line."""
    o = Opened(context, runs["sweep"], width)
    try:
        for fig in ("sharpe-hist", "pbo-logits", "pbo-scatter", "walk-forward-equity"):
            draw(o.page, fig)
            assert o.page.locator(f'div.plot[data-fig="{fig}"] .main-svg').count() >= 1, fig
            assert legend_overlaps(o.page, fig) == [], fig
        common(o, width)            # no console error, nothing fetched, no overflow, after drawing
        assert any(ch.isdigit() for ch in hover_value(o.page, "walk-forward-equity"))
        assert legend_click_hides(o.page, "walk-forward-equity")
        ARTIFACTS.mkdir(exist_ok=True)
        o.page.locator("#pbo").screenshot(path=str(ARTIFACTS / f"sweep-pbo-{width}.png"))
    finally:
        o.close()


@pytest.mark.realdata
@pytest.mark.parametrize("width", WIDTHS)
def test_real_etf_page(context, shared_data: Path, tmp_path_factory, width: int) -> None:
    out = tmp_path_factory.getbasetemp() / "etf"
    index = out / "rowing_boat_etfs" / "index.html"
    if not index.exists():
        from engine.report import run_config

        run_config(ROOT / "scripts" / "configs" / "rowing_boat_etfs.toml",
                   data=str(shared_data / "prices"), out=out, tearsheets=False, force=True,
                   show_progress=False)
    assert index.stat().st_size < 8_000_000
    check_run_page(context, index, width, "etf")
