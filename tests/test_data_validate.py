"""Every validation finding, on generated files: the message (file, ticker, date, fix) from the
loader, and the exit code of ``rowboat data check`` / ``data show`` (2 for errors, 0 for
warnings only) with no traceback."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat
from engine.data import load_panel
from engine.data.sources import read_folder
from engine.data.validate import Finding, raise_on_errors, summarise
from engine.errors import DataError, DataWarning

DAYS = pd.bdate_range("2015-06-01", periods=300)


def closes(n: int = len(DAYS), seed: int = 0, start: float = 100.0) -> np.ndarray:
    """A deterministic positive random walk (daily moves of about 1%)."""
    rng = np.random.default_rng(seed)
    return start * np.cumprod(1 + rng.normal(0.0003, 0.01, n))


def write(folder: Path, ticker: str, dates, values, header: str = "Date,Close") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ticker}.csv"
    lines = [header] + [f"{d if isinstance(d, str) else d.strftime('%Y-%m-%d')},{v}"
                        for d, v in zip(dates, values)]
    path.write_text("\n".join(lines) + "\n")
    return path


def good(folder: Path, ticker: str = "SPY", seed: int = 0) -> Path:
    return write(folder, ticker, DAYS, closes(seed=seed))


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = rowboat(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def assert_load_error(folder: Path, sleeves: dict, text: str, **kw) -> None:
    with pytest.raises(DataError) as info:
        load_panel(folder, sleeves, **kw)
    assert text in str(info.value), str(info.value)


# ------------------------------------------------------------------- per-file errors
def _dates_with(i: int, text: str) -> list[str]:
    d = [x.strftime("%Y-%m-%d") for x in DAYS]
    d[i] = text
    return d


def _values_with(i: int, v) -> list:
    vals: list = list(closes())
    vals[i] = v
    return vals


CASES = {
    # name: (writer(folder), message fragment)
    "unparseable date": (
        lambda f: write(f, "SPY", _dates_with(1, "06/02/2015"), closes()),
        "SPY.csv: 1 date cannot be read (first '06/02/2015' on line 3); write dates as "
        "YYYY-MM-DD (ISO 8601)"),
    "impossible date": (
        lambda f: write(f, "SPY", _dates_with(5, "2015-02-30"), closes()),
        "SPY.csv: 1 date cannot be read (first '2015-02-30' on line 7)"),
    "duplicated dates": (
        lambda f: write(f, "ACWX", list(DAYS[:3].repeat(2)) + list(DAYS[3:]), closes(len(DAYS) + 3)),
        "ACWX.csv: 3 duplicated dates (first 2015-06-01); remove them so each date appears once"),
    "unsorted rows": (
        lambda f: write(f, "SPY", list(DAYS[:10][::-1]) + list(DAYS[10:]), closes()),
        "SPY.csv: rows are not in date order (2015-06-11 comes after 2015-06-12); sort the rows "
        "by date, oldest first"),
    "NaN price": (
        lambda f: write(f, "SPY", DAYS, _values_with(7, "")),
        "SPY.csv: column 'Close': 1 missing or non-numeric price (first on 2015-06-10); fill "
        "them in or delete those rows"),
    "text price": (
        lambda f: write(f, "SPY", DAYS, _values_with(8, "null")),
        "SPY.csv: column 'Close': 1 missing or non-numeric price (first on 2015-06-11)"),
    "infinite price": (
        lambda f: write(f, "SPY", DAYS, _values_with(6, "inf")),
        "SPY.csv: column 'Close': 1 missing or non-numeric price (first on 2015-06-09)"),
    "zero price": (
        lambda f: write(f, "SPY", DAYS, _values_with(9, 0.0)),
        "SPY.csv: column 'Close': 1 price zero or negative (first 0 on 2015-06-12); prices must "
        "be positive"),
    "negative price": (
        lambda f: write(f, "SPY", DAYS, _values_with(4, -0.01)),
        "first -0.01 on 2015-06-05"),
    "empty file": (
        lambda f: (f.mkdir(parents=True), (f / "SPY.csv").write_text("")),
        "SPY.csv: the file is empty; add a header Date,Close"),
    "header only": (
        lambda f: write(f, "SPY", [], []),
        "SPY.csv: no price rows; add the daily closes below the header"),
    "all NaN": (
        lambda f: write(f, "SPY", DAYS, ["nan"] * len(DAYS)),
        "SPY.csv: column 'Close' has no prices (every value is empty or not a number)"),
    "no Close column": (
        lambda f: write(f, "SPY", DAYS, closes(), header="Date,Price"),
        "SPY.csv: no 'Close' column (columns: Date, Price); expected Date,Close"),
    "no Date column": (
        lambda f: write(f, "SPY", DAYS, closes(), header="Day,Close"),
        "SPY.csv: no 'Date' column (columns: Day, Close)"),
    "Yahoo export without Adj Close": (
        lambda f: write(f, "QQQ", DAYS, [f"{c},{c},{c},{c},1000" for c in closes()],
                        header="Date,Open,High,Low,Close,Volume"),
        "QQQ.csv: looks like a Yahoo export (Date, Open, High, Low, Close, Volume) but has no "
        "'Adj Close' column"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_file_error_message_and_exit_code(name, tmp_path, capsys):
    writer, text = CASES[name]
    folder = tmp_path / "prices"
    writer(folder)
    ticker = next(folder.glob("*.csv")).stem
    assert_load_error(folder, {"us": ticker}, text)
    code, out, err = cli(capsys, "data", "check", str(folder))
    assert code == 2
    assert text in out
    assert "rowboat: error:" in err and "1 error" in err
    # data show raises on the same first error: one line on stderr, exit 2
    code, out, err = cli(capsys, "data", "show", str(folder), "--sleeve", f"us={ticker}")
    assert code == 2 and err.strip().count("\n") == 0 and text in err


def test_many_findings_are_all_listed(tmp_path, capsys):
    folder = tmp_path / "p"
    CASES["duplicated dates"][0](folder)
    CASES["zero price"][0](folder)
    CASES["Yahoo export without Adj Close"][0](folder)
    good(folder, "EEM")
    data = read_folder(folder)
    assert [summarise(s.findings) for s in data.series.values()] == [
        "1 error", "ok", "1 error", "1 error"]  # ACWX EEM QQQ SPY
    code, out, err = cli(capsys, "data", "check", str(folder))
    assert code == 2 and "3 errors" in err
    for name in ("duplicated dates", "zero price", "Yahoo export without Adj Close"):
        assert CASES[name][1] in out


def test_raise_on_errors_raises_first_error_else_warns():
    findings = [Finding("A", "warning", "w1"), Finding("B", "error", "e1"),
                Finding("C", "error", "e2")]
    with pytest.raises(DataError, match="^e1$"):
        raise_on_errors(findings)
    with pytest.warns(DataWarning, match="w1"):
        raise_on_errors(findings[:1])


# ------------------------------------------------------------------- warnings only
def test_big_move_is_a_warning_and_exit_0(tmp_path, capsys):
    folder = tmp_path / "p"
    v = closes()
    v[100:] *= 0.5  # an unadjusted 2-for-1 split on 2015-10-19
    v[200:] *= 1.7
    write(folder, "NVDA", DAYS, v)
    r1, r2 = v[100] / v[99] - 1, v[200] / v[199] - 1
    assert -0.52 < r1 < -0.48 and 0.66 < r2 < 0.74
    text = (f"NVDA.csv: column 'Close' has 2 daily moves outside -40%/+60% ({r1:+.1%} on "
            f"2015-10-19, {r2:+.1%} on 2016-03-07)")
    with pytest.warns(DataWarning) as rec:
        panel = load_panel(folder, {"x": "NVDA"})
    assert len(panel) == len(DAYS)
    msg = str(rec[0].message)
    assert msg.startswith(text) and msg.endswith(
        "check for an unadjusted split; genuine for single stocks in crashes")
    code, out, err = cli(capsys, "data", "check", str(folder))
    assert code == 0 and text in out and "1 warning" in out and err == ""
    code, out, err = cli(capsys, "data", "show", str(folder))
    assert code == 0 and "rowboat: warning: NVDA.csv" in err


def test_move_just_inside_the_bounds_is_not_flagged(tmp_path):
    v = closes()
    v[100:] *= 0.61  # -39%
    v[200:] *= 1.59  # +59%
    write(tmp_path, "A", DAYS, v)
    assert read_folder(tmp_path).series["A"].findings == ()


# ------------------------------------------------------------------- source-level errors
def test_unknown_ticker_lists_what_is_there(tmp_path, capsys):
    good(tmp_path, "SPY")
    good(tmp_path, "EEM", seed=1)
    text = f"ticker NOPE not in {tmp_path}: no NOPE.csv; the folder has EEM, SPY"
    assert_load_error(tmp_path, {"us": "SPY", "x": "NOPE"}, text)
    code, _, err = cli(capsys, "data", "show", str(tmp_path), "--sleeve", "x=NOPE")
    assert code == 2 and text in err


def test_missing_folder_or_file(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    with pytest.raises(DataError, match="data source .*nowhere.* not found; give 'sample'"):
        load_panel(missing, {"us": "SPY"})
    code, _, err = cli(capsys, "data", "check", str(missing))
    assert code == 2 and "not found" in err
    code, _, err = cli(capsys, "data", "check", str(tmp_path))  # a folder without CSVs
    assert code == 2 and "no CSV files" in err


def test_fewer_overlapping_days_than_required(tmp_path, capsys):
    write(tmp_path, "OLD", DAYS[:200], closes(200))
    write(tmp_path, "NEW", DAYS[100:], closes(200, seed=2))
    text = ("only 100 overlapping trading days (2015-10-19 to 2016-03-04), fewer than the 252 "
            "required; NEW starts latest (2015-10-19) and OLD ends first (2016-03-04)")
    assert_load_error(tmp_path, {"a": "OLD", "b": "NEW"}, text)
    p = load_panel(tmp_path, {"a": "OLD", "b": "NEW"}, min_days=100)
    assert len(p) == 200 and int(p.tr.notna().all(axis=1).sum()) == 100   # own histories
    code, out, err = cli(capsys, "data", "check", str(tmp_path))
    assert code == 2 and text in out
    code, out, _ = cli(capsys, "data", "check", str(tmp_path), "--min-days", "100")
    assert code == 0 and "common period 2015-10-19 to 2016-03-04 (100 trading days" in out


def test_no_overlap_at_all(tmp_path, capsys):
    write(tmp_path, "OLD", DAYS[:100], closes(100))
    write(tmp_path, "NEW", DAYS[150:], closes(150))
    assert_load_error(tmp_path, {"a": "OLD", "b": "NEW"},
                      "no overlapping dates: NEW starts on 2015-12-28, after OLD ends on "
                      "2015-10-16; drop one of them")
    assert cli(capsys, "data", "check", str(tmp_path))[0] == 2


def test_gap_longer_than_ffill_limit(tmp_path, capsys):
    good(tmp_path, "SPY")
    keep = np.ones(len(DAYS), bool)
    keep[50:57] = False  # 7 trading days without a quote
    write(tmp_path, "EFA", DAYS[keep], closes()[keep])
    text = ("EFA.csv: 7 trading days missing in a row, 2015-08-10 to 2015-08-18 (the "
            "forward-fill limit is 5 trading days); add the missing closes or raise ffill_limit")
    assert_load_error(tmp_path, {"us": "SPY", "ex": "EFA"}, text)
    assert load_panel(tmp_path, {"us": "SPY", "ex": "EFA"}, ffill_limit=7).filled["EFA"] == 7
    code, out, _ = cli(capsys, "data", "check", str(tmp_path))
    assert code == 2 and text in out
    assert cli(capsys, "data", "check", str(tmp_path), "--ffill-limit", "7")[0] == 0


def test_wide_file_errors(tmp_path, capsys):
    wide = tmp_path / "wide.csv"
    frame = pd.DataFrame({"Date": DAYS.strftime("%Y-%m-%d"), "SPY": closes(),
                          "EEM": np.nan})
    frame.to_csv(wide, index=False)
    text = ("wide.csv [EEM]: column 'EEM' has no prices (every value is empty or not a number)")
    assert_load_error(wide, {"us": "SPY", "em": "EEM"}, text)
    assert cli(capsys, "data", "check", str(wide))[0] == 2
    frame = pd.concat([frame.iloc[:2], frame]).drop(columns="EEM")
    frame.to_csv(wide, index=False)
    text = "wide.csv: 2 duplicated dates (first 2015-06-01); remove them"
    assert_load_error(wide, {"us": "SPY"}, text)
    code, out, _ = cli(capsys, "data", "check", str(wide))
    assert code == 2 and text in out
    assert_load_error(wide, {"x": "EFA"}, "ticker EFA not in wide.csv: no such column; its "
                                          "columns are SPY")


def test_config_errors_exit_2(tmp_path, capsys):
    good(tmp_path, "SPY")
    code, _, err = cli(capsys, "data", "show", str(tmp_path), "--sleeve", "us")
    assert code == 2 and "write ROLE=TICKER" in err
    code, _, err = cli(capsys, "data", "show", str(tmp_path), "--sleeve", "us=SPY:x")
    assert code == 2 and "weight 'x' of 'SPY' is not a number" in err
    code, _, err = cli(capsys, "data", "show", str(tmp_path), "--base-currency", "GBP")
    assert code == 2 and "needs fx" in err
    code, _, err = cli(capsys, "data", "show", str(tmp_path), "--start", "1990-01-01")
    assert code == 2 and "start 1990-01-01 is outside the data: the data covers 2015-06-01" in err


def test_no_warning_on_clean_data(tmp_path):
    good(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_panel(tmp_path, {"us": "SPY"})


# ------------------------------------------------------------------- wide files: gap or error
WIDE_ERR = ("wide{suffix} [SPY]: column 'SPY': 2 cells not a number (first 'n/a' on 2015-06-15); "
            "write closes as plain numbers with a dot for decimals (12.34), or leave the cell "
            "empty for a day without a quote")


def _wide(path: Path, cells: list) -> None:
    """A wide file: SPY's cells as given, EEM clean."""
    frame = pd.DataFrame({"Date": DAYS.strftime("%Y-%m-%d"), "SPY": cells, "EEM": closes(seed=1)})
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_wide_file_text_is_an_error_not_a_gap(tmp_path, capsys, suffix):
    """Only an empty cell (a null in Parquet) is a day without a quote; text that is not a
    number is an error naming file, column, date and fix — never a forward-filled close."""
    cells = [str(v) for v in closes()]
    cells[10], cells[12] = "n/a", "12,34"
    cells[20] = "" if suffix == ".csv" else None
    path = tmp_path / f"wide{suffix}"
    _wide(path, cells)
    text = WIDE_ERR.format(suffix=suffix)
    assert_load_error(path, {"us": "SPY", "em": "EEM"}, text)
    code, out, _ = cli(capsys, "data", "check", str(path))
    assert code == 2 and text in out
    cells[10] = cells[12] = "" if suffix == ".csv" else None  # now three genuine gaps
    _wide(path, cells)
    panel = load_panel(path, {"us": "SPY", "em": "EEM"})
    assert panel.filled == {"SPY": 3, "EEM": 0}
    assert panel.tr["SPY"].iloc[20] == float(cells[19])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_wide_file_inf_is_an_error(tmp_path, capsys, suffix):
    cells: list = list(closes())
    cells[7] = np.inf if suffix == ".parquet" else "inf"
    path = tmp_path / f"wide{suffix}"
    _wide(path, cells)
    text = (f"wide{suffix} [SPY]: column 'SPY': 1 cell not a number (first 'inf' on "
            "2015-06-10)")
    assert_load_error(path, {"us": "SPY"}, text)
    code, out, _ = cli(capsys, "data", "check", str(path))
    assert code == 2 and text in out
