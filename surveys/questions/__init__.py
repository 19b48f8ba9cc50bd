"""Question types: one handler module per type, a registry, and the
page-level functions the resident pages and exports use."""

from surveys.questions.base import Parsed, QuestionType
from surveys.questions.export import export_row, survey_codebook
from surveys.questions.page import FieldError, PageResult, apply_page, parse_page
from surveys.questions.registry import REGISTRY, handler_for
from surveys.questions.views import question_view

__all__ = [
    "REGISTRY",
    "FieldError",
    "PageResult",
    "Parsed",
    "QuestionType",
    "apply_page",
    "export_row",
    "handler_for",
    "parse_page",
    "question_view",
    "survey_codebook",
]
