"""Write a sweep's results folder atomically (temporary folder + rename; ``force`` replaces).

Files: ``variants.parquet``, ``best.csv``, ``top_returns.parquet``, ``index.html``,
``manifest.json``. Parquet files are written with fixed options and no timestamps, so the same
sweep gives the same bytes locally and on Dask.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from engine.report.writer import (METRICS_FLOAT, atomic_folder, write_csv, write_manifest)


def write_parquet(frame: Any, path: Path) -> None:
    """A DataFrame (its index as a column) → Parquet, deterministic bytes."""
    table = pa.Table.from_pandas(frame.reset_index(), preserve_index=False)
    pq.write_table(table, path, compression="zstd", write_statistics=False)


def write_folder(result: Any, exp: Any, target: Path, *, force: bool = False,
                 config: str | Path | None = None, argv: list[str] | None = None,
                 t_start: float | None = None, chunk: int | None = None) -> Path:
    """Write every file of ``result`` into ``target``; returns ``target``."""
    import dataclasses

    from engine.sweep.api import best_frame, manifest
    from engine.sweep.page import sweep_page

    timings = result.timings
    with atomic_folder(target, force=force) as tmp:
        t = time.perf_counter()
        write_parquet(result.variants, tmp / "variants.parquet")
        best = best_frame(result.problem, result.variants, result.top)
        write_csv(best, tmp / "best.csv", float_format=METRICS_FLOAT)
        top = result.top_returns.copy()
        top.columns = [f"variant_{c}" for c in top.columns]
        top.index.name = "date"
        write_parquet(top, tmp / "top_returns.parquet")
        timings["tables"] = time.perf_counter() - t
        t = time.perf_counter()
        (tmp / "index.html").write_text(sweep_page(result), encoding="utf-8")
        timings["page"] = time.perf_counter() - t
        if t_start is not None:
            timings["total"] = time.perf_counter() - t_start
        named = dataclasses.replace(result, path=target)
        write_manifest(tmp / "manifest.json", manifest(named, exp, config=config, argv=argv,
                                                       chunk=chunk))
    return target
