"""Mouse-only controls (WCAG 2.1.1): click handlers on things a keyboard cannot reach.

The ``keyboard`` check finds controls that *say* they are controls (a role, an inline
``onclick``). This one finds the quiet ones: a ``div``, ``span`` or ``img`` given a click,
mousedown or pointer handler with ``addEventListener``, and nothing else. We ask Chromium for
the real listeners (the DevTools Protocol's ``DOMDebugger.getEventListeners`` over the whole
document), not guess from ``cursor: pointer``. A listener on an element that is not focusable,
sits inside no focusable control or label, holds none, and is visible is a sure violation:
no key can fire it. Listeners on ``html``/``body``/``document`` (delegation) are left alone.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import ensure_helpers
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="mouse-only",
    title="Controls with click handlers work with a keyboard",
    wcag=("2.1.1",),
    level="A",
    impact="critical",
    how_to_fix=(
        "Use a <button> (or <a href> for navigation) instead of a clickable div, span or "
        "image: it is focusable and works with Enter and Space without extra code."
    ),
)

_POINTER_EVENTS = frozenset(
    {"click", "dblclick", "mousedown", "mouseup", "pointerdown", "pointerup", "touchstart"}
)
#: At most this many elements with listeners are inspected, to bound a hostile page.
_MAX_NODES = 200

#: Runs on one element (``this``); returns its description when no keyboard can fire it.
_INSPECT_JS = """function () {
  const el = this, rv = window.__rv;
  if (!rv || !(el instanceof HTMLElement) || ['html', 'body'].includes(el.localName)) return null;
  if (el.hasAttribute('role') || el.hasAttribute('onclick')) return null;  // keyboard check's
  const CONTROL = 'a[href], area[href], button, input, select, textarea, iframe, summary, ' +
    'label, audio[controls], video[controls], [contenteditable]:not([contenteditable="false"]), ' +
    '[tabindex]:not([tabindex^="-"])';
  if (el.tabIndex >= 0 || el.closest(CONTROL) || el.querySelector(CONTROL)) return null;
  if (!rv.visible(el) || !(el.textContent.trim() || el.querySelector('img, svg')
      || el.localName === 'img')) return null;
  return rv.describe(el, {tag: el.localName, name: rv.name(el).slice(0, 80)});
}"""


@register(META)
async def check_mouse_only(page: Page, ctx: CheckContext) -> list[Finding]:
    """Each visible, unfocusable element with its own pointer listener is a violation."""
    await ensure_helpers(page)
    cdp = await page.context.new_cdp_session(page)
    try:
        doc = await cdp.send("Runtime.evaluate", {"expression": "document"})
        object_id = doc.get("result", {}).get("objectId")
        if not object_id:
            return []
        listeners = await cdp.send(
            "DOMDebugger.getEventListeners",
            {"objectId": object_id, "depth": -1, "pierce": True},
        )
        # Each node once, in document order (a dict keeps insertion order).
        nodes = list(
            dict.fromkeys(
                listener["backendNodeId"]
                for listener in listeners.get("listeners", [])
                if listener.get("type") in _POINTER_EVENTS and listener.get("backendNodeId")
            )
        )
        findings: list[Finding] = []
        for node in nodes[:_MAX_NODES]:
            item = await _inspect(cdp, node)
            if item is None:
                continue
            findings.append(
                ctx.finding(
                    META,
                    kind="violation",
                    selector=item["selector"],
                    snippet=item["snippet"],
                    message=f"This <{item['tag']}>"
                    + (f" ('{item['name']}')" if item.get("name") else "")
                    + " does something when clicked, but it cannot be focused, so keyboard "
                    "users cannot use it. Make it a <button> or <a href>.",
                )
            )
        return findings
    finally:
        await cdp.detach()


async def _inspect(cdp: Any, backend_node_id: int) -> dict[str, Any] | None:
    try:
        resolved = await cdp.send("DOM.resolveNode", {"backendNodeId": backend_node_id})
    except Exception:  # the node went away, or is not in this document
        return None
    object_id = resolved.get("object", {}).get("objectId")
    if not object_id:
        return None
    out = await cdp.send(
        "Runtime.callFunctionOn",
        {"functionDeclaration": _INSPECT_JS, "objectId": object_id, "returnByValue": True},
    )
    value = out.get("result", {}).get("value")
    return value if isinstance(value, dict) else None
