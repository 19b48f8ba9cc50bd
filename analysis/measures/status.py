"""Status against target, and change since the last period, both honest about uncertainty.

A survey figure is an estimate: a two-point shortfall on a ±3-point interval is not evidence
of anything, so it is reported as "within margin of error", never as "at risk". Only when the
target lies outside the estimate's confidence interval do we say on track / at risk / off
track; "off track" further needs the interval to clear the tolerance band too, so it is
never claimed on noise. Counts from the database (panel members, audit issues) are exact
and have no interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from analysis.intervals import t_quantile
from analysis.measures.model import Measure, Target

ON_TRACK = "on track"
AT_RISK = "at risk"
OFF_TRACK = "off track"
WITHIN_MARGIN = "within margin of error"
NO_TARGET = "no target set"
NO_DATA = "no figure for the period"


@dataclass(frozen=True)
class Value:
    """A measure's figure for one period, on the measure's own scale (percent as 0–100).

    ``ci_low``/``ci_high`` are None for exact figures; ``note`` says why there is no
    ``estimate`` (question missing, no responses in the period) or anything worth knowing.
    """

    period: str
    estimate: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    se: float | None = None
    df: float | None = None
    n: int | None = None
    note: str = ""

    @property
    def exact(self) -> bool:
        return self.ci_low is None or self.ci_high is None


def status(measure: Measure, value: Value, target: Target | None) -> tuple[str, str]:
    """(status, the reason in words) for ``value`` against ``target``."""
    if value.estimate is None:
        return NO_DATA, value.note or "No figure for this period."
    if target is None:
        return NO_TARGET, "No target has been set for this period."
    est, t, tol = value.estimate, target.value, target.tolerance
    low = value.estimate if value.exact else value.ci_low
    high = value.estimate if value.exact else value.ci_high
    assert low is not None and high is not None
    if not value.exact and low <= t <= high:
        return WITHIN_MARGIN, (
            f"The target {t:g} is inside the confidence interval ({low:.1f} to {high:.1f}), "
            "so the survey cannot tell whether we are above or below it."
        )
    better = est > t if measure.higher_is_better else est < t
    if better or est == t:
        return ON_TRACK, f"At or better than the target {t:g}" + (
            "." if value.exact else ", by more than the margin of error."
        )
    # Worse than target beyond the margin: off track only if the interval clears the band too.
    edge = t - tol if measure.higher_is_better else t + tol
    clears = high < edge if measure.higher_is_better else low > edge
    if clears:
        return OFF_TRACK, f"Worse than the target {t:g} by more than the tolerance {tol:g}."
    return AT_RISK, f"Worse than the target {t:g}, but not clearly beyond the tolerance {tol:g}."


@dataclass(frozen=True)
class Change:
    """This period minus the previous one, with its significance when both are estimates."""

    change: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None

    @property
    def significant(self) -> bool | None:
        return None if self.p_value is None else self.p_value < 0.05


def change(current: Value, previous: Value, confidence: float = 0.95) -> Change | None:
    """The change since ``previous``, tested as `analysis.trend` does (independent waves:
    variances and degrees of freedom add up; conservative when the same members answer both)."""
    if current.estimate is None or previous.estimate is None:
        return None
    diff = current.estimate - previous.estimate
    if current.se is None or previous.se is None or current.df is None or previous.df is None:
        return Change(diff, None, None, None)
    se = math.sqrt(current.se**2 + previous.se**2)
    df = current.df + previous.df
    if se == 0:
        return Change(diff, diff, diff, None)
    t = t_quantile(confidence, df)
    p = float(2 * stats.t.sf(abs(diff / se), df))
    return Change(diff, diff - t * se, diff + t * se, p)


def trend_words(measure: Measure, delta: Change | None) -> tuple[str, str]:
    """(arrow, words) for the summary table: the arrow is never the only signal."""
    if delta is None:
        return "–", "no earlier figure to compare"
    if delta.change == 0 or delta.significant is False:
        return "→", "no significant change" if delta.significant is False else "no change"
    up = delta.change > 0
    good = up == measure.higher_is_better
    arrow = "↑" if up else "↓"
    sig = "" if delta.significant is None else " (significant)"
    return arrow, f"{'up' if up else 'down'}{sig}, {'better' if good else 'worse'}"
