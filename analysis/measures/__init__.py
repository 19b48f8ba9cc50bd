"""Strategy measures: definitions as data, values with uncertainty, status against target.

For notebooks as for the service's progress report::

    from analysis import measures
    defs = measures.load_measures()                      # the shipped set (measures.yaml)
    period = measures.Period.parse("2026-H2")
    value = measures.survey_value(defs[1], frame, period, margins=margins)
    measures.status(defs[1], value, defs[1].target_for("2026-H2"))
"""

from analysis.measures.model import (
    SHIPPED,
    Benchmark,
    Measure,
    MeasureError,
    Period,
    Target,
    load_measures,
    measure_from_dict,
)
from analysis.measures.results import MeasureResult, evaluate
from analysis.measures.status import Change, Value, change, status, trend_words
from analysis.measures.values import in_period, survey_value

__all__ = [
    "SHIPPED",
    "Benchmark",
    "Change",
    "Measure",
    "MeasureError",
    "MeasureResult",
    "Period",
    "Target",
    "Value",
    "change",
    "evaluate",
    "in_period",
    "load_measures",
    "measure_from_dict",
    "status",
    "survey_value",
    "trend_words",
]
