"""Hostile and implausible data files: every one is exit 2 with one line naming the file, the
row or column and the fix — never a traceback, never silently accepted (issue 10, Why 4, 5, 7).
The files are written here from a small synthetic wide table; no real data needed."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat

DAYS = pd.bdate_range("2015-01-01", "2017-12-29")
PRICES = pd.DataFrame(
    {t: 100 * np.exp(np.cumsum(np.random.default_rng(i).normal(3e-4, 0.01, len(DAYS))))
     for i, t in enumerate("ABC")}, index=pd.DatetimeIndex(DAYS, name="Date"))
TEXT = PRICES.to_csv(float_format="%.4f")


def with_row(date: str, first: bool = False) -> str:
    lines = TEXT.splitlines()
    row = f"{date},100,100,100"
    return "\n".join([lines[0], row, *lines[1:]] if first else [*lines, row]) + "\n"


def utc_shifted() -> str:
    """Closes stamped 21:00 New York, converted to UTC, then cut to the date (Friday →
    Saturday)."""
    f = PRICES.copy()
    f.index = (f.index + pd.Timedelta(hours=21)).tz_localize("America/New_York").tz_convert("UTC")
    f.index = f.index.strftime("%Y-%m-%d %H:%M:%S+00:00")
    f.index.name = "Date"
    return f.to_csv(float_format="%.4f")


def thousands() -> str:
    lines = TEXT.splitlines()
    return "\n".join([lines[0]] + [line.split(",")[0] + "," + ",".join(
        f"{10 * float(x):,.2f}" for x in line.split(",")[1:]) for line in lines[1:]]) + "\n"


def parquet_with(kind: str):
    def write(path: Path) -> None:
        f = PRICES.reset_index()
        f["A"] = True if kind == "bool" else f["Date"]
        f.to_parquet(path)
    return write


def text(content: str | bytes):
    def write(path: Path) -> None:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return write


# name, file name, writer, key words of the message (all must appear)
CASES = [
    ("year 2999", "w.csv", text(with_row("2999-12-31")),
     ["w.csv", "1 date after tomorrow (first 2999-12-31)", "fix or delete those rows"]),
    ("year 1600", "w.csv", text(with_row("1600-01-03", first=True)),
     ["w.csv", "1 date before 1800-01-01", "1600-01-03"]),
    ("UTC shift", "w.csv", text(utc_shifted()),
     ["w.csv", "dates fall on a weekend (first 2015-01-03, a Saturday) and none on a Monday",
      "shifted by a time zone", "tz_convert('America/New_York')"]),
    ("one Saturday", "w.csv", text(with_row("2018-01-06")),
     ["w.csv", "1 date on a weekend (first 2018-01-06, a Saturday)", "fix or delete"]),
    ("bool column", "w.parquet", parquet_with("bool"),
     ["w.parquet [A]", "column 'A' holds true/false values (dtype bool)", "write the closes as "
      "numbers"]),
    ("datetime column", "w.parquet", parquet_with("datetime"),
     ["w.parquet [A]", "column 'A' holds dates or times", "not prices"]),
    ("duplicated column", "w.csv", text(TEXT.replace("Date,A,B,C", "Date,A,B,A")),
     ["w.csv", "column 'A' appears twice", "rename or remove one"]),
    ("ragged rows", "w.csv", text(TEXT.replace("\n2015-01-08,", "\n2015-01-08,x,", 1)),
     ["w.csv", "line 7 has 5 fields but the header has 4", "one value per column"]),
    ("Latin-1", "w.csv", text(TEXT.replace("Date,A,B,C", "Date,A,B,Café").encode("latin-1")),
     ["w.csv", "is not UTF-8 text (byte 0xe9 on line 1", "save it as comma-separated UTF-8"]),
    ("UTF-16", "w.csv", text(TEXT.encode("utf-16")),
     ["w.csv", "is UTF-16 text, not UTF-8", "CSV UTF-8"]),
    ("prose", "w.csv", text("Dear Sir,\nplease find the prices below, as promised,\nthanks\n"),
     ["w.csv", "line 2 has 3 fields but the header has 2"]),
    ("binary garbage", "w.csv", text(np.random.default_rng(0).bytes(4000)),
     ["w.csv", "is not a text file (binary content, 4,000 bytes)"]),
    ("semicolons", "w.csv", text(TEXT.replace(",", ";")),
     ["w.csv", "separated by semicolons", "'Date;A;B;C'", "comma-separated"]),
    ("thousands separators", "w.csv", text(thousands()),
     ["w.csv", "line 2 has 7 fields but the header has 4", "',' as a thousands separator",
      "1234.56"]),
]


@pytest.mark.parametrize("name, filename, write, words", CASES, ids=[c[0] for c in CASES])
def test_data_check_exit_2_names_the_problem(tmp_path, capsys, name, filename, write, words):
    path = tmp_path / filename
    write(path)
    code = rowboat(["data", "check", str(path)])
    out, err = capsys.readouterr()
    text_ = " ".join((out + err).split())  # rich wraps long lines
    assert code == 2, text_
    assert "Traceback" not in text_
    for w in words:
        assert w in text_, f"{w!r} not in {text_!r}"


@pytest.mark.parametrize("name, filename, write, words", CASES, ids=[c[0] for c in CASES])
def test_run_exit_2_one_line_and_no_results(tmp_path, capsys, name, filename, write, words):
    """The same files through `rowboat run`: one line on stderr, no results folder."""
    write(tmp_path / filename)
    cfg = tmp_path / "exp.toml"
    cfg.write_text(f'[run]\nname = "t"\nbenchmark = "us"\nrisk_free = 0\n[data]\n'
                   f'source = "{filename}"\n[sleeves]\nus = "A"\n[[strategy]]\nname = "us"\n'
                   'rule = "us_only"\n')
    code = rowboat(["run", str(cfg), "--out", str(tmp_path / "out"), "--no-tearsheets"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().startswith("rowboat: error: "), err
    assert err.strip().count("\n") == 0, err
    assert len(err) < 600
    for w in words[:2]:
        assert w in err, f"{w!r} not in {err!r}"
    assert not (tmp_path / "out" / "t").exists()


def test_a_folder_file_with_semicolons_is_named(tmp_path, capsys):
    (tmp_path / "SPY.csv").write_text("Date;Close\n2020-01-02;1\n")
    assert rowboat(["data", "check", str(tmp_path)]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "SPY.csv: the columns are separated by semicolons (header 'Date;Close')" in out


def test_binary_garbage_in_a_folder_is_described_not_printed(tmp_path, capsys):
    (tmp_path / "X.csv").write_bytes(b'"' * 2115 + b"\x00\x01")
    assert rowboat(["data", "check", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert "binary content" in out and '""""' not in out + err


