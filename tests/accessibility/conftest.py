"""Shared fixtures for the accessibility tests: one Chromium and the fixture site per session.

Use them from any test under tests/accessibility/:
    async def test_x(a11y_site: str, page: Page) -> None:
        await page.goto(f"{a11y_site}/controls/article.html")
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from accessibility.browser import launch_browser

_SERVER = Path(__file__).resolve().parents[1] / "fixtures" / "a11y_site" / "server.py"


def _load_server_module():  # type: ignore[no-untyped-def]
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


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session; tests open their own contexts."""
    async with launch_browser() as launched:
        yield launched


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh, isolated context and page per test (closed afterwards, even on failure)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        yield await context.new_page()
    finally:
        await context.close()
