"""Helpers shared by the survey engine tests (a uniquely named module, not conftest, so
imports cannot pick up another folder's conftest)."""

from __future__ import annotations

from typing import Any


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
