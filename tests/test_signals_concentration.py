"""Concentration: exact hand-made values (caps, one anchor, two anchors, a Saturday anchor),
snapshot loading, the Panel wrapper and input errors."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data.panel import Panel, Sleeve
from engine.errors import ConfigError, DataError, DataWarning
from engine.signals import (
    align_anchors,
    concentration,
    concentration_from_anchors,
    concentration_from_caps,
    load_snapshots,
)

NAN = np.nan


def _idx(n: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n, name="Date")


def _eq(series: pd.Series, expected) -> None:
    np.testing.assert_allclose(series.to_numpy(), np.asarray(expected, dtype=float),
                               rtol=1e-12, atol=1e-15)


def test_from_caps_exact():
    idx = _idx(3)
    caps = pd.DataFrame({"A": [1.0, 2.0, 1.0], "B": [2.0, 2.0, 1.0]}, index=idx)
    index_cap = pd.Series([10.0, 8.0, 10.0], index=idx, name="US")
    c = concentration_from_caps(caps, index_cap, window=1)
    _eq(c.level, [0.3, 0.5, 0.2])
    _eq(c.chain, [0.3, 0.5, 0.2])
    _eq(c.peak, [0.3, 0.5, 0.5])
    _eq(c.drawdown, [0.0, 0.0, -0.6])
    _eq(c.drawdown_pts, [0.0, 0.0, -0.3])
    _eq(c.change, [NAN, 0.2, -0.3])
    assert c.projected is None and c.source == "caps" and c.jumps.empty
    assert list(c.frame().columns) == ["level", "chain", "peak", "drawdown", "drawdown_pts",
                                       "change", "chain_change"]


def test_one_anchor_exact():
    idx = _idx(4)
    members = pd.DataFrame({"S": [1.0, 2.0, 2.0, 4.0]}, index=idx)
    index = pd.Series([1.0, 1.0, 2.0, 2.0], index=idx)
    c = concentration_from_anchors(members, index, {idx[1]: 0.5}, window=2)
    _eq(c.level, [NAN, 0.5, 0.25, 0.5])  # w_a · (P_t/P_a) / (I_t/I_a)
    _eq(c.chain, [1.0, 2.0, 1.0, 2.0])  # relative price, from day 0
    _eq(c.peak, [1.0, 2.0, 2.0, 2.0])
    _eq(c.drawdown, [0.0, 0.0, -0.5, 0.0])
    _eq(c.drawdown_pts, [NAN, 0.0, -0.25, 0.0])
    _eq(c.change, [NAN, NAN, NAN, 0.0])
    _eq(c.chain_change, [NAN, NAN, 0.0, 0.0])
    _eq(c.projected, [0.25, 0.5, NAN, NAN])  # chart-only backward projection, up to the anchor
    assert c.source == "anchors"
    assert c.jumps["anchor"].tolist() == [0.5] and np.isnan(c.jumps["projected"].iloc[0])


def test_two_anchors_chain_has_no_jump_level_does():
    idx = _idx(4)
    members = pd.DataFrame({"A": [1.0, 2.0, 2.0, 4.0], "B": [1.0, 1.0, 2.0, 2.0]}, index=idx)
    index = pd.Series([1.0, 1.0, 1.0, 1.5], index=idx)
    anchors = pd.DataFrame({"A": [0.2, 0.1], "B": [0.2, 0.4]}, index=[idx[1], idx[2]])
    with pytest.warns(DataWarning, match=r"2024-01-03 \(-10.0 pp\)"):
        c = concentration_from_anchors(members, index, anchors, jump_limit=0.02)
    # day 1: equal-weight basket (0.5/0.5 at day 0) gains 50 % → chain 1.5; anchor 1 → level 0.4
    # day 2: anchor-1 composition rolls to 0.6 (projected); anchor 2 says 0.5 → level jumps,
    #        chain follows the relative move (×1.5) and does not jump
    # day 3: anchor-2 composition: basket ×1.2, index ×1.5
    _eq(c.level, [NAN, 0.4, 0.5, 0.4])
    _eq(c.chain, [1.0, 1.5, 2.25, 1.8])
    _eq(c.jumps["projected"], [NAN, 0.6])
    _eq(c.jumps["jump"], [NAN, -0.1])
    assert c.jumps["flagged"].tolist() == [False, True]
    _eq(c.drawdown_pts, [NAN, 0.0, 0.0, -0.1])
    _eq(c.drawdown, [0.0, 0.0, 0.0, -0.2])
    # a jump under the limit is recorded but not warned about
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = concentration_from_anchors(members, index, anchors, jump_limit=0.2)
    assert not quiet.jumps["flagged"].any()


def test_chain_drawdown_does_not_depend_on_anchor_scale():
    rng = np.random.default_rng(5)
    idx = _idx(300)
    members = pd.DataFrame(np.exp(np.cumsum(rng.normal(0, 0.02, (300, 3)), axis=0)),
                           index=idx, columns=["A", "B", "C"])
    index = pd.Series(np.exp(np.cumsum(rng.normal(0, 0.01, 300))), index=idx)
    anchors = pd.DataFrame(rng.uniform(0.02, 0.1, (3, 3)), index=idx[[50, 120, 200]],
                           columns=["A", "B", "C"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        c1 = concentration_from_anchors(members, index, anchors)
        c2 = concentration_from_anchors(members, index, anchors * 0.5)
    np.testing.assert_allclose(c1.drawdown, c2.drawdown, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c1.chain, c2.chain, rtol=1e-13)
    np.testing.assert_allclose(c2.level, c1.level * 0.5, rtol=1e-13)
    assert c1.drawdown.notna().all()  # exists before the first anchor
    # between anchors the chain moves exactly as the level
    ratio = (c1.chain / c1.level).iloc[120:200]
    np.testing.assert_allclose(ratio, ratio.iloc[0], rtol=1e-12)


def test_saturday_anchor_describes_friday_used_from_monday():
    idx = pd.DatetimeIndex(["2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07"], name="Date")
    members = pd.DataFrame({"A": [1.0, 1.0, 2.0, 2.0], "B": [1.0, 1.0, 1.0, 3.0]}, index=idx)
    index = pd.Series([1.0, 1.0, 1.0, 1.0], index=idx)
    anchors = pd.DataFrame({"A": [0.3], "B": [0.1]}, index=pd.DatetimeIndex(["2025-10-04"]))
    c = concentration_from_anchors(members, index, anchors)
    # Friday: not yet known → NaN; Monday: Friday's weights rolled over the weekend's moves
    _eq(c.level, [NAN, NAN, 0.7, 0.9])
    # the Friday→Monday step already uses the snapshot's composition (3:1), Monday→Tuesday too
    _eq(c.chain, [1.0, 1.0, 1.75, 1.75 * 0.9 / 0.7])
    row = c.jumps.iloc[0]
    assert c.jumps.index[0] == pd.Timestamp("2025-10-03")
    assert row["snapshot_date"] == pd.Timestamp("2025-10-04")
    assert row["available"] == pd.Timestamp("2025-10-06")
    _eq(c.projected, [0.4, 0.4, NAN, NAN])


def test_align_anchors_outside_and_same_close():
    idx = pd.DatetimeIndex(["2025-10-02", "2025-10-03", "2025-10-06"])
    anchors = pd.DataFrame({"A": [0.1, 0.2, 0.3, 0.4, 0.5]}, index=pd.DatetimeIndex(
        ["2025-09-01", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-09"]))
    with pytest.warns(DataWarning, match="2025-09-01, 2025-10-09"):
        base, avail, kept = align_anchors(anchors, idx)
    # 10-03, 10-04 and 10-05 all describe Friday's close: the latest-dated (0.4) is used
    assert base.tolist() == [1] and avail.tolist() == [2]
    assert kept["A"].tolist() == [0.4]
    assert kept["snapshot_date"].tolist() == [pd.Timestamp("2025-10-05")]


def test_anchor_errors():
    idx = _idx(3)
    members = pd.DataFrame({"A": [1.0, 1.1, 1.2], "B": [1.0, 1.0, 1.0]}, index=idx)
    index = pd.Series([1.0, 1.0, 1.0], index=idx)
    with pytest.raises(DataError, match="fractions"):
        concentration_from_anchors(members, index, pd.DataFrame({"A": [30.0], "B": [20.0]},
                                                                 index=[idx[0]]))
    with pytest.raises(ConfigError, match="basket is"):
        concentration_from_anchors(members, index, pd.DataFrame({"A": [0.3]}, index=[idx[0]]))
    with pytest.raises(ConfigError, match="one-ticker"):
        concentration_from_anchors(members, index, {idx[0]: 0.3})
    with pytest.raises(DataError, match="negative"):
        concentration_from_anchors(members, index, pd.DataFrame({"A": [-0.1], "B": [0.2]},
                                                                 index=[idx[0]]))
    gap = members.copy()
    gap.iloc[1, 0] = NAN
    with pytest.raises(DataError, match="'A' has no valid close on 2024-01-02"):
        concentration_from_anchors(gap, index, pd.DataFrame({"A": [0.1], "B": [0.2]},
                                                            index=[idx[0]]))
    with pytest.raises(ConfigError, match="jump_limit"):
        concentration_from_anchors(members, index, pd.DataFrame({"A": [0.1], "B": [0.2]},
                                                                 index=[idx[0]]), jump_limit=0)



@pytest.mark.parametrize("anchors, text", [
    ({"2024-01-01": "abc"}, "anchor on 2024-01-01 is 'abc', not a number"),
    ({"2024-01-01": True}, "anchor on 2024-01-01 is True, not a number"),
    ({"notadate": 0.3}, "anchor date: expected YYYY-MM-DD, got 'notadate'"),
    (pd.DataFrame({"A": ["0.3"]}, index=pd.DatetimeIndex(["2024-01-01"])),
     "anchor weight of 'A' on 2024-01-01 is '0.3', not a number"),
    (pd.DataFrame({"A": [True]}, index=pd.DatetimeIndex(["2024-01-01"])),
     "anchor weight of 'A' on 2024-01-01 is True, not a number"),
])
def test_anchor_weight_must_be_a_number(anchors, text):
    idx = _idx(3)
    members = pd.DataFrame({"A": [1.0, 1.1, 1.2]}, index=idx)
    index = pd.Series([1.0, 1.0, 1.0], index=idx)
    with pytest.raises(ConfigError) as info:
        concentration_from_anchors(members, index, anchors)
    assert text in str(info.value)


# ----------------------------------------------------------------------------- snapshot files

HEADER = "date,fund,AAPL,MSFT,AMZN,GOOGL,GOOG,META,NVDA,TSLA,MAG7_TOTAL,SUM_LISTED,source\n"


def _write(tmp_path, rows: list[str]):
    p = tmp_path / "snap.csv"
    p.write_text(HEADER + "\n".join(rows) + "\n")
    return p


def test_load_snapshots_percent_alphabet_and_bad_rows(tmp_path):
    p = _write(tmp_path, [
        "2021-07-09,AAA,6,5,4,2,2,2,1,0,22,80,x",       # TSLA not yet held: kept
        "2021-07-12,AAA,6,5,4,2,2,2,1,1,23,80,x",
        "2021-07-13,AAA,0,0,4,2,2,2,1,1,12,70,x",       # a hole: AAPL and MSFT at 0 → dropped
        "2021-07-14,AAA,6,5,4,2.5,1.5,2,1,1,23,80,x",
        "2021-07-12,BBB,1,1,1,1,1,1,1,1,8,80,x",
    ])
    with pytest.warns(DataWarning, match="dropped 1 bad AAA snapshot.*2021-07-13"):
        w = load_snapshots(p, fund="AAA")
    assert list(w.columns) == ["AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA"]
    assert w.index.tolist() == [pd.Timestamp(d) for d in ["2021-07-09", "2021-07-12",
                                                          "2021-07-14"]]
    assert w.loc["2021-07-09", "TSLA"] == 0.0
    np.testing.assert_allclose(w.loc["2021-07-14"].to_numpy(),
                               [0.06, 0.05, 0.04, 0.04, 0.02, 0.01, 0.01], rtol=1e-12)


def test_snapshot_cleaning_decides_with_what_is_known_on_the_date(tmp_path):
    """Before: a hole was dropped only if the member was held before AND after it, so the file
    as known on the hole's date (no later snapshot yet) kept the bad snapshot."""
    rows = ["2022-01-28,AAA,6,5,4,2,2,2,1,1,23,80,x",
            "2022-01-31,AAA,6,5,4,2,2,2,1,1,23,80,x",
            "2022-02-01,AAA,0,0,4,2,2,2,1,1,12,70,x"]       # the hole, as the last row known
    with pytest.warns(DataWarning, match="dropped 1 bad AAA snapshot.*2022-02-01"):
        known = load_snapshots(_write(tmp_path, rows), fund="AAA")
    assert pd.Timestamp("2022-02-01") not in known.index


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.5, np.nan, -1.0]), min_size=8,
                         max_size=8), min_size=1, max_size=25))
