"""`rowboat today`: the as-of panel from the demo config — signal distances agree with the
signals' own numbers, the next decision date follows the schedule, holdings are the last
weights, and the target on today's signals is what the rule decides on today's inputs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as rowboat
from engine.report.today import next_decision, to_html, to_text, today

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "scripts" / "configs" / "rowing_boat.toml"


@pytest.fixture(scope="module")
def exp():
    from engine.experiment import load_experiment

    return load_experiment(CONFIG, end="2020-06-30")


def test_next_decision_follows_the_schedule() -> None:
    d = pd.bdate_range("2020-01-01", "2020-06-30")
    assert next_decision(d, "monthly") == pd.Timestamp("2020-07-31")
    assert next_decision(d[:-3], "monthly") == pd.Timestamp("2020-06-30")
    assert next_decision(d, "quarterly") == pd.Timestamp("2020-09-30")
    assert next_decision(d, "daily") == pd.Timestamp("2020-07-01")


def test_panel_agrees_with_the_experiment(exp) -> None:
    t = today(exp)
    assert t.as_of == pd.Timestamp("2020-06-30")
    by_title = {s.title.split(":")[0]: s for s in t.signals}
    assert set(by_title) == {"mega_weight", "exus_high", "em_high", "us_trend"}
    dd = exp.signals["mega_weight.drawdown"].iloc[-1]
    assert f"{-dd * 100:.1f}% below its peak".replace("-", "−") in by_title["mega_weight"].value
    on = exp.signals["exus_high.state"].iloc[-1] > 0
    assert by_title["exus_high"].state == ("on" if on else "off")
    level = exp.signals["exus_high.level"].iloc[-1]
    assert f"level {level:,.4g}" in by_title["exus_high"].value
    holds = {h.strategy: h for h in t.holdings}
    assert set(holds) == {sc.name for sc in exp.config.strategies}
    assert holds["us_only"].now == {"us (US)": pytest.approx(1.0)}
    assert holds["us_only"].next == {"us (US)": pytest.approx(1.0)}
    rb = exp.results["rowing_boat"].sleeve_weights.iloc[-1]
    assert sum(holds["rowing_boat"].now.values()) == pytest.approx(rb[rb.abs() > 0.005].sum())
    assert holds["rowing_boat"].next_date == pd.Timestamp("2020-07-31")


def test_target_on_todays_signals_is_the_rules_decision(exp) -> None:
    """On a month-end as-of date the decision is today's: it equals the backtest's target."""
    t = today(exp)
    target = exp.results["rowing_boat"].targets.iloc[-1]
    assert exp.results["rowing_boat"].targets.index[-1] == pd.Timestamp("2020-06-30")
    nxt = {k.split(" ")[0]: v for k, v in {h.strategy: h for h in t.holdings}[
        "rowing_boat"].next.items()}
    for role, w in target.items():
        assert nxt.get(role, 0.0) == pytest.approx(w, abs=1e-12) or abs(w) <= 0.005


def test_renderings(exp) -> None:
    t = today(exp)
    text, html = to_text(t), to_html(t)
    assert text.startswith("As of 2020-06-30") and "next monthly decision 2020-07-31" in text
    assert 'id="as-of"' in html and "<script" not in html


def test_cli_prints_the_panel(capsys: pytest.CaptureFixture) -> None:
    assert rowboat(["today", str(CONFIG), "--end", "2020-06-30"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("As of 2020-06-30") and "rowing_boat:" in out


def test_cli_bad_config_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert rowboat(["today", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not found" in err and "Traceback" not in err
