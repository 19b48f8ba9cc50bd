"""``email``: an email address, checked for form (not deliverability) with
the ``email-validator`` library and stored in its normalised form (domain
lower-cased, Unicode normalised)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

from surveys.definitions.model import Question
from surveys.questions.base import Form, Parsed, first
from surveys.questions.text_input import InputType

if TYPE_CHECKING:
    from surveys.definitions.model import Survey


def normalise_email(raw: str) -> str | None:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


class Email(InputType):
    name = "email"
    required_key = "required.email"
    input_type = "email"
    autocomplete = "email"
    spellcheck = False

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = first(form, question.id)
        if not raw:
            return Parsed(redisplay="")
        value = normalise_email(raw)
        if value is None or len(value) > 254:
            return Parsed(
                errors=((question.id, self.message(question, "invalid", "email.invalid", lang)),),
                redisplay=raw,
            )
        return Parsed(value=value, redisplay=value)

    def is_valid_answer(self, question: Question, value: object) -> bool:
        return isinstance(value, str) and normalise_email(value) == value
