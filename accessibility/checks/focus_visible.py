"""Focus visible (WCAG 2.4.7): a keyboard user can see which element has focus.

As Siteimprove's Alfa does (rule SIA-R65), we compare each element's computed styles when it
has keyboard focus with its styles before any focus: outline, box-shadow, border, background,
colour, text decoration and a few more, on the element and its descendants and ancestors,
with their ::before/::after, and also on its labels and next sibling, where custom radios
and checkboxes draw their focus ring (``input:focus + label::before``). No difference
anywhere means no visible focus indicator: a violation. (Alfa leaves that case to a person;
we also look at labels and siblings, where Alfa does not, which removes the common false
alarm.) An element that receives focus while invisible is for review.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.registry import register
from accessibility.checks.tabbing import tab_walk
from accessibility.findings import Finding

META = CheckMeta(
    id="focus-visible",
    title="Keyboard focus is visible",
    wcag=("2.4.7",),
    level="AA",
    impact="serious",
    how_to_fix=(
        "Do not remove the focus outline (outline: none) without a replacement; give :focus "
        "or :focus-visible a clear style, such as GOV.UK's yellow background with a thick "
        "black underline."
    ),
)


@register(META)
async def check_focus_visible(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each focused element whose styles did not change at all."""
    walk = await tab_walk(page, ctx)
    findings: list[Finding] = []
    reported: set[int] = set()
    for step in walk.steps:
        if step.get("body") or step.get("iframe") or step["id"] in reported:
            continue
        if step["styleKnown"] and step["styleChanged"] is False:
            reported.add(step["id"])
            findings.append(
                ctx.finding(
                    META,
                    kind="violation" if step["visible"] else "review",
                    selector=step["selector"],
                    snippet=step["snippet"],
                    message=(
                        "When this element has keyboard focus nothing about it changes, so "
                        "keyboard users cannot see where they are."
                        if step["visible"]
                        else "This element takes keyboard focus while it cannot be seen; "
                        "check it is meant to be focusable."
                    ),
                )
            )
    return findings