def test_long_garbage_header_is_cut_short(tmp_path, capsys):
    (tmp_path / "X.csv").write_text('"' * 2115 + "\n1\n")
    assert rowboat(["data", "check", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert '"' * 40 not in out and len(out) < 2000


# ---------------------------------------------------------------------------- legitimate files
def test_monthly_dates_on_weekends_are_fine():
    """Month ends (2020-05-31 is a Sunday) and month starts of monthly series are legitimate."""
    from engine.data.validate import check_weekends

    ends = pd.date_range("2000-01-31", periods=300, freq="ME")
    starts = pd.date_range("1871-01-01", periods=1866, freq="MS")
    assert check_weekends(ends, "X", "x.csv") == [] and check_weekends(starts, "X", "x.csv") == []


def test_seven_day_calendar_is_fine():
    from engine.data.validate import check_weekends

    assert check_weekends(pd.date_range("2020-01-01", periods=800), "BTC", "btc.csv") == []


def test_clean_wide_file_and_real_closes_pass(tmp_path, capsys):
    (tmp_path / "w.csv").write_text(TEXT)
    assert rowboat(["data", "check", str(tmp_path / "w.csv")]) == 0
    f = PRICES.reset_index()
    f["A"] = f["A"].round().astype("int64")   # integer closes are numbers
    f.to_parquet(tmp_path / "w.parquet")
    assert rowboat(["data", "check", str(tmp_path / "w.parquet")]) == 0


@pytest.mark.realdata
def test_real_folders_have_no_implausible_dates(prices_dir, yahoo_export_dir, capsys):
    for folder in (prices_dir, yahoo_export_dir):
        assert rowboat(["data", "check", str(folder)]) == 0
    assert "weekend" not in capsys.readouterr().out


@pytest.mark.realdata
def test_real_monthly_history_passes_the_date_checks(shared_data, capsys):
    assert rowboat(["data", "check", str(shared_data / "history" / "fred_TB3MS.csv")]) == 0


@pytest.mark.slow
def test_run_prints_a_data_warning_as_one_line(tmp_path):
    """A warning (a +196 % day) reaches the terminal as `rowboat: warning: …`, not as Python's
    `file.py:134: DataWarning: …` followed by a source line. A subprocess: pytest records
    warnings itself, so only a real process shows what the user sees."""
    import os
    import subprocess
    import sys

    f = PRICES.copy()
    f.iloc[500, 0] *= 3
    f.to_csv(tmp_path / "w.csv", float_format="%.4f")
    cfg = tmp_path / "exp.toml"
    cfg.write_text('[run]\nname = "t"\nbenchmark = "us"\nrisk_free = 0\n[data]\n'
                   'source = "w.csv"\n[sleeves]\nus = "A"\n[[strategy]]\nname = "us"\n'
                   'rule = "us_only"\n')
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "run", str(cfg), "--out",
                           str(tmp_path / "out"), "--no-tearsheets"], capture_output=True,
                          text=True, env=env, timeout=300, cwd=root)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "warning" in ln.lower()]
    assert lines == [lines[0]] and lines[0].startswith(
        "rowboat: warning: w.csv [A]: column 'A' has 2 daily moves outside -40%/+60% (+")
    assert "DataWarning" not in proc.stderr and "load_panel(" not in proc.stderr
