"""Question types: one handler module per type, a registry, and the
page-level functions the resident pages and exports use."""

from surveys.questions.base import Parsed, QuestionType
from surveys.questions.export import export_row, survey_codebook
from surveys.questions.page import (
    FieldError,
    PageResult,
    apply_page,
    error_summary,
    parse_page,
    repeatable_fields,
    validate_answers,
)
from surveys.questions.registry import REGISTRY, handler_for, handler_of
from surveys.questions.views import check_answers_rows, page_view, question_view

__all__ = [
    "REGISTRY",
    "FieldError",
    "PageResult",
    "Parsed",
    "QuestionType",
    "apply_page",
    "check_answers_rows",
    "error_summary",
    "export_row",
    "handler_for",
    "handler_of",
    "page_view",
    "parse_page",
    "question_view",
    "repeatable_fields",
    "survey_codebook",
    "validate_answers",
]
