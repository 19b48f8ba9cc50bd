"""Shared behaviour of one-answer-from-a-list types (radios).

Not a question type itself: ``single_choice`` and the two scales build on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from surveys import i18n
from surveys.definitions.conditions import Reference
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Option, Question
from surveys.questions.base import Form, Parsed, QuestionType, ViewContext, base_view, first

if TYPE_CHECKING:
    from surveys.definitions.model import Survey


def radio_items(
    survey: Survey,
    options: Sequence[Option],
    lang: str,
    value: Any,
    answers: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """GOV.UK radio/checkbox items, with an "or" divider before the engine's
    own options ("Don't know", "Prefer not to say") as the Design System does
    for a "none" answer."""
    items: list[dict[str, Any]] = []
    chosen = set(value) if isinstance(value, list) else {value}
    divided = False
    for option in options:
        if (option.special or option.exclusive) and not divided and items:
            items.append({"divider": i18n.gettext("option.or", lang)})
            divided = True
        item: dict[str, Any] = {
            "value": option.code,
            "text": survey.text(option.label, lang, answers or {}),
            "checked": option.code in chosen,
        }
        if option.hint:
            item["hint"] = {"text": survey.text(option.hint, lang, answers or {})}
        items.append(item)
    return items


def check_option_codes(question: Question) -> list[DefinitionIssue]:
    issues = []
    seen: set[str] = set()
    for option in question.options:
        if option.code in seen:
            issues.append(
                DefinitionIssue(
                    f"{question.path}.options", f"option code '{option.code}' is used twice"
                )
            )
        seen.add(option.code)
    return issues


def check_option_ref(
    spec: Mapping[str, Any], path: str, definition: Mapping[str, Any], key: str = "options"
) -> list[DefinitionIssue]:
    ref = spec.get(key)
    if isinstance(ref, str) and ref not in (definition.get("option_sets") or {}):
        known = ", ".join(sorted(definition.get("option_sets") or {})) or "none defined"
        return [
            DefinitionIssue(f"{path}.{key}", f"unknown option set '{ref}' (option sets: {known})")
        ]
    return []


def resolve_options(
    spec: Mapping[str, Any], option_sets: Mapping[str, Any], key: str = "options"
) -> list[Option]:
    from surveys.questions.base import plain_options

    raw = spec.get(key)
    if isinstance(raw, str):
        raw = option_sets.get(raw) or []
    return plain_options(raw or [])


class ChoiceType(QuestionType):
    """One answer from a fixed list, shown as GOV.UK radios."""

    kind = "choice"
    required_key = "required.choice"
    ordered = False

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        return [*super().check(question, definition), *check_option_codes(question)]

    def operand_problem(self, question: Question, value: Any) -> str | None:
        if question.option(str(value)) is None or not isinstance(value, str):
            codes = ", ".join(o.code for o in question.options)
            return f"'{question.id}' has no option {value!r} (its options: {codes})"
        return None

    def check_operand(self, question: Question, ref: Reference) -> list[DefinitionIssue]:
        issues = super().check_operand(question, ref)
        if ref.op == "all_of" and len(set(ref.operand["values"])) > 1:
            issues.append(
                DefinitionIssue(
                    ref.path,
                    f"'{question.id}' takes one answer, so it can never be all of "
                    f"{ref.operand['values']}",
                )
            )
        return issues

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = first(form, question.id)
        if not raw:
            return Parsed()
        if question.option(raw) is None:
            return Parsed(
                errors=((question.id, self.message(question, "invalid", "choice.invalid", lang)),)
            )
        return Parsed(value=raw, redisplay=raw)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        return isinstance(value, str) and question.option(value) is not None

    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        view = base_view(survey, question, ctx, self)
        params: dict[str, Any] = {
            "name": question.id,
            "idPrefix": question.id,
            "fieldset": {"legend": ctx.legend(view["text"])},
            "items": radio_items(survey, question.options, ctx.lang, ctx.value, ctx.answers),
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
                "type": "categorical",
                "ordered": bool(question.spec.get("ordered", self.ordered)),
                "values": {o.code: survey.localise(o.label, lang) for o in question.options},
                "missing": [o.code for o in question.options if o.special],
            }
        ]
