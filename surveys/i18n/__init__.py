"""Message catalogue for the survey engine's own words, in English and Welsh.

Survey authors write question text in the definition; everything the engine
says by itself (validation messages, "Don't know", scale labels, date part
labels, character-count text) comes from here, so a new language is one more
YAML file with the same keys rather than edits across the question types.
Lookups fall back to English for a language we have no catalogue for, so a
survey in, say, Polish still gets working (English) error messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_LANGUAGE = "en"
_HERE = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The whole catalogue for ``lang`` (English when there is no such file)."""
    path = _HERE / f"{lang}.yaml"
    if not path.is_file():
        path = _HERE / f"{DEFAULT_LANGUAGE}.yaml"
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of message keys")
    return data


def available_languages() -> list[str]:
    """Languages that have a catalogue file."""
    return sorted(p.stem for p in _HERE.glob("*.yaml"))


def lookup(key: str, lang: str) -> Any:
    """The raw entry at dotted ``key`` (a string, list or mapping).

    Falls back to English when the language's catalogue lacks the key, and
    raises ``KeyError`` naming the key when English lacks it too: a missing
    message is a programming error we want to see in tests, not a blank page.
    """
    for candidate in (lang, DEFAULT_LANGUAGE):
        node: Any = catalogue(candidate)
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                node = None
                break
            node = node[part]
        if node is not None:
            return node
    raise KeyError(f"no message {key!r} in the survey engine catalogue")


def gettext(key: str, lang: str, **params: Any) -> str:
    """The message at ``key`` in ``lang`` with ``{name}`` placeholders filled."""
    value = lookup(key, lang)
    if not isinstance(value, str):
        raise KeyError(f"message {key!r} is not a string")
    return value.format(**params) if params else value


def text_map(key: str, languages: Iterable[str]) -> dict[str, str]:
    """``{lang: message}`` for each language: how built-in option labels
    (scales, "Don't know") become ordinary localised text in a definition."""
    return {lang: gettext(key, lang) for lang in languages}
