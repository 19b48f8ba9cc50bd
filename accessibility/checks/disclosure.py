"""Disclosure widgets and accordions (WCAG 4.1.2): the control tells screen readers whether
its section is open.

A "Show more" button or an accordion header that opens a section must say so
(``aria-expanded``), or a screen reader user presses it and hears nothing change. We click each
such control and watch its section (the element ``aria-controls`` names, else the element
right after the control or after the heading holding it):

- it has ``aria-expanded`` and the section opened or closed, but ``aria-expanded`` stayed
  the same: a violation (the state it announces is wrong);
- it has no ``aria-expanded`` (nor ``aria-pressed`` or ``aria-haspopup``) and its hidden
  section became visible: a violation (the state is not exposed at all);
- at rest, ``aria-expanded="true"`` with its ``aria-controls`` section hidden, or "false"
  with it shown: a violation.

Each control is clicked twice, so the page ends as it began. Native ``<details>`` needs none
of this and is left alone; keyboard operation is the ``keyboard-activation`` check's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="disclosure-state",
    title="Show/hide controls and accordions say whether they are open",
    wcag=("4.1.2",),
    level="A",
    impact="serious",
    how_to_fix=(
        'Give the button aria-expanded="false" and switch it to "true" when its section '
        "opens (and back when it closes), pointing aria-controls at the section; or use "
        "<details> and <summary>, or GOV.UK Frontend's accordion."
    ),
    mutates_page=True,
)

MAX_CONTROLS = 15
_SETTLE_S = 0.15

_CANDIDATES_JS = """
(limit) => {
  const rv = window.__rv;
  const CONTROL = 'button:not([type="submit"]):not([type="reset"]), [role="button"], ' +
    'a[aria-expanded], a[aria-controls]';
  const panelOf = (el) => {
    const ids = (el.getAttribute('aria-controls') || '').trim().split(/\\s+/).filter(Boolean);
    if (ids.length) return {panel: document.getElementById(ids[0]), explicit: true};
    const holder = el.parentElement && el.parentElement.matches('h1, h2, h3, h4, h5, h6, ' +
      '[role="heading"]') && el.parentElement.children.length === 1 ? el.parentElement : el;
    return {panel: holder.nextElementSibling, explicit: false};
  };
  const out = [];
  for (const el of Array.from(document.querySelectorAll(CONTROL)).slice(0, 500)) {
    if (el.closest('summary, [inert], form') || !rv.visible(el) || rv.hiddenFromAT(el)) continue;
    if (el.disabled || el.getAttribute('aria-disabled') === 'true') continue;
    if (el.matches('[role="tab"], [role="menuitem"], [role="option"], [role="switch"]')) continue;
    const {panel, explicit} = panelOf(el);
    if (!panel || panel === el || panel.contains(el)) continue;
    if (panel.matches('dialog, [role="dialog"], [role="alertdialog"], [role="menu"], ' +
                      '[role="listbox"], [role="tooltip"], script, template')) continue;
    const expanded = el.getAttribute('aria-expanded');
    const shown = rv.visible(panel);
    if (expanded === null) {
      if (el.hasAttribute('aria-pressed') || el.hasAttribute('aria-haspopup')) continue;
      if (shown) continue;  // only a hidden section that the click reveals is judged
    }
    el.setAttribute('data-rv-disclosure', String(out.length));
    panel.setAttribute('data-rv-disclosure-panel', String(out.length));
    out.push(rv.describe(el, {expanded, shown, explicit, name: rv.name(el).slice(0, 60)}));
    if (out.length >= limit) break;
  }
  return out;
}
"""

_STATE_JS = """
(i) => {
  const el = document.querySelector('[data-rv-disclosure="' + i + '"]');
  const panel = document.querySelector('[data-rv-disclosure-panel="' + i + '"]');
  if (!el || !panel) return null;
  return {expanded: el.getAttribute('aria-expanded'), shown: window.__rv.visible(panel),
          overlay: getComputedStyle(panel).position === 'fixed', url: location.href};
}
"""

_CLICK_JS = """
(i) => {
  const el = document.querySelector('[data-rv-disclosure="' + i + '"]');
  if (el) el.click();
  return !!el;
}
"""

_CLEANUP_JS = """
() => document.querySelectorAll('[data-rv-disclosure], [data-rv-disclosure-panel]')
  .forEach((el) => { el.removeAttribute('data-rv-disclosure');
                     el.removeAttribute('data-rv-disclosure-panel'); })
"""


def _finding(ctx: CheckContext, control: dict[str, Any], message: str) -> Finding:
    name = f" '{control['name']}'" if control["name"] else ""
    return ctx.finding(
        META,
        kind="violation",
        selector=control["selector"],
        snippet=control["snippet"],
        message=f"This show/hide control{name} " + message,
    )


@register(META)
async def check_disclosure_state(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation where aria-expanded is missing, stuck, or contradicts its section."""
    controls = await evaluate(page, _CANDIDATES_JS, MAX_CONTROLS)
    findings: list[Finding] = []
    if not controls:
        ctx.untouched = True
        return findings
    for index, control in enumerate(controls):
        before = await page.evaluate(_STATE_JS, index)
        if before is None:
            continue
        if before["expanded"] in ("true", "false") and control["explicit"]:
            says_open = before["expanded"] == "true"
            if says_open != before["shown"]:
                findings.append(
                    _finding(
                        ctx,
                        control,
                        f'says aria-expanded="{before["expanded"]}" but the section it '
                        f"controls is {'shown' if before['shown'] else 'hidden'}, so screen "
                        "readers announce the wrong state.",
                    )
                )
                continue
        await page.evaluate(_CLICK_JS, index)
        await asyncio.sleep(_SETTLE_S)
        after = await page.evaluate(_STATE_JS, index)
        if after is None or after["url"] != before["url"]:
            break  # the control navigated or rebuilt the page: stop acting on it
        if after["shown"] != before["shown"] and not after["overlay"]:  # overlays: dialogs
            if before["expanded"] is None:
                findings.append(
                    _finding(
                        ctx,
                        control,
                        "opens a hidden section but has no aria-expanded, so screen reader "
                        "users are not told that anything opened or whether it is open.",
                    )
                )
            elif after["expanded"] == before["expanded"]:
                findings.append(
                    _finding(
                        ctx,
                        control,
                        f"{'opened' if after['shown'] else 'closed'} its section but "
                        f'aria-expanded stayed "{before["expanded"]}", so screen readers '
                        "announce the wrong state.",
                    )
                )
        await page.evaluate(_CLICK_JS, index)  # put it back as it was
        await asyncio.sleep(_SETTLE_S)
    await page.evaluate(_CLEANUP_JS)
    return findings
