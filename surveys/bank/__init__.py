"""The question bank: ready-made surveys staff copy and edit.

Each bank survey is a YAML definition beside this file. ``load_bank`` returns
a fresh, decoded copy every time, so editing it (renaming the slug, dropping
a question, adding Welsh) never touches the original or another caller's copy.
``all-question-types`` is not offered to staff: it is the fixture the
browser and axe-core tests render, with one question of every type.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from surveys.definitions import Survey, parse_definition, read_definition_file

BANK_DIR = Path(__file__).parent
BANK_SURVEYS = (
    "resident-satisfaction",
    "digital-inclusion",
    "customer-satisfaction",
    "equality-monitoring",
)
TEST_SURVEYS = ("all-question-types",)


def list_bank() -> list[str]:
    """Names of the ready-made surveys staff can start from."""
    return list(BANK_SURVEYS)


def bank_path(name: str) -> Path:
    if name not in BANK_SURVEYS + TEST_SURVEYS:
        known = ", ".join(BANK_SURVEYS + TEST_SURVEYS)
        raise KeyError(f"no bank survey {name!r} (bank: {known})")
    return BANK_DIR / f"{name}.yaml"


@cache
def _read(name: str) -> Any:
    return read_definition_file(bank_path(name))


def load_bank(name: str) -> dict[str, Any]:
    """An editable copy of bank survey ``name``'s definition."""
    data = copy.deepcopy(_read(name))
    if not isinstance(data, dict):
        raise TypeError(f"bank survey {name!r} is not a mapping")
    return data


def load_bank_survey(name: str) -> Survey:
    """Bank survey ``name`` parsed and checked."""
    return parse_definition(load_bank(name))


def bank_catalogue(lang: str = "en") -> list[dict[str, Any]]:
    """What a staff "start from the bank" page lists: name, title,
    description and question count of each ready-made survey."""
    out = []
    for name in BANK_SURVEYS:
        survey = load_bank_survey(name)
        out.append(
            {
                "name": name,
                "title": survey.title(lang),
                "description": survey.text(survey.description, lang, {})
                if survey.description
                else "",
                "questions": len(survey.questions),
                "languages": list(survey.languages),
            }
        )
    return out
