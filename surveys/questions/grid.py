"""``grid``: several items answered on one scale ("How satisfied are you with
each of these services?").

Definition keys: ``items`` (code + label each), and either ``scale:
satisfaction|agreement`` (the LGA scales, with "Don't know" unless
``dont_know: false``) or ``options`` (list or option-set name);
``prefer_not_to_say``. Answer: ``{item_code: scale_code}``.

Rendered as one fieldset of radios per item, under the question as a
heading: never a wide table of radios, which fails at 320 px and 200 %
zoom and reads badly in a screen reader. Field names and ids are
``<qid>__<item>``, the same as the export columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Option, Question
from surveys.questions.agreement_scale import AGREEMENT_CODES
from surveys.questions.base import (
    Form,
    Parsed,
    QuestionType,
    ViewContext,
    base_view,
    first,
    plain_options,
    special_options,
)
from surveys.questions.choice import check_option_ref, radio_items, resolve_options
from surveys.questions.satisfaction_scale import SATISFACTION_CODES
from surveys.questions.scale import scale_options

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

SCALES = {"satisfaction": SATISFACTION_CODES, "agreement": AGREEMENT_CODES}


def item_field(question: Question, item: str) -> str:
    return f"{question.id}__{item}"


class Grid(QuestionType):
    name = "grid"
    kind = "grid"
    required_key = "required.grid_item"

    def build_options(
        self, spec: Mapping[str, Any], option_sets: Mapping[str, Any], languages: Sequence[str]
    ) -> tuple[Option, ...]:
        scale = spec.get("scale")
        if scale in SCALES:
            return (
                *scale_options(scale, SCALES[scale], languages),
                *special_options(spec, languages, dont_know=True),
            )
        return (*resolve_options(spec, option_sets), *special_options(spec, languages))

    def build_items(self, spec: Mapping[str, Any], languages: Sequence[str]) -> tuple[Option, ...]:
        return tuple(plain_options(spec.get("items") or []))

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        issues = super().check(question, definition)
        spec = question.spec
        if ("scale" in spec) == ("options" in spec):
            issues.append(
                DefinitionIssue(question.path, "a grid needs exactly one of 'scale' or 'options'")
            )
        issues += check_option_ref(spec, question.path, definition)
        for key, entries in (("items", question.items), ("options", question.options)):
            seen: set[str] = set()
            for entry in entries:
                if entry.code in seen:
                    issues.append(
                        DefinitionIssue(
                            f"{question.path}.{key}", f"code '{entry.code}' is used twice"
                        )
                    )
                seen.add(entry.code)
        return issues

    def field_id(self, question: Question) -> str:
        return item_field(question, question.items[0].code)

    def operand_problem(self, question: Question, value: Any) -> str | None:
        if not isinstance(value, str) or question.option(value) is None:
            codes = ", ".join(o.code for o in question.options)
            return f"grid '{question.id}' has no scale point {value!r} (its points: {codes})"
        return None

    def required_message(self, question: Question, lang: str) -> str:
        label = question.items[0].label
        return self.message(
            question,
            "required",
            "required.grid_item",
            lang,
            item=label.get(lang, next(iter(label.values()))),
        )

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = {item.code: first(form, item_field(question, item.code)) for item in question.items}
        errors: list[tuple[str, str]] = []
        value: dict[str, str] = {}
        for item in question.items:
            sent = raw[item.code]
            fid = item_field(question, item.code)
            if not sent:
                if question.required:
                    label = survey.localise(item.label, lang)
                    errors.append(
                        (
                            fid,
                            self.message(
                                question, "required", "required.grid_item", lang, item=label
                            ),
                        )
                    )
            elif question.option(sent) is None:
                errors.append((fid, self.message(question, "invalid", "choice.invalid", lang)))
            else:
                value[item.code] = sent
        if errors:
            return Parsed(errors=tuple(errors), redisplay=raw)
        return Parsed(value=value or None, redisplay=raw)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        codes = {i.code for i in question.items}
        return (
            isinstance(value, dict)
            and bool(value)
            and all(
                k in codes and isinstance(v, str) and question.option(v) is not None
                for k, v in value.items()
            )
        )

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str:
        if not isinstance(value, Mapping):
            return ""
        parts = []
        for item in question.items:
            if item.code in value:
                option = question.option(value[item.code])
                answer = survey.localise(option.label, lang) if option else str(value[item.code])
                parts.append(f"{survey.localise(item.label, lang)}: {answer}")
        return "; ".join(parts)

    def display_value(self, question: Question, value: Any) -> Any:
        return dict(value) if isinstance(value, Mapping) else {}

    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        view = base_view(survey, question, ctx, self)
        hint_id = f"{question.id}-hint"
        fieldsets = []
        for item in question.items:
            fid = item_field(question, item.code)
            params: dict[str, Any] = {
                "name": fid,
                "idPrefix": fid,
                "fieldset": {
                    "legend": {
                        "text": survey.text(item.label, ctx.lang, ctx.answers),
                        "classes": "govuk-fieldset__legend--s",
                    },
                },
                "items": radio_items(
                    survey, question.options, ctx.lang, ctx.value.get(item.code), ctx.answers
                ),
            }
            if view["hint"]:
                params["fieldset"]["describedBy"] = hint_id
            if item.hint:
                params["hint"] = {"text": survey.localise(item.hint, ctx.lang)}
            if fid in ctx.errors:
                params["errorMessage"] = ctx.error_message(ctx.errors[fid])
            fieldsets.append(params)
        view.update(
            {
                "heading_level": 1 if ctx.page_heading else 2,
                "heading_class": "govuk-heading-l" if ctx.page_heading else "govuk-heading-m",
                "hint_id": hint_id,
                "fieldsets": fieldsets,
            }
        )
        return view

    def codebook(self, survey: Survey, question: Question, lang: str) -> list[dict[str, Any]]:
        text = survey.text(question.text, lang)
        return [
            {
                "name": item_field(question, item.code),
                "label": f"{text}: {survey.localise(item.label, lang)}",
                "type": "categorical",
                "ordered": bool(question.spec.get("ordered", "scale" in question.spec)),
                "values": {o.code: survey.localise(o.label, lang) for o in question.options},
                "missing": [o.code for o in question.options if o.special],
            }
            for item in question.items
        ]

    def export(self, question: Question, value: Any) -> dict[str, Any]:
        answered = value if isinstance(value, Mapping) else {}
        return {item_field(question, i.code): answered.get(i.code) for i in question.items}
