"""Which handler serves which question type: the one list to extend."""

from __future__ import annotations

from surveys.questions.agreement_scale import AgreementScale
from surveys.questions.base import QuestionType
from surveys.questions.satisfaction_scale import SatisfactionScale
from surveys.questions.single_choice import SingleChoice

REGISTRY: dict[str, QuestionType] = {
    handler.name: handler
    for handler in (
        SingleChoice(),
        SatisfactionScale(),
        AgreementScale(),
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
