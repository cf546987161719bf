"""Tearsheets only when they change: the content-addressed cache, the page that opens before the
tearsheets are done, and quantstats' render cuts that keep its bytes."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.report import tearsheet_cache
from engine.report.run_tearsheets import PENDING, mark_pending
from engine.report.tearsheet import tearsheet_jobs

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[run]
name = "cached"
benchmark = "world"
risk_free = "cash"
start = "2021-01-04"

[data]
source = "sample"

[[strategy]]
name = "world"
rule = "world"

[[strategy]]
name = "us_only"
rule = "us_only"
"""


def _jobs(tmp_path: Path, seed: int = 3, rf: float = 8e-5):
    idx = pd.bdate_range("2019-01-01", periods=300)
    rng = np.random.default_rng(seed)
    r = pd.DataFrame(rng.normal(4e-4, 0.01, (len(idx), 2)), index=idx, columns=["bench", "rule"])
    return tearsheet_jobs(r, "bench", pd.Series(rf, index=idx), "cash (CASH)", tmp_path,
                          {"bench": "bench.html", "rule": "rule.html"})


def test_key_is_stable_and_changes_with_every_input(tmp_path: Path) -> None:
    base = _jobs(tmp_path)[1]
    key = tearsheet_cache.cache_key(base)
    assert key == tearsheet_cache.cache_key(_jobs(tmp_path / "other")[1])   # path not in it
    r2 = base.returns.copy()
    r2.iloc[-1] += 1e-15                                            # one ulp-sized change
    changed = [
        dataclasses.replace(base, returns=r2),
        dataclasses.replace(base, benchmark=base.benchmark * 1.0000001),
        dataclasses.replace(base, rf_daily=base.rf_daily * 2),
        dataclasses.replace(base, rf_daily=None),
        dataclasses.replace(base, title=base.title + " "),
        dataclasses.replace(base, rf_label="bonds"),
        dataclasses.replace(base, returns=base.returns.iloc[1:], benchmark=base.benchmark.iloc[1:]),
        _jobs(tmp_path)[0],                                          # the benchmark's own sheet
    ]
    keys = {tearsheet_cache.cache_key(j) for j in changed}
    assert key not in keys and len(keys) == len(changed)


def test_key_changes_with_the_tearsheet_code(tmp_path: Path, monkeypatch) -> None:
    job = _jobs(tmp_path)[1]
    key = tearsheet_cache.cache_key(job)
    code = tmp_path / "report"
    code.mkdir()
    for f in tearsheet_cache._REPORT.glob("*.py"):
        (code / f.name).write_bytes(f.read_bytes())
    monkeypatch.setattr(tearsheet_cache, "_REPORT", code)
    tearsheet_cache.code_digest.cache_clear()
    try:
        assert tearsheet_cache.cache_key(job) == key
        (code / "tearsheet_fixes.py").write_text("# a post-processing step\n")   # a new module
        tearsheet_cache.code_digest.cache_clear()
        assert tearsheet_cache.cache_key(job) != key
    finally:
        tearsheet_cache.code_digest.cache_clear()


