"""Errors the surveys services raise for things a person (resident, staff, API client) did.

Each carries `(path, message)` pairs so the HTTP edge can answer 400/404/409 saying what was
wrong and where, instead of a 500.
"""

from __future__ import annotations


class SurveyError(Exception):
    """A request the surveys domain refuses; `errors` name the field path of each problem."""

    status_code = 400

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class NotFound(SurveyError):
    status_code = 404


class Conflict(SurveyError):
    status_code = 409


class RateLimited(SurveyError):
    status_code = 429


class Forbidden(SurveyError):
    """The user's role does not allow what they asked for (403)."""

    status_code = 403
