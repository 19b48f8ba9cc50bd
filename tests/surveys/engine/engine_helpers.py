"""Helpers shared by the survey engine tests (a uniquely named module, not
conftest, so imports cannot pick up another folder's conftest)."""

from __future__ import annotations

from typing import Any

import pytest

from surveys.definitions import DefinitionError, parse_definition


def make_survey(
    *pages: dict[str, Any], languages: tuple[str, ...] = ("en",), **extra: Any
) -> dict[str, Any]:
    """A minimal valid definition around ``pages``."""
    return {
        "slug": "test-survey",
        "title": {lang: f"Test survey ({lang})" for lang in languages},
        "languages": list(languages),
        "pages": list(pages),
        **extra,
    }


def page(page_id: str, *questions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": page_id, "questions": list(questions), **extra}


def choice(qid: str, *codes: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": qid,
        "type": "single_choice",
        "text": {"en": f"Question {qid}?"},
        "options": [{"code": c, "label": {"en": c.title()}} for c in codes],
        **extra,
    }


def question(qid: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "type": type_, "text": {"en": f"Question {qid}?"}, **extra}


def rejected(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The (path, message) pairs a definition is rejected with."""
    with pytest.raises(DefinitionError) as info:
        parse_definition(data)
    return [(issue.path, issue.message) for issue in info.value.errors]


def paths(data: dict[str, Any]) -> list[str]:
    return [p for p, _ in rejected(data)]
