"""On input (WCAG 3.2.2): changing a setting does not change the context without warning.

An area picker that jumps to another page the moment an option is chosen, or a sort menu
with ``onchange="this.form.submit()"``, takes keyboard users away before they reach the option
they wanted (arrowing through a closed ``select`` changes its value at each step), and
surprises screen reader users. For each visible, enabled ``select`` (and radio and checkbox)
we choose another option as a user would (Playwright's ``select_option``/``check``, which
fire ``input`` and ``change``) and watch what follows with ``activation.watch_effects``: a
navigation of the page (followed links and submitted forms are answered 204, so the page
stays) or a new window is a change of context. A control whose label, description, hint or
the text just before it says what will happen ("takes you to its page straight away") is
warned about and left alone, as the criterion allows; a ``select`` with a Go button, or one
that only rewrites part of the page, changes no context and is not reported. A page that
navigates by itself while we watch it idle is not judged.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from accessibility.checks.activation import SETTLE_S, watch_effects
from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="context-change",
    title="Choosing an option does not take you somewhere else without warning",
    wcag=("3.2.2",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Add a button (Go, Apply, Sort) that the user presses after choosing; or, if the "
        "page must change at once, say so in the label or hint before the control."
    ),
    mutates_page=True,
)

#: Never try more than this many controls on one page.
MAX_CONTROLS = 8

_CANDIDATES_JS = r"""
(limit) => {
  const rv = window.__rv;
  const warn = new RegExp('(takes? you|will (take you|go|open|load|reload|refresh|submit|' +
    'update the page|change the page|redirect)|straight away|immediately|automatically|' +
    'as soon as you (choose|select|pick))', 'i');
  const textOf = (el) => (el ? (el.innerText || el.textContent || '') : '');
  const warned = (el) => {
    const parts = [rv.name(el), textOf(el.closest('label'))];
    for (const label of Array.from(el.labels || [])) parts.push(textOf(label));
    for (const id of (el.getAttribute('aria-describedby') || '').split(/\s+/)) {
      if (id) parts.push(textOf(document.getElementById(id)));
    }
    const fieldset = el.closest('fieldset');
    if (fieldset) parts.push(textOf(fieldset.querySelector('legend')));
    let prev = el.previousElementSibling;
    for (let i = 0; prev && i < 3; i++, prev = prev.previousElementSibling) {
      parts.push(textOf(prev));
    }
    return parts.some((t) => warn.test(t));
  };
  const out = [];
  const all = document.querySelectorAll(
    'select:not([multiple]), input[type="radio"], input[type="checkbox"]');
  const radioGroups = new Set();
  for (const el of Array.from(all).slice(0, 300)) {
    if (el.disabled || el.closest('[inert], fieldset[disabled]')) continue;
    if (!rv.visible(el) && !(el.labels && Array.from(el.labels).some((l) => rv.visible(l)))) {
      continue;
    }
    let option = null;
    if (el.localName === 'select') {
      const other = Array.from(el.options).find((o, i) => i !== el.selectedIndex && !o.disabled
        && o.value !== '');
      if (!other) continue;
      option = other.value;
    } else if (el.type === 'radio') {
      if (el.checked) continue;
      const group = (el.form ? 'f' : 'd') + ':' + el.name;
      if (el.name && radioGroups.has(group)) continue;
      radioGroups.add(group);
    }
    el.setAttribute('data-rv-change', String(out.length));
    out.push(rv.describe(el, {kind: el.localName === 'select' ? 'select' : el.type,
      option, warned: warned(el), name: rv.name(el).slice(0, 60)}));
    if (out.length >= limit) break;
  }
  return out;
}
"""

_CLEANUP_JS = """
() => document.querySelectorAll('[data-rv-change]')
  .forEach((el) => el.removeAttribute('data-rv-change'))
"""


async def _change(page: Page, index: int, control: dict[str, Any]) -> bool:
    target = page.locator(f'[data-rv-change="{index}"]')
    try:
        if control["kind"] == "select":
            await target.select_option(value=control["option"], timeout=1000)
        else:
            await target.set_checked(not await target.is_checked(), timeout=1000, force=True)
    except PlaywrightError:
        return False
    return True


@register(META)
async def check_context_change(page: Page, ctx: CheckContext) -> list[Finding]:
    """Violation for each unwarned control whose change alone navigates or opens a window."""
    controls = await evaluate(page, _CANDIDATES_JS, MAX_CONTROLS)
    if not controls:
        await page.evaluate(_CLEANUP_JS)
        ctx.untouched = True
        return []
    findings: list[Finding] = []
    async with watch_effects(page) as effects:
        if effects.navigations:
            await page.evaluate(_CLEANUP_JS)
            return []  # it navigated by itself while we learnt its noise: not judged
        for index, control in enumerate(controls):
            await effects.start()
            if not await _change(page, index, control):
                continue
            result = await effects.effect(settle_s=SETTLE_S * 0.8)
            if not (result["navigated"] or result["opened"]) or control["warned"]:
                continue
            went = "opens a new window" if result["opened"] else "loads another page"
            what = control["kind"] + (f" '{control['name']}'" if control["name"] else "")
            findings.append(
                ctx.finding(
                    META,
                    kind="violation",
                    selector=control["selector"],
                    snippet=control["snippet"],
                    message=(
                        f"Changing this {what} {went} at once, with no warning and no button "
                        "to press, so keyboard users are taken away while they move through "
                        "the options."
                    ),
                    data={"navigations": effects.navigations[:3]},
                )
            )
    await page.evaluate(_CLEANUP_JS)
    return findings
