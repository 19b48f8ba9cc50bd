"""``consent``: one checkbox the resident ticks to agree to a statement.

Definition keys: ``statement`` (the checkbox label; the question ``text``
is the legend). Answer: ``True`` when ticked, ``False`` when the page was
sent without it. When ``required`` (consent needed to go on) an unticked box
is an error, never a silent ``False``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from surveys import i18n
from surveys.definitions.model import Question
from surveys.questions.base import Form, Parsed, QuestionType, ViewContext, base_view, first

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

TICKED = "yes"


class Consent(QuestionType):
    name = "consent"
    kind = "boolean"
    required_key = "required.consent"

    def operand_problem(self, question: Question, value: Any) -> str | None:
        if not isinstance(value, bool):
            return f"'{question.id}' is a consent tick box; compare it with true or false"
        return None

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = first(form, question.id)
        if raw and raw != TICKED:
            return Parsed(
                errors=((question.id, self.message(question, "invalid", "choice.invalid", lang)),)
            )
        if not raw and question.required:
            return Parsed(
                errors=((question.id, self.required_message(question, lang)),), redisplay=False
            )
        return Parsed(value=raw == TICKED, redisplay=raw == TICKED)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        return isinstance(value, bool)

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str:
        if value is None:
            return ""
        return i18n.gettext("option.yes" if value else "option.no", lang)

    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        view = base_view(survey, question, ctx, self)
        params: dict[str, Any] = {
            "name": question.id,
            "idPrefix": question.id,
            "fieldset": {"legend": ctx.legend(view["text"])},
            "items": [
                {
                    "value": TICKED,
                    "text": survey.text(question.spec["statement"], ctx.lang, ctx.answers),
                    "checked": ctx.value is True,
                }
            ],
        }
        if view["hint"]:
            params["hint"] = {"text": view["hint"]}
        if ctx.error:
            params["errorMessage"] = ctx.error_message()
        view["params"] = params
        return view

    def codebook(self, survey: Survey, question: Question, lang: str) -> list[dict[str, Any]]:
        return [
            {
                "name": question.id,
                "label": survey.text(question.text, lang),
                "type": "binary",
                "ordered": False,
                "values": {
                    0: i18n.gettext("codebook.not_agreed", lang),
                    1: survey.localise(question.spec["statement"], lang),
                },
                "missing": [],
            }
        ]

    def export(self, question: Question, value: Any) -> dict[str, Any]:
        return {question.id: None if value is None else int(bool(value))}
