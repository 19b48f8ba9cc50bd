"""``rating``: a 0-10 scale (likelihood to recommend, effort, ...).

Definition keys: ``low_label``/``high_label`` (what 0 and 10 mean),
``dont_know``, ``prefer_not_to_say``. Answer: an int 0-10, or the code
``dont_know``/``prefer_not_to_say``; exported as the option code ("0".."10")
with a categorical, ordered codebook entry, like the other scales. Shown as eleven radios stacked
vertically: an inline row of eleven would need sideways scrolling at
320 px and 200 % zoom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from surveys import i18n
from surveys.definitions.conditions import COMPARISONS, LIST_OPERATORS, PRESENCE, Reference
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Option, Question
from surveys.questions.base import (
    Form,
    Parsed,
    QuestionType,
    ViewContext,
    base_view,
    first,
    special_options,
)
from surveys.questions.choice import radio_items

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

LOW, HIGH = 0, 10


class Rating(QuestionType):
    name = "rating"
    kind = "rating"
    required_key = "required.choice"

    def build_options(
        self, spec: Mapping[str, Any], option_sets: Mapping[str, Any], languages: Sequence[str]
    ) -> tuple[Option, ...]:
        points = []
        for n in range(LOW, HIGH + 1):
            label = {lang: str(n) for lang in languages}
            end = (
                spec.get("low_label") if n == LOW else spec.get("high_label") if n == HIGH else None
            )
            if end:
                label = {
                    lang: f"{n} – {end.get(lang, next(iter(end.values())))}" for lang in languages
                }
            points.append(Option(str(n), label))
        return (*points, *special_options(spec, languages))

    def check_operand(self, question: Question, ref: Reference) -> list[DefinitionIssue]:
        if ref.op in PRESENCE:
            return []
        values = ref.operand["values"] if ref.op in LIST_OPERATORS else [ref.operand["value"]]
        issues = []
        for value in values:
            is_point = (
                isinstance(value, int) and not isinstance(value, bool) and LOW <= value <= HIGH
            )
            is_code = (
                isinstance(value, str)
                and question.option(value) is not None
                and not value.isdigit()
            )
            if ref.op in COMPARISONS and not (
                isinstance(value, int | float) and not isinstance(value, bool)
            ):
                issues.append(
                    DefinitionIssue(ref.path, f"compare '{question.id}' with a number from 0 to 10")
                )
            elif not (is_point or is_code):
                issues.append(
                    DefinitionIssue(
                        ref.path,
                        f"'{question.id}' is rated 0 to 10; {value!r} can never be its answer",
                    )
                )
        if ref.op in COMPARISONS and not issues:
            value = ref.operand["value"]
            impossible = (
                (ref.op == "greater_than" and value >= HIGH)
                or (ref.op == "greater_than_or_equal" and value > HIGH)
                or (ref.op == "less_than" and value <= LOW)
                or (ref.op == "less_than_or_equal" and value < LOW)
            )
            if impossible:
                issues.append(
                    DefinitionIssue(
                        ref.path, f"no rating from 0 to 10 is {ref.op.replace('_', ' ')} {value}"
                    )
                )
        return issues

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = first(form, question.id)
        if not raw:
            return Parsed()
        option = question.option(raw)
        if option is None:
            return Parsed(
                errors=((question.id, self.message(question, "invalid", "choice.invalid", lang)),)
            )
        value: int | str = int(raw) if raw.isdigit() else raw
        return Parsed(value=value, redisplay=value)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return LOW <= value <= HIGH
        return isinstance(value, str) and not value.isdigit() and question.option(value) is not None

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str:
        return super().format_answer(
            survey, question, str(value) if value is not None else None, lang
        )

    def display_value(self, question: Question, value: Any) -> Any:
        return "" if value is None else str(value)

    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        view = base_view(survey, question, ctx, self)
        hint = view["hint"]
        low, high = question.spec.get("low_label"), question.spec.get("high_label")
        if low and high:
            ends = i18n.gettext(
                "hint.rating_ends",
                ctx.lang,
                low=survey.localise(low, ctx.lang),
                high=survey.localise(high, ctx.lang),
            )
            hint = f"{hint} {ends}" if hint else ends
        params: dict[str, Any] = {
            "name": question.id,
            "idPrefix": question.id,
            "fieldset": {"legend": ctx.legend(view["text"])},
            "items": radio_items(survey, question.options, ctx.lang, ctx.value, ctx.answers),
        }
        if hint:
            params["hint"] = {"text": hint}
        if ctx.error:
            params["errorMessage"] = ctx.error_message()
        view["params"] = params
        return view

    def codebook(self, survey: Survey, question: Question, lang: str) -> list[dict[str, Any]]:
        """Categorical and ordered, like the other scales (the export
        contract): codes "0".."10" in order, then the missing codes."""
        return [
            {
                "name": question.id,
                "label": survey.text(question.text, lang),
                "type": "categorical",
                "ordered": True,
                "values": {o.code: survey.localise(o.label, lang) for o in question.options},
                "missing": [o.code for o in question.options if o.special],
            }
        ]

    def export(self, question: Question, value: Any) -> dict[str, Any]:
        """The option code ("7", "dont_know"), matching the codebook keys."""
        return {question.id: None if value is None else str(value)}
