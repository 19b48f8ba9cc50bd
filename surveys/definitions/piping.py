"""Piping: ``{variable}`` and ``{answer:qid}`` placeholders in survey text.

``{council_name}`` is a survey variable (``variables:`` in the definition,
localised like any text); ``{answer:q_area}`` is a resident's earlier answer
as they would read it. ``{{`` and ``}}`` write literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_NAME = re.compile(r"^(?:(answer):)?([a-z][a-z0-9_]*)$")


@dataclass(frozen=True, slots=True)
class Placeholder:
    kind: str  # "variable" | "answer" | "invalid"
    name: str


def placeholders(text: str) -> Iterator[Placeholder]:
    """Every placeholder in ``text``, including malformed ones (for checks)."""
    for match in _TOKEN.finditer(text):
        inner = match.group(1)
        if inner is None:
            continue
        parsed = _NAME.match(inner)
        if parsed is None:
            yield Placeholder("invalid", inner)
        else:
            yield Placeholder("answer" if parsed.group(1) else "variable", parsed.group(2))
    stray = _TOKEN.sub("", text)
    if "{" in stray or "}" in stray:
        yield Placeholder("invalid", stray)


def fill(survey: Survey, text: str, lang: str, answers: Mapping[str, Any] | None) -> str:
    """``text`` with placeholders replaced; an unanswered question pipes as
    an empty string (the checks make sure only earlier questions are piped).

    With ``answers=None`` answer placeholders are kept as written, which is
    what a codebook label needs ("You gave {answer:q_score}. Why?").
    """

    def replace(match: re.Match[str]) -> str:
        piece = match.group(0)
        if piece == "{{":
            return "{"
        if piece == "}}":
            return "}"
        parsed = _NAME.match(match.group(1))
        if parsed is None:
            return piece
        name = parsed.group(2)
        if parsed.group(1):
            if answers is None:
                return piece
            value = answers.get(name)
            try:
                question = survey.question(name)
            except KeyError:
                return ""
            if value is None or not question.handler.is_valid_answer(question, value):
                return ""
            return survey.format_answer(name, value, lang)
        if name in survey.variables:
            return survey.localise(survey.variables[name], lang)
        return piece

    return _TOKEN.sub(replace, text)
