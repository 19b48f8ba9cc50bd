"""Duplicate ids that ARIA and labels point at (WCAG 4.1.2 and 1.3.1).

``aria-labelledby``, ``aria-describedby``, ``aria-controls``, ``aria-errormessage``,
``aria-owns``, ``aria-activedescendant``, ``aria-details`` and ``<label for>`` name one
element by its id. When two elements share that id, browsers take the first, so a field
gets the wrong label or error message, or none. Duplicate ids nobody points at no longer fail
WCAG 2.2 (4.1.1 is obsolete) and are not reported. Sure: a referenced id held by two or more
elements.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="duplicate-ids",
    title="Ids that labels and ARIA point at are unique",
    wcag=("4.1.2", "1.3.1"),
    level="A",
    impact="serious",
    how_to_fix=(
        "Give every element an id of its own, and point labels and aria-* references at "
        "the id of the element that should be read."
    ),
    reads_only=True,
)

REFERENCING = (
    "aria-labelledby",
    "aria-describedby",
    "aria-controls",
    "aria-errormessage",
    "aria-owns",
    "aria-activedescendant",
    "aria-details",
    "aria-flowto",
)

_DUPLICATES_JS = """
(attributes) => {
  const rv = window.__rv;
  if (!document.body) return [];
  const holders = new Map();
  for (const el of Array.from(document.querySelectorAll('[id]')).slice(0, 20000)) {
    if (!el.id) continue;
    if (!holders.has(el.id)) holders.set(el.id, []);
    holders.get(el.id).push(el);
  }
  const out = [];
  const refs = attributes.map((a) => '[' + a + ']').join(', ') + ', label[for]';
  for (const el of Array.from(document.querySelectorAll(refs)).slice(0, 5000)) {
    const names = el.localName === 'label' ? ['for'] : attributes.filter((a) => el.hasAttribute(a));
    for (const attr of names) {
      for (const id of (el.getAttribute(attr) || '').trim().split(/\\s+/).filter(Boolean)) {
        const found = holders.get(id) || [];
        if (found.length < 2) continue;
        out.push(rv.describe(el, {attr, id, count: found.length,
                                  others: found.map((f) => rv.snippet(f).slice(0, 120))}));
      }
    }
  }
  return out;
}
"""


@register(META)
async def check_duplicate_ids(page: Page, ctx: CheckContext) -> list[Finding]:
    """One violation per reference (attribute and id) that names an id held twice or more."""
    findings: list[Finding] = []
    for ref in await evaluate(page, _DUPLICATES_JS, list(REFERENCING)):
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=ref["selector"],
                snippet=ref["snippet"],
                message=(
                    f"This element's {ref['attr']} points at id '{ref['id']}', which "
                    f"{ref['count']} elements share; browsers use the first, so assistive "
                    "technology may read the wrong text or none."
                ),
                wcag=["1.3.1"] if ref["attr"] == "for" else ["4.1.2"],
                data={"id": ref["id"], "attribute": ref["attr"], "holders": ref["count"]},
            )
        )
    return findings