def test_snapshot_cleaning_of_a_truncated_file_equals_the_full_file_up_to_its_end(rows):
    from engine.signals.anchors import _bad_snapshots

    w = np.array(rows, dtype=np.float64)
    full = _bad_snapshots(w)
    for k in range(1, len(w) + 1):
        np.testing.assert_array_equal(_bad_snapshots(w[:k]), full[:k])


def test_load_snapshots_errors(tmp_path):
    p = _write(tmp_path, ["2021-07-09,AAA,6,5,4,2,2,2,1,1,23,80,x"])
    with pytest.raises(DataError, match=r"no rows for fund 'SPY'.*\['AAA'\]"):
        load_snapshots(p, fund="SPY")
    with pytest.raises(DataError, match="not found"):
        load_snapshots(tmp_path / "missing.csv")
    q = tmp_path / "cols.csv"
    q.write_text("date,fund,AAPL\n2021-07-09,SPY,6\n")
    with pytest.raises(DataError, match="missing columns"):
        load_snapshots(q)
    d = _write(tmp_path, ["2021-07-09,SPY,6,5,4,2,2,2,1,1,23,80,x"] * 2)
    with pytest.raises(DataError, match="two snapshots dated 2021-07-09"):
        load_snapshots(d)


# ----------------------------------------------------------------------------- Panel wrapper


