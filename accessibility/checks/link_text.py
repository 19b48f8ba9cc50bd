"""Link purpose (WCAG 2.4.4; 2.4.9 for link text alone): links that say where they go.

"Click here" or "Read more" tells a screen reader user listing the page's links nothing. WCAG
2.4.4 lets the surrounding sentence, list item or table cell supply the purpose, so a generic
link alone in its block is a violation and a generic link inside a longer sentence is for
review. The same text leading to different places on one page is for review (2.4.9 makes it
a failure only at AAA, but it confuses everyone).
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urldefrag

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="link-text",
    title="Link text makes sense out of context",
    wcag=("2.4.4",),
    level="A",
    impact="serious",
    how_to_fix=(
        "Write link text that says where the link goes, for example 'Apply for a parking "
        "permit' instead of 'click here' or 'read more'."
    ),
    reads_only=True,
)

GENERIC = frozenset(
    {
        "click",
        "click here",
        "click this link",
        "continue reading",
        "details",
        "download",
        "find out more",
        "go",
        "here",
        "info",
        "learn more",
        "link",
        "more",
        "more details",
        "more info",
        "more information",
        "press here",
        "read more",
        "see more",
        "this",
        "this link",
        "this page",
        "view",
        "view more",
    }
)
_PUNCT = re.compile(r"[^\w\s]+")
_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)

_LINKS_JS = """
() => {
  const rv = window.__rv;
  const out = [];
  for (const a of Array.from(document.querySelectorAll('a[href], [role="link"]')).slice(0, 1500)) {
    if (rv.hiddenFromAT(a)) continue;
    if (!rv.visible(a)) continue;
    const block = a.closest('p, li, td, th, dd, dt, figcaption, blockquote');
    let blockText = block ? block.innerText.replace(/\\s+/g, ' ').trim() : '';
    // WCAG's link context includes a table cell's header cells: a row header naming the
    // thing ("Annual report 2025 | Download") counts as context.
    if (block && block.localName === 'td') {
      const row = block.closest('tr');
      const header = row && row.querySelector('th');
      if (header) blockText += ' ' + header.innerText.replace(/\\s+/g, ' ').trim();
    }
    out.push(rv.describe(a, {
      name: rv.name(a).replace(/\\s+/g, ' ').trim(),
      href: a.href || '',
      describedby: !!(a.getAttribute('aria-describedby') || '').trim(),
      blockText,
    }));
  }
  return out;
}
"""


def normalise_text(text: str) -> str:
    """Lower-case, punctuation (arrows, ellipses) dropped, spaces collapsed."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def _destination(href: str) -> str:
    return urldefrag(href)[0].rstrip("/")


@register(META)
async def check_link_text(page: Page, ctx: CheckContext) -> list[Finding]:
    """Generic text (violation alone, review in a sentence), URL text, same text to two places."""
    links = await evaluate(page, _LINKS_JS)
    findings: list[Finding] = []
    by_text: dict[str, list[dict[str, str]]] = defaultdict(list)
    for link in links:
        text = normalise_text(link["name"])
        if not text:
            continue  # no accessible name at all: axe's link-name rule reports that
        if link["href"] and not link["href"].startswith(("javascript:", "mailto:", "tel:")):
            by_text[text].append(link)
        if text in GENERIC and not link["describedby"]:
            alone = normalise_text(link["blockText"]) in ("", text)
            findings.append(
                ctx.finding(
                    META,
                    kind="violation" if alone else "review",
                    selector=link["selector"],
                    snippet=link["snippet"],
                    message=f"The link text '{link['name']}' does not say where the link goes"
                    + (
                        "."
                        if alone
                        else "; check the sentence around it makes that clear, or better, "
                        "put the destination in the link text."
                    ),
                )
            )
        elif _URL.match(link["name"].strip()):
            findings.append(
                ctx.finding(
                    META,
                    kind="review",
                    selector=link["selector"],
                    snippet=link["snippet"],
                    impact="minor",
                    message="The link text is a web address, which screen readers read out "
                    "character by character; use words that describe the destination.",
                )
            )
    for text, group in by_text.items():
        if text in GENERIC:
            continue  # already reported above
        destinations = {_destination(link["href"]) for link in group}
        if len(destinations) > 1:
            first, other = (
                group[0],
                next(
                    link
                    for link in group
                    if _destination(link["href"]) != _destination(group[0]["href"])
                ),
            )
            findings.append(
                ctx.finding(
                    META,
                    kind="review",
                    selector=other["selector"],
                    snippet=other["snippet"],
                    impact="moderate",
                    message=f"Links with the same text '{first['name']}' go to "
                    f"{len(destinations)} different places on this page; make each link's "
                    "text say where it goes.",
                    data={"destinations": sorted(destinations)},
                )
            )
    return findings
