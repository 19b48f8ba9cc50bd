"""Focus visible (WCAG 2.4.7): a keyboard user can see which element has focus.

As Siteimprove's Alfa does (rule SIA-R65), we compare each element's computed styles when it
has keyboard focus with its styles before any focus: outline, box-shadow, border, background,
colour, text decoration and a few more, on the element and its descendants and ancestors,
with their ::before/::after, and also on its labels and next sibling, where custom radios
and checkboxes draw their focus ring (``input:focus + label::before``). No difference
anywhere means no visible focus indicator: a violation. (Alfa leaves that case to a person;
we also look at labels and siblings, where Alfa does not, which removes the common false
alarm.) An element that receives focus while invisible is for review.

Styles can change without anything showing: a stylesheet that removes the indicator on
``:focus`` (``outline: none``) while setting ``box-shadow: 0 0 0 0``, a transparent
background or the colour it already had changes the computed styles but not one pixel. So
for links and buttons whose styles did change, we also compare pixels: for one element per
kind of change (tag and class), screenshots of the area covering every box whose style
changed (plus the outline and shadow reach) taken unfocused and focused, with animations
finished. Identical images mean no visible indicator: a violation. Text fields are left out
(a blinking caret differs by itself) and so is any element whose focused styles we could not
reproduce by script, or whose changed boxes lie outside the viewport.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.checks.tabbing import reset_focus, tab_walk
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


#: Links and buttons only: what the issue's stylesheets strip, and no caret to blink.
_PIXEL_TAGS = frozenset({"a", "button", "summary"})
_CLASS = re.compile(r"""\bclass=["']([^"']*)["']""")
#: Elements compared by pixels on one page, at most (two screenshots each).
MAX_PIXEL_CHECKS = 4

_PIXEL_JS = r"""
([selector, phase]) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const related = [el, ...Array.from(el.querySelectorAll('*')).slice(0, 20)];
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    related.push(a);
  }
  if (el.nextElementSibling) related.push(el.nextElementSibling);
  const PROPS = ['outline-style', 'outline-width', 'outline-color', 'outline-offset',
    'box-shadow', 'background-color', 'background-image', 'color', 'border-top-color',
    'border-bottom-color', 'border-left-color', 'border-right-color', 'border-top-width',
    'border-bottom-width', 'text-decoration-line', 'text-decoration-color', 'opacity',
    'filter', 'transform', 'content'];
  const state = (node, pseudo) => {
    const cs = getComputedStyle(node, pseudo);
    return PROPS.map((p) => cs.getPropertyValue(p)).join('|');
  };
  const snap = () => related.map((n) => [state(n, null), state(n, '::before'),
    state(n, '::after')].join('#'));
  // Transitions to and from the focus style end at once, so no picture is taken mid-way.
  const finish = () => {
    for (const a of document.getAnimations()) {
      try {
        if (a.effect && a.effect.getComputedTiming().iterations !== Infinity) a.finish();
      } catch (e) { /* an animation that cannot finish is left as it is */ }
    }
  };
  if (phase === 'blur') {
    if (document.activeElement && document.activeElement !== document.body) {
      document.activeElement.blur();
    }
    el.scrollIntoView({block: 'center', inline: 'nearest'});
    window.__rvFocusBase = snap();
    finish();
    return true;
  }
  el.focus({preventScroll: true});
  if (document.activeElement !== el || !el.matches(':focus-visible')) return null;
  const now = snap();
  finish();
  const base = window.__rvFocusBase || [];
  const changed = related.filter((n, i) => now[i] !== base[i]);
  if (!changed.length) return {changed: 0};
  let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
  for (const n of changed) {
    const cs = getComputedStyle(n);
    const px = (v) => Math.abs(parseFloat(v) || 0);
    let reach = px(cs.outlineWidth) + px(cs.outlineOffset) + 4;
    for (const m of (cs.boxShadow || '').matchAll(/-?\d+(\.\d+)?px/g)) reach += px(m[0]);
    // ::before/::after may be drawn outside the box, against the positioned ancestor.
    const box = (n.offsetParent && n.offsetParent !== document.body ? n.offsetParent : n)
      .getBoundingClientRect();
    const r = n.getBoundingClientRect();
    left = Math.min(left, r.left - reach, n === el ? r.left - reach : box.left);
    top = Math.min(top, r.top - reach);
    right = Math.max(right, r.right + reach);
    bottom = Math.max(bottom, r.bottom + reach);
  }
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const clip = {x: Math.max(0, left), y: Math.max(0, top),
    width: Math.min(vw, right) - Math.max(0, left),
    height: Math.min(vh, bottom) - Math.max(0, top)};
  if (clip.width < 2 || clip.height < 2 || clip.width * clip.height > vw * vh * 0.6) {
    return {changed: changed.length, clip: null};
  }
  // The DevTools Protocol's clip is in page coordinates, not the viewport's.
  clip.x += window.scrollX;
  clip.y += window.scrollY;
  return {changed: changed.length, clip};
}
"""


async def _same_pixels(page: Page, cdp: CDPSession, selector: str) -> bool | None:
    """True when focusing the element changes no pixel; None when we cannot tell."""
    if not await page.evaluate(_PIXEL_JS, [selector, "blur"]):
        return None
    probe: dict[str, Any] | None = await page.evaluate(_PIXEL_JS, [selector, "focus"])
    if not probe or not probe.get("clip"):
        return None
    shot = {"format": "png", "clip": {**probe["clip"], "scale": 1}}
    focused = (await cdp.send("Page.captureScreenshot", shot))["data"]
    await page.evaluate(_PIXEL_JS, [selector, "blur"])
    unfocused = (await cdp.send("Page.captureScreenshot", shot))["data"]
    return bool(focused == unfocused)


async def _pixel_findings(
    page: Page, ctx: CheckContext, steps: list[dict[str, Any]], reported: set[int]
) -> list[Finding]:
    """Links and buttons whose styles change on focus but whose pixels do not."""
    kinds: dict[str, list[dict[str, Any]]] = {}
    for step in steps:
        if step.get("body") or step.get("iframe") or step["id"] in reported:
            continue
        if step.get("tag") not in _PIXEL_TAGS or not step["visible"]:
            continue
        if not (step["styleKnown"] and step["styleChanged"]):
            continue
        opening = step["snippet"].split(">", 1)[0]
        classes = _CLASS.search(opening)
        kind = step["tag"] + "." + (classes.group(1) if classes else "")
        kinds.setdefault(kind, []).append(step)
    findings: list[Finding] = []
    if not kinds:
        return findings
    tried = 0
    await evaluate(page, "() => 1")  # window.__rv for the selectors
    # The DevTools Protocol's own capture: Playwright's screenshot waits for fonts and
    # stability on every call, several times slower here.
    cdp = await page.context.new_cdp_session(page)
    try:
        # Skip links last: one moves into view when focused, so its pixels always differ
        # and trying it spends one of the few comparisons for nothing.
        order = sorted(kinds.values(), key=lambda g: ("skip" in g[0]["snippet"].lower(),))
        for group in order:
            if tried >= MAX_PIXEL_CHECKS:
                break
            first = group[0]
            tried += 1
            if await _same_pixels(page, cdp, first["selector"]) is not True:
                continue
            reported.add(first["id"])
            findings.append(
                ctx.finding(
                    META,
                    kind="violation",
                    selector=first["selector"],
                    snippet=first["snippet"],
                    message=(
                        "When this element has keyboard focus its styles change but not one "
                        "pixel of it does (the focus outline is removed and what replaces it "
                        "cannot be seen), so keyboard users cannot see where they are."
                    ),
                    data={"compared": "pixels"},
                )
            )
    except PlaywrightError:
        pass  # the page went away under us: keep what was found
    finally:
        with contextlib.suppress(PlaywrightError):
            await cdp.detach()
            await reset_focus(page)
    return findings


@register(META)
async def check_focus_visible(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each focused element whose styles did not change at all, and for links
    and buttons whose styles changed without a visible pixel changing."""
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
    findings += await _pixel_findings(page, ctx, walk.steps, reported)
    return findings