def _panel(caps: bool, genuine_pr: bool) -> Panel:
    idx = _idx(5)
    tr = pd.DataFrame({"A": [1.0, 1.1, 1.2, 1.1, 1.3], "B": [2.0, 2.1, 2.0, 2.2, 2.4],
                       "US": [10.0, 10.2, 10.1, 10.3, 10.6]}, index=idx)
    pr = tr * np.array([1.0, 0.99, 0.98, 0.97, 0.96])[:, None]
    pr["US"] = tr["US"]
    capf = None
    if caps:
        capf = pd.DataFrame({"A": tr["A"] * 3, "B": tr["B"], "US": tr["US"] * 2}, index=idx)
    return Panel(tr=tr, pr=pr if genuine_pr else tr.copy(),
                 price_return=frozenset(tr.columns) if genuine_pr else frozenset(),
                 sleeves={"mega": Sleeve("mega", ("A", "B"), (0.5, 0.5)),
                          "us": Sleeve.parse("us", "US")}, caps=capf, source="test panel")


def test_panel_uses_caps_when_present():
    panel = _panel(caps=True, genuine_pr=False)
    c = concentration(panel, "mega", "us", window=2)
    expected = (panel.caps["A"] + panel.caps["B"]) / panel.caps["US"]
    _eq(c.level, expected.to_numpy())
    with pytest.warns(DataWarning, match="not used"):
        concentration(panel, ["A", "B"], "US", anchors={panel.dates[0]: 0.3})


