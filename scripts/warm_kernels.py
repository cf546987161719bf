"""Compile rowboat's numba kernels, and vectorbt's, into numba's on-disk cache once, two at a time.

``make test`` runs this before pytest. On a fresh clone the cache (``.cache/numba/<source hash>``)
is empty, and every pytest worker and every ``rowboat`` subprocess a test starts compiled the
kernels it called side by side with the others: the same kernels several times over, about three
of the eight minutes of CI. Here two processes compile them once, one each: the sample config's run
(rowboat's simulation and signal kernels, then vectorbt's through ``--backend vectorbt``) and its
sweep (the sweep and statistics kernels). About 45 s on a cold cache on 2 cores; about 5 s when
the cache is already filled.

A failing command is reported and the tests still run (they then say what is wrong).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "scripts" / "configs" / "rowing_boat.toml"


def commands(out: Path) -> list[list[list[str]]]:
    """Two lanes of ``rowboat`` commands, each lane run in order, the lanes side by side."""
    rowboat = [sys.executable, "-m", "engine.cli"]
    run = [*rowboat, "run", str(SAMPLE), "--no-tearsheets", "--quiet", "--force"]
    return [
        [[*run, "--out", str(out / "numba")],
         [*run, "--backend", "vectorbt", "--out", str(out / "vectorbt")]],
        [[*rowboat, "sweep", str(SAMPLE), "--strategy", "rowing_boat", "--quiet", "--force",
          "--yes", "--out", str(out / "sweep")]],
    ]


def run_lane(lane: list[list[str]]) -> bool:
    """The lane's commands in order; False (after printing the error) at the first failure."""
    for cmd in lane:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        if proc.returncode != 0:
            print(f"warm_kernels: {' '.join(cmd[3:5])} failed ({proc.returncode}):\n"
                  f"{proc.stderr[-2000:]}", file=sys.stderr, flush=True)
            return False
    return True


def main() -> int:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rowboat-warm-") as tmp:
        lanes = commands(Path(tmp))
        with ThreadPoolExecutor(len(lanes)) as pool:
            ok = all(list(pool.map(run_lane, lanes)))
    state = "" if ok else "; a command failed (above), the tests will say more"
    print(f"warm_kernels: numba's cache filled in {time.perf_counter() - t0:.1f} s{state}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
