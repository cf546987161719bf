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


#: rows per Parquet row group: a large sweep's table is converted and written this many rows at
#: a time (one group, the same bytes as a single write, up to this size)
ROW_GROUP = 100_000


def write_parquet(frame: Any, path: Path, row_group: int = ROW_GROUP) -> None:
    """A DataFrame (its index as a column) → Parquet, deterministic bytes; ``row_group`` rows
    at a time, so that no Arrow copy of a large table exists at once."""
    head = pa.Table.from_pandas(frame.iloc[:row_group].reset_index(), preserve_index=False)
    with pq.ParquetWriter(path, head.schema, compression="zstd",
                          write_statistics=False) as writer:
        writer.write_table(head, row_group_size=row_group)
        for lo in range(row_group, len(frame), row_group):
            part = frame.iloc[lo:lo + row_group].reset_index()
            writer.write_table(pa.Table.from_pandas(part, schema=head.schema,
                                                    preserve_index=False),
                               row_group_size=row_group)


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
