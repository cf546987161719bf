"""Task D's peer is timed warm: ``--peer-warm`` runs only the peer's vectorbt backtests (to fill
numba's cache) and writes nothing; before it, a cold cache added 20–30 s of vectorbt compiling
to the peer after every edit of rowboat's sources."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from engine import bench_d


def test_peer_warm_runs_the_vectorbt_backtests_and_writes_nothing(tmp_path: Path,
                                                                   monkeypatch) -> None:
    import engine.experiment as experiment

    seen: list[tuple[Path, dict]] = []
    monkeypatch.setattr(experiment, "load_experiment",
                        lambda config, **kw: seen.append((config, kw)) or object())
    monkeypatch.setitem(sys.modules, "quantstats", None)   # importing it would fail
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "c.toml"
    assert bench_d.main(["--peer-warm", str(config)]) == 0
    assert seen == [(config, {"backend": "vectorbt"})]
    assert list(tmp_path.iterdir()) == []
    # the timed peer goes on to quantstats (here: the import fails, as it must get there)
    with pytest.raises(ImportError):
        bench_d.main(["--peer", str(config), str(tmp_path / "out")])
    assert len(seen) == 2
