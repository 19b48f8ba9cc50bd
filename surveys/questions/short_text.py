"""``short_text``: one line of text.

Definition keys: ``max_length`` (default 100), ``min_length``,
``pattern: {regex, message}`` (the whole answer must match), ``autocomplete``
(any HTML token, e.g. ``given-name``), ``width`` (GOV.UK input width).
Answer: the text, trimmed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Question
from surveys.questions.base import Form, Parsed, ViewContext, first
from surveys.questions.text_input import InputType

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

DEFAULT_MAX_LENGTH = 100


def check_lengths(question: Question) -> list[DefinitionIssue]:
    low, high = question.spec.get("min_length"), question.spec.get("max_length")
    if low is not None and high is not None and low > high:
        return [
            DefinitionIssue(
                f"{question.path}.min_length",
                f"min_length ({low}) is more than max_length ({high})",
            )
        ]
    return []


def length_errors(
    handler: Any, question: Question, text: str, lang: str, default_max: int
) -> tuple[tuple[str, str], ...]:
    high = question.spec.get("max_length", default_max)
    low = question.spec.get("min_length")
    if len(text) > high:
        return (
            (question.id, handler.message(question, "max_length", "text.too_long", lang, max=high)),
        )
    if low is not None and len(text) < low:
        return (
            (question.id, handler.message(question, "min_length", "text.too_short", lang, min=low)),
        )
    return ()


class ShortText(InputType):
    name = "short_text"

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        issues = [*super().check(question, definition), *check_lengths(question)]
        pattern = question.spec.get("pattern")
        if pattern:
            try:
                re.compile(pattern["regex"])
            except re.error as exc:
                issues.append(
                    DefinitionIssue(
                        f"{question.path}.pattern.regex", f"not a valid regular expression: {exc}"
                    )
                )
        return issues

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        text = " ".join(first(form, question.id).split())
        if not text:
            return Parsed(redisplay="")
        errors = length_errors(self, question, text, lang, DEFAULT_MAX_LENGTH)
        pattern = question.spec.get("pattern")
        if not errors and pattern and not re.fullmatch(pattern["regex"], text):
            errors = ((question.id, self.message(question, "pattern", "text.pattern", lang)),)
        if errors:
            return Parsed(errors=errors, redisplay=text)
        return Parsed(value=text, redisplay=text)

    def input_params(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        width = question.spec.get("width")
        return {"classes": f"govuk-input--width-{width}"} if width else {}
