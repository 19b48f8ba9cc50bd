"""Running in-page JavaScript for the checks, with our shared helpers (``window.__rv``) loaded.

Checks read the page with a single ``evaluate`` each where they can: one round trip returning
plain data is far faster than many Playwright handles, and keeps a hostile page's huge DOM
inside the browser.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Page

from accessibility.axe import AXE_SOURCE

__all__ = ["ensure_helpers", "evaluate"]


@cache
def _helpers_source() -> str:
    return files("accessibility.checks").joinpath("js/helpers.js").read_text(encoding="utf-8")


async def ensure_helpers(page: Page) -> None:
    """Install ``window.__rv`` (and axe-core, whose accessible-name code the helpers use)."""
    loaded = await page.evaluate(
        "() => [typeof window.__rv === 'object', typeof window.axe === 'object']"
    )
    if not loaded[1]:
        await page.evaluate(AXE_SOURCE)
    if not loaded[0]:
        await page.evaluate(_helpers_source())


async def evaluate(page: Page, script: str, arg: Any = None) -> Any:
    """Evaluate a check's function expression with the helpers available as ``window.__rv``."""
    await ensure_helpers(page)
    return await page.evaluate(script, arg)
