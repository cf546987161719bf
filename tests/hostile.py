"""A universe whose every user-given string is hostile: tickers (wide-file column names), signal
names, folder and config paths — script tags, attribute breakers, ``javascript:`` URLs, very long
and Unicode names. Used by the hostile-names tests (HTML text and Chromium)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

LONG = "Ünïcødé-長い名前-" * 12  # 156 characters, most of them outside ASCII
TICKERS = {
    "us": '<script>alert("us")</script>',
    "us_mega": "<svg><script>alert(1)</script></svg>",
    "ex_us": '"><img src=x onerror=alert(2)>',
    "em": "javascript:alert(3)",
    "cash": "'><svg onload=alert(4)>" + LONG,
    "bonds": "<iframe src=javascript:alert(5)></iframe>&amp;",
}
SIGNALS = {
    "ex_us": "<script>alert('sig')</script>",
    "em": '" onmouseover="alert(7)',
    "us": "javascript:alert(8)" + LONG,
}
#: folder names (no "/" possible): the config's folder and a run folder given to compare
CONFIG_DIR = '"><img src=x onerror=alert(9)>'
COMPARE_DIR = "javascript:alert(10)"
#: every hostile string, for checks that none appears unescaped
HOSTILE = [*TICKERS.values(), *SIGNALS.values(), CONFIG_DIR, COMPARE_DIR]


def _toml(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a TOML basic string


def write_universe(base: Path, name: str = "hostile") -> Path:
    """Write ``base/<CONFIG_DIR>/prices.csv`` (a wide file) and the config; returns the config."""
    folder = base / CONFIG_DIR
    folder.mkdir(parents=True)
    dates = pd.bdate_range("2012-01-02", "2017-12-29")
    rng = np.random.default_rng(7)
    drift = {"us_mega": 3.5e-4, "us": 3e-4, "ex_us": 2e-4, "em": 2.5e-4, "cash": 5e-5, "bonds": 1e-4}
    vol = {"us_mega": 0.013, "us": 0.011, "ex_us": 0.012, "em": 0.015, "cash": 0.0002, "bonds": 0.004}
    frame = pd.DataFrame(index=pd.Index(dates.strftime("%Y-%m-%d"), name="Date"))
    for role, ticker in TICKERS.items():
        r = rng.normal(drift[role], vol[role], dates.size)
        frame[ticker] = 100.0 * np.cumprod(1.0 + r)
    frame.to_csv(folder / "prices.csv", float_format="%.8f")
    sleeves = "\n".join(f"{role} = {_toml(t)}" for role, t in TICKERS.items())
    cfg = f"""
[run]
name = "{name}"
benchmark = "us_only"
risk_free = "cash"
[data]
source = "prices.csv"
[sleeves]
{sleeves}
[signals.{_toml(SIGNALS["ex_us"])}]
kind = "breakout"
series = "ex_us"
years = 1
[signals.{_toml(SIGNALS["em"])}]
kind = "breakout"
series = "em"
years = 1
[signals.{_toml(SIGNALS["us"])}]
kind = "trend"
series = "us"
months = 10
[costs]
fee_bps = 5
[[strategy]]
name = "us_only"
rule = "us_only"
[[strategy]]
name = "breakout_rotation"
rule = "breakout_rotation"
signals = {{ ex_us = {_toml(SIGNALS["ex_us"])}, em = {_toml(SIGNALS["em"])} }}
[[strategy]]
name = "sma_timing"
rule = "sma_timing"
"""
    path = folder / f"{CONFIG_DIR}.toml"
    path.write_text(cfg, encoding="utf-8")
    return path
