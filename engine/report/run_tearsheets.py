"""A run's tearsheets: copied from the cache when unchanged, the others rendered in the pool
while the page is written, and delivered into the finished run folder one by one.

The order a user sees (``rowboat run``): backtests → tables, page, manifest (with cached
tearsheets already in place) → the folder is renamed into place and the summary printed → the
tearsheets still rendering arrive, each written to a temporary name and renamed → the page is
rewritten without its "pending" marks. The final page and tearsheets are byte-identical whether
the tearsheets came from the cache or not.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.report import tearsheet_cache as cache
from engine.report.target import locked_temp, unlock
from engine.report.tearsheet import TearsheetJob, render

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: appended after each link to a tearsheet that is still rendering (removed when it exists)
PENDING = ' <small class="rowboat-pending">(rendering&hellip; reload)</small>'
FAILED = ' <small class="rowboat-pending">(tearsheet failed; see the terminal)</small>'


def mark_pending(html: str, links: Iterable[str], mark: str = PENDING) -> str:
    """``html`` with ``mark`` after every ``<a …href="LINK"…>…</a>`` of the given links."""
    for link in links:
        pattern = re.compile(r'(<a\b[^>]*\bhref="' + re.escape(link) + r'"[^>]*>.*?</a>)', re.S)
        html = pattern.sub(lambda m: m.group(1) + mark, html)
    return html


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (readers never see half
    a file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass
class Tearsheets:
    """The tearsheets of one run: which came from the cache, which are rendering where."""

    jobs: list[TearsheetJob]
    files: dict[str, str]                       #: strategy → file name inside tearsheets/
    folder: Path | None = None                  #: the cache folder (None: no cache)
    keys: dict[str, str] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)
    missing: list[TearsheetJob] = field(default_factory=list)   #: staged jobs to render
    futures: dict[Future, TearsheetJob] = field(default_factory=dict)
    staging: Path | None = None
    staging_lock: int | None = None             #: its flock (a killed run's is swept later)
    seconds: float = 0.0                        #: spent copying, then waiting for renders

    @classmethod
    def of(cls, jobs: list[TearsheetJob], files: dict[str, str]) -> "Tearsheets":
        """The run's tearsheets, nothing copied or submitted yet: the caller holds the object
        before :meth:`begin` makes any staging folder."""
        return cls(jobs=list(jobs), files=dict(files), folder=cache.cache_dir())

    def begin(self, out: Path, pool: ProcessPoolExecutor | None, staging_parent: Path) -> None:
        """Copy cached tearsheets into ``out`` (the run's temporary tearsheets/ folder) and
        submit the others to ``pool`` (None: they render in :meth:`deliver`). Interrupted in
        here (Ctrl-C, SIGTERM) after the staging folder was made, the caller still holds the
        object, so it can stop the workers and :meth:`cancel`."""
        t0 = time.perf_counter()
        for job in self.jobs:
            key = self.keys[job.strategy] = cache.cache_key(job)
            hit = cache.lookup(self.folder, key)
            if hit is not None:
                shutil.copyfile(hit, out / job.path.name)
                self.cached.append(job.strategy)
            else:
                if self.staging is None:
                    self.staging, self.staging_lock = locked_temp(staging_parent, ".tearsheets-")
                self.missing.append(replace(job, path=self.staging / job.path.name))
        if pool is not None:
            for job in self.missing:
                self.futures[pool.submit(render, job)] = job
        self.seconds = time.perf_counter() - t0

    def pending_links(self, prefix: str = "tearsheets/") -> list[str]:
        return [prefix + self.files[job.strategy] for job in self.missing]

    def deliver(self, folder: Path, on_done: Callable[[str], None] | None = None) -> None:
        """Wait for the rendering tearsheets; put each into ``folder`` (the finished run's
        tearsheets/) and into the cache as it arrives, then remove the staging folder. A failure
        or an interruption is re-raised with the staging folder left in place: workers may still
        be writing into it, so the caller stops them first and then calls :meth:`cancel` (removing
        it under a live worker could leave a stray file, and so an unlocked folder, behind)."""
        t0 = time.perf_counter()
        try:
            done = ((job, render(job)) for job in self.missing) if not self.futures else \
                ((self.futures[f], f.result()) for f in as_completed(self.futures))
            for job, _ in done:
                cache.store(self.folder, self.keys[job.strategy], job.path)
                cache.copy_atomic(job.path, folder / job.path.name)
                if on_done:
                    on_done(job.strategy)
        finally:
            self.seconds += time.perf_counter() - t0
        self.cancel()

    def cancel(self) -> None:
        for fut in self.futures:
            fut.cancel()
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        unlock(self.staging_lock)
        self.staging_lock = None

    def timings(self) -> dict[str, float]:
        return {"tearsheets": self.seconds,
                "tearsheets_cached": float(len(self.cached)),
                "tearsheets_rendered": float(len(self.missing))}
