"""``satisfaction_scale``: Very satisfied ... Very dissatisfied, Don't know.

The LGA resident satisfaction wording. Answer: one of the codes below, or
``dont_know`` / ``prefer_not_to_say``.
"""

from __future__ import annotations

from surveys.questions.scale import FivePointScale

SATISFACTION_CODES = (
    "very_satisfied",
    "fairly_satisfied",
    "neither",
    "fairly_dissatisfied",
    "very_dissatisfied",
)


class SatisfactionScale(FivePointScale):
    name = "satisfaction_scale"
    scale = "satisfaction"
    codes = SATISFACTION_CODES
