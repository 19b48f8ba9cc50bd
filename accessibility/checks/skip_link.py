"""Skip link (WCAG 2.4.1): a "Skip to main content" link that really moves keyboard focus.

We press Tab once from the top of the page. If the first stop is a same-page link whose text
says skip/jump to content, we check its target exists, press Enter, and check that the next
Tab lands inside (or after) the target. A broken skip link is a violation: it promises a
shortcut and delivers none. Pages without one are left to the landmarks check (a main
landmark also satisfies 2.4.1).
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.registry import register
from accessibility.checks.tabbing import reset_focus
from accessibility.findings import Finding

META = CheckMeta(
    id="skip-link",
    title="Skip link moves focus to the main content",
    wcag=("2.4.1",),
    level="A",
    impact="serious",
    how_to_fix=(
        'Point the skip link at the id of the <main> element (href="#main-content") and make '
        "sure that element exists; GOV.UK Frontend's skip link component does this."
    ),
)

_SKIP_TEXT = re.compile(r"\b(skip|jump)\b|\bgo to (the )?(main )?content\b", re.IGNORECASE)

_FIRST_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el.localName !== 'a') return null;
  const href = el.getAttribute('href') || '';
  if (!href.startsWith('#') || href.length < 2) return null;
  let id = href.slice(1);
  try { id = decodeURIComponent(id); } catch (e) {}
  const target = document.getElementById(id) || document.getElementsByName(id)[0] || null;
  return Object.assign(window.__rv.describe(el), {
    text: window.__rv.name(el), id, targetFound: !!target,
  });
}
"""

_LANDED_JS = """
(id) => {
  const target = document.getElementById(id) || document.getElementsByName(id)[0];
  const el = document.activeElement;
  if (!target || !el || el === document.body) return false;
  return target === el || target.contains(el) ||
    !!(target.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
}
"""


@register(META)
async def check_skip_link(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation when the first Tab stop is a skip link with no target or no effect."""
    await reset_focus(page)
    await page.keyboard.press("Tab")
    link = await page.evaluate(_FIRST_JS)
    try:
        return await _judge(page, ctx, link)
    finally:
        await reset_focus(page)


async def _judge(page: Page, ctx: CheckContext, link: dict[str, Any] | None) -> list[Finding]:
    if not link or not _SKIP_TEXT.search(link["text"] or ""):
        return []
    if not link["targetFound"]:
        return [
            ctx.finding(
                META,
                kind="violation",
                selector=link["selector"],
                snippet=link["snippet"],
                message=f"The skip link '{link['text']}' points to #{link['id']}, which is "
                "not on the page, so it does nothing.",
            )
        ]
    await page.keyboard.press("Enter")
    if await page.evaluate(_LANDED_JS, link["id"]):
        return []
    await page.keyboard.press("Tab")
    if await page.evaluate(_LANDED_JS, link["id"]):
        return []
    return [
        ctx.finding(
            META,
            kind="violation",
            selector=link["selector"],
            snippet=link["snippet"],
            message=f"The skip link '{link['text']}' does not move keyboard focus to the "
            "main content: after using it, the next Tab still goes to the links before it.",
        )
    ]
