"""Reflow (WCAG 1.4.10, AA): at 320 CSS px wide, no scrolling in two directions.

This is what a 1280 px screen at 400 % zoom shows. We load the page at 320 × 256 and look
for content that sticks out past the right edge, making the whole page scroll sideways (or,
where the page hides its overflow, cutting the content off). Content that needs two
dimensions is exempt, as WCAG says: tables, preformatted text and code, maps, canvases,
frames, video, maths, and anything inside them. A box that a container of its own scrolls or
clips (a carousel) is left alone.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="reflow",
    title="Page reflows at 320 CSS pixels without sideways scrolling",
    wcag=("1.4.10",),
    level="AA",
    impact="serious",
    how_to_fix=(
        "Use flexible widths (max-width: 100%, percentages, flex-wrap, grid with minmax) "
        "instead of fixed pixel widths, and let long words wrap (overflow-wrap: anywhere)."
    ),
    mutates_page=True,
    restores_page=True,
)

WIDTH, HEIGHT = 320, 256

_OVERFLOW_JS = """
() => {
  const rv = window.__rv;
  const doc = document.documentElement;
  const vw = doc.clientWidth;
  const scrolls = (document.scrollingElement || doc).scrollWidth > vw + 1;
  const EXEMPT = 'table, pre, code, samp, kbd, map, canvas, iframe, video, svg, math, ' +
                 '[role="application"], [role="grid"], [role="img"], [role="math"], textarea';
  const hiddenOverflow = (el) => ['hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  // A container of its own (below body) that scrolls or clips the box: not the page's problem.
  const contained = (el) => {
    for (let a = el.parentElement; a && a !== document.body && a !== doc; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') {
        return a.getBoundingClientRect().right <= vw + 1;
      }
    }
    return false;
  };
  const sticksOut = (r) => r.right > vw + 1 && r.left < vw - 1;  // not parked off-screen
  const culprits = [];
  for (const el of Array.from(document.body.querySelectorAll('*')).slice(0, 8000)) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || !sticksOut(r)) continue;
    if (!rv.visible(el) || el.closest(EXEMPT)) continue;
    const cs = getComputedStyle(el);
    if (cs.position === 'fixed' && r.left >= vw - 1) continue;
    if (contained(el)) continue;
    culprits.push(el);
  }
  // Text can run out of a box that itself fits (a long web address): blame the box.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let node, seen = 0;
  while ((node = walker.nextNode()) && seen < 5000) {
    const parent = node.parentElement;
    if (!parent || !node.textContent.trim()) continue;
    seen++;
    range.selectNodeContents(node);
    if (!sticksOut(range.getBoundingClientRect())) continue;
    if (culprits.includes(parent) || parent.closest(EXEMPT) || !rv.visible(parent)) continue;
    const ownClip = getComputedStyle(parent).overflowX !== 'visible';
    if (ownClip ? parent.getBoundingClientRect().right <= vw + 1 : contained(parent)) continue;
    culprits.push(parent);
  }
  const outer = culprits.filter((el) => !culprits.some((o) => o !== el && o.contains(el)));
  const lost = !scrolls && (hiddenOverflow(document.body) || hiddenOverflow(doc));
  return {vw, scrolls, lost, items: outer.slice(0, 5).map((el) => {
    const r = el.getBoundingClientRect();
    return rv.describe(el, {right: Math.round(Math.max(r.right, r.left + el.scrollWidth))});
  })};
}
"""


@register(META)
async def check_reflow(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation per outermost non-exempt box that runs past a 320 px viewport."""
    original = page.viewport_size
    await page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    try:
        await page.wait_for_timeout(100)
        info = await evaluate(page, _OVERFLOW_JS)
    finally:
        if original:
            await page.set_viewport_size(original)
    if not info["items"] or not (info["scrolls"] or info["lost"]):
        return []
    effect = (
        "the whole page scrolls sideways"
        if info["scrolls"]
        else "part of it is cut off (the page hides its overflow)"
    )
    return [
        ctx.finding(
            META,
            kind="violation",
            selector=item["selector"],
            snippet=item["snippet"],
            message=f"At 320 px wide (400 % zoom) this content runs to {item['right']} px, so "
            f"{effect}; people who zoom in must scroll in two directions to read it.",
            data={"right_edge": item["right"], "viewport": info["vw"]},
        )
        for item in info["items"]
    ]
