"""``single_choice``: one answer from the author's own options (radios).

Definition keys: ``options`` (a list, or the name of an ``option_sets``
entry), ``dont_know``, ``prefer_not_to_say``. Answer: the option code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Option, Question
from surveys.questions.base import SPECIAL_CODES, special_options
from surveys.questions.choice import ChoiceType, check_option_ref, resolve_options


class SingleChoice(ChoiceType):
    name = "single_choice"

    def build_options(
        self, spec: Mapping[str, Any], option_sets: Mapping[str, Any], languages: Sequence[str]
    ) -> tuple[Option, ...]:
        return (*resolve_options(spec, option_sets), *special_options(spec, languages))

    def check(self, question: Question, definition: Mapping[str, Any]) -> list[DefinitionIssue]:
        issues = check_option_ref(question.spec, question.path, definition)
        own = [o for o in question.options if not o.special]
        for option in own:
            if option.code in SPECIAL_CODES and question.spec.get(option.code):
                issues.append(
                    DefinitionIssue(
                        f"{question.path}.options",
                        f"option '{option.code}' is also added by '{option.code}: true'; "
                        "remove one of them",
                    )
                )
        return [*issues, *super().check(question, definition)]
