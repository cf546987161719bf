"""Package-level behaviour: the numba cache location."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from engine import simd


def test_numba_cache_folder_is_keyed_by_the_sources_and_the_lane_width(tmp_path):
    """A kernel cached for one version of the sources, one SIMD level or one lane width is
    never loaded by another: the cache folder is named by a hash of engine/ and strategies/,
    the SIMD level and the width, idempotently for child processes."""
    import engine

    version = engine.cache_name()
    level, _ = simd.level()
    assert version == f"{engine.source_hash()}-{level}-l{simd.lanes()}"
    assert len(engine.source_hash()) == 12
    cache = Path(os.environ["NUMBA_CACHE_DIR"])
    assert cache.name == version
    code = "import os, engine; print(os.environ['NUMBA_CACHE_DIR'])"
    env = {k: v for k, v in os.environ.items() if k != "ROWBOAT_LANES"}
    for given in (str(tmp_path), str(tmp_path / version)):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=dict(env, NUMBA_CACHE_DIR=given), timeout=60)
        assert proc.stdout.strip() == str(tmp_path / version)


def test_a_forced_lane_width_compiles_into_its_own_folder(tmp_path):
    """ROWBOAT_LANES picks the sweep kernel's width (4, 8, 16) and the cache folder says so:
    a child forcing another width than its parent's folder gets a sibling folder, never the
    parent's machine code; an unsupported value is ignored."""
    import engine

    code = ("import os, engine; from engine.metrics import nb; "
            "print(os.environ['NUMBA_CACHE_DIR'], nb.LANES, nb.LANES_STATE)")
    level, _ = simd.level()
    for width in (4, 8, 16):
        parent = tmp_path / engine.cache_name()     # the folder a parent process chose
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=dict(os.environ, NUMBA_CACHE_DIR=str(parent),
                                       ROWBOAT_LANES=str(width)), timeout=60)
        folder, lanes, size = proc.stdout.split()
        assert Path(folder) == tmp_path / f"{engine.source_hash()}-{level}-l{width}"
        assert int(lanes) == width and int(size) == 2 * 27 * width
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path),
                                   ROWBOAT_LANES="12"), timeout=60)
    assert int(proc.stdout.split()[1]) == simd.LEVEL_LANES.get(level, 8)


def test_lane_width_per_simd_level(monkeypatch):
    """AVX-512 runs 16 lanes (two 8-double vectors), every other level 8 (two AVX2 vectors)."""
    monkeypatch.delenv("ROWBOAT_LANES", raising=False)
    assert simd.lanes("avx512") == 16
    assert simd.lanes("avx2") == simd.lanes("avx") == simd.lanes("unknown") == 8
    monkeypatch.setenv("ROWBOAT_LANES", "4")
    assert simd.lanes("avx512") == 4
    report = simd.simd()
    assert report["level"] in ("avx512", "avx2", "avx", "sse4.2", "unknown")
    assert report["lanes"] == 4
