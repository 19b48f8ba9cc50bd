"""Dialogs and lightboxes (WCAG 2.4.3, 2.1.1, 2.1.2): open each one as a keyboard user would.

For each control that opens a dialog (``aria-haspopup="dialog"``, ``aria-controls`` or a
same-page link or ``data-target`` naming a dialog, or a "lightbox"/"modal" trigger) we focus
it, press Enter (a click if Enter opens nothing: ``keyboard-activation`` reports that), and
look for what opened: a ``[role=dialog]``, ``[role=alertdialog]``, open ``<dialog>``,
``[aria-modal]``, or a new fixed overlay covering a quarter of the window. Then the
protocol, each failure its own finding:

1. focus moved into the dialog (2.4.3), else a violation;
2. Tab and Shift+Tab keep focus inside it while it is open (2.4.3; a modal must not send
   focus to the page hidden behind it), else a violation;
3. Escape closes it (2.1.1): a violation when nothing in the dialog can take focus to close
   it either (the keyboard user is stuck, 2.1.2), for review when a close control exists;
4. focus returns to the control that opened it (2.4.3), else a violation.

Native ``<dialog>`` opened with ``showModal()`` passes all four by itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Page

from accessibility.checks.activation import watch_effects
from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="dialog-focus",
    title="Dialogs take focus, keep it, close with Escape and give focus back",
    wcag=("2.4.3", "2.1.1", "2.1.2"),
    level="A",
    impact="serious",
    how_to_fix=(
        "Use <dialog> with showModal(), which does all of this; otherwise move focus into "
        "the dialog when it opens, keep Tab inside it, close it on Escape and move focus "
        "back to the control that opened it."
    ),
    mutates_page=True,
)

MAX_TRIGGERS = 8
_OPEN_WAIT_S = 0.35

_TRIGGERS_JS = """
(limit) => {
  const rv = window.__rv;
  const DIALOG = 'dialog, [role="dialog"], [role="alertdialog"], [aria-modal="true"]';
  const byRef = (ref) => {
    if (!ref) return null;
    const id = ref.replace(/^#/, '').trim();
    if (!id) return null;
    const el = document.getElementById(id);
    return el && el.matches(DIALOG + ', .modal, .lightbox') ? el : null;
  };
  const out = [];
  const controls = document.querySelectorAll(
    'a[href], button, [role="button"], [role="link"], [tabindex="0"]');
  for (const el of Array.from(controls).slice(0, 1000)) {
    if (el.tabIndex < 0 || !rv.visible(el) || rv.hiddenFromAT(el) || el.closest(DIALOG)) continue;
    if (el.disabled || el.closest('[inert]')) continue;
    const popup = (el.getAttribute('aria-haspopup') || '').toLowerCase() === 'dialog';
    const href = el.localName === 'a' ? (el.getAttribute('href') || '') : '';
    const target = byRef(el.getAttribute('aria-controls')) ||
      byRef(el.getAttribute('data-target') || el.getAttribute('data-bs-target')) ||
      (href.startsWith('#') ? byRef(href) : null);
    const hinted = /(^|[\\s_-])(lightbox|modal)([\\s_-]|$)/i.test(el.className || '') ||
      el.hasAttribute('data-lightbox') || /modal/i.test(el.getAttribute('data-toggle') || '') ||
      /modal/i.test(el.getAttribute('data-bs-toggle') || '');
    if (!popup && !target && !hinted) continue;
    if (target && rv.visible(target)) continue;  // already open: not a trigger we can judge
    el.setAttribute('data-rv-dialog-trigger', String(out.length));
    out.push(rv.describe(el, {name: rv.name(el).slice(0, 60)}));
    if (out.length >= limit) break;
  }
  return out;
}
"""

# Marks every element visible now, so an overlay that appears later is recognisable as new.
_MARK_VISIBLE_JS = """
() => {
  window.__rvSeen = new WeakSet();
  for (const el of document.querySelectorAll('body *')) {
    if (window.__rv.visible(el)) window.__rvSeen.add(el);
  }
}
"""

_FIND_OPEN_JS = """
() => {
  const rv = window.__rv;
  const DIALOG = 'dialog[open], [role="dialog"], [role="alertdialog"], [aria-modal="true"]';
  const seen = window.__rvSeen || new WeakSet();
  let found = Array.from(document.querySelectorAll(DIALOG))
    .find((el) => rv.visible(el) && !seen.has(el));
  let overlay = false;
  if (!found) {
    const area = innerWidth * innerHeight;
    found = Array.from(document.querySelectorAll('body *')).find((el) => {
      if (seen.has(el) || !rv.visible(el)) return false;
      const style = getComputedStyle(el);
      if (style.position !== 'fixed' && style.position !== 'absolute') return false;
      const r = el.getBoundingClientRect();
      return r.width * r.height >= area / 4 && !(el.parentElement && !seen.has(el.parentElement)
        && rv.visible(el.parentElement) && el.parentElement !== document.body);
    });
    overlay = !!found;
  }
  if (!found) return null;
  document.querySelectorAll('[data-rv-dialog]')
    .forEach((el) => el.removeAttribute('data-rv-dialog'));
  found.setAttribute('data-rv-dialog', '');
  const focusable = Array.from(found.querySelectorAll(
    'a[href], button, input, select, textarea, [tabindex]:not([tabindex^="-"])'))
    .filter((el) => rv.visible(el) && !el.disabled);
  return Object.assign(rv.describe(found), {
    overlay,
    modal: found.matches('[aria-modal="true"]') || overlay ||
      (found.localName === 'dialog' && found.matches(':modal')),
    focusable: focusable.length,
  });
}
"""

_WHERE_JS = """
() => {
  const dialog = document.querySelector('[data-rv-dialog]');
  const el = document.activeElement;
  const open = !!dialog && window.__rv.visible(dialog) &&
    !(dialog.localName === 'dialog' && !dialog.open);
  return {
    open,
    inside: !!dialog && !!el && dialog.contains(el) && el !== dialog.parentElement,
    body: !el || el === document.body || el === document.documentElement,
    selector: el ? window.__rv.selector(el) : '',
  };
}
"""

_FOCUS_INSIDE_JS = """
() => {
  const dialog = document.querySelector('[data-rv-dialog]');
  if (!dialog) return false;
  const first = Array.from(dialog.querySelectorAll(
    'a[href], button, input, select, textarea, [tabindex]:not([tabindex^="-"])'))
    .find((el) => window.__rv.visible(el) && !el.disabled);
  const target = first || dialog;
  if (!first && !dialog.hasAttribute('tabindex')) dialog.tabIndex = -1;
  target.focus();
  return dialog.contains(document.activeElement);
}
"""

_FOCUS_TRIGGER_JS = """
(i) => {
  const el = document.querySelector('[data-rv-dialog-trigger="' + i + '"]');
  if (!el) return false;
  el.focus();
  return document.activeElement === el;
}
"""

_ON_TRIGGER_JS = """
(i) => {
  const el = document.activeElement;
  return !!el && el.getAttribute('data-rv-dialog-trigger') === String(i);
}
"""

_CLICK_TRIGGER_JS = """
(i) => { const el = document.querySelector('[data-rv-dialog-trigger="' + i + '"]');
         if (el) el.click(); }
"""


async def _open(page: Page, index: int) -> dict[str, Any] | None:
    """Open trigger ``index`` with Enter (else a click); describe the dialog that opened."""
    await page.evaluate(_MARK_VISIBLE_JS)
    if not await page.evaluate(_FOCUS_TRIGGER_JS, index):
        return None
    await page.keyboard.press("Enter")
    await asyncio.sleep(_OPEN_WAIT_S)
    dialog: dict[str, Any] | None = await page.evaluate(_FIND_OPEN_JS)
    if dialog is None:
        await page.evaluate(_FOCUS_TRIGGER_JS, index)
        await page.evaluate(_CLICK_TRIGGER_JS, index)
        await asyncio.sleep(_OPEN_WAIT_S)
        dialog = await page.evaluate(_FIND_OPEN_JS)
        if dialog is not None:
            dialog["opened_by_click"] = True
    return dialog


async def _tab_leaks(page: Page, presses: int) -> str | None:
    """Press Tab, then Shift+Tab, ``presses`` times each: where focus left the dialog, if it did."""
    for key in ("Tab", "Shift+Tab"):
        await page.evaluate(_FOCUS_INSIDE_JS)
        for _ in range(presses):
            await page.keyboard.press(key)
            where = await page.evaluate(_WHERE_JS)
            if not where["open"]:
                return None  # Tab closed it (some lightboxes do): not a leak
            if not where["inside"] and not where["body"]:
                return str(where["selector"])
    return None


@register(META)
async def check_dialog_focus(page: Page, ctx: CheckContext) -> list[Finding]:
    """One finding per failed step of the dialog protocol, per trigger."""
    triggers = await evaluate(page, _TRIGGERS_JS, MAX_TRIGGERS)
    if not triggers:
        ctx.untouched = True
        return []
    findings: list[Finding] = []

    def fail(trigger: dict[str, Any], kind: str, wcag: str, message: str, **data: Any) -> None:
        name = f" '{trigger['name']}'" if trigger["name"] else ""
        findings.append(
            ctx.finding(
                META,
                kind=kind,  # type: ignore[arg-type]
                selector=trigger["selector"],
                snippet=trigger["snippet"],
                wcag=[wcag],
                message=f"The dialog that this control{name} opens " + message,
                data=data,
            )
        )

    async with watch_effects(page) as effects:  # holds back navigations a trigger would make
        for index, trigger in enumerate(triggers):
            dialog = await _open(page, index)
            if dialog is None:
                continue
            data = {"dialog": dialog["selector"]}
            where = await page.evaluate(_WHERE_JS)
            if not where["inside"] and not dialog.get("opened_by_click"):
                fail(
                    trigger,
                    "violation",
                    "2.4.3",
                    "does not take keyboard focus: focus stays behind it, so keyboard and "
                    "screen reader users do not know it opened and must find their way in.",
                    **data,
                )
            if dialog["modal"] and dialog["focusable"]:
                leak = await _tab_leaks(page, dialog["focusable"] + 2)
                if leak:
                    fail(
                        trigger,
                        "violation",
                        "2.4.3",
                        "lets Tab move focus out to the page behind it while it is still "
                        "open, where keyboard users cannot see what they are on.",
                        focus_went_to=leak,
                        **data,
                    )
            await page.evaluate(_FOCUS_INSIDE_JS)
            await page.keyboard.press("Escape")
            await asyncio.sleep(_OPEN_WAIT_S)
            where = await page.evaluate(_WHERE_JS)
            if where["open"]:
                stuck = not dialog["focusable"]
                fail(
                    trigger,
                    "violation" if stuck else "review",
                    "2.1.2" if stuck else "2.1.1",
                    "does not close with Escape"
                    + (
                        ", and nothing in it can take keyboard focus to close it: keyboard "
                        "users are stuck in it."
                        if stuck
                        else "; check its close button works with the keyboard (Escape is "
                        "what most keyboard users try first)."
                    ),
                    **data,
                )
                # Nothing more to learn from this dialog; start again from a clean page.
                effects.allow_navigation = True
                await page.reload(wait_until="load")
                effects.allow_navigation = False
                await evaluate(page, _TRIGGERS_JS, MAX_TRIGGERS)
                continue
            if not await page.evaluate(_ON_TRIGGER_JS, index):
                fail(
                    trigger,
                    "violation",
                    "2.4.3",
                    "does not give focus back to this control when it closes, so keyboard "
                    "users lose their place and start again from the top of the page.",
                    focus_went_to=where["selector"] or "body",
                    **data,
                )
    return findings
