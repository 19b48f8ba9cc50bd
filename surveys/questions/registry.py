"""Which handler serves which question type: the one list to extend."""

from __future__ import annotations

from surveys.definitions.handlers import use_handlers
from surveys.definitions.model import Question
from surveys.questions.agreement_scale import AgreementScale
from surveys.questions.base import QuestionType
from surveys.questions.consent import Consent
from surveys.questions.date import Date
from surveys.questions.email import Email
from surveys.questions.grid import Grid
from surveys.questions.long_text import LongText
from surveys.questions.multiple_choice import MultipleChoice
from surveys.questions.number import Number
from surveys.questions.phone import Phone
from surveys.questions.postcode import Postcode
from surveys.questions.rating import Rating
from surveys.questions.satisfaction_scale import SatisfactionScale
from surveys.questions.short_text import ShortText
from surveys.questions.single_choice import SingleChoice

REGISTRY: dict[str, QuestionType] = {
    handler.name: handler
    for handler in (
        SingleChoice(),
        MultipleChoice(),
        SatisfactionScale(),
        AgreementScale(),
        Rating(),
        Number(),
        Date(),
        ShortText(),
        LongText(),
        Postcode(),
        Email(),
        Phone(),
        Consent(),
        Grid(),
    )
}


def handler_for(type_name: str) -> QuestionType:
    """The handler for ``type_name``; ``KeyError`` names the known types."""
    try:
        return REGISTRY[type_name]
    except KeyError:
        raise KeyError(
            f"unknown question type {type_name!r} (known: {', '.join(sorted(REGISTRY))})"
        ) from None


def handler_of(question: Question) -> QuestionType:
    """``question``'s handler with everything a question type can do (the
    definitions only see the ``QuestionHandler`` part of it)."""
    return handler_for(question.type)


use_handlers(handler_for)
