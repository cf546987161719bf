"""Results folders: atomic build-and-rename, refusal, fixed CSV formatting, manifest JSON."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.errors import ConfigError
from engine.report.writer import (atomic_folder, check_target, git_commit, package_versions,
                                  read_manifest, safe_name, write_csv, write_manifest,
                                  write_metrics_csv)


def test_atomic_folder_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "results" / "run"
    with atomic_folder(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".run.tmp-")
        (tmp / "a.txt").write_text("x")
        (tmp / "sub").mkdir()
        assert not target.exists()
    assert (target / "a.txt").read_text() == "x"
    assert sorted(p.name for p in target.parent.iterdir()) == ["run"]
    assert (target.stat().st_mode & 0o755) == 0o755  # not mkdtemp's private 0700


def test_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "new_parent" / "run"
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as tmp:
            (tmp / "half.csv").write_text("1,2")
            raise RuntimeError("boom")
    assert not target.exists() and not target.parent.exists()  # parent was ours: removed too


def test_failure_keeps_an_existing_parent_and_old_results(tmp_path: Path) -> None:
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(KeyError):
        with atomic_folder(target, force=True) as tmp:
            (tmp / "new.txt").write_text("new")
            raise KeyError("boom")
    assert (target / "old.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_existing_folder_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(ConfigError, match="--force"):
        check_target(target, force=False)
    with pytest.raises(ConfigError, match="already exists"):
        with atomic_folder(target):
            pass
    with atomic_folder(target, force=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_safe_name() -> None:
    assert safe_name("rowing_boat") == "rowing_boat"
    assert safe_name("a b/c") == "a_b_c"
    assert safe_name("../x") == "x"
    assert safe_name("///") == "unnamed"


def test_csv_format_is_fixed_and_round_trips(tmp_path: Path) -> None:
    idx = pd.bdate_range("2020-01-01", periods=3, name="date")
    frame = pd.DataFrame({"a": [0.1, 1 / 3, -2e-17], "b": [1.0, np.nan, 3.0]}, index=idx)
    write_csv(frame, tmp_path / "x.csv")
    text = (tmp_path / "x.csv").read_text()
    assert text.splitlines()[0] == "date,a,b"
    assert text.splitlines()[1] == "2020-01-01,0.1,1"         # shortest round-trip digits
    assert text.splitlines()[2] == "2020-01-02,0.3333333333333333,"   # NaN: empty
    assert "\r" not in text
    back = pd.read_csv(tmp_path / "x.csv", index_col=0, parse_dates=True)
    np.testing.assert_array_equal(back["a"].to_numpy(), frame["a"].to_numpy())  # exact


def test_fast_csv_round_trips_every_double_and_odd_names(tmp_path: Path) -> None:
    """The pyarrow path: every double reads back exactly, NaN is empty, names with commas or
    quotes are quoted as pandas quotes them, integers stay integers."""
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2000-01-03", periods=2000, name="date")
    x = np.concatenate([rng.normal(0, 0.01, 1990),
                        [0.0, -0.0, 1e16, 1e-5, 5e-324, 1e22, -1e-7, 1.5e300, np.nan, 1.0]])
    frame = pd.DataFrame({'a,b "c"': x, "n": np.arange(2000), "w": x[::-1]}, index=idx)
    write_csv(frame, tmp_path / "fast.csv")
    frame.to_csv(tmp_path / "pandas.csv", lineterminator="\n")
    fast = (tmp_path / "fast.csv").read_text()
    assert fast.splitlines()[0] == (tmp_path / "pandas.csv").read_text().splitlines()[0]
    back = pd.read_csv(tmp_path / "fast.csv", index_col=0, parse_dates=True)
    pd.testing.assert_frame_equal(back, frame, check_exact=True, check_freq=False)
    assert back["n"].dtype == np.int64
    write_csv(frame, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "fast.csv").read_bytes()


def test_metrics_csv_has_12_digits_and_iso_dates(tmp_path: Path) -> None:
    m = pd.DataFrame({"cagr": [1 / 3], "max_dd_peak": [pd.Timestamp("2020-02-19")],
                      "max_dd_recovery": [pd.NaT], "days": [252]},
                     index=pd.Index(["s"], name="strategy"))
    write_metrics_csv(m, tmp_path / "m.csv")
    assert (tmp_path / "m.csv").read_text() == (
        "strategy,cagr,max_dd_peak,max_dd_recovery,days\ns,0.333333333333,2020-02-19,,252\n")


def test_manifest_json(tmp_path: Path) -> None:
    write_manifest(tmp_path / "m.json", {"b": pd.Timestamp("2020-01-02"), "a": np.float64(0.5),
                                         "c": (1, 2), "d": float("nan"), "e": Path("/x")})
    assert read_manifest(tmp_path / "m.json") == {"a": 0.5, "b": "2020-01-02", "c": [1, 2],
                                                  "d": None, "e": "/x"}
    assert json.loads((tmp_path / "m.json").read_text())  # valid JSON
    versions = package_versions()
    assert versions["quantstats"] == "0.0.86" and versions["python"].count(".") == 2
    assert git_commit(tmp_path) == "unknown"  # not a git checkout
