"""``number``: a whole or decimal number with optional limits.

Definition keys: ``min``, ``max``, ``decimals`` (0 = whole numbers, the
default), ``prefix``/``suffix`` (e.g. "£", "hours"). Answer: int, or float
when decimals are allowed. Accepts "1,200" and " 12 " as people type them;
uses a text input with ``inputmode`` as GOV.UK advises (``type=number``
mangles input and is hard to use with assistive technology).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from surveys.definitions.conditions import COMPARISONS, LIST_OPERATORS, PRESENCE, Reference
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Question
from surveys.questions.base import Form, Parsed, ViewContext, first
from surveys.questions.text_input import InputType

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


class Number(InputType):
    name = "number"
    kind = "number"
    required_key = "required.number"
    spellcheck = False
    width_class = "govuk-input--width-10"

    def decimals(self, question: Question) -> int:
        return int(question.spec.get("decimals", 0))

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        issues = super().check(question, definition)
        low, high = question.spec.get("min"), question.spec.get("max")
        if low is not None and high is not None and low > high:
            issues.append(
                DefinitionIssue(f"{question.path}.min", f"min ({low}) is more than max ({high})")
            )
        return issues

    def check_operand(self, question: Question, ref: Reference) -> list[DefinitionIssue]:
        if ref.op in PRESENCE:
            return []
        values = ref.operand["values"] if ref.op in LIST_OPERATORS else [ref.operand["value"]]
        issues = []
        low, high = question.spec.get("min"), question.spec.get("max")
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int | float):
                issues.append(
                    DefinitionIssue(
                        ref.path, f"'{question.id}' is a number; compare it with a number"
                    )
                )
                continue
            never = (
                (low is not None and ref.op in ("less_than",) and value <= low)
                or (low is not None and ref.op == "less_than_or_equal" and value < low)
                or (high is not None and ref.op == "greater_than" and value >= high)
                or (high is not None and ref.op == "greater_than_or_equal" and value > high)
                or (
                    ref.op not in COMPARISONS
                    and ref.op != "not_equals"
                    and ((low is not None and value < low) or (high is not None and value > high))
                )
            )
            if never:
                issues.append(
                    DefinitionIssue(
                        ref.path,
                        f"'{question.id}' only takes {low if low is not None else '-∞'} to "
                        f"{high if high is not None else '∞'}, "
                        "so this can never hold (impossible condition)",
                    )
                )
        return issues

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = first(form, question.id)
        if not raw:
            return Parsed(redisplay="")
        cleaned = raw.replace(",", "").replace(" ", "")
        prefix = question.spec.get("prefix")
        if prefix:
            cleaned = cleaned.removeprefix(survey.localise(prefix, lang).strip())
        fid = question.id
        decimals = self.decimals(question)
        if not _NUMBER.match(cleaned):
            key = "number.whole" if decimals == 0 else "number.invalid"
            return Parsed(
                errors=((fid, self.message(question, "invalid", key, lang)),), redisplay=raw
            )
        try:
            number = Decimal(cleaned)
        except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
            return Parsed(
                errors=((fid, self.message(question, "invalid", "number.invalid", lang)),),
                redisplay=raw,
            )
        exponent = number.normalize().as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if places > decimals:
            key = "number.whole" if decimals == 0 else "number.decimals"
            message = self.message(question, "decimals", key, lang, decimals=decimals)
            return Parsed(errors=((fid, message),), redisplay=raw)
        low, high = question.spec.get("min"), question.spec.get("max")
        if low is not None and number < Decimal(str(low)):
            message = self.message(question, "min", "number.min", lang, min=_fmt(low))
            return Parsed(errors=((fid, message),), redisplay=raw)
        if high is not None and number > Decimal(str(high)):
            message = self.message(question, "max", "number.max", lang, max=_fmt(high))
            return Parsed(errors=((fid, message),), redisplay=raw)
        value: int | float = int(number) if decimals == 0 else float(number)
        return Parsed(value=value, redisplay=raw)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        low, high = question.spec.get("min"), question.spec.get("max")
        return (low is None or value >= low) and (high is None or value <= high)

    def input_params(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        params: dict[str, Any] = {
            "inputmode": "numeric" if self.decimals(question) == 0 else "decimal"
        }
        for key in ("prefix", "suffix"):
            if question.spec.get(key):
                params[key] = {"text": survey.localise(question.spec[key], ctx.lang)}
        return params

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str:
        if value is None:
            return ""
        prefix = survey.localise(question.spec.get("prefix"), lang)
        suffix = survey.localise(question.spec.get("suffix"), lang)
        return f"{prefix}{value}{' ' + suffix if suffix else ''}"

    def codebook(self, survey: Survey, question: Question, lang: str) -> list[dict[str, Any]]:
        entry = super().codebook(survey, question, lang)[0]
        entry["type"] = "numeric"
        return [entry]
