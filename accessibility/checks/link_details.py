"""What a link tells before it is followed (WCAG 2.4.4; 3.2.5 and GOV.UK guidance for review).

- link text that is only punctuation or symbols (``»``, ``→``, ``...``) with no other name: a
  violation of 2.4.4, since screen readers read the symbol, or nothing;
- a link to a file (PDF, Word, Excel, ODF, CSV, zip) that does not say the file type, or says
  it but not the size: for review (people on phones or screen readers need to know before
  they download; GOV.UK asks for both);
- a link that opens a new window or tab (``target="_blank"``) without saying so: for review
  (3.2.5 is AAA; a warning helps everyone who loses their way back);
- an image link and a text link next to each other going to the same place: for review
  (two tab stops and two announcements for one destination; join them in one link).
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlparse

from playwright.async_api import Page

from accessibility.checks.base import CheckContext, CheckMeta
from accessibility.checks.dom import evaluate
from accessibility.checks.registry import register
from accessibility.findings import Finding

META = CheckMeta(
    id="link-details",
    title="Links say what they lead to: words, file type and size, new windows",
    wcag=("2.4.4",),
    level="A",
    impact="moderate",
    how_to_fix=(
        "Put words in every link; for files, name the type and size in the link text "
        "('Annual report (PDF, 2 MB)'); say '(opens in new tab)' when a link does; and "
        "join an image and its text link into one link."
    ),
    reads_only=True,
)

FILE_TYPES = {
    "pdf": "PDF",
    "doc": "Word",
    "docx": "Word",
    "xls": "Excel",
    "xlsx": "Excel",
    "ppt": "PowerPoint",
    "pptx": "PowerPoint",
    "odt": "ODT",
    "ods": "ODS",
    "odp": "ODP",
    "csv": "CSV",
    "rtf": "RTF",
    "zip": "ZIP",
}
_TYPE_WORDS = re.compile(
    r"\b(pdf|word|docx?|excel|xlsx?|spreadsheet|powerpoint|pptx?|odt|ods|odp|opendocument|"
    r"csv|rtf|zip)\b",
    re.IGNORECASE,
)
_SIZE = re.compile(r"\b\d+(\.\d+)?\s?(kb|mb|gb|bytes?|kilobytes?|megabytes?)\b", re.IGNORECASE)
_NEW_WINDOW = re.compile(r"new (window|tab)|opens (in|a) |external", re.IGNORECASE)
_WORD = re.compile(r"\w")

_LINKS_JS = """
() => {
  const rv = window.__rv;
  const out = [];
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const links = Array.from(document.querySelectorAll('a[href]')).slice(0, 1500);
  links.forEach((a, i) => {
    if (!rv.visible(a) || rv.hiddenFromAT(a)) return;
    const block = a.closest('p, li, td, dd, div');
    const next = links[i + 1];
    const described = (a.getAttribute('aria-describedby') || '').trim().split(/\\s+/)
      .map((id) => document.getElementById(id)).filter(Boolean).map((el) => norm(el.textContent));
    out.push(rv.describe(a, {
      name: norm(rv.name(a)),
      href: a.href,
      target: (a.getAttribute('target') || '').toLowerCase(),
      download: a.hasAttribute('download'),
      type: a.getAttribute('type') || '',
      context: norm((a.textContent || '') + ' ' + (a.getAttribute('title') || '') + ' ' +
                    described.join(' ') + ' ' + (block ? block.textContent : '')),
      imageOnly: !!a.querySelector('img, svg') && !norm(a.textContent),
      nextHref: next && rv.visible(next) && block && next.closest('p, li, td, dd, div') === block
        ? next.href : null,
      nextImageOnly: next ? (!!next.querySelector('img, svg') && !norm(next.textContent)) : false,
    }));
  });
  return out;
}
"""


def _extension(href: str) -> str:
    path = urlparse(href).path.lower()
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""


@register(META)
async def check_link_details(page: Page, ctx: CheckContext) -> list[Finding]:
    """Punctuation-only links (violation); files, new windows, split links (review)."""
    findings: list[Finding] = []

    def add(link: dict[str, str], kind: str, message: str, wcag: str = "2.4.4") -> None:
        findings.append(
            ctx.finding(
                META,
                kind=kind,  # type: ignore[arg-type]
                selector=link["selector"],
                snippet=link["snippet"],
                message=message,
                wcag=[wcag],
                level="AAA" if wcag == "3.2.5" else None,
            )
        )

    for link in await evaluate(page, _LINKS_JS):
        name = link["name"]
        if name and not _WORD.search(name):
            add(
                link,
                "violation",
                f"This link's text is only '{name}', which does not say "
                "where it goes; screen readers read the symbol out, or nothing.",
            )
        ext = _extension(link["href"])
        if ext in FILE_TYPES:
            kind_named = _TYPE_WORDS.search(link["context"])
            if not kind_named:
                add(
                    link,
                    "review",
                    f"This link downloads a {FILE_TYPES[ext]} file but does "
                    "not say so; say the file type and size in the link text.",
                )
            elif not _SIZE.search(link["context"]):
                add(
                    link,
                    "review",
                    f"This link to a {FILE_TYPES[ext]} file does not say "
                    "how big the file is; people on slow or metered connections need to know.",
                )
        if link["target"] == "_blank" and not _NEW_WINDOW.search(link["context"]):
            add(
                link,
                "review",
                "This link opens a new window or tab without saying so, which "
                "disorients people who cannot see the new window open; add '(opens in new "
                "tab)' to the link text.",
                wcag="3.2.5",
            )
        if (
            link["nextHref"]
            and urldefrag(link["nextHref"])[0] == urldefrag(link["href"])[0]
            and link["imageOnly"] != link["nextImageOnly"]
        ):
            add(
                link,
                "review",
                "This link and the one next to it (an image and its text) go "
                "to the same place: two tab stops and two announcements for one destination. "
                "Put the image and the text in one link.",
            )
    return findings
