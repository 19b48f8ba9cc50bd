"""Heading outline (WCAG 1.3.1, 2.4.6): one h1, and levels that do not skip on the way down.

Screen reader users navigate by headings; a page with no h1 or with h2 → h4 gives them a
misleading outline. Headings hidden from everyone are ignored; visually hidden ones count
(they are in the outline a screen reader hears). Role="heading" with aria-level counts too.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="headings",
    title="Headings form a sensible outline",
    wcag=("1.3.1", "2.4.6"),
    level="A",
    impact="moderate",
    how_to_fix=(
        "Give the page one h1 that matches its title, then use h2 for sections and h3 inside "
        "them, without skipping levels. Choose heading levels for structure, not for size."
    ),
    reads_only=True,
)

_HEADINGS_JS = """
() => {
  const rv = window.__rv;
  const out = [];
  const sel = 'h1, h2, h3, h4, h5, h6, [role="heading"]';
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('[aria-hidden="true"], [hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    let level = /^h[1-6]$/i.test(el.localName) ? Number(el.localName[1]) : 2;
    const aria = Number(el.getAttribute('aria-level'));
    if (el.getAttribute('role') === 'heading' && aria >= 1) level = aria;
    else if (el.getAttribute('role') && el.getAttribute('role') !== 'heading') continue;
    out.push(rv.describe(el, {level, text: el.textContent.replace(/\\s+/g, ' ').trim()}));
  }
  return out;
}
"""


@register(META)
async def check_headings(page: Page, ctx: CheckContext) -> list[Finding]:
    """No h1, more than one h1, or a level skipped going down: each a violation."""
    headings = await evaluate(page, _HEADINGS_JS)
    findings: list[Finding] = []
    h1s = [h for h in headings if h["level"] == 1]
    if not h1s:
        first = headings[0] if headings else {"selector": "body", "snippet": ""}
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=first["selector"],
                snippet=first["snippet"],
                message="The page has no main heading (h1), so screen reader users cannot "
                "jump to the start of the content or tell what the page is about.",
            )
        )
    for extra in h1s[1:]:
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=extra["selector"],
                snippet=extra["snippet"],
                impact="minor",
                message=f"This is a second h1 ('{extra['text'][:60]}'). Use one h1 for the "
                "page's main heading and h2 or lower for sections.",
            )
        )
    previous = 0
    for heading in headings:
        level = heading["level"]
        if previous and level > previous + 1:
            findings.append(
                ctx.finding(
                    META,
                    kind="violation",
                    selector=heading["selector"],
                    snippet=heading["snippet"],
                    message=f"Heading level jumps from h{previous} to h{level} "
                    f"('{heading['text'][:60]}'), so the outline looks like something is "
                    f"missing. Use h{previous + 1} here.",
                )
            )
        previous = level
    return findings
