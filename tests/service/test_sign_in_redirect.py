"""The sign-in ``next`` parameter may only send staff to a path on this site."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from service.controllers import _safe_next

BYPASSES = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    " //evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "evil.example",
    "//evil.example@council.example",
    "/\x00/evil.example",
    "",
    None,
]


@pytest.mark.parametrize("value", BYPASSES)
def test_bypasses_fall_back_to_the_staff_home(value: str | None):
    target = _safe_next(value)
    assert target == "/staff"


@pytest.mark.parametrize("value", ["/staff/surveys", "/staff/panel?page=2", "/staff#x"])
def test_same_site_paths_are_kept(value: str):
    assert _safe_next(value) == value
    # The browser resolves what we return against our own origin: it must stay there.
    assert urljoin("https://council.example/", _safe_next(value)).startswith(
        "https://council.example/"
    )
