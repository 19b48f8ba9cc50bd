"""One measure's line in a progress report: its figures over time, target, status and trend."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.measures.model import Measure, Period, Target
from analysis.measures.status import (
    NO_DATA,
    Change,
    Value,
    change,
    status,
    trend_words,
)


@dataclass
class MeasureResult:
    """Everything the report says about one measure for ``period``."""

    measure: Measure
    period: str
    history: list[Value]  # oldest first, ending with ``period``
    target: Target | None
    status: str
    reason: str
    change: Change | None
    arrow: str
    trend: str
    problems: list[str] = field(default_factory=list)
    #: What the equality analysis found for the measure's outcome (filled by the service).
    equality: list[str] = field(default_factory=list)

    @property
    def current(self) -> Value:
        return self.history[-1]

    @property
    def latest(self) -> Value | None:
        """The newest figure there is, from this period or an earlier one."""
        return next((v for v in reversed(self.history) if v.estimate is not None), None)


def evaluate(measure: Measure, values: dict[str, Value], period: Period) -> MeasureResult:
    """The measure's result for ``period`` from its values by period label.

    ``values`` may hold any periods; the previous period of the same length is the one the
    change is measured against. A measure with definition problems reports them and no status.
    """
    problems = list(measure.problems)
    current = values.get(period.label) or Value(period.label, None, note="no data for the period")
    previous = values.get(period.previous().label)
    history = [v for label, v in sorted(values.items()) if label < period.label] + [current]
    target = measure.target_for(period.label)
    if problems:
        state, reason = NO_DATA, "This measure's definition has problems: " + "; ".join(problems)
    else:
        state, reason = status(measure, current, target)
        if current.estimate is None and current.note:
            problems.append(current.note)
    delta = change(current, previous) if previous is not None else None
    arrow, words = trend_words(measure, delta)
    return MeasureResult(
        measure, period.label, history, target, state, reason, delta, arrow, words, problems
    )
