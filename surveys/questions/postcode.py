"""``postcode``: a full UK postcode, stored normalised ("SW1A 1AA").

Only complete postcodes are accepted (the service does not look up wards from
them; a panel member's ward comes from their profile). Accepts any
case and spacing ("sw1a1aa", " SW1A  1AA "). The pattern is the structure of
UK postcodes (outward code: area + district; inward code: sector + unit,
using only the letters Royal Mail allows), plus GIR 0AA; it does not check
that the postcode exists.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from surveys.definitions.model import Question
from surveys.questions.base import Form, Parsed, first
from surveys.questions.text_input import InputType

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

_POSTCODE = re.compile(
    r"^(GIR0AA|"
    r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(raw: str) -> str | None:
    """``"sw1a1aa"`` -> ``"SW1A 1AA"``; ``None`` if not a full UK postcode."""
    compact = re.sub(r"\s+", "", raw).upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


class Postcode(InputType):
    name = "postcode"
    required_key = "required.postcode"
    autocomplete = "postal-code"
    spellcheck = False
    width_class = "govuk-input--width-10"

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = first(form, question.id)
        if not raw:
            return Parsed(redisplay="")
        value = normalise_postcode(raw)
        if value is None:
            return Parsed(
                errors=(
                    (question.id, self.message(question, "invalid", "postcode.invalid", lang)),
                ),
                redisplay=raw,
            )
        return Parsed(value=value, redisplay=value)

    def is_valid_answer(self, question: Question, value: object) -> bool:
        return isinstance(value, str) and normalise_postcode(value) == value
