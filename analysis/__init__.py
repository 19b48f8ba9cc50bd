"""Resident Voice analysis library: survey estimates that match R's ``survey``.

Pandas in, pandas out; never imports Litestar, so it works in any notebook::

    import analysis
    df = analysis.read_export("residents_2026.csv")
    design = analysis.rake(analysis.Design(df), margins)
    design.proportion("q1", "Very satisfied", by="panel_age_band")

``analysis.plots`` (matplotlib), ``to_excel`` (openpyxl) and the model result types
(``LogitResult``, ``OrdinalResult``; formulaic) are imported on first use, so a program that
only estimates (the progress report, the service's pages) does not pay for them at start-up.
"""

from typing import TYPE_CHECKING, Any

from analysis.benchmark import benchmark, lga_figures
from analysis.crosstabs import ChisqResult, Crosstab
from analysis.design import Design
from analysis.drivers import DriversResult, drivers
from analysis.errors import (
    AnalysisError,
    ConvergenceError,
    DesignError,
    RakingError,
    SingularModelError,
    UnknownLevelError,
    UnknownVariableError,
    WeightsError,
)
from analysis.io import aload, label, load, read_export
from analysis.raking import RakeReport, rake
from analysis.trend import trend

if TYPE_CHECKING:
    from analysis import plots
    from analysis.excel import to_excel
    from analysis.regression import LogitResult, OrdinalResult

__all__ = [
    "AnalysisError",
    "ChisqResult",
    "ConvergenceError",
    "Crosstab",
    "Design",
    "DesignError",
    "DriversResult",
    "LogitResult",
    "OrdinalResult",
    "RakeReport",
    "RakingError",
    "SingularModelError",
    "UnknownLevelError",
    "UnknownVariableError",
    "WeightsError",
    "aload",
    "benchmark",
    "drivers",
    "label",
    "lga_figures",
    "load",
    "plots",
    "rake",
    "read_export",
    "to_excel",
    "trend",
]


def __getattr__(name: str) -> Any:
    """``plots``, ``to_excel``, ``LogitResult`` and ``OrdinalResult``, imported when first
    asked for."""
    if name == "plots":
        import analysis.plots

        return analysis.plots
    if name == "to_excel":
        from analysis.excel import to_excel

        return to_excel
    if name in ("LogitResult", "OrdinalResult"):
        from analysis import regression

        return getattr(regression, name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
