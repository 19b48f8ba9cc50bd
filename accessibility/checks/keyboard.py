"""Keyboard operation (WCAG 2.1.1, 2.1.2, 2.4.3): tab through the page as a keyboard user.

From one Tab walk (see ``tabbing.py``) we report:
- a keyboard trap: focus goes round a few elements and never leaves (a modal dialog that
  lets Escape out is not a trap);
- controls that a keyboard cannot reach: things with a control's role or an ``onclick`` that
  are not focusable;
- focus order jumping backwards against the reading order (DOM order), a violation when a
  positive tabindex causes it, for review when script moved focus.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.checks.tabbing import tab_walk
from accessibility.findings import Finding

META = CheckMeta(
    id="keyboard",
    title="Everything works with a keyboard, in a sensible order, with no traps",
    wcag=("2.1.1", "2.1.2", "2.4.3"),
    level="A",
    impact="critical",
    how_to_fix=(
        "Use real links and buttons (they are focusable and work with Enter/Space), never "
        "trap focus outside a modal dialog that Escape closes, and avoid positive tabindex "
        "values: order the HTML the way the page reads."
    ),
)

_UNREACHABLE_JS = """
() => {
  const rv = window.__rv;
  const SIMPLE = ['button', 'link', 'checkbox', 'switch', 'textbox', 'searchbox', 'slider',
                  'spinbutton', 'combobox'];
  const ITEM = {tab: 'tablist', menuitem: 'menu, menubar', menuitemcheckbox: 'menu, menubar',
                menuitemradio: 'menu, menubar', option: 'listbox', radio: 'radiogroup',
                treeitem: 'tree', gridcell: 'grid, treegrid'};
  const natively = 'a[href], area[href], button, input, select, textarea, summary, iframe, ' +
                   '[contenteditable]:not([contenteditable="false"])';
  const focusable = (el) => el.matches(natively) || el.hasAttribute('tabindex');
  const out = [];
  const seen = new Set();
  const candidates = document.querySelectorAll('[role], [onclick]');
  for (const el of Array.from(candidates).slice(0, 3000)) {
    if (!rv.visible(el) || rv.hiddenFromAT(el) || el.closest('[inert]')) continue;
    if (focusable(el) || el.closest(natively) || el.closest('label')) continue;
    if (el.querySelector(natively + ', [tabindex]:not([tabindex="-1"])')) continue;
    if (el.getAttribute('aria-disabled') === 'true') continue;
    const role = (el.getAttribute('role') || '').trim().split(/\\s+/)[0];
    let why = null;
    if (SIMPLE.includes(role)) why = 'role=' + role;
    else if (ITEM[role]) {
      const group = el.closest('[role="' + ITEM[role].split(', ').join('"], [role="') + '"]');
      const managed = group && (focusable(group) && group.hasAttribute('aria-activedescendant'));
      const roving = group && group.querySelector(natively + ', [tabindex="0"]');
      if (!managed && !roving && !seen.has(group)) { why = 'role=' + role; seen.add(group); }
    } else if (el.hasAttribute('onclick') && !['body', 'html'].includes(el.localName)) {
      why = 'onclick';
    }
    if (why) out.push(rv.describe(el, {why, name: rv.name(el).slice(0, 60), sure: true}));
  }
  // Controls taken out of the tab order with a negative tabindex. Composite widgets do this
  // on purpose (roving tabindex), so those are left alone; a native link or button may be a
  // duplicate of a reachable one (card images), so that is only for review.
  const COMPOSITE = '[role="tablist"], [role="menu"], [role="menubar"], [role="listbox"], ' +
    '[role="radiogroup"], [role="tree"], [role="grid"], [role="treegrid"], [role="toolbar"]';
  const NATIVE = 'a[href], button, input:not([type="hidden"]), select, textarea, summary';
  const reachable = new Set(Array.from(document.querySelectorAll('a[href]'))
    .filter((a) => a.tabIndex >= 0).map((a) => a.href));
  for (const el of Array.from(document.querySelectorAll('[tabindex]')).slice(0, 3000)) {
    if (el.tabIndex >= 0 || !/^\\s*-/.test(el.getAttribute('tabindex'))) continue;
    if (!rv.visible(el) || rv.hiddenFromAT(el) || el.closest('[inert]') || el.disabled) continue;
    const role = (el.getAttribute('role') || '').trim().split(/\\s+/)[0];
    const native = el.matches(NATIVE);
    if (!native && !SIMPLE.includes(role)) continue;  // main, headings, panels: fine
    if (el.closest(COMPOSITE) || el.matches('input[type="radio"]')) continue;
    if (el.localName === 'a' && reachable.has(el.href)) continue;
    out.push(rv.describe(el, {why: 'tabindex="' + el.getAttribute('tabindex').trim() + '"',
                              name: rv.name(el).slice(0, 60), sure: !native}));
  }
  return out;
}
"""


async def _escape_frees(page: Page, cycle: list[str]) -> bool:
    """Does Escape (then Tab) take focus out of the cycle? Then there is a way out."""
    # The walk leaves nothing focused: go back into the cycle first.
    await page.evaluate("(sel) => document.querySelector(sel)?.focus()", cycle[0])
    await page.keyboard.press("Escape")
    for _ in range(2):
        left = await page.evaluate(
            """(cycle) => { const el = document.activeElement;
                 if (!el || el === document.body || !window.__rv.visible(el)) return true;
                 return !cycle.includes(window.__rv.selector(el)); }""",
            cycle,
        )
        if left:
            return True
        await page.keyboard.press("Tab")
    return False


@register(META)
async def check_keyboard(page: Page, ctx: CheckContext) -> list[Finding]:
    """Traps, unreachable controls and backwards focus order, from one Tab walk."""
    walk = await tab_walk(page, ctx)
    findings: list[Finding] = []
    if walk.cycle:
        modal = all(step["modal"] for step in walk.cycle)
        escapes = await _escape_frees(page, [s["selector"] for s in walk.cycle])
        if not (modal and escapes):
            first = walk.cycle[0]
            stuck = len({s["id"] for s in walk.cycle}) == 1
            findings.append(
                ctx.finding(
                    META,
                    # Escape works as a way out: fine if users are told (2.1.2), so a person
                    # checks that; no way out at all is a trap for sure.
                    kind="review" if escapes else "violation",
                    selector=first["selector"],
                    snippet=first["snippet"],
                    wcag=["2.1.2"],
                    message=(
                        "Keyboard focus gets stuck on this element: pressing Tab does not move "
                        "on, so keyboard users cannot reach the rest of the page."
                        if stuck
                        else f"Keyboard trap: pressing Tab cycles round {len(walk.cycle)} "
                        "elements starting here and never reaches the rest of the page."
                    )
                    + (
                        " Escape lets focus out: check the page tells keyboard users so."
                        if escapes
                        else ""
                    ),
                    data={"cycle": [s["selector"] for s in walk.cycle][:20]},
                )
            )
    for item in await evaluate(page, _UNREACHABLE_JS):
        findings.append(
            ctx.finding(
                META,
                kind="violation" if item["sure"] else "review",
                selector=item["selector"],
                snippet=item["snippet"],
                wcag=["2.1.1"],
                message=f"This control ({item['why']}"
                + (f", '{item['name']}'" if item["name"] else "")
                + ") cannot be reached with the Tab key, so keyboard users cannot use it. "
                'Use a <button> or <a href>, or add tabindex="0" and key handling.',
            )
        )
    reported_backwards = 0
    reported: set[str] = set()
    for step in walk.steps:
        if step.get("body") or not step.get("backwards") or step.get("modal"):
            continue
        positive = step["tabindex"] > 0 or step["prevTabindex"] > 0
        # With a positive tabindex the culprit is the element that took focus out of order.
        culprit_is_prev = step["tabindex"] <= 0 < step["prevTabindex"] and step["prevSelector"]
        key = step["prevSelector"] if culprit_is_prev else step["selector"]
        if key in reported:
            continue
        reported.add(key)
        findings.append(
            ctx.finding(
                META,
                kind="violation" if positive else "review",
                selector=key,
                snippet=step["prevSnippet"] if culprit_is_prev else step["snippet"],
                wcag=["2.4.3"],
                impact="serious",
                message=(
                    "This element's positive tabindex makes keyboard focus jump out of "
                    "the order the page reads. Remove tabindex values above 0."
                    if positive
                    else "probably because a script moved focus; check the order makes sense."
                ),
            )
        )
        reported_backwards += 1
        if reported_backwards >= 5:
            break
    return findings
