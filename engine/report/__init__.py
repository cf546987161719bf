"""Reports: quantstats tearsheets, the comparison page, results folders.

Python API (imported lazily, so ``rowboat --help`` stays fast):

- :func:`run_config` — a config file → ``results/<name>/`` (what ``rowboat run`` does);
- :func:`report` — hand-made ``engine.sim`` Results → the same folder and page;
- :class:`RunOutput` — where it was written (``.index`` = the page) and the metrics.
"""
from __future__ import annotations

from typing import Any

__all__ = ["RunOutput", "report", "run_config"]


def __getattr__(name: str) -> Any:
    if name in ("run_config", "RunOutput"):
        from engine.report import run

        return getattr(run, name)
    if name == "report":
        from engine.report.api import report

        return report
    raise AttributeError(name)
