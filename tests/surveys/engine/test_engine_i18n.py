"""The engine's message catalogue: Welsh keeps step with English."""

from __future__ import annotations

from typing import Any

import pytest

from surveys import i18n


def keys(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        out: set[str] = set()
        for k, v in node.items():
            out |= keys(v, f"{prefix}{k}.")
        return out
    return {prefix.rstrip(".")}


def test_welsh_has_every_english_key() -> None:
    assert i18n.available_languages() == ["cy", "en"]
    assert keys(i18n.catalogue("cy")) == keys(i18n.catalogue("en"))
    assert len(i18n.lookup("months", "cy")) == 12


def test_placeholders_match_between_languages() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for key in keys(i18n.catalogue("en")):
        en, cy = i18n.lookup(key, "en"), i18n.lookup(key, "cy")
        if isinstance(en, str):
            assert fields(en) == fields(cy), key
            assert ("%{count}" in en) == ("%{count}" in cy), key


def test_lookup_falls_back_to_english_and_fails_loudly() -> None:
    assert i18n.gettext("required.choice", "pl") == "Select an answer"
    assert i18n.gettext("choices.min", "cy", min=2) == "Dewiswch o leiaf 2 ateb"
    with pytest.raises(KeyError, match=r"no message \'nope\.nothing\'"):
        i18n.gettext("nope.nothing", "en")
