"""``rowboat`` commands load numba's kernels without importing scipy.linalg
(:func:`engine.numba_cache.preload_blas`), and BLAS still works: in numba's kernels, and in
scipy.linalg when something imports it later."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[run]
name = "blas"
benchmark = "world"
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

#: ``rowboat run`` in this interpreter, then what was imported, then BLAS in a new kernel and in
#: scipy.linalg (a fresh interpreter: the check is about which modules a run imports)
SCRIPT = textwrap.dedent("""
    import json, sys
    from engine.cli import main
    code = main(["run", sys.argv[1], "--out", sys.argv[2], "--quiet", "--no-tearsheets"])
    seen = {"code": code, "linalg": "scipy.linalg" in sys.modules,
            "blas": "scipy.linalg.cython_blas" in sys.modules,
            "arraymath": "numba.np.arraymath" in sys.modules}
    import numpy as np
    from numba import njit

    @njit
    def product(a, b):
        return np.dot(a, b)     # BLAS dgemm through scipy's cython_blas

    a = np.arange(12.0).reshape(3, 4)
    b = np.linspace(-1.0, 1.0, 8).reshape(4, 2)
    seen["dot"] = bool(np.array_equal(product(a, b), a @ b))
    import scipy.linalg
    seen["inv"] = scipy.linalg.inv(np.diag([2.0, 4.0])).tolist()
    print(json.dumps(seen))
""")


def test_run_loads_kernels_without_scipy_linalg_and_blas_works(tmp_path: Path) -> None:
    cfg = tmp_path / "blas.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(cfg), str(tmp_path / "o")],
                          env=env, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    # kernels loaded (numba's array registry and its BLAS check ran), scipy.linalg not imported
    assert seen["code"] == 0 and seen["arraymath"] and seen["blas"]
    assert seen["linalg"] is False
    assert seen["dot"] is True
    assert seen["inv"] == [[0.5, 0.0], [0.0, 0.25]]
