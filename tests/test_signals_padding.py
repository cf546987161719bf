"""A signal of a series that starts after the panel: computed on the series' own history (one
slice per panel and first date, shared by every setting) and padded by position to the panel's
dates — the same frame as ``reindex`` gives."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strategies.signals import _padded


def _reindexed(out: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame({c: out[c].reindex(dates, fill_value=False)
                         if out[c].dtype == bool else out[c].reindex(dates)
                         for c in out.columns}, index=dates)


@pytest.mark.parametrize("k", [0, 1, 7])
def test_padding_by_position_equals_reindex(k: int) -> None:
    dates = pd.bdate_range("2020-01-01", periods=12)
    rng = np.random.default_rng(k)
    n = len(dates) - k
    out = pd.DataFrame({"level": rng.normal(size=n), "on": rng.random(n) > 0.5,
                        "count": np.arange(n, dtype=np.int64),
                        "f32": rng.normal(size=n).astype(np.float32),
                        "label": [f"x{i}" for i in range(n)]}, index=dates[k:])
    got = _padded(out, dates)
    pd.testing.assert_frame_equal(got, _reindexed(out, dates))
    assert got.dtypes.to_dict() == _reindexed(out, dates).dtypes.to_dict()


def test_padding_of_an_index_that_is_not_a_suffix_falls_back_to_reindex() -> None:
    dates = pd.bdate_range("2020-01-01", periods=10)
    out = pd.DataFrame({"level": np.arange(3.0), "on": [True, False, True]},
                       index=dates[[2, 5, 9]])
    pd.testing.assert_frame_equal(_padded(out, dates), _reindexed(out, dates))

