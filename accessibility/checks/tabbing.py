"""One keyboard walk through the page, shared by the keyboard, focus and skip-link checks.

Pressing Tab a few hundred times is the slow part of these checks, so it is done once per
page and the record (which element had focus at each step, whether its style changed from
its unfocused snapshot, whether a fixed banner covered it) is cached on the CheckContext.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Page

from accessibility.checks.base import CheckContext
from accessibility.checks.dom import ensure_helpers

__all__ = ["TabWalk", "reset_focus", "tab_walk"]

#: Never press Tab more than this on one page (a page with 1,000 links gets a partial walk).
MAX_STEPS = 400

_RESET_JS = """
() => {
  if (document.activeElement && document.activeElement !== document.body) {
    document.activeElement.blur();
  }
  // Only an HTML document has a body and focusable HTML elements; elsewhere (SVG, XML) there
  // is no sequential focus starting point to move.
  const marker = document.createElement('span');
  if (document.body && typeof marker.focus === 'function') {
    marker.tabIndex = -1;
    document.body.prepend(marker);
    marker.focus({preventScroll: true});
    marker.remove();
  }
  window.scrollTo(0, 0);
}
"""


@cache
def _walk_source() -> str:
    return files("accessibility.checks").joinpath("js/tabwalk.js").read_text(encoding="utf-8")


@dataclass
class TabWalk:
    """What a keyboard user meets pressing Tab from the top of the page."""

    tabbable: list[dict[str, Any]]
    steps: list[dict[str, Any]] = field(default_factory=list)
    wrapped: bool = False  # focus went round the whole page and back to the start
    cycle: list[dict[str, Any]] = field(default_factory=list)  # repeated without wrapping


async def reset_focus(page: Page) -> None:
    """Put the sequential focus starting point back at the top of the page."""
    await ensure_helpers(page)
    await page.evaluate(_RESET_JS)


async def _prepare(page: Page) -> list[dict[str, Any]]:
    await ensure_helpers(page)
    await page.evaluate(_walk_source())
    await page.mouse.move(0, 0)
    await reset_focus(page)
    tabbable: list[dict[str, Any]] = await page.evaluate("() => window.__rvWalk.prepare()")
    return tabbable


async def walk(page: Page) -> TabWalk:
    """Press Tab until focus wraps round the page, cycles without wrapping, or MAX_STEPS."""
    result = TabWalk(tabbable=await _prepare(page))
    limit = min(MAX_STEPS, 2 * len(result.tabbable) + 10)
    seen_since_body: dict[int, int] = {}
    first_id: int | None = None
    after_body = False
    for _ in range(limit):
        await page.keyboard.press("Tab")
        step: dict[str, Any] = await page.evaluate("() => window.__rvWalk.step()")
        # Wrapping round from the end of the page to the start is not a backwards jump.
        if not step.get("body"):
            step["afterBody"] = after_body
            if after_body:
                step["backwards"] = False
        after_body = bool(step.get("body"))
        if step.get("body"):
            if first_id is not None:
                result.wrapped = True
            seen_since_body.clear()
            result.steps.append(step)
            continue
        if step["iframe"]:
            result.steps.append(step)
            continue  # Tab moves inside the frame; its own document is not walked here
        if first_id is None:
            first_id = step["id"]
        elif step["id"] == first_id and result.wrapped:
            result.steps.append(step)  # its arrival may itself jump (positive tabindex)
            break
        if step["id"] in seen_since_body:
            start = seen_since_body[step["id"]]
            result.cycle = [s for s in result.steps[start:] if not s.get("body")] or [step]
            break
        seen_since_body[step["id"]] = len(result.steps)
        result.steps.append(step)
    # Leave nothing focused: a focused skip link, say, shows itself and shifts the layout
    # under the checks (and screenshots) that come next.
    await reset_focus(page)
    return result


async def tab_walk(page: Page, ctx: CheckContext) -> TabWalk:
    """The page's walk, done on first use and cached for the other checks on this page."""
    cached = ctx.cache.get("tab_walk")
    if isinstance(cached, TabWalk):
        return cached
    result = await walk(page)
    ctx.cache["tab_walk"] = result
    return result
