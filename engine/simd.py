"""The CPU's SIMD level and the sweep kernel's lane width, decided once at import.

The fused sweep feeds its metric accumulators ``LANES`` variants side by side, so that LLVM turns
the per-day update into vector instructions (:func:`engine.metrics.nb.acc_update_lanes`). The
width is a compile-time constant of the kernels (a fixed stride is what lets LLVM vectorise), so
it is chosen here, before any kernel compiles, and it names numba's cache folder
(:func:`cache_tag`, used by :mod:`engine`): two CPUs sharing a checkout, or a forced width, never
load each other's machine code.

Widths (doubles per variant batch), measured on task C's kernel (README "Performance"):
AVX-512 → 16 (two 8-double vectors; 32 vector registers hold more of a batch's state), anything
else → 8 (two AVX2 vectors: as fast as 16 on AMD Zen 3, with half the scratch per work item). Every width gives the same bits —
each lane runs the scalar update's very operations. ``ROWBOAT_LANES`` = 4, 8 or 16 forces one
(tests, comparisons).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

#: lane widths the kernels support (ROWBOAT_LANES must be one of them)
WIDTHS = (4, 8, 16)
#: the width per SIMD level (levels not listed: 8)
LEVEL_LANES = {"avx512": 16}
#: (level name, /proc/cpuinfo flag, doubles per vector), best first
_LEVELS = (("avx512", "avx512f", 8), ("avx2", "avx2", 4), ("avx", "avx", 4),
           ("sse4.2", "sse4_2", 2))


def _flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _llvm_features() -> set[str]:
    """The host features LLVM sees (where /proc/cpuinfo is absent: macOS, Windows)."""
    try:
        from llvmlite import binding

        feats = binding.get_host_cpu_features()
        return {name.replace(".", "_") for name, on in feats.items() if on}
    except Exception:   # noqa: BLE001 - detection is best effort: "unknown" is a valid answer
        return set()


@lru_cache(maxsize=1)
def level() -> tuple[str, int | None]:
    """(SIMD level, doubles per vector): ("avx512", 8), ("avx2", 4), ("avx", 4), ("sse4.2", 2)
    or ("unknown", None), from /proc/cpuinfo's flags (LLVM's host features where there is no
    /proc/cpuinfo)."""
    flags = _flags() or _llvm_features()
    for name, flag, w in _LEVELS:
        if flag in flags:
            return name, w
    return "unknown", None


def simd() -> dict:
    """The CPU's SIMD level and what numba's LLVM compiles for (the bench JSON's
    ``machine.simd``).

    ``level``: "avx512" (avx512f), "avx2", "avx", "sse4.2" or "unknown"; ``vector_doubles``:
    doubles per vector at that level; ``llvm_cpu``: LLVM's name for the host (what numba
    targets unless ``NUMBA_CPU_NAME`` overrides it, reported as ``forced_cpu``); ``lanes``: the
    sweep kernel's lane width (:func:`lanes`).
    """
    name, width = level()
    try:
        from llvmlite import binding

        llvm_cpu = binding.get_host_cpu_name()
    except Exception:   # noqa: BLE001 - a report, never fatal
        llvm_cpu = None
    return {"level": name, "vector_doubles": width, "llvm_cpu": llvm_cpu,
            "forced_cpu": os.environ.get("NUMBA_CPU_NAME"),
            "avx_flags": sorted(f for f in (_flags() or _llvm_features())
                                if f.startswith("avx")),
            "lanes": lanes(name)}


def lanes(level_name: str | None = None) -> int:
    """The sweep kernel's lane width: ``ROWBOAT_LANES`` when set (4, 8 or 16; anything else is
    ignored), else by SIMD ``level_name`` (default: this CPU's)."""
    forced = os.environ.get("ROWBOAT_LANES", "").strip()
    if forced.isdigit() and int(forced) in WIDTHS:
        return int(forced)
    return LEVEL_LANES.get(level_name or level()[0], 8)


def cache_tag() -> str:
    """What the numba cache folder's name adds to the source hash: SIMD level and lane width,
    e.g. ``avx2-l8``."""
    return f"{level()[0]}-l{lanes()}"
