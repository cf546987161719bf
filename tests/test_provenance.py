"""Every number of the run page's metrics table equals quantstats' to 1e-12, or the page marks it
as rowboat's own."""
from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from engine.metrics import quantstats_rf
from engine.report import provenance
from engine.report.run_page import METRIC_COLUMNS, marked_columns
from engine.report.scorecard import scorecard

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
qs = pytest.importorskip("quantstats")


def _returns() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(11)
    idx = pd.bdate_range("2012-01-02", periods=1800)
    r = pd.DataFrame({n: 3e-4 + s * rng.standard_t(4, len(idx)) / math.sqrt(2.0)
                      for n, s in (("a", 0.011), ("b", 0.007), ("bench", 0.009))}, index=idx)
    r.iloc[300:340, 0] -= 0.01
    rf = pd.Series(np.abs(1e-4 + 3e-5 * rng.standard_normal(len(idx))), index=idx)
    rf.iloc[:200] = 0.0
    return r, rf


def test_every_page_metric_is_classified():
    for c in METRIC_COLUMNS:
        provenance.source(c.key)  # KeyError names an unclassified column


def test_every_quantstats_metric_on_the_page_equals_quantstats():
    returns, rf = _returns()
    card = scorecard(returns, "bench", rf)
    qrf = quantstats_rf(rf)
    checked = 0
    for c in METRIC_COLUMNS:
        if provenance.source(c.key) != "quantstats":
            continue
        fn, kw = provenance.QUANTSTATS[c.key]
        kw = {k: (qrf if v == "rf" else v) for k, v in kw.items()}
        for name in returns.columns:
            with np.errstate(all="ignore"):
                expect = float(getattr(qs.stats, fn)(returns[name], **kw))
            got = float(card.at[name, c.key])
            assert abs(got - expect) <= 1e-12 * max(1.0, abs(expect)), (c.key, name, got,
                                                                         expect)
            checked += 1
    assert checked == 3 * sum(provenance.source(c.key) == "quantstats" for c in METRIC_COLUMNS)


def test_skew_and_kurtosis_equal_quantstats_with_a_risk_free_series():
    """summary() and the sweep's metrics carry skew and kurtosis: quantstats computes them on
    raw returns (before: on excess returns, so they differed whenever rf was not 0)."""
    from engine.metrics import summary

    returns, rf = _returns()
    for name in returns.columns:
        s = summary(returns[name], rf * 30)
        assert abs(s["skew"] - qs.stats.skew(returns[name])) <= 1e-12
        assert abs(s["kurtosis"] - qs.stats.kurtosis(returns[name])) <= 1e-12


def test_the_page_marks_rowboats_own_numbers():
    cols = {c.key: c for c in marked_columns()}
    own = [k for k in cols if provenance.source(k) == "rowboat"]
    assert set(own) == {"excess_cagr", "turnover_per_year", "costs_per_year"}
    for c in marked_columns():
        marked = c.header.endswith(provenance.OWN_MARK)
        assert marked == (c.key in own), c.key
        if marked:
            assert "rowboat's own" in c.tip
