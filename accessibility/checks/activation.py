"""Doing something to a widget and seeing what it did: shared by the interaction checks.

The keyboard-activation, disclosure-state and dialog-focus checks press keys and click on the
page's own controls and compare what happened. ``watch_effects`` installs the in-page
recorder (``js/effects.js``: DOM mutations outside whatever changes by itself, hash and
history changes, ``window.open``) and, for as long as it is active, catches every navigation
of the main frame and answers it with 204 No Content, so a control that would leave the page
is seen to act but the page stays for the next test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Page, Route

from accessibility.checks.dom import ensure_helpers

__all__ = ["Effects", "watch_effects"]

#: How long an action gets to show its effect (handlers, a short transition).
SETTLE_S = 0.15
#: How long we watch the untouched page to learn what changes by itself.
NOISE_S = 0.3


@cache
def _effects_source() -> str:
    return files("accessibility.checks").joinpath("js/effects.js").read_text(encoding="utf-8")


@dataclass
class Effects:
    """The recorder for one page: start before an action, ``effect()`` after it."""

    page: Page
    navigations: list[str] = field(default_factory=list)
    #: Let navigations through (to reload the page on purpose) while this is True.
    allow_navigation: bool = False

    async def start(self) -> None:
        self.navigations.clear()
        await self.page.evaluate("() => window.__rvFx.start()")

    async def effect(self, settle_s: float = SETTLE_S) -> dict[str, Any]:
        """What happened since ``start``: ``acted`` is True when anything did."""
        await asyncio.sleep(settle_s)
        result: dict[str, Any] = await self.page.evaluate("() => window.__rvFx.effect()")
        result["navigated"] = bool(self.navigations)
        result["acted"] = bool(
            result["mutations"] or result["moved"] or result["opened"] or result["navigated"]
        )
        return result


@asynccontextmanager
async def watch_effects(page: Page) -> AsyncIterator[Effects]:
    """Install the recorder, learn the page's own noise, and hold navigations back."""
    await ensure_helpers(page)
    await page.evaluate(_effects_source())
    effects = Effects(page)
    main = page.main_frame

    async def hold(route: Route) -> None:
        request = route.request
        held = request.is_navigation_request() and request.frame == main
        if held and not effects.allow_navigation:
            effects.navigations.append(request.url)
            # 204 No Content: the browser stays on the page (an aborted request would
            # replace it with an error page).
            await route.fulfill(status=204, body="")
        else:
            await route.fallback()

    await page.route("**/*", hold)
    try:
        await page.evaluate("() => window.__rvFx.start()")
        await asyncio.sleep(NOISE_S)
        await page.evaluate("() => window.__rvFx.learnNoise()")
        yield effects
    finally:
        await page.unroute("**/*", hold)
