"""Errors raised for a definition that cannot be used, each naming where the fault is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DefinitionIssue:
    """One fault in a definition.

    ``path`` is written the way an author reads the document
    (``pages[2].questions[0].show_if.any_of.question``) so a staff member
    uploading YAML, or the API client, can go straight to the line.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(top level)'}: {self.message}"


class DefinitionError(ValueError):
    """A survey definition failed schema validation or a semantic check."""

    def __init__(self, errors: Sequence[DefinitionIssue]) -> None:
        self.errors: list[DefinitionIssue] = list(errors)
        lines = "\n".join(f"  - {issue}" for issue in self.errors)
        super().__init__(f"invalid survey definition ({len(self.errors)} problem(s)):\n{lines}")


def format_path(parts: Iterable[str | int]) -> str:
    """``["pages", 2, "questions", 0, "id"]`` -> ``"pages[2].questions[0].id"``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
