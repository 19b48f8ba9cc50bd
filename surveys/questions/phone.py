"""``phone``: a telephone number, UK by default, stored in E.164
("+447700900982") so exports and SMS sending agree whatever the resident
typed ("07700 900982", "+44 7700 900982", "(01632) 960001"). Checking
and formatting come from ``phonenumbers`` (Google's libphonenumber data)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import phonenumbers

from surveys.definitions.model import Question
from surveys.questions.base import Form, Parsed, first
from surveys.questions.text_input import InputType

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

REGION = "GB"

# Ofcom's ranges kept for drama and examples (07700 900xxx, 01632 960xxx,
# 020 7946 0xxx, 0113-0191 496 0xxx, 0808 157 0xxx ...). GOV.UK's own error
# message uses them and so does our demo data, but libphonenumber calls them
# invalid because they are never allocated to anyone.
_DRAMA = re.compile(
    r"^(7700900\d{3}|1632960\d{3}|207946\d{4}|1(1[3-8]|[2-6]1)4960\d{3}|1914980\d{3}"
    r"|292018\d{4}|289649\d{4}|8081570\d{3}|9098790\d{3}|3069990\d{3})$"
)


def _is_drama_number(number: phonenumbers.PhoneNumber) -> bool:
    return number.country_code == 44 and bool(_DRAMA.match(str(number.national_number)))


def normalise_phone(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not (phonenumbers.is_valid_number(number) or _is_drama_number(number)):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Phone(InputType):
    name = "phone"
    required_key = "required.phone"
    input_type = "tel"
    autocomplete = "tel"
    spellcheck = False
    width_class = "govuk-input--width-20"

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = first(form, question.id)
        if not raw:
            return Parsed(redisplay="")
        value = normalise_phone(raw)
        if value is None:
            return Parsed(
                errors=((question.id, self.message(question, "invalid", "phone.invalid", lang)),),
                redisplay=raw,
            )
        return Parsed(value=value, redisplay=raw)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        return isinstance(value, str) and normalise_phone(value) == value

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str:
        """UK numbers as a resident writes them ("07700 900982")."""
        if not isinstance(value, str):
            return ""
        try:
            number = phonenumbers.parse(value, REGION)
        except phonenumbers.NumberParseException:
            return value
        fmt = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if number.country_code == 44
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return phonenumbers.format_number(number, fmt)

    def display_value(self, question: Question, value: Any) -> Any:
        # A stored E.164 number is shown the friendly way; raw input as typed.
        if isinstance(value, str) and value.startswith("+") and normalise_phone(value) == value:
            number = phonenumbers.parse(value, REGION)
            if number.country_code == 44:
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "" if value is None else value
