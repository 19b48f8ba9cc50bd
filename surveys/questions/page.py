"""Reading one submitted page: every shown question parsed and validated together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from surveys.definitions.model import Page, Survey
from surveys.questions.multiple_choice import MultipleChoice
from surveys.questions.registry import handler_of


@dataclass(frozen=True, slots=True)
class FieldError:
    """One error for the GOV.UK error summary: link to ``#field_id``."""

    qid: str
    field_id: str
    message: str


@dataclass(frozen=True)
class PageResult:
    """The outcome of ``parse_page``.

    ``values`` has an entry for every question shown on the page (``None``
    where it was left blank, so sending a page again clears an answer that
    was removed). Store nothing unless ``ok``. When not ``ok``, re-render
    with ``redisplay[qid]`` as each question's value so the resident's input
    is kept, and ``errors`` in the error summary in page order.
    """

    values: dict[str, Any]
    errors: list[FieldError]
    redisplay: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_for(self, qid: str) -> list[FieldError]:
        return [e for e in self.errors if e.qid == qid]


def repeatable_fields(survey: Survey) -> set[str]:
    """The form fields that may come more than once: a multiple-choice question's checkboxes.
    Any other field sent twice is refused (`service.forms.refuse_repeats`)."""
    return {q.id for q in survey.questions if q.type == MultipleChoice.name}


def parse_page(
    survey: Survey,
    page: Page | str,
    form: Mapping[str, Sequence[str]],
    lang: str,
    answers: Mapping[str, Any],
) -> PageResult:
    """Parse and validate the questions this resident sees on ``page``.

    ``form`` is multi-dict style (field name -> list of values), as Litestar's
    ``FormMultiDict.dict()`` gives. ``answers`` are the resident's answers so
    far, which decide which questions are shown. Fields for hidden questions
    are ignored, so a crafted form cannot store answers routing skipped.
    """
    page_obj = survey.page(page) if isinstance(page, str) else page
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    redisplay: dict[str, Any] = {}
    for question in survey.visible_questions(page_obj, answers):
        handler = handler_of(question)
        parsed = handler.parse(survey, question, form, lang)
        redisplay[question.id] = parsed.redisplay
        if parsed.errors:
            errors += [FieldError(question.id, fid, msg) for fid, msg in parsed.errors]
        elif parsed.value is None and question.required:
            errors.append(
                FieldError(
                    question.id,
                    handler.field_id(question),
                    handler.required_message(question, lang),
                )
            )
        else:
            values[question.id] = parsed.value
    return PageResult(values=values, errors=errors, redisplay=redisplay)


def apply_page(survey: Survey, answers: Mapping[str, Any], result: PageResult) -> dict[str, Any]:
    """``answers`` updated with a valid page's values, blanks removed, and
    answers that routing now skips pruned: what to store after a page."""
    if not result.ok:
        raise ValueError("cannot apply a page with errors; re-render it instead")
    merged = dict(answers)
    for qid, value in result.values.items():
        if value is None:
            merged.pop(qid, None)
        else:
            merged[qid] = value
    return survey.prune(merged)


def error_summary(errors: Sequence[FieldError], lang: str) -> dict[str, Any] | None:
    """``govukErrorSummary`` params linking each message to its field, in
    page order, or ``None`` when there are no errors."""
    from surveys import i18n

    if not errors:
        return None
    return {
        "titleText": i18n.gettext("error_summary_title", lang),
        "errorList": [{"text": e.message, "href": f"#{e.field_id}"} for e in errors],
    }


def validate_answers(survey: Survey, answers: Mapping[str, Any]) -> list[FieldError]:
    """Check a whole answers dict that did not come through ``parse_page``
    (staff-assisted entry, the API, an import): every visible required
    question answered, every value of its question's shape, no answers to
    unknown questions. Messages are in English, for staff and API clients."""
    problems: list[FieldError] = []
    known = {q.id for q in survey.questions}
    for qid in answers:
        if qid not in known:
            problems.append(FieldError(qid, qid, f"survey {survey.slug!r} has no question {qid!r}"))
    for _, shown in survey.visible_layout(answers):
        for question in shown:
            handler = handler_of(question)
            value = answers.get(question.id)
            if value is None:
                if question.required:
                    problems.append(
                        FieldError(
                            question.id, handler.field_id(question), "required answer missing"
                        )
                    )
            elif not handler.is_valid_answer(question, value):
                problems.append(
                    FieldError(
                        question.id,
                        handler.field_id(question),
                        f"{value!r} is not a valid answer to this {question.type} question",
                    )
                )
    return problems
