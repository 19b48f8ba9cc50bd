"""What a question's macro needs, already localised and piped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from surveys.definitions.model import Question, Survey
from surveys.questions.base import ViewContext
from surveys.questions.page import FieldError


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
    handler = question.handler
    ctx = ViewContext(
        lang=lang,
        answers=answers,
        value=handler.display_value(question, value),
        errors=error_map,
        page_heading=page_heading,
    )
    return handler.view(survey, question, ctx)
