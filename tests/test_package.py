"""Package-level behaviour: the numba cache location."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_numba_cache_folder_is_keyed_by_the_sources(tmp_path):
    """A kernel cached for one version of the sources is never loaded by another: the cache
    folder is named by a hash of engine/ and strategies/, idempotently for child processes."""
    import engine

    version = engine.source_hash()
    cache = Path(os.environ["NUMBA_CACHE_DIR"])
    assert cache.name == version and len(version) == 12
    code = "import os, engine; print(os.environ['NUMBA_CACHE_DIR'])"
    for given in (str(tmp_path), str(tmp_path / version)):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=dict(os.environ, NUMBA_CACHE_DIR=given), timeout=60)
        assert proc.stdout.strip() == str(tmp_path / version)
