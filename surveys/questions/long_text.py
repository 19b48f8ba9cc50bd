"""``long_text``: a paragraph, with a GOV.UK character count.

Definition keys: ``max_length`` (default 1200), ``min_length``, ``rows``.
Answer: the text with surrounding whitespace trimmed and Windows line
endings made plain. Without JavaScript the character count shows its
"You can enter up to N characters" hint, and the server enforces the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from surveys import i18n
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Question
from surveys.questions.base import Form, Parsed, ViewContext, base_view, first
from surveys.questions.short_text import check_lengths, length_errors
from surveys.questions.text_input import InputType

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

DEFAULT_MAX_LENGTH = 1200


class LongText(InputType):
    name = "long_text"

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        return [*super().check(question, definition), *check_lengths(question)]

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        text = first(form, question.id).replace("\r\n", "\n").replace("\r", "\n")
        if not text:
            return Parsed(redisplay="")
        errors = length_errors(self, question, text, lang, DEFAULT_MAX_LENGTH)
        if errors:
            return Parsed(errors=errors, redisplay=text)
        return Parsed(value=text, redisplay=text)

    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        view = base_view(survey, question, ctx, self)

        def cc(key: str) -> str:
            return i18n.gettext(f"character_count.{key}", ctx.lang)

        params: dict[str, Any] = {
            "id": question.id,
            "name": question.id,
            "label": ctx.label(view["text"]),
            "value": "" if ctx.value is None else str(ctx.value),
            "maxlength": question.spec.get("max_length", DEFAULT_MAX_LENGTH),
            "rows": question.spec.get("rows", 5),
            "textareaDescriptionText": cc("textarea_description"),
            "charactersUnderLimitText": {
                "one": cc("under_limit_one"),
                "other": cc("under_limit_other"),
            },
            "charactersAtLimitText": cc("at_limit"),
            "charactersOverLimitText": {
                "one": cc("over_limit_one"),
                "other": cc("over_limit_other"),
            },
        }
        if view["hint"]:
            params["hint"] = {"text": view["hint"]}
        if ctx.error:
            params["errorMessage"] = ctx.error_message()
        view["params"] = params
        return view