def test_cache_off_and_unwritable(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(tearsheet_cache.CACHE_ENV, "off")
    assert tearsheet_cache.cache_dir() is None
    monkeypatch.setenv(tearsheet_cache.CACHE_ENV, str(tmp_path / "c"))
    assert tearsheet_cache.cache_dir() == tmp_path / "c"


def test_mark_pending_marks_only_the_given_links() -> None:
    html = ('<p><a href="tearsheets/a.html" title="t">a</a> <a href="tearsheets/b.html">b</a>'
            '</p><li><a class="x" href="tearsheets/a.html">a</a></li>')
    out = mark_pending(html, ["tearsheets/a.html"])
    assert out.count(PENDING) == 2
    assert f'>a</a>{PENDING} <a href="tearsheets/b.html">b</a></p>' in out
    assert out.replace(PENDING, "") == html
    assert mark_pending(html, []) == html


#: one run in a fresh interpreter (as a user runs it: the page is drawn before quantstats is
#: imported), tearsheets rendered in-process after the page; prints what ``on_ready`` saw and
#: which tearsheets were rendered, as JSON
SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from engine.report import run_tearsheets
    from engine.report.run import run_config
    from engine.report.run_tearsheets import PENDING
    rendered, seen = [], {}
    real = run_tearsheets.render
    def counting(job):
        rendered.append(job.strategy)
        return real(job)
    run_tearsheets.render = counting
    def ready(out):
        page = (out.path / "index.html").read_text(encoding="utf-8")
        seen["pending"] = page.count(PENDING) / max(1, page.count('href="tearsheets/'))
        seen["sheets"] = sorted(p.name for p in (out.path / "tearsheets").glob("*.html"))
        seen["rendered"] = list(rendered)
    out = run_config(sys.argv[1], out=sys.argv[2], force=True, tearsheets=True, workers=1,
                     show_progress=False, on_ready=ready)
    print(json.dumps({"seen": seen, "rendered": sorted(rendered), "path": str(out.path)}))
""")


def _run(cfg: Path, out: Path, cache: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{tearsheet_cache.CACHE_ENV: str(cache)})
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(cfg), str(out)], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_rerun_copies_tearsheets_and_gives_the_same_bytes(tmp_path: Path) -> None:
    """Cold run: the page is in place (tearsheets marked pending) before they render; rerun:
    nothing renders, and every file but the manifest is byte-identical."""
    cache = tmp_path / "cache"
    cfg = tmp_path / "cached.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    first = _run(cfg, tmp_path / "a", cache)
    assert first["rendered"] == ["us_only", "world"]
    assert first["seen"] == {"pending": 1, "sheets": [], "rendered": []}  # every link marked
    cold = Path(first["path"])
    assert PENDING not in (cold / "index.html").read_text(encoding="utf-8")

    second = _run(cfg, tmp_path / "b", cache)
    assert second["rendered"] == []
    assert second["seen"] == {"pending": 0, "sheets": ["us_only.html", "world.html"],
                              "rendered": []}
    warm = Path(second["path"])
    files = sorted(p.relative_to(cold) for p in cold.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(warm) for p in warm.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "manifest.json":
            assert (cold / rel).read_bytes() == (warm / rel).read_bytes(), rel
    timings = json.loads((warm / "manifest.json").read_text())["timings_s"]
    assert (timings["tearsheets_cached"], timings["tearsheets_rendered"]) == (2, 0)
    assert not list(tmp_path.glob("*/.tearsheets-*"))           # staging removed

    # a changed strategy (another period) renders again: the cache is keyed on content
    cfg.write_text(CONFIG.replace("2021-01-04", "2021-02-01"), encoding="utf-8")
    assert _run(cfg, tmp_path / "c", cache)["rendered"] == ["us_only", "world"]


@pytest.mark.slow
def test_render_cuts_keep_quantstats_bytes(tmp_path: Path, monkeypatch) -> None:
    """quantstats with and without :func:`fast_quantstats` writes the same file."""
    from engine.report import tearsheet

    job = _jobs(tmp_path)[1]
    fast = dataclasses.replace(job, path=tmp_path / "fast.html")
    slow = dataclasses.replace(job, path=tmp_path / "slow.html")
    tearsheet.render(fast)
    monkeypatch.setattr(tearsheet, "fast_quantstats", nullcontext)
    tearsheet.render(slow)
    assert fast.path.read_bytes() == slow.path.read_bytes()


#: two runs with a pool of two workers; prints, per run, whether the pool was stopped as soon
#: as every tearsheet was found in the cache, whether its workers were gone when the page
#: was in place, whether they were started warm (importing quantstats at once) and whether
#: they had imported quantstats (each worker answers once; a second worker's answer would
#: wait for the first's, so one answer is asked for and the pool is left as the run left it)
POOL_SCRIPT = textwrap.dedent("""
    import json, sys
    from engine.report import run as run_mod
    from engine.report.run import run_config
    stopped, gone, warm, imported = [], [], [], []
    def has_quantstats():
        return "quantstats" in sys.modules or "matplotlib" in sys.modules
    real_stop = run_mod.stop_pool
    def stop(pool):
        if pool is not None:
            imported.append(pool.submit(has_quantstats).result())
        stopped.append(pool is not None)
        real_stop(pool)
    run_mod.stop_pool = stop
    real_start = run_mod.start_pool
    pools = []
    def start(workers, **kw):
        warm.append(kw.get("warm", True))
        pools.append(real_start(workers, **kw))
        return pools[-1]
    run_mod.start_pool = start
    def ready(out):
        procs = list((getattr(pools[-1], "_processes", None) or {}).values())
        gone.append(bool(procs) is False or not any(p.is_alive() for p in procs))
    for _ in range(2):
        stopped.clear(); imported.clear()
        run_config(sys.argv[1], out=sys.argv[2], force=True, tearsheets=True, workers=2,
                   show_progress=False, on_ready=ready)
        print(json.dumps({"stopped": list(stopped), "gone": gone[-1], "warm": warm[-1],
                          "imported": list(imported)}))
""")


@pytest.mark.slow
def test_workers_stop_when_every_tearsheet_is_cached(tmp_path: Path) -> None:
    """A rerun with nothing changed neither waits for its tearsheet workers nor shares the cores
    with them: they are stopped as soon as the cache has every tearsheet, before they have
    imported quantstats (with an empty cache they import it at once, during the backtests)."""
    cfg = tmp_path / "cached.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT),
               **{tearsheet_cache.CACHE_ENV: str(tmp_path / "cache")})
    proc = subprocess.run([sys.executable, "-c", POOL_SCRIPT, str(cfg), str(tmp_path / "o")],
                          env=env, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    cold, warm = (json.loads(line) for line in proc.stdout.strip().splitlines()[-2:])
    # the workers render the tearsheets; they imported quantstats as they started
    assert cold == {"stopped": [], "gone": False, "warm": True, "imported": []}
    # nothing to render: stopped at once, without having imported quantstats (or matplotlib)
    assert warm == {"stopped": [True], "gone": True, "warm": False, "imported": [False]}


#: a worker's imports (``lean_imports``, then quantstats), one job rendered in that process;
#: prints which stand-ins quantstats got and whether the real yfinance loads on first use
LEAN_SCRIPT = textwrap.dedent("""
    import json, pickle, sys
    from engine.report.workers import lean_imports
    lean_imports()
    from engine.report.tearsheet import render
    render(pickle.loads(bytes.fromhex(sys.argv[1])))
    from quantstats import _compat
    kinds = {n: type(sys.modules.get(n)).__name__ for n in ("yfinance", "IPython", "ipywidgets")}
    download = _compat.yf.download   # the first use imports the real package
    print(json.dumps({"kinds": kinds, "real": hasattr(sys.modules["yfinance"], "__file__"),
                      "download": callable(download)}))
""")


@pytest.mark.slow
def test_worker_leaves_out_unused_imports_and_renders_the_same_bytes(tmp_path: Path) -> None:
    """Tearsheet workers do not import yfinance (until used), IPython or ipywidgets, and the
    tearsheet a worker writes is byte-identical to one rendered in a full process."""
    import pickle

    from engine.report import tearsheet

    job = _jobs(tmp_path)[1]
    lean = dataclasses.replace(job, path=tmp_path / "lean.html")
    full = dataclasses.replace(job, path=tmp_path / "full.html")
    lean.path.write_text("")   # render writes into the file it is given, never a new one
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", LEAN_SCRIPT, pickle.dumps(lean).hex()], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"kinds": {"yfinance": "_Deferred", "IPython": "NoneType",
                             "ipywidgets": "NoneType"}, "real": True, "download": True}
    full.path.write_text("")
    tearsheet.render(full)
    assert lean.path.read_bytes() == full.path.read_bytes()


def test_an_interrupted_delivery_leaves_the_staging_folder_to_the_caller(tmp_path: Path) -> None:
    """Ctrl-C or SIGTERM while tearsheets render: ``deliver`` must not remove the staging folder
    while the workers may still write into it (a file written during the removal left an
    unlocked ``.tearsheets-*`` folder behind, seen by the interrupt test in CI); the run stops
    the workers, then :meth:`cancel` removes it."""
    from concurrent.futures import Future

    from engine.report.run_tearsheets import Tearsheets
    from engine.report.target import locked_temp

    staging, lock = locked_temp(tmp_path, ".tearsheets-")
    job = dataclasses.replace(_jobs(staging)[1])
    fut: Future = Future()
    fut.set_exception(KeyboardInterrupt())
    sheets = Tearsheets(jobs=[job], files={job.strategy: job.path.name}, missing=[job],
                        futures={fut: job}, staging=staging, staging_lock=lock)
    (tmp_path / "done").mkdir()
    with pytest.raises(KeyboardInterrupt):
        sheets.deliver(tmp_path / "done")
    assert staging.is_dir() and sheets.staging == staging   # the workers are not stopped yet
    (staging / "late.svg").write_text("a worker still writing")
    sheets.cancel()                                         # after the workers stopped
    assert not staging.exists() and sheets.staging is None and sheets.staging_lock is None


class _InterruptedPool:
    """A pool whose first tearsheet submission is interrupted (Ctrl-C lands in ``submit``)."""

    _processes: dict = {}

    def submit(self, fn, *args):
        if fn is int:            # the pool's own start-up call
            return None
        raise KeyboardInterrupt

    def shutdown(self, wait=True, cancel_futures=False):
        return None


def test_an_interruption_while_tearsheets_are_submitted_leaves_no_staging_folder(
        tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C while the run submits its tearsheets (the staging folder exists, the run has not
    got its :class:`Tearsheets` back yet): the staging folder is removed all the same."""
    from engine.report import run as run_mod
    from engine.report.target import STALE

    monkeypatch.setenv(tearsheet_cache.CACHE_ENV, "off")
    monkeypatch.setattr(run_mod, "start_pool", lambda workers, **kw: _InterruptedPool())
    cfg = tmp_path / "cached.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    out = tmp_path / "o"
    with pytest.raises(KeyboardInterrupt):
        run_mod.run_config(cfg, out=out, force=True, tearsheets=True, workers=2,
                           show_progress=False)
    assert [p.name for p in out.iterdir() if STALE.match(p.name)] == []
    assert not (out / "cached").exists()
