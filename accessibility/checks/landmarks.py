"""Landmarks (WCAG 1.3.1, 2.4.1): one main landmark holding the page's main content.

A main landmark lets screen reader users skip straight to the content (one of the ways to
meet 2.4.1 Bypass blocks). Missing or repeated main landmarks are reported as violations.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="landmarks",
    title="Page has one main landmark",
    wcag=("1.3.1", "2.4.1"),
    level="A",
    impact="moderate",
    how_to_fix=(
        "Wrap the page's main content in one <main> element (and the header, navigation and "
        "footer in <header>, <nav> and <footer>)."
    ),
    reads_only=True,
)


@register(META)
async def check_landmarks(page: Page, ctx: CheckContext) -> list[Finding]:
    """No main landmark, or more than one visible main landmark."""
    mains = await evaluate(
        page,
        """() => Array.from(document.querySelectorAll('main, [role="main"]'))
              .filter(el => !el.closest('[hidden], [aria-hidden="true"]')
                            && getComputedStyle(el).display !== 'none')
              .map(el => window.__rv.describe(el))""",
    )
    if not mains:
        return [
            ctx.finding(
                META,
                kind="violation",
                selector="body",
                snippet="",
                message="The page has no main landmark (<main>), so screen reader users "
                "cannot jump straight to its content.",
            )
        ]
    return [
        ctx.finding(
            META,
            kind="violation",
            selector=extra["selector"],
            snippet=extra["snippet"],
            message="The page has more than one main landmark; keep one <main> for the "
            "main content.",
        )
        for extra in mains[1:]
    ]
