"""Links that do nothing (WCAG 2.4.4, 4.1.2): ``href="#"`` and ``javascript:`` links that,
followed, go nowhere and change nothing.

A script-driven link (``href="#"``, ``href="javascript:void(0)"``) is announced as a link, so
a screen reader user expects it to lead somewhere; when its script is missing or broken it
does nothing at all, for anyone. We click each such link with the mouse (the most generous
activation: pointer, mouse and click handlers all fire) and watch for any effect
(``activation.py``: DOM changes, navigation, a new window, a hash change to a real target).
A jump to the bare ``#`` (the top of the page) is not an effect. No effect at all is for
review: the link may be waiting on something we cannot see, but usually its purpose is lost.
"""

from __future__ import annotations

from urllib.parse import urldefrag

from playwright.async_api import Page

from accessibility.checks.activation import watch_effects
from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="link-dead",
    title="Script links do something when followed",
    wcag=("2.4.4", "4.1.2"),
    level="A",
    impact="serious",
    how_to_fix=(
        "Give the link a real href to the content it shows, or, if it acts on the page, "
        "make it a <button> whose script works."
    ),
    mutates_page=True,
)

MAX_LINKS = 10
_SETTLE_S = 0.4

_CANDIDATES_JS = """
(limit) => {
  const rv = window.__rv;
  const out = [];
  for (const a of Array.from(document.querySelectorAll('a[href]')).slice(0, 1500)) {
    const href = (a.getAttribute('href') || '').trim().toLowerCase();
    if (!(href === '#' || href.startsWith('javascript:'))) continue;
    if (!rv.visible(a) || rv.hiddenFromAT(a) || a.closest('[inert]')) continue;
    a.setAttribute('data-rv-dead', String(out.length));
    out.push(rv.describe(a, {name: rv.name(a).slice(0, 60)}));
    if (out.length >= limit) break;
  }
  return out;
}
"""

_POINT_JS = """
(i) => {
  const a = document.querySelector('[data-rv-dead="' + i + '"]');
  if (!a) return null;
  a.scrollIntoView({block: 'center'});
  const r = a.getClientRects()[0];
  if (!r) return null;
  const x = r.left + Math.min(r.width / 2, 10), y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  return hit && (hit === a || a.contains(hit)) ? {x, y} : null;
}
"""


def _went_somewhere(effect: dict[str, object]) -> bool:
    before, after = str(effect["hrefBefore"]), str(effect["hrefAfter"])
    if urldefrag(before)[0] != urldefrag(after)[0]:
        return True
    return bool(urldefrag(after)[1]) and after != before


@register(META)
async def check_dead_links(page: Page, ctx: CheckContext) -> list[Finding]:
    """Review each href="#" or javascript: link whose click has no effect at all."""
    links = await evaluate(page, _CANDIDATES_JS, MAX_LINKS)
    if not links:
        ctx.untouched = True
        return []
    findings: list[Finding] = []
    async with watch_effects(page) as effects:
        for index, link in enumerate(links):
            point = await page.evaluate(_POINT_JS, index)
            if point is None:
                continue  # covered by something else: a click would not reach it
            await effects.start()
            await page.mouse.click(point["x"], point["y"])
            effect = await effects.effect(_SETTLE_S)
            acted = effect["mutations"] or effect["opened"] or effect["navigated"]
            if acted or _went_somewhere(effect):
                continue
            findings.append(
                ctx.finding(
                    META,
                    kind="review",
                    selector=link["selector"],
                    snippet=link["snippet"],
                    message="Following this link"
                    + (f" ('{link['name']}')" if link["name"] else "")
                    + " did nothing that we could see: it went nowhere and changed nothing on "
                    "the page. Check its script works, or remove it.",
                )
            )
    return findings
