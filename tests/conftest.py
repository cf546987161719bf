"""Shared fixtures: where the real market data is, and how to skip without it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Real market data lives beside the project, never inside it. ROWBOAT_SHARED_DATA overrides.
SHARED_DATA = Path(os.environ.get("ROWBOAT_SHARED_DATA", ROOT.parent / "shared" / "data"))
# tearsheets rendered by tests go to a cache of their own, never the user's ~/.cache
os.environ.setdefault("ROWBOAT_TEARSHEET_CACHE", tempfile.mkdtemp(prefix="rowboat-test-ts-"))
# a developer's `rowboat server` never runs the tests' commands (tests/test_server.py starts its own)
os.environ["ROWBOAT_NO_SERVER"] = "1"
SKIP_REASON = (f"real market data not found at {SHARED_DATA} (a user's clone has no ../shared/data; "
               "set ROWBOAT_SHARED_DATA to point at it)")


def _require(sub: str) -> Path:
    path = SHARED_DATA / sub
    if not path.exists():
        pytest.skip(SKIP_REASON)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip with the reason."""
    return _require("")


@pytest.fixture(scope="session")
def prices_dir() -> Path:
    """../shared/data/prices: 28 adjusted daily closes (Date,Close)."""
    return _require("prices")


@pytest.fixture(scope="session")
def yahoo_export_dir() -> Path:
    """../shared/data/yahoo-export: 18 files in Yahoo's export layout."""
    return _require("yahoo-export")


@pytest.fixture(scope="session")
def weights_file() -> Path:
    """../shared/data/weights/mag7_weights_in_etfs_snapshots.csv (percent of fund)."""
    return _require("weights/mag7_weights_in_etfs_snapshots.csv")
