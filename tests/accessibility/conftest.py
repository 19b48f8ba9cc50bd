"""Fixtures for the accessibility tests: the fixture site, and a page at a known size.

The Chromium itself is the session-wide ``browser`` fixture of ``tests/conftest.py`` (one
browser for the whole test session, started by ``accessibility.browser.launch_browser``);
these fixtures only add what the accessibility tests need on top of it:

    async def test_x(a11y_site: str, page: Page) -> None:
        await page.goto(f"{a11y_site}/controls/article.html")
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from playwright.async_api import Browser, Page

_SERVER = Path(__file__).resolve().parents[1] / "fixtures" / "a11y_site" / "server.py"

#: Desktop size the checks are written for (reflow shrinks it, then puts it back).
VIEWPORT = {"width": 1280, "height": 800}


def _load_server_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("a11y_site_server", _SERVER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def a11y_site() -> Iterator[str]:
    """Base URL (no trailing slash) of the fixture site served on 127.0.0.1."""
    with _load_server_module().serve_site() as base_url:
        yield base_url


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh, isolated context and page per test, 1280 × 800 (closed even on failure)."""
    context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        yield await context.new_page()
    finally:
        await context.close()
