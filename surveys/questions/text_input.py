"""Shared behaviour of single-line inputs (short text, number, postcode,
email, phone): one ``govukInput`` labelled by the question."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from surveys.definitions.conditions import COMPARISONS, Reference
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Question
from surveys.questions.base import QuestionType, ViewContext, base_view

if TYPE_CHECKING:
    from surveys.definitions.model import Survey


class InputType(QuestionType):
    input_type: ClassVar[str] = "text"
    autocomplete: ClassVar[str | None] = None
    spellcheck: ClassVar[bool | None] = None
    width_class: ClassVar[str | None] = None
    inputmode: ClassVar[str | None] = None
    default_hint_key: ClassVar[str | None] = None

    def input_params(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        """Extra ``govukInput`` params a subclass wants (prefix, pattern, ...)."""
        return {}

    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        from surveys import i18n

        view = base_view(survey, question, ctx, self)
        hint = view["hint"]
        if not hint and self.default_hint_key:
            hint = i18n.gettext(self.default_hint_key, ctx.lang)
        params: dict[str, Any] = {
            "id": question.id,
            "name": question.id,
            "type": self.input_type,
            "label": ctx.label(view["text"]),
            "value": "" if ctx.value is None else str(ctx.value),
        }
        autocomplete = question.spec.get("autocomplete", self.autocomplete)
        if autocomplete:
            params["autocomplete"] = autocomplete
        if self.spellcheck is not None:
            params["spellcheck"] = self.spellcheck
        if self.inputmode:
            params["inputmode"] = self.inputmode
        if self.width_class:
            params["classes"] = self.width_class
        if hint:
            params["hint"] = {"text": hint}
        if ctx.error:
            params["errorMessage"] = ctx.error_message()
        params.update(self.input_params(survey, question, ctx))
        view["params"] = params
        return view

    def check_operand(self, question: Question, ref: Reference) -> list[DefinitionIssue]:
        if ref.op in COMPARISONS:
            return [
                DefinitionIssue(
                    ref.path, f"cannot compare '{question.id}' ({self.name}) as larger or smaller"
                )
            ]
        return super().check_operand(question, ref)
