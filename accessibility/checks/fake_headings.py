"""Text that looks like a heading but is not one (WCAG 1.3.1, technique failure F2).

A sighted reader sees a big bold line above a paragraph and takes it for a heading; a screen
reader user jumping by headings never finds it. We are sure when a short line in the main
content, alone in its own block and not a heading, label, link, button, caption or table
cell, is bold and drawn at least 1.2 times the size of the page's body text, and running text
follows it. Bold text at body size is left alone: lead-ins ("Important:") and key facts look
like that on purpose.
"""

from __future__ import annotations

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="fake-headings",
    title="Text that looks like a heading is marked up as one",
    wcag=("1.3.1",),
    level="A",
    impact="moderate",
    how_to_fix=(
        "Mark the line up as a heading of the right level (<h2>, <h3>…) and style the heading, "
        "instead of styling a paragraph to look like one."
    ),
    reads_only=True,
)

#: Bold text at least this many times the body text size reads as a heading.
SIZE_RATIO = 1.2

_CANDIDATES_JS = """
(ratio) => {
  const rv = window.__rv;
  const root = document.querySelector('main, [role="main"]') || document.body;
  if (!root) return [];
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const size = (el) => parseFloat(getComputedStyle(el).fontSize) || 0;
  // Body text size: the most common size among paragraphs with a sentence in them.
  const counts = new Map();
  for (const p of Array.from(root.querySelectorAll('p, li, dd')).slice(0, 2000)) {
    if (norm(p.textContent).split(' ').length < 6) continue;
    const s = size(p);
    counts.set(s, (counts.get(s) || 0) + 1);
  }
  let body = parseFloat(getComputedStyle(root).fontSize) || 16, best = 0;
  for (const [s, n] of counts) if (n > best) { best = n; body = s; }
  const NOT = 'h1, h2, h3, h4, h5, h6, [role="heading"], label, legend, caption, th, td, ' +
    'summary, button, a, figcaption, dt, header, footer, nav, aside, form, table, ' +
    '[role="button"], [role="link"], [role="alert"], [role="status"], dialog, [role="dialog"]';
  const out = [];
  for (const el of Array.from(root.querySelectorAll('p, div, span, strong, b')).slice(0, 4000)) {
    const text = norm(el.innerText);
    if (!text || text.length > 80 || text.split(' ').length > 10) continue;
    if (/[.,;:!?]$/.test(text) || el.closest(NOT) || !rv.visible(el) || rv.hiddenFromAT(el)) {
      continue;
    }
    // The line is its own block: no element children other than inline phrasing wrappers.
    if (el.querySelector('p, div, ul, ol, table, input, select, textarea, img, a, button')) {
      continue;
    }
    const block = ['p', 'div'].includes(el.localName) ? el : el.parentElement;
    if (!block || !['p', 'div'].includes(block.localName) || norm(block.innerText) !== text) {
      continue;
    }
    if (block !== el && block.closest(NOT)) continue;
    const style = getComputedStyle(el);
    const weight = parseInt(style.fontWeight, 10) || 400;
    if (weight < 600 || size(el) < body * ratio) continue;
    // Running text must follow: a heading introduces something.
    let next = block.nextElementSibling;
    while (next && !rv.visible(next)) next = next.nextElementSibling;
    if (!next || !next.matches('p, ul, ol, dl, table, div') || norm(next.innerText).length < 20) {
      continue;
    }
    if (size(next) >= size(el)) continue;
    out.push(rv.describe(block, {text, size: size(el), body, weight}));
  }
  const seen = new Set();
  return out.filter((c) => !seen.has(c.selector) && seen.add(c.selector));
}
"""


@register(META)
async def check_fake_headings(page: Page, ctx: CheckContext) -> list[Finding]:
    """One violation per big bold line, outside any heading, that introduces running text."""
    findings: list[Finding] = []
    for line in await evaluate(page, _CANDIDATES_JS, SIZE_RATIO):
        findings.append(
            ctx.finding(
                META,
                kind="violation",
                selector=line["selector"],
                snippet=line["snippet"],
                message=(
                    f"'{line['text']}' looks like a heading (bold, {line['size']:.0f} px against "
                    f"{line['body']:.0f} px body text) but is not marked up as one, so people "
                    "who move through a page by its headings never reach it."
                ),
                data={"font_size": line["size"], "body_font_size": line["body"]},
            )
        )
    return findings
