"""Hostile names in every field reach no page as markup (issue 10, "escape at the boundary").

Tickers (wide-file column names), signal names, the config's folder and file, the risk-free
label (a ticker) and a run folder given to ``rowboat compare`` are script tags, attribute
breakers, ``javascript:`` URLs, very long and Unicode names (see ``tests/hostile.py``). A whole
``rowboat run`` (with tearsheets), ``compare`` and ``sweep`` run on them; every HTML file is
opened in Chromium: no dialog fires, no script element but rowboat's own (plotly.js, the page
script, the inert JSON data block) and no ``on…`` attribute exists, every link stays a file
link, and the names are shown as text, faithfully.
"""
from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from tests import hostile

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def rowboat(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ROWBOAT_TEARSHEET_CACHE": "off"}
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_tearsheet_header_escapes_the_risk_free_label_and_names(tmp_path: Path) -> None:
    """quantstats writes ``parameters``, ``title`` and the benchmark's title raw into <h1>/<h4>."""
    from engine.report.tearsheet import TearsheetJob, render

    idx = pd.bdate_range("2020-01-01", periods=300)
    r = pd.Series([0.001, -0.002, 0.0015] * 100, index=idx)
    label = "cash (" + hostile.TICKERS["cash"] + ")"
    bench = '</h4><script>alert("b")</script>'
    job = TearsheetJob(strategy="s", returns=r, benchmark=r * 0.5, benchmark_name=bench,
                       rf_daily=None, rf_label=label, title='<img src=x onerror=alert(1)>',
                       path=tmp_path / "s.html")
    render(job)
    text = job.path.read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<img" not in text and "<svg onload" not in text
    assert f"Risk-free: {html.escape(label)}" in text
    assert html.escape("<img src=x onerror=alert(1)>") in text


def test_href_never_makes_a_url_scheme() -> None:
    from engine.report.escape import href

    assert href("javascript:alert(1)/index.html") == "javascript%3Aalert%281%29/index.html"
    assert href('a"b/<c>.html') == "a%22b/%3Cc%3E.html"
    assert href("../runs/x/index.html") == "../runs/x/index.html"


@pytest.fixture(scope="module")
def hostile_pages() -> list[Path]:
    base = Path(tempfile.mkdtemp(prefix="rowboat-hostile-"))
    try:
        cfg = hostile.write_universe(base)
        out = base / "results"
        run = rowboat("run", str(cfg), "--out", str(out), "--quiet", "--workers", "2", cwd=base)
        assert run.returncode == 0, run.stderr
        copy = base / hostile.COMPARE_DIR / "hostile"
        shutil.copytree(out / "hostile", copy)
        cmp = rowboat("compare", str(copy), str(out / "hostile"), "--out", str(base / "cmp"),
                      cwd=base)
        assert cmp.returncode == 0, cmp.stderr
        sweep = rowboat("sweep", str(cfg), "--strategy", "breakout_rotation", "--grid",
                        "shift=0.25,0.5", "--out", str(out), "--quiet", cwd=base)
        assert sweep.returncode == 0, sweep.stderr
        pages = sorted(base.rglob("*.html"))
        names = {p.name for p in pages}
        assert {"index.html", "us_only.html", "breakout_rotation.html"} <= names
        assert len([p for p in pages if p.name == "index.html"]) == 4  # run, copy, cmp, sweep
        yield pages
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.browser
def test_hostile_names_run_no_script_in_any_page(hostile_pages: list[Path]) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (install Debian's chromium: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install -e '.[dev]')")
    for path in hostile_pages:  # first as text: no hostile string is left unescaped
        text = path.read_text(encoding="utf-8")
        raw = [h for h in hostile.HOSTILE if h in text and any(c in h for c in "<>\"'")]
        assert raw == [], (path, raw)
    profile = tempfile.mkdtemp(prefix="rowboat-chromium-")
    dialogs: list[str] = []
    try:
        with sync_api.sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=ARGS)
            try:
                for path in hostile_pages:
                    page = context.new_page()
                    page.on("dialog", lambda d: (dialogs.append(f"{path}: {d.message}"),
                                                 d.dismiss()))
                    page.goto(path.resolve().as_uri(), wait_until="load")
                    page.wait_for_timeout(200)
                    found = page.evaluate("""() => ({
                        frames: document.querySelectorAll('iframe, object, embed').length,
                        scripts: [...document.querySelectorAll('script')].map(e =>
                            ({type: e.type, id: e.id, text: e.textContent})),
                        handlers: [...document.querySelectorAll('*')].flatMap(e =>
                            [...e.attributes].filter(a => a.name.startsWith('on'))
                            .map(a => e.tagName + ' ' + a.name)),
                        links: [...document.querySelectorAll('a[href]')].map(a => a.href)
                            .filter(u => !/^(file:|data:)/.test(u)),
                        text: document.documentElement.textContent,
                    })""")
                    assert found["frames"] == 0, path
                    # only rowboat's own scripts: the JSON data block (inert) and at most
                    # plotly.js + the page script, none holding a name from the data as code
                    code = [x for x in found["scripts"] if x["type"] != "application/json"]
                    assert len(code) <= 2, path
                    assert all(x["id"] == "rowboat-data" for x in found["scripts"]
                               if x["type"] == "application/json"), path
                    assert not [h for h in hostile.HOSTILE for x in code if h in x["text"]], path
                    assert found["handlers"] == [], (path, found["handlers"][:3])
                    assert found["links"] == [], (path, found["links"][:3])
                    if path.parent.name == "tearsheets":  # the risk-free label, faithfully
                        assert hostile.TICKERS["cash"] in found["text"], path
                    elif path.parent.name == "hostile" and path.parent.parent.name == "results":
                        for t in (*hostile.SIGNALS.values(), hostile.TICKERS["cash"],
                                  hostile.CONFIG_DIR):
                            assert t in found["text"], (path, t)
                    page.close()
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert dialogs == []
