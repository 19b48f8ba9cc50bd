"""Content on hover or focus (WCAG 1.4.13, AA): tooltips that can be dismissed and hovered.

Candidates are elements that CSS reveals something from (``X:hover Y``, ``X:hover + Y``),
elements whose ``aria-describedby`` points at hidden content (the tooltip pattern) and the
usual tooltip-library markers (``data-tooltip``, Bootstrap's ``data-bs-toggle``, Tippy). For each,
we move the mouse onto it and look for newly visible content. Then: pressing Escape must hide
it (dismissible), and moving the pointer onto it must not hide it (hoverable). Either failure
is a violation: that is exactly what WCAG's test procedure does.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="hover-content",
    title="Content that appears on hover can be dismissed and hovered",
    wcag=("1.4.13",),
    level="AA",
    impact="serious",
    how_to_fix=(
        "Let Escape close tooltips and pop-ups without moving the pointer, and keep them open "
        "while the pointer is over them (put the trigger and the pop-up in one hover area)."
    ),
)

MAX_TRIGGERS = 20
SETTLE_MS = 250

_CANDIDATES_JS = """
() => {
  const rv = window.__rv;
  const triggers = new Set();
  const fromRules = (rules) => {
    for (const rule of Array.from(rules || [])) {
      if (rule.cssRules && !rule.selectorText) { fromRules(rule.cssRules); continue; }
      if (!rule.selectorText || !rule.selectorText.includes(':hover')) continue;
      for (const sel of rule.selectorText.split(',')) {
        const at = sel.indexOf(':hover');
        if (at < 0) continue;
        const rest = sel.slice(at + 6).trim();
        if (!rest || !/^[\\s>+~]|^[.#\\[a-z]/i.test(sel.slice(at + 6))) continue;
        if (!/^[\\s>+~]/.test(sel.slice(at + 6))) continue;  // something else is revealed
        const head = sel.slice(0, at).replace(/:[a-z-]+(\\([^)]*\\))?$/i, '').trim();
        try {
          for (const el of document.querySelectorAll(head || '*')) triggers.add(el);
        } catch (e) { /* selector we cannot query */ }
      }
    }
  };
  for (const sheet of Array.from(document.styleSheets)) {
    try { fromRules(sheet.cssRules); } catch (e) { /* cross-origin sheet */ }
  }
  // Tooltip libraries' usual markers (their pop-ups are made by script on mouseenter).
  for (const el of document.querySelectorAll('[data-tooltip], [data-toggle="tooltip"], ' +
      '[data-bs-toggle="tooltip"], [data-tippy-content], [data-balloon]')) triggers.add(el);
  for (const el of document.querySelectorAll('[aria-describedby]')) {
    const ids = el.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean);
    if (ids.some((id) => { const t = document.getElementById(id);
                           return t && !rv.visible(t); })) triggers.add(el);
  }
  const out = [];
  let n = 0;
  for (const el of triggers) {
    if (!rv.visible(el) || el === document.body || el === document.documentElement) continue;
    el.setAttribute('data-rv-trigger', String(n));
    out.push(rv.describe(el, {index: n}));
    n += 1;
    if (n >= MAX) break;
  }
  return out;
}
"""

_VISIBLE_SET_JS = """
() => {
  window.__rvShown = new WeakSet();
  for (const el of document.body.querySelectorAll('*')) {
    if (window.__rv.visible(el)) window.__rvShown.add(el);
  }
}
"""

_NEW_CONTENT_JS = """
(index) => {
  const rv = window.__rv;
  const trigger = document.querySelector('[data-rv-trigger="' + index + '"]');
  const fresh = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el === trigger || window.__rvShown.has(el) || !rv.visible(el)) continue;
    if (!(el.innerText || '').trim()) continue;
    if (fresh.some((f) => f.contains(el))) continue;
    fresh.push(el);
  }
  window.__rvFresh = fresh;
  if (!fresh.length) return null;
  const r = fresh[0].getBoundingClientRect();
  return Object.assign(rv.describe(fresh[0]), {x: r.left + r.width / 2, y: r.top + r.height / 2});
}
"""

_STILL_SHOWN_JS = "() => (window.__rvFresh || []).some((el) => window.__rv.visible(el))"


async def _hover(page: Page, index: int) -> dict[str, Any] | None:
    box = await page.evaluate(
        """(i) => { const el = document.querySelector('[data-rv-trigger="' + i + '"]');
             el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();
             return {x: r.left + Math.min(r.width / 2, 20), y: r.top + r.height / 2}; }""",
        index,
    )
    await page.mouse.move(box["x"], box["y"], steps=2)
    await page.wait_for_timeout(SETTLE_MS)
    shown: dict[str, Any] | None = await page.evaluate(_NEW_CONTENT_JS, index)
    return shown


async def _away(page: Page) -> None:
    await page.mouse.move(0, 0)
    await page.keyboard.press("Escape")
    await page.wait_for_timeout(50)


@register(META)
async def check_hover_content(page: Page, ctx: CheckContext) -> list[Finding]:
    """Hover each candidate; Escape must hide what appears, and the pointer may rest on it."""
    candidates = await evaluate(page, _CANDIDATES_JS.replace("MAX", str(MAX_TRIGGERS)))
    findings: list[Finding] = []
    for trigger in candidates:
        index = trigger["index"]
        await _away(page)
        await page.evaluate(_VISIBLE_SET_JS)
        if await _hover(page, index) is None:
            continue
        # Content that stays when the pointer leaves was not caused by hovering (a timer, a
        # carousel): not what 1.4.13 is about, so leave it alone.
        await page.mouse.move(0, 0)
        await page.wait_for_timeout(SETTLE_MS)
        if await page.evaluate(_STILL_SHOWN_JS):
            continue
        problems = []
        await _away(page)
        await page.evaluate(_VISIBLE_SET_JS)
        shown = await _hover(page, index)
        if shown is None:
            continue
        await page.keyboard.press("Escape")
        await page.wait_for_timeout(SETTLE_MS)
        if await page.evaluate(_STILL_SHOWN_JS):
            problems.append("cannot be dismissed with the Escape key")
        await _away(page)
        await page.evaluate(_VISIBLE_SET_JS)
        again = await _hover(page, index)
        if again is not None:
            await page.mouse.move(again["x"], again["y"], steps=4)
            await page.wait_for_timeout(SETTLE_MS)
            if not await page.evaluate(_STILL_SHOWN_JS):
                problems.append("disappears when the pointer moves onto it")
        if problems:
            findings.append(
                ctx.finding(
                    META,
                    kind="violation",
                    selector=trigger["selector"],
                    snippet=trigger["snippet"],
                    message="Content that appears when the pointer is over this element "
                    + " and ".join(problems)
                    + ", which blocks people who magnify the screen.",
                    data={"popup": shown["selector"]},
                )
            )
    await _away(page)
    return findings
