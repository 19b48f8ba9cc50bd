"""``multiple_choice``: any number of the author's options (checkboxes).

Definition keys: ``options`` (list or option-set name; an option may be
``exclusive``), ``none_of_these`` (adds an exclusive "None of these", code
``none``), ``dont_know``, ``prefer_not_to_say`` (both exclusive),
``min_selections``, ``max_selections``. Answer: list of codes in option order.
An exclusive option cannot be sent with others: GOV.UK's exclusive
checkbox behaviour unticks the others when JavaScript runs, and the server
says so when it does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from surveys import i18n
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Option, Question
from surveys.questions.base import (
    NONE_OF_THESE,
    SPECIAL_CODES,
    Form,
    Parsed,
    QuestionType,
    ViewContext,
    base_view,
    special_options,
    values_of,
)
from surveys.questions.choice import (
    check_option_codes,
    check_option_ref,
    radio_items,
    resolve_options,
)

if TYPE_CHECKING:
    from surveys.definitions.model import Survey


class MultipleChoice(QuestionType):
    name = "multiple_choice"
    kind = "choices"
    required_key = "required.choices"

    def build_options(
        self, spec: Mapping[str, Any], option_sets: Mapping[str, Any], languages: Sequence[str]
    ) -> tuple[Option, ...]:
        options = resolve_options(spec, option_sets)
        if spec.get("none_of_these"):
            label = i18n.text_map("option.none_of_these", languages)
            options.append(Option(NONE_OF_THESE, label, exclusive=True, special=True))
        extras = [
            Option(o.code, o.label, o.hint, exclusive=True, special=True)
            for o in special_options(spec, languages)
        ]
        return (*options, *extras)

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        issues = check_option_ref(question.spec, question.path, definition)
        issues += check_option_codes(question)
        spec = question.spec
        low, high = spec.get("min_selections"), spec.get("max_selections")
        if low is not None and high is not None and low > high:
            issues.append(
                DefinitionIssue(
                    f"{question.path}.min_selections", "min_selections is more than max_selections"
                )
            )
        ordinary = [o for o in question.options if not o.exclusive]
        if high is not None and high > len(ordinary) and ordinary:
            issues.append(
                DefinitionIssue(
                    f"{question.path}.max_selections",
                    f"max_selections is {high} but there are only {len(ordinary)} "
                    "options to combine",
                )
            )
        if low is not None and low > max(len(ordinary), 1):
            issues.append(
                DefinitionIssue(
                    f"{question.path}.min_selections",
                    f"min_selections is {low} but only {len(ordinary)} options "
                    "can be ticked together",
                )
            )
        for option in question.options:
            if (
                not option.special
                and option.code in SPECIAL_CODES
                and spec.get("none_of_these" if option.code == NONE_OF_THESE else option.code)
            ):
                issues.append(
                    DefinitionIssue(
                        f"{question.path}.options",
                        f"option '{option.code}' clashes with the one the engine adds; remove one",
                    )
                )
        return [*issues, *super().check(question, definition)]

    def operand_problem(self, question: Question, value: Any) -> str | None:
        if not isinstance(value, str) or question.option(value) is None:
            codes = ", ".join(o.code for o in question.options)
            return f"'{question.id}' has no option {value!r} (its options: {codes})"
        return None

    def check_operand(self, question: Question, ref: Any) -> list[DefinitionIssue]:
        issues = super().check_operand(question, ref)
        if ref.op == "all_of":
            wanted = [question.option(v) for v in ref.operand["values"] if isinstance(v, str)]
            exclusive = [o.code for o in wanted if o is not None and o.exclusive]
            if exclusive and len(set(ref.operand["values"])) > 1:
                issues.append(
                    DefinitionIssue(
                        ref.path,
                        f"'{exclusive[0]}' is exclusive, so '{question.id}' can never have all of "
                        f"{ref.operand['values']}",
                    )
                )
        return issues

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        sent = [v.strip() for v in values_of(form, question.id) if v.strip()]
        if not sent:
            return Parsed(redisplay=[])
        fid = question.id
        if any(question.option(code) is None for code in sent):
            return Parsed(
                errors=((fid, self.message(question, "invalid", "choice.invalid", lang)),),
                redisplay=sent,
            )
        chosen = [o for o in question.options if o.code in set(sent)]
        exclusive = [o for o in chosen if o.exclusive]
        if exclusive and len(chosen) > 1:
            label = survey.localise(exclusive[0].label, lang)
            message = self.message(question, "exclusive", "choices.exclusive", lang, label=label)
            return Parsed(errors=((fid, message),), redisplay=sent)
        codes = [o.code for o in chosen]
        if not exclusive:
            low, high = question.spec.get("min_selections"), question.spec.get("max_selections")
            if low is not None and len(codes) < low:
                message = self.message(question, "min_selections", "choices.min", lang, min=low)
                return Parsed(errors=((fid, message),), redisplay=sent)
            if high is not None and len(codes) > high:
                message = self.message(question, "max_selections", "choices.max", lang, max=high)
                return Parsed(errors=((fid, message),), redisplay=sent)
        return Parsed(value=codes, redisplay=codes)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        return (
            isinstance(value, list)
            and bool(value)
            and all(isinstance(v, str) and question.option(v) is not None for v in value)
        )

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str:
        if not isinstance(value, list):
            return super().format_answer(survey, question, value, lang)
        labels = [
            super(MultipleChoice, self).format_answer(survey, question, v, lang) for v in value
        ]
        return i18n.gettext("list_separator", lang).join(labels)

    def display_value(self, question: Question, value: Any) -> Any:
        return value if isinstance(value, list) else []

    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        view = base_view(survey, question, ctx, self)
        items = radio_items(survey, question.options, ctx.lang, ctx.value, ctx.answers)
        for item in items:
            option = question.option(item.get("value", ""))
            if option is not None and option.exclusive:
                item["behaviour"] = "exclusive"
        hint = view["hint"] or i18n.gettext("hint.select_all", ctx.lang)
        params: dict[str, Any] = {
            "name": question.id,
            "idPrefix": question.id,
            "fieldset": {"legend": ctx.legend(view["text"])},
            "hint": {"text": hint},
            "items": items,
        }
        if ctx.error:
            params["errorMessage"] = ctx.error_message()
        view["params"] = params
        return view

    def codebook(self, survey: Survey, question: Question, lang: str) -> list[dict[str, Any]]:
        text = survey.text(question.text, lang)
        return [
            {
                "name": f"{question.id}__{o.code}",
                "label": f"{text}: {survey.localise(o.label, lang)}",
                "type": "binary",
                "ordered": False,
                "values": {
                    0: i18n.gettext("codebook.not_selected", lang),
                    1: i18n.gettext("codebook.selected", lang),
                },
                "missing": [],
            }
            for o in question.options
        ]

    def export(self, question: Question, value: Any) -> dict[str, Any]:
        chosen = set(value) if isinstance(value, list) else None
        return {
            f"{question.id}__{o.code}": (None if chosen is None else int(o.code in chosen))
            for o in question.options
        }
