"""``date``: a GOV.UK date input (day, month, year boxes).

Definition keys: ``min``/``max`` (ISO date or ``today``), ``autocomplete:
bday`` for a date of birth. Answer: ``"YYYY-MM-DD"``. Follows the GOV.UK
date input pattern: a missing part is named ("must include a month"),
month names are accepted ("March", "mar", "Mawrth"), impossible dates such
as 31 February are rejected, and only the boxes at fault are highlighted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from surveys import i18n
from surveys.definitions.conditions import LIST_OPERATORS, PRESENCE, Reference
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Question
from surveys.questions.base import Form, Parsed, QuestionType, ViewContext, base_view, first

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

PARTS = ("day", "month", "year")


def _limit(value: str | None) -> dt.date | None:
    if value is None:
        return None
    return dt.date.today() if value == "today" else dt.date.fromisoformat(value)


def _month_number(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    word = raw.strip().lower().rstrip(".")
    for lang in i18n.available_languages():
        for n, name in enumerate(i18n.lookup("months", lang), start=1):
            name = name.lower()
            if word == name or (len(word) >= 3 and name.startswith(word)):
                return n
    return None


def format_date(value: str, lang: str) -> str:
    """``"2024-03-01"`` -> ``"1 March 2024"`` (``"1 Mawrth 2024"`` in Welsh)."""
    try:
        date = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    month = i18n.lookup("months", lang)[date.month - 1]
    return f"{date.day} {month} {date.year}"


class Date(QuestionType):
    name = "date"
    kind = "date"
    required_key = "required.date"

    def field_id(self, question: Question) -> str:
        return f"{question.id}-day"

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        issues = super().check(question, definition)
        for key in ("min", "max"):
            value = question.spec.get(key)
            if value and value != "today":
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    issues.append(
                        DefinitionIssue(f"{question.path}.{key}", f"{value!r} is not a real date")
                    )
                    return issues
        low, high = question.spec.get("min"), question.spec.get("max")
        if low and high and "today" not in (low, high) and low > high:
            issues.append(
                DefinitionIssue(f"{question.path}.min", f"min ({low}) is after max ({high})")
            )
        return issues

    def check_operand(self, question: Question, ref: Reference) -> list[DefinitionIssue]:
        if ref.op in PRESENCE:
            return []
        values = ref.operand["values"] if ref.op in LIST_OPERATORS else [ref.operand["value"]]
        issues = []
        for value in values:
            valid = isinstance(value, str) and self.is_valid_answer(question, value)
            if not valid:
                issues.append(
                    DefinitionIssue(
                        ref.path,
                        f"'{question.id}' is a date; compare it with a date like 2024-03-31",
                    )
                )
        return issues

    def parse(self, survey: Survey, question: Question, form: Form, lang: str) -> Parsed:
        raw = {part: first(form, f"{question.id}-{part}") for part in PARTS}
        if not any(raw.values()):
            return Parsed(redisplay=raw)

        def error(box: str, rule: str, key: str, **params: Any) -> Parsed:
            message = self.message(question, rule, key, lang, **params)
            return Parsed(errors=((f"{question.id}-{box}", message),), redisplay=raw)

        missing = [p for p in PARTS if not raw[p]]
        if missing:
            names = [i18n.gettext(f"date_part.{p}", lang) for p in missing]
            joined = f" {i18n.gettext('and', lang)} ".join(names)
            return error(missing[0], "missing_part", "date.missing_part", part=joined)
        day = int(raw["day"]) if raw["day"].isdigit() else None
        month = _month_number(raw["month"])
        if day is None:
            return error("day", "invalid", "date.invalid")
        if month is None:
            return error("month", "invalid", "date.invalid")
        if not (raw["year"].isdigit() and len(raw["year"]) == 4):
            return error("year", "year", "date.year")
        try:
            date = dt.date(int(raw["year"]), month, day)
        except ValueError:
            return error("month" if not 1 <= month <= 12 else "day", "invalid", "date.invalid")
        low, high = _limit(question.spec.get("min")), _limit(question.spec.get("max"))
        if low and date < low:
            return error("day", "min", "date.too_early", min=format_date(low.isoformat(), lang))
        if high and date > high:
            return error("day", "max", "date.too_late", max=format_date(high.isoformat(), lang))
        return Parsed(value=date.isoformat(), redisplay=raw)

    def is_valid_answer(self, question: Question, value: Any) -> bool:
        try:
            return isinstance(value, str) and dt.date.fromisoformat(value).isoformat() == value
        except ValueError:
            return False

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str:
        return "" if value is None else format_date(value, lang)

    def display_value(self, question: Question, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {p: str(value.get(p) or "") for p in PARTS}
        if isinstance(value, str):
            try:
                date = dt.date.fromisoformat(value)
            except ValueError:
                return dict.fromkeys(PARTS, "")
            return {"day": str(date.day), "month": str(date.month), "year": str(date.year)}
        return dict.fromkeys(PARTS, "")

    def view(self, survey: Survey, question: Question, ctx: ViewContext) -> dict[str, Any]:
        view = base_view(survey, question, ctx, self)
        bday = question.spec.get("autocomplete") == "bday"
        # Highlight only the box at fault, as the GOV.UK date input pattern asks.
        prefix = f"{question.id}-"
        fault = next((fid[len(prefix) :] for fid in ctx.errors if fid.startswith(prefix)), None)
        items = []
        for part in PARTS:
            width = "govuk-input--width-4" if part == "year" else "govuk-input--width-2"
            highlight = fault == part
            item: dict[str, Any] = {
                "name": part,
                "label": i18n.gettext(f"date_label.{part}", ctx.lang),
                "classes": f"{width} govuk-input--error" if highlight else width,
                "value": ctx.value.get(part, "") if isinstance(ctx.value, Mapping) else "",
                "inputmode": "numeric",
            }
            if bday:
                item["autocomplete"] = f"bday-{part}"
            items.append(item)
        params: dict[str, Any] = {
            "id": question.id,
            "namePrefix": question.id,
            "fieldset": {"legend": ctx.legend(view["text"])},
            "hint": {"text": view["hint"] or i18n.gettext("hint.date_example", ctx.lang)},
            "items": items,
        }
        if ctx.error:
            params["errorMessage"] = ctx.error_message()
        view["params"] = params
        return view

    def codebook(self, survey: Survey, question: Question, lang: str) -> list[dict[str, Any]]:
        entry = super().codebook(survey, question, lang)[0]
        entry["type"] = "date"
        return [entry]
