"""Resize text (WCAG 1.4.4, AA): text at 200 % without clipped or overlapping text.

We double every element's font size and line height (what a browser's text-only zoom does)
at desktop width, and report boxes that now cut text off (overflow hidden with a fixed size)
and lines of text that now sit on top of other text.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.registry import register
from accessibility.checks.text_fit import damage_findings, text_damage
from accessibility.findings import Finding

META = CheckMeta(
    id="text-resize",
    title="Text can be resized to 200 % without loss of content",
    wcag=("1.4.4",),
    level="AA",
    impact="serious",
    how_to_fix=(
        "Size text in rem or em, and do not fix the height of boxes that hold text (use "
        "min-height), so they grow with the text."
    ),
    mutates_page=True,
    restores_page=True,
)

ZOOM_JS = """
() => {
  const sizes = [];
  const saved = [];
  for (const el of document.querySelectorAll('body, body *')) {
    const cs = getComputedStyle(el);
    const fs = parseFloat(cs.fontSize);
    const lh = cs.lineHeight === 'normal' ? null : parseFloat(cs.lineHeight);
    sizes.push([el, fs, lh]);
    saved.push([el, ['font-size', 'line-height'].map((p) =>
      [p, el.style.getPropertyValue(p), el.style.getPropertyPriority(p)])]);
  }
  for (const [el, fs, lh] of sizes) {
    el.style.setProperty('font-size', (fs * 2) + 'px', 'important');
    if (lh) el.style.setProperty('line-height', (lh * 2) + 'px', 'important');
  }
  window.__rvZoomSaved = saved;
}
"""

UNZOOM_JS = """
() => {
  for (const [el, props] of window.__rvZoomSaved || []) {
    for (const [p, value, priority] of props) {
      if (value) el.style.setProperty(p, value, priority); else el.style.removeProperty(p);
    }
    if (!el.getAttribute('style')) el.removeAttribute('style');
  }
  window.__rvZoomSaved = null;
}
"""


@register(META)
async def check_text_resize(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation per box that clips text, and per text that overlaps other text, at 200 %."""
    damage = await text_damage(page, ZOOM_JS, UNZOOM_JS)
    return damage_findings(
        ctx,
        META,
        damage,
        clipped=(
            "With text at 200 % this box cuts its text off, so people who enlarge "
            "text lose some of it."
        ),
        overlap=(
            "With text at 200 % this text overlaps other text ({other}), so neither can be read."
        ),
    )
