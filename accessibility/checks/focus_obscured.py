"""Focus not obscured (WCAG 2.4.11, AA): a focused element is not hidden by sticky content.

After each Tab press we sample nine points across the focused element and ask which element
is on top there. If every point is covered by something fixed or sticky (a cookie banner, a
sticky header), the focused element is entirely hidden: a violation. Partly hidden passes
2.4.11 (it fails only 2.4.12, AAA), so we do not report it.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.registry import register
from accessibility.checks.tabbing import tab_walk
from accessibility.findings import Finding

META = CheckMeta(
    id="focus-obscured",
    title="Focused elements are not hidden by sticky headers or banners",
    wcag=("2.4.11",),
    level="AA",
    impact="serious",
    how_to_fix=(
        "Give fixed headers, footers and cookie banners room (scroll-padding on html equal to "
        "their height) or let them be dismissed, so a focused element is never underneath."
    ),
)


@register(META)
async def check_focus_obscured(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each element entirely covered by fixed/sticky content when focused."""
    walk = await tab_walk(page, ctx)
    findings: list[Finding] = []
    reported: set[int] = set()
    for step in walk.steps:
        if step.get("body") or step["id"] in reported:
            continue
        obscured = step["obscured"]
        if obscured.get("state") != "full":
            continue
        reported.add(step["id"])
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=step["selector"],
                snippet=step["snippet"],
                message="When this element has keyboard focus it is completely hidden behind "
                f"fixed or sticky content ({obscured.get('by')}), so keyboard users cannot "
                "see it.",
                data={"covered_by": obscured.get("by")},
            )
        )
    return findings
