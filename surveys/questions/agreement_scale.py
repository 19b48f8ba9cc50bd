"""``agreement_scale``: Strongly agree ... Strongly disagree, Don't know.

The LGA wording ("Tend to agree"). Answer: one of the codes below, or
``dont_know`` / ``prefer_not_to_say``.
"""

from __future__ import annotations

from surveys.questions.scale import FivePointScale

AGREEMENT_CODES = (
    "strongly_agree",
    "tend_to_agree",
    "neither",
    "tend_to_disagree",
    "strongly_disagree",
)


class AgreementScale(FivePointScale):
    name = "agreement_scale"
    scale = "agreement"
    codes = AGREEMENT_CODES