def test_panel_without_caps_needs_anchors():
    panel = _panel(caps=False, genuine_pr=False)
    with pytest.raises(ConfigError, match="no market caps.*give anchors"):
        concentration(panel, "mega", "us")
    with pytest.raises(ConfigError, match="neither a sleeve"):
        concentration(panel, "nope", "us")


@pytest.mark.parametrize("genuine_pr", [True, False])
def test_panel_anchors_read_signal_closes(genuine_pr):
    panel = _panel(caps=False, genuine_pr=genuine_pr)
    anchors = pd.DataFrame({"A": [0.2], "B": [0.1]}, index=[panel.dates[1]])
    c = concentration(panel, "mega", "us", anchors=anchors)
    closes = panel.pr if genuine_pr else panel.tr
    ref = concentration_from_anchors(closes[["A", "B"]], closes["US"], anchors)
    pd.testing.assert_frame_equal(c.frame(), ref.frame())
    other = panel.tr if genuine_pr else panel.pr
    assert genuine_pr == (not np.allclose(
        concentration_from_anchors(other[["A", "B"]], other["US"], anchors).level.iloc[2:],
        c.level.iloc[2:]))


def test_sample_universe_concentration_from_caps():
    from engine.data.sample import sample_panel

    panel = sample_panel()
    c = concentration(panel, ["AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA"], "US")
    caps = panel.caps
    ref = caps[["AAPL", "MSFT", "AMZN", "GOOGL", "META", "NVDA", "TSLA"]].sum(axis=1) / caps["US"]
    np.testing.assert_allclose(c.level, ref, rtol=1e-14)
    assert c.source == "caps" and (c.level < 1).all() and c.drawdown.max() == 0.0
    # MEGA carries the seven's combined cap, so the us_mega sleeve measures the same thing
    np.testing.assert_allclose(concentration(panel, "us_mega", "us").level, ref, rtol=1e-14)
    with pytest.raises(ConfigError, match="name tickers that have caps"):
        concentration(panel, "CASH", "us")  # CASH has no cap
