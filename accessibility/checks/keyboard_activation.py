"""Keyboard activation (WCAG 2.1.1, 4.1.2): custom buttons and links do with a key what they
do with a click.

A ``div role="button"`` that can take focus still does nothing with the keyboard unless its
author wrote key handling, and often they handle only Enter, or only a click. For each
focusable element that *says* it is a button (``role=button``) or a link (``role=link``, or
an ``<a>`` without ``href`` given ``tabindex``), we focus it and press Enter (and, for a
button, Space), then click it, and compare the effects (DOM changes, navigation, a new
window, a hash change; see ``activation.py``). Only when the click does something and the key
does nothing is it reported, and then for sure: the user was promised a control that the
keyboard cannot work. Native ``<button>`` and ``<a href>`` are left alone: the browser makes
them work. Elements the keyboard cannot reach at all are the ``keyboard`` and ``mouse-only``
checks' business.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from accessibility.checks.activation import watch_effects
from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="keyboard-activation",
    title="Custom buttons and links work with Enter (and buttons with Space)",
    wcag=("2.1.1", "4.1.2"),
    level="A",
    impact="critical",
    how_to_fix=(
        "Use a real <button> or <a href>: they work with the keyboard by themselves. If you "
        'must keep role="button", handle keydown for Enter and Space (and role="link": '
        "Enter) to do what the click does."
    ),
    mutates_page=True,
)

#: Never test more than this many controls on one page (each costs three actions).
MAX_CONTROLS = 15

_CANDIDATES_JS = """
(limit) => {
  const rv = window.__rv;
  const out = [];
  const all = document.querySelectorAll('[role="button"], [role="link"], a:not([href])[tabindex]');
  for (const el of Array.from(all).slice(0, 500)) {
    if (el.matches('button, input, select, textarea, summary, a[href], area[href]')) continue;
    if (el.tabIndex < 0 || !rv.visible(el) || rv.hiddenFromAT(el)) continue;
    if (el.getAttribute('aria-disabled') === 'true' || el.closest('[inert]')) continue;
    const role = (el.getAttribute('role') || '').trim().split(/\\s+/)[0] ||
      (el.localName === 'a' ? 'link' : '');
    if (role !== 'button' && role !== 'link') continue;
    el.setAttribute('data-rv-activation', String(out.length));
    out.push(rv.describe(el, {role, name: rv.name(el).slice(0, 60)}));
    if (out.length >= limit) break;
  }
  return out;
}
"""

_FOCUS_JS = """
(i) => {
  const el = document.querySelector('[data-rv-activation="' + i + '"]');
  if (!el || !el.isConnected) return false;
  el.focus({preventScroll: false});
  return document.activeElement === el;
}
"""

_CLICK_JS = """
(i) => {
  const el = document.querySelector('[data-rv-activation="' + i + '"]');
  if (!el) return false;
  el.click();
  return true;
}
"""

_CLEANUP_JS = """
() => document.querySelectorAll('[data-rv-activation]')
  .forEach((el) => el.removeAttribute('data-rv-activation'))
"""


async def _press(page: Page, effects: Any, index: int, key: str) -> dict[str, Any] | None:
    if not await page.evaluate(_FOCUS_JS, index):
        return None
    await effects.start()
    await page.keyboard.press(key)
    result: dict[str, Any] = await effects.effect()
    return result


@register(META)
async def check_keyboard_activation(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each key a custom control ignores while its click does something."""
    controls = await evaluate(page, _CANDIDATES_JS, MAX_CONTROLS)
    if not controls:
        await page.evaluate(_CLEANUP_JS)
        ctx.untouched = True
        return []
    findings: list[Finding] = []
    async with watch_effects(page) as effects:
        for index, control in enumerate(controls):
            keys = ["Enter", "Space"] if control["role"] == "button" else ["Enter"]
            pressed = {key: await _press(page, effects, index, key) for key in keys}
            if any(result is None for result in pressed.values()):
                continue  # it went away or would not take focus: nothing fair to compare
            await effects.start()
            if not await page.evaluate(_CLICK_JS, index):
                continue
            clicked = await effects.effect()
            if not clicked["acted"]:
                continue  # a click does nothing either (or needs a real mouse): not judged
            dead = [key for key, result in pressed.items() if result and not result["acted"]]
            if not dead:
                continue
            role = control["role"]
            what = f"role={role}" + (f" '{control['name']}'" if control["name"] else "")
            none_work = len(dead) == len(keys)
            findings.append(
                ctx.finding(
                    META,
                    kind="violation",
                    selector=control["selector"],
                    snippet=control["snippet"],
                    wcag=["2.1.1"] if none_work else ["4.1.2"],
                    message=f"This control ({what}) does something when clicked but nothing "
                    f"when focused and {' or '.join(dead)} is pressed"
                    + (
                        ", so keyboard users cannot use it."
                        if none_work
                        else f"; a {role} must also work with {' and '.join(dead)}, which "
                        "is what keyboard and screen reader users will press."
                    ),
                    data={"keys_without_effect": dead},
                )
            )
    await page.evaluate(_CLEANUP_JS)
    return findings
