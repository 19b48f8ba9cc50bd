"""Tab order against what the eye sees (WCAG 2.4.3), stray tab stops and access keys.

Without positive ``tabindex`` (the ``keyboard`` check's business), keyboard focus follows the
document order. CSS can show that order differently: flex ``order``, ``row-reverse``/
``column-reverse`` and explicit grid placement move things on screen but not in the tab
order, so focus jumps back up or leftwards (technique C27; failure when it confuses the
meaning). We take the tabbable elements in document order and, for each next one, look at
where it is drawn: if it is drawn clearly before the previous one (above it in the same
column, or to its left on the same line of a left-to-right page) *and* the two sit in
different children of a flex or grid container that reorders them, that is a violation. Jumps
with no such cause (floats, absolute positioning) are not judged.

Also for review: ``tabindex="0"`` on content that is not a control (a stop that does nothing
when reached; scroll containers and named regions, which need it, are left alone), and
``accesskey``, whose keys clash with screen reader and browser shortcuts.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="tab-order",
    title="Tab order follows the order the page is shown in",
    wcag=("2.4.3",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Put the HTML in the order the page is read and lay it out without CSS order, "
        'reversed flex directions or grid placement that shuffles it; take tabindex="0" off '
        "text that is not a control; do not use accesskey."
    ),
)

_ORDER_JS = """
() => {
  const rv = window.__rv;
  const FOCUSABLE = 'a[href], area[href], button, input:not([type="hidden"]), select, ' +
    'textarea, summary, iframe, [tabindex], ' +
    '[contenteditable]:not([contenteditable="false"])';
  const all = Array.from(document.querySelectorAll(FOCUSABLE)).slice(0, 2000);
  const tabbable = all.filter((el) => el.tabIndex === 0 && !el.disabled && rv.visible(el) &&
    !rv.hiddenFromAT(el) && !el.closest('[inert], dialog:not([open])'));
  const fixed = (el) => {
    for (let n = el; n && n !== document.body; n = n.parentElement) {
      const p = getComputedStyle(n).position;
      if (p === 'fixed' || p === 'sticky') return true;
    }
    return false;
  };
  const reorderedBy = (a, b) => {
    // The nearest common ancestor, and the children of it that hold a and b.
    let common = a.parentElement;
    while (common && !common.contains(b)) common = common.parentElement;
    if (!common) return null;
    const childOf = (el) => {
      let n = el;
      while (n.parentElement !== common) n = n.parentElement;
      return n;
    };
    const ca = childOf(a), cb = childOf(b);
    const s = getComputedStyle(common);
    const flex = /flex/.test(s.display), grid = /grid/.test(s.display);
    if (!flex && !grid) return null;
    const sa = getComputedStyle(ca), sb = getComputedStyle(cb);
    if (sa.order !== sb.order) return 'order';
    if (flex && /reverse/.test(s.flexDirection)) return 'flex-direction: ' + s.flexDirection;
    if (flex && s.flexWrap === 'wrap-reverse') return 'flex-wrap: wrap-reverse';
    if (grid) {
      const placed = (x) => x.gridRowStart !== 'auto' || x.gridColumnStart !== 'auto' ||
        x.gridArea !== 'auto' && x.gridArea !== 'auto / auto / auto / auto';
      if (placed(sa) || placed(sb)) return 'grid placement';
    }
    return null;
  };
  const rtl = getComputedStyle(document.documentElement).direction === 'rtl';
  const jumps = [];
  for (let i = 1; i < tabbable.length && jumps.length < 5; i++) {
    const a = tabbable[i - 1], b = tabbable[i];
    if (a.contains(b) || b.contains(a) || fixed(a) || fixed(b)) continue;
    const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
    const overlapX = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const overlapY = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    const above = rb.bottom <= ra.top - 2 && overlapX > 0;
    const sameLine = overlapY > Math.min(ra.height, rb.height) / 2;
    const before = sameLine && (rtl ? rb.left >= ra.right + 2 : rb.right <= ra.left - 2);
    if (!above && !before) continue;
    const cause = reorderedBy(a, b);
    if (!cause) continue;
    jumps.push(Object.assign(rv.describe(b), {cause, prev: rv.selector(a),
      name: rv.name(b).slice(0, 60), prevName: rv.name(a).slice(0, 60),
      direction: above ? 'up' : 'back along the line'}));
  }
  const CONTROL_ROLES = new RegExp('^(button|link|checkbox|radio|switch|tab|menuitem\\\\w*|' +
    'option|slider|spinbutton|textbox|searchbox|combobox|treeitem|gridcell|row|dialog|' +
    'alertdialog|application|listbox|grid|tree|tablist|menu|menubar|toolbar|scrollbar|' +
    'separator)$');
  const NATIVE = FOCUSABLE.replace(', [tabindex]', '');
  const stray = [];
  for (const el of Array.from(document.querySelectorAll('[tabindex="0"]')).slice(0, 500)) {
    if (el.matches(NATIVE) || !rv.visible(el) || rv.hiddenFromAT(el)) continue;
    const role = (el.getAttribute('role') || '').trim().split(/\\s+/)[0];
    if (CONTROL_ROLES.test(role)) continue;
    if (el.hasAttribute('onclick') || el.hasAttribute('onkeydown')) continue;
    if (el.hasAttribute('aria-describedby') || el.hasAttribute('aria-expanded')) continue;
    const s = getComputedStyle(el);
    // A scroll container needs a tab stop for keyboard scrolling, at some width if not this.
    if (/(auto|scroll)/.test(s.overflowX + s.overflowY)) continue;
    if (/^(region|group|img|figure)$/.test(role) && rv.name(el)) continue;
    if (el.querySelector(':scope > [role="tooltip"], :scope > [class*="tip"]')) continue;
    stray.push(rv.describe(el, {name: rv.name(el).slice(0, 60)}));
    if (stray.length >= 5) break;
  }
  const keys = Array.from(document.querySelectorAll('[accesskey]')).slice(0, 20)
    .filter((el) => (el.getAttribute('accesskey') || '').trim())
    .map((el) => rv.describe(el, {key: el.getAttribute('accesskey').trim()}));
  return {jumps, stray, keys};
}
"""


@register(META)
async def check_tab_order(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violations for CSS-reordered focus jumps; review for stray stops and access keys."""
    found = await evaluate(page, _ORDER_JS)
    findings: list[Finding] = []
    for jump in found["jumps"]:
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=jump["selector"],
                snippet=jump["snippet"],
                message=f"Keyboard focus moves from '{jump['prevName']}' to this element "
                f"'{jump['name']}', which is shown before it ({jump['direction']}): CSS "
                f"({jump['cause']}) shows the page in a different order from the HTML that "
                "the Tab key follows.",
                data={"previous": jump["prev"], "cause": jump["cause"]},
            )
        )
    for el in found["stray"]:
        findings.append(
            ctx.finding(
                META,
                kind="review",
                selector=el["selector"],
                snippet=el["snippet"],
                impact="minor",
                message='This element has tabindex="0" but is not a control: keyboard users '
                "stop on it and nothing happens. Remove the tabindex unless it really acts.",
            )
        )
    for el in found["keys"]:
        findings.append(
            ctx.finding(
                META,
                kind="review",
                selector=el["selector"],
                snippet=el["snippet"],
                impact="minor",
                wcag=["2.1.4"],
                message=f'This element has accesskey="{el["key"]}"; access keys clash with '
                "screen reader and browser shortcuts and nobody knows they are there. Check "
                "it is needed.",
            )
        )
    return findings
