"""Text spacing (WCAG 1.4.12, AA): no loss of content with wider spacing.

We apply the spacing WCAG names (line height 1.5, paragraph spacing 2 × font size, letter
spacing 0.12 em, word spacing 0.16 em; the W3C's bookmarklet does the same) and report boxes
that now cut text off and text that now overlaps other text.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.registry import register
from accessibility.checks.text_fit import damage_findings, text_damage
from accessibility.findings import Finding

META = CheckMeta(
    id="text-spacing",
    title="Text still fits with increased spacing",
    wcag=("1.4.12",),
    level="AA",
    impact="serious",
    how_to_fix=(
        "Do not fix the height or width of boxes that hold text, and avoid white-space: "
        "nowrap with overflow: hidden; let containers grow with their text."
    ),
    mutates_page=True,
    restores_page=True,
)

SPACING_JS = """
() => {
  const style = document.createElement('style');
  style.id = '__rv_text_spacing';
  style.textContent = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; ' +
    'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';
  (document.head || document.documentElement).appendChild(style);
}
"""

UNSPACING_JS = "() => document.getElementById('__rv_text_spacing')?.remove()"


@register(META)
async def check_text_spacing(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation per box that clips text, and per text that overlaps, with WCAG spacing."""
    damage = await text_damage(page, SPACING_JS, UNSPACING_JS)
    return damage_findings(
        ctx,
        META,
        damage,
        clipped=(
            "With wider letter, word and line spacing this box cuts its text off, so "
            "people who need spacing to read lose some of it."
        ),
        overlap="With wider spacing this text overlaps other text ({other}).",
    )
