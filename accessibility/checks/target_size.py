"""Target size, minimum (WCAG 2.5.8, AA): pointer targets at least 24 × 24 CSS px, or spaced.

An undersized target passes if a 24 px circle centred on it touches no other target and no
other undersized target's circle (the spacing exception). Links inside a sentence and
controls whose size the browser decides (unstyled checkboxes) are exempt, as WCAG says.
Visually hidden elements (1 × 1 px) are not pointer targets and are ignored.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="target-size",
    title="Click and tap targets are big enough",
    wcag=("2.5.8",),
    level="AA",
    impact="serious",
    how_to_fix=(
        "Make links and buttons at least 24 by 24 CSS pixels (44 is better), or leave enough "
        "space around small ones that a 24 px circle on each does not touch another."
    ),
    reads_only=True,
)

_TARGETS_JS = """
() => {
  const rv = window.__rv;
  const MIN = 24;
  const sel = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, ' +
    '[role="button"], [role="link"], [role="checkbox"], [role="radio"], [role="tab"], ' +
    '[role="menuitem"], [role="switch"], [onclick]';
  const targets = [];
  for (const el of Array.from(document.querySelectorAll(sel)).slice(0, 3000)) {
    if (rv.hiddenFromAT(el) || el.disabled || !rv.visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 2 || r.height <= 2) continue;  // visually hidden, not a pointer target
    const cs = getComputedStyle(el);
    if (cs.pointerEvents === 'none') continue;
    const parent = el.parentElement;
    // Inline exception: a link in a sentence, whose block has other text.
    let inline = false;
    if (cs.display === 'inline' && parent) {
      const block = el.closest('p, li, td, th, dd, dt, label, span, div') || parent;
      const own = (el.innerText || '').trim().length;
      inline = (block.innerText || '').trim().length > own + 1;
    }
    // User-agent exception: native checkbox/radio the author has not restyled.
    const ua = el.matches('input[type="checkbox"], input[type="radio"]') &&
               cs.appearance !== 'none' && cs.opacity !== '0';
    targets.push({el, r, small: (r.width < MIN - 0.5 || r.height < MIN - 0.5),
                  exempt: inline || ua});
  }
  const distToRect = (x, y, r) => {
    const dx = Math.max(r.left - x, 0, x - r.right);
    const dy = Math.max(r.top - y, 0, y - r.bottom);
    return Math.hypot(dx, dy);
  };
  const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
  const out = [];
  for (const t of targets) {
    if (!t.small || t.exempt) continue;
    const [x, y] = centre(t.r);
    let clash = null;
    for (const o of targets) {
      if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) continue;
      if (distToRect(x, y, o.r) < MIN / 2 - 0.01) { clash = o; break; }
      if (o.small && !o.exempt) {
        const [ox, oy] = centre(o.r);
        if (Math.hypot(ox - x, oy - y) < MIN - 0.01) { clash = o; break; }
      }
    }
    if (clash) out.push(rv.describe(t.el, {
      width: Math.round(t.r.width * 10) / 10, height: Math.round(t.r.height * 10) / 10,
      near: rv.selector(clash.el),
    }));
  }
  return out;
}
"""


@register(META)
async def check_target_size(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each undersized target too close to another target."""
    return [
        ctx.finding(
            META,
            kind="violation",
            selector=t["selector"],
            snippet=t["snippet"],
            message=f"This target is {t['width']} × {t['height']} px and too close to another "
            "(" + t["near"] + "), so people with shaky hands or large fingers may hit the wrong "
            "one.",
            data={"width": t["width"], "height": t["height"], "near": t["near"]},
        )
        for t in await evaluate(page, _TARGETS_JS)
    ]
