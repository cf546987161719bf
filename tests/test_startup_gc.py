"""``rowboat run`` sets what it loads aside from the cycle collector (engine.startup_gc): the
~650,000 objects alive once the backtests are measured are frozen, so no full collection walks
them again while the page is built (two did: ~0.1 s of a page-only ETF run, ~0.2 s of
collections in all), and the collector is on again afterwards; the files are the same."""
from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from engine import startup_gc

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"


def test_pause_then_settle_freezes_once_and_turns_the_collector_back_on() -> None:
    assert gc.isenabled()
    startup_gc.settle()                          # collector on: nothing to do, nothing frozen
    assert gc.isenabled()
    before = gc.get_freeze_count()
    startup_gc.pause()
    try:
        assert not gc.isenabled()
        kept = [[i] for i in range(1000)]        # noqa: F841 - alive while paused
    finally:
        startup_gc.settle()
    assert gc.isenabled() and gc.get_freeze_count() >= before + 1000
    gc.unfreeze()


@pytest.mark.slow
def test_run_freezes_what_it_loaded_and_writes_the_same_metrics(tmp_path: Path) -> None:
    code = ("import gc, sys\nfrom engine.cli import main\n"
            "n = []\n"
            "gc.callbacks.append(lambda phase, info: n.append(info['generation'])"
            " if phase == 'start' else None)\n"
            f"assert main(['run', {str(CONFIG)!r}, '--no-tearsheets', '--quiet', '--out', "
            f"{str(tmp_path / 'cli')!r}]) == 0\n"
            "print('FROZEN', gc.get_freeze_count(), gc.isenabled(), n.count(2))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.splitlines()[-1].split()
    assert out[0] == "FROZEN" and int(out[1]) > 100_000 and out[2] == "True"
    assert int(out[3]) == 0                      # no full collection walked the loaded objects
    from engine.report.run import run_config

    lib = run_config(CONFIG, out=tmp_path / "lib", tearsheets=False, show_progress=False)
    cli = tmp_path / "cli" / lib.index.parent.name
    assert (cli / "metrics.csv").read_bytes() == (lib.index.parent / "metrics.csv").read_bytes()
