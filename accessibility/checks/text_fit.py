"""Shared by the text-resize and text-spacing checks: what a text change clips or overlaps.

Both checks measure the page, change the text, and measure again; only problems that the
change created are reported, so a page's deliberate overlays and clipped decorations before
the change never count against it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import ensure_helpers
from accessibility.findings import Finding

__all__ = ["TextDamage", "damage_findings", "text_damage"]

#: Report at most this many boxes, and this many overlaps, per page (one cause, many symptoms).
MAX_REPORTED = 10


@cache
def _source() -> str:
    return files("accessibility.checks").joinpath("js/textfit.js").read_text(encoding="utf-8")


TextDamage = dict[str, list[dict[str, Any]]]


async def text_damage(page: Page, change_js: str, undo_js: str) -> TextDamage:
    """Boxes newly clipping text and text lines newly overlapping after ``change_js`` runs.

    ``undo_js`` puts the page back afterwards (the checks declare ``restores_page``).
    """
    await ensure_helpers(page)
    await page.evaluate(_source())
    before = await page.evaluate("() => window.__rvText.measure()")
    await page.evaluate(change_js)
    try:
        await page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))"
        )
        after = await page.evaluate("() => window.__rvText.measure()")
    finally:
        await page.evaluate(undo_js)
    return {
        "clipped": [v for k, v in after["clipped"].items() if k not in before["clipped"]],
        "overlaps": [v for k, v in after["overlaps"].items() if k not in before["overlaps"]],
    }


def damage_findings(
    ctx: CheckContext, meta: CheckMeta, damage: TextDamage, *, clipped: str, overlap: str
) -> list[Finding]:
    """Violations for clipped boxes and overlapping text; ``overlap`` may use ``{other}``."""
    findings = [
        ctx.finding(
            meta,
            kind="violation",
            selector=box["selector"],
            snippet=box["snippet"],
            message=clipped,
        )
        for box in damage["clipped"][:MAX_REPORTED]
    ]
    findings += [
        ctx.finding(
            meta,
            kind="violation",
            selector=pair["selector"],
            snippet=pair["snippet"],
            message=overlap.format(other=pair["other"]),
        )
        for pair in damage["overlaps"][:MAX_REPORTED]
    ]
    return findings
