"""Page titled (WCAG 2.4.2): every page has a title that says what it is.

Duplicates across pages are a site-level rule (see ``site.py``); here we catch a missing or
empty title (sure) and a title that is only a file name or placeholder (a person decides).
"""

from __future__ import annotations

import re

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="page-title",
    title="Page has a descriptive title",
    wcag=("2.4.2",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Give every page a unique <title> that starts with what the page is about, then the "
        "site name, for example 'Pay your council tax – Anytown Council'."
    ),
    reads_only=True,
)

_PLACEHOLDER = re.compile(
    r"^(untitled( document)?|new page|page|document|home|index|title|test|"
    r"[\w\-]+\.(html?|php|aspx?|jsp))$",
    re.IGNORECASE,
)


@register(META)
async def check_page_title(page: Page, ctx: CheckContext) -> list[Finding]:
    """Missing/empty title is a violation; a placeholder-like title is for review."""
    info = await evaluate(
        page,
        """() => {
          const el = document.querySelector('head > title, title');
          return {present: !!el, text: (document.title || '').trim(),
                  snippet: el ? el.outerHTML : ''};
        }""",
    )
    if not info["text"]:
        what = "is empty" if info["present"] else "has no <title>"
        return [
            ctx.finding(
                META,
                kind="violation",
                selector="title" if info["present"] else "html",
                snippet=info["snippet"],
                message=f"The page {what}, so people using screen readers, tabs or "
                "bookmarks cannot tell what it is.",
            )
        ]
    if _PLACEHOLDER.match(info["text"]):
        return [
            ctx.finding(
                META,
                kind="review",
                selector="title",
                snippet=info["snippet"],
                message=f"The page title '{info['text']}' looks like a placeholder or file "
                "name; check that it describes the page.",
            )
        ]
    return []
