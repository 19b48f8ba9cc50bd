"""What a question's macro needs, already localised and piped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from surveys.definitions.model import Page, Question, Survey
from surveys.questions.base import ViewContext
from surveys.questions.page import FieldError, PageResult, error_summary
from surveys.questions.registry import handler_of


def question_view(
    survey: Survey,
    question: Question,
    lang: str,
    answers: Mapping[str, Any],
    value: Any = None,
    errors: Iterable[FieldError] | Mapping[str, str] | None = None,
    page_heading: bool | None = None,
) -> dict[str, Any]:
    """The dict ``render_question`` renders.

    ``value`` is the stored answer, or ``PageResult.redisplay[qid]`` when
    re-rendering after errors. ``errors`` may be the page's ``FieldError``s
    (this question's are picked out) or ``{field_id: message}``.
    ``page_heading`` defaults to "this question is alone on its page", when
    its legend or label becomes the page's ``<h1>`` (GOV.UK question pages).
    """
    if errors is None:
        error_map: dict[str, str] = {}
    elif isinstance(errors, Mapping):
        error_map = dict(errors)
    else:
        error_map = {e.field_id: e.message for e in errors if e.qid == question.id}
    if page_heading is None:
        page = survey.page(question.page_id)
        shown = survey.visible_questions(page, answers)
        page_heading = len(shown) == 1 and not page.title
    handler = handler_of(question)
    ctx = ViewContext(
        lang=lang,
        answers=answers,
        value=handler.display_value(question, value),
        errors=error_map,
        page_heading=page_heading,
    )
    return handler.view(survey, question, ctx)


def page_view(
    survey: Survey,
    page: Page | str,
    lang: str,
    answers: Mapping[str, Any],
    result: PageResult | None = None,
) -> dict[str, Any]:
    """Everything a question page template needs for ``page``.

    Without ``result`` (a GET) each question shows its stored answer; with a
    failed ``result`` (a POST with errors) each shows what the resident sent,
    with its errors, and ``error_summary`` holds the GOV.UK summary params.
    ``heading`` is the page's own ``<h1>`` text, or ``None`` when the only
    question's legend or label is the heading (GOV.UK question pages).
    """
    page_obj = survey.page(page) if isinstance(page, str) else page
    shown = survey.visible_questions(page_obj, answers)
    page_heading = len(shown) == 1 and not page_obj.title
    views = []
    for question in shown:
        if result is not None and not result.ok:
            value = result.redisplay.get(question.id)
            errors: Iterable[FieldError] | None = result.errors
        else:
            value, errors = answers.get(question.id), None
        views.append(question_view(survey, question, lang, answers, value, errors, page_heading))
    title = survey.text(page_obj.title, lang, answers) if page_obj.title else None
    if title is None and not page_heading:
        title = survey.title(lang)
    return {
        "id": page_obj.id,
        "heading": title,
        "description": survey.text(page_obj.description, lang, answers)
        if page_obj.description
        else None,
        "questions": views,
        "error_summary": error_summary(result.errors, lang) if result is not None else None,
        "lang": lang,
    }


def check_answers_rows(
    survey: Survey, lang: str, answers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One row per answered, visible question for a check-your-answers page:
    ``page_id`` (for the Change link), ``qid``, ``question`` and ``answer``
    (as the resident reads it), in survey order."""
    kept = survey.prune(answers)
    rows = []
    for page_obj in survey.visible_pages(kept):
        for question in survey.visible_questions(page_obj, kept):
            if question.id not in kept:
                continue
            rows.append(
                {
                    "page_id": page_obj.id,
                    "qid": question.id,
                    "question": survey.text(question.text, lang, kept),
                    "answer": survey.format_answer(question.id, kept[question.id], lang),
                }
            )
    return rows
