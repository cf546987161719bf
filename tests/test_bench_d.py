"""Task D's peer is timed warm: ``--peer-warm`` runs only the peer's vectorbt backtests (to fill
numba's cache) and writes nothing; before it, a cold cache added 20–30 s of vectorbt compiling
to the peer after every edit of rowboat's sources."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_peer_warm_runs_the_backtests_and_writes_nothing(tmp_path: Path) -> None:
    config = ROOT / "scripts" / "configs" / "rowing_boat.toml"
    code = ("import sys\nfrom unittest import mock\nimport engine.experiment as e\n"
            "from engine import bench_d\nseen = []\nreal = e.load_experiment\n"
            "def spy(c, **kw):\n    seen.append(kw)\n    return real(c, **kw)\n"
            "with mock.patch.object(e, 'load_experiment', spy):\n"
            f"    assert bench_d.main(['--peer-warm', {str(config)!r}]) == 0\n"
            "print(seen)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[{'backend': 'vectorbt'}]"
    assert list(tmp_path.iterdir()) == []
