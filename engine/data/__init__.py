"""rowboat's data layer: sources → validation → alignment → :class:`Panel` with sleeves.

Entry point: :func:`load_panel`. See :mod:`engine.data.sources` (CSV folder, wide file),
:mod:`engine.data.yahoo` (yfinance + Parquet cache), :mod:`engine.data.validate` (findings),
:mod:`engine.data.align` (calendar, forward fill, ``build_panel``) and :mod:`engine.data.fx`.
"""
from engine.data.align import build_panel
from engine.data.load import load_panel
from engine.data.panel import Panel, Sleeve
from engine.data.validate import Finding

__all__ = ["Finding", "Panel", "Sleeve", "build_panel", "load_panel"]
