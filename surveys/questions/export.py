"""The export contract shared with analysis and delivery: codebook and rows.

Columns follow definition order: choice/scale/rating -> ``<qid>``;
multiple choice -> ``<qid>__<code>`` (0/1); grid -> ``<qid>__<item>``;
number -> numeric; date -> ISO date; text -> text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from surveys.definitions.model import Survey
from surveys.questions.registry import handler_of


def survey_codebook(survey: Survey, lang: str = "en") -> dict[str, Any]:
    """Variables with labels, types, value labels and missing codes."""
    variables: list[dict[str, Any]] = []
    for question in survey.questions:
        variables += handler_of(question).codebook(survey, question, lang)
    return {
        "survey": survey.slug,
        "title": survey.title(lang),
        "version": survey.version,
        "variables": variables,
    }


def export_row(survey: Survey, answers: Mapping[str, Any]) -> dict[str, Any]:
    """One response as ``{column: value}``, every column present (``None``
    for unanswered). Answers routing would now skip are left out, and so is
    any stored value that does not have its question's shape (only possible
    if something other than ``parse_page`` wrote it): an export must never
    carry a code the codebook does not explain."""
    kept = survey.prune(answers)
    row: dict[str, Any] = {}
    for question in survey.questions:
        handler = handler_of(question)
        value = kept.get(question.id)
        if value is not None and not handler.is_valid_answer(question, value):
            value = None
        row.update(handler.export(question, value))
    return row
