"""Screenshot of the run page for the README (docs/page.png) and its load time in Chromium.

    python scripts/page_screenshot.py [RESULTS/NAME/index.html] [--out docs/page.png]

Without a page it runs scripts/configs/rowing_boat_etfs.toml on ../shared/data/prices when that
folder exists (else the demo config on the sample) with --no-tearsheets into a temporary folder.
Prints JSON: {"page": path, "bytes": size, "load_s": seconds to Chromium's load event,
"screenshot": path}. Needs /usr/bin/chromium and playwright (the dev extra).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def make_page(out: Path) -> Path:
    from engine.report import run_config

    shared = ROOT.parent / "shared" / "data" / "prices"
    if shared.is_dir():
        cfg, data = ROOT / "scripts" / "configs" / "rowing_boat_etfs.toml", str(shared)
    else:
        cfg, data = ROOT / "scripts" / "configs" / "rowing_boat.toml", None
    return run_config(cfg, data=data, out=out, tearsheets=False, force=True,
                      show_progress=False).index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "page.png")
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args()
    from playwright import sync_api

    from browser_checks import chromium

    page_path = args.page or make_page(Path(tempfile.mkdtemp(prefix="rowboat-shot-")))
    with chromium(sync_api, width=args.width, height=1500) as ctx:
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        load_s = time.perf_counter() - t0
        page.wait_for_timeout(800)  # charts in view draw right after load
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=False)
    print(json.dumps({"page": str(page_path), "bytes": page_path.stat().st_size,
                      "load_s": round(load_s, 3), "screenshot": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
