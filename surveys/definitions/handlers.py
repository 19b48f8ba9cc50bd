"""What the definitions need from a question type, without knowing any.

Survey definitions are the schema beneath the question handlers (as
eq-questionnaire-runner keeps its schema beneath its field handlers): a
``Question`` is built with the handler for its type, and checks, routing and
piping call that handler through this protocol only. Which handler serves
which type is decided in ``surveys.questions.registry``, which installs its
lookup here with ``use_handlers`` when it is imported (``surveys/__init__``
imports it, so a definition never parses without one). Parsing may also be
handed a lookup explicitly (``parse_definition(data, handlers=...)``), which
is how a test parses against other handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from surveys.definitions.conditions import Reference
    from surveys.definitions.errors import DefinitionIssue
    from surveys.definitions.model import Option, Question, Survey


class QuestionHandler(Protocol):
    """The part of a question type the definitions layer calls."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str:
        """How conditions and exports see the answer (choice, number, text…)."""
        ...

    def build_options(
        self,
        spec: Mapping[str, Any],
        option_sets: Mapping[str, Any],
        languages: Sequence[str],
    ) -> tuple[Option, ...]: ...

    def build_items(
        self, spec: Mapping[str, Any], languages: Sequence[str]
    ) -> tuple[Option, ...]: ...

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]: ...

    def check_operand(self, question: Question, ref: Reference) -> list[DefinitionIssue]: ...

    def is_valid_answer(self, question: Question, value: Any) -> bool: ...

    def format_answer(self, survey: Survey, question: Question, value: Any, lang: str) -> str: ...


HandlerLookup = Callable[[str], QuestionHandler]
"""``type name -> handler``; raises ``KeyError`` naming the known types."""

_installed: HandlerLookup | None = None


def use_handlers(lookup: HandlerLookup) -> None:
    """Make ``lookup`` the default for parsing (called by the registry)."""
    global _installed
    _installed = lookup


def default_handlers() -> HandlerLookup:
    """The installed lookup; a clear error when nothing installed one."""
    if _installed is None:
        raise RuntimeError(
            "no question handlers installed: import surveys.questions (surveys/__init__ does)"
            " or pass handlers= to parse_definition"
        )
    return _installed
