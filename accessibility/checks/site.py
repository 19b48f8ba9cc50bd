"""Site-level rules: problems that only show across pages (WCAG 2.4.2, 2.4.4, 2.4.5, 3.2.3).

- The same title on pages with different main headings: the title does not say which page
  you are on (violation); the same title and the same h1 (a paginated list, say) is for review.
- The same link text leading to different places on different pages (e.g. "Apply" going to
  two services) is for review: the link's context may make it clear.
- A navigation landmark whose links come in a different relative order on some pages than on
  most (3.2.3 Consistent navigation): a violation, since the order is plain to compare.
- No search form and no site map / A to Z on any of many pages (2.4.5 Multiple ways): for
  review, since pages that are steps in a process are exempt.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urldefrag

from accessibility.checks.link_text import GENERIC, normalise_text
from accessibility.findings import Finding

if TYPE_CHECKING:
    from accessibility.checks.runner import PageAudit

__all__ = ["site_findings"]

#: How many destinations a finding lists (the rest are counted in the message).
MAX_DESTINATIONS_LISTED = 5
#: Multiple ways is only judged on an audit of at least this many pages.
MIN_PAGES_FOR_MULTIPLE_WAYS = 5
_OTHER_WAYS = re.compile(r"\b(site ?map|a to z|a-z|a–z|all services|search)\b", re.IGNORECASE)


def _titles(audits: list[PageAudit]) -> list[Finding]:
    by_title: dict[str, list[PageAudit]] = defaultdict(list)
    for audit in audits:
        if audit.status == "ok" and audit.title:
            by_title[audit.title.strip().casefold()].append(audit)
    findings: list[Finding] = []
    for group in by_title.values():
        if len(group) < 2:
            continue
        headings = {tuple(a.facts.get("h1") or ()) for a in group}
        sure = len(headings) > 1
        others = [a.url for a in group]
        for audit in group:
            findings.append(
                Finding(
                    rule="page-title-unique",
                    source="resident-voice",
                    kind="violation" if sure else "review",
                    wcag=["2.4.2"],
                    level="A",
                    impact="moderate",
                    selector="title",
                    snippet=f"<title>{audit.title}</title>",
                    message=f"{len(group)} pages share the title '{audit.title}'"
                    + (
                        " although their main headings differ; give each page a title that "
                        "says what it is."
                        if sure
                        else "; check each title says which page it is (for example, add 'page 2')."
                    ),
                    url=audit.url,
                    data={"pages": others[:20]},
                )
            )
    return findings


def _link_texts(audits: list[PageAudit]) -> list[Finding]:
    places: dict[str, dict[str, tuple[PageAudit, dict[str, str]]]] = defaultdict(dict)
    for audit in audits:
        for link in audit.facts.get("links", []):
            text = normalise_text(link.get("text", ""))
            href = _href(link.get("href", ""))
            if not text or text in GENERIC or not href.startswith("http"):
                continue
            if href == _href(audit.final_url or audit.url):
                continue  # a link within the page itself (skip link, contents list)
            places[text].setdefault(href, (audit, link))
    findings: list[Finding] = []
    for destinations in places.values():
        if len(destinations) < 2:
            continue
        pages = {audit.url for audit, _ in destinations.values()}
        if len(pages) < 2:
            continue  # all on one page: the page's own link-text check reports it
        audit, link = next(iter(destinations.values()))
        findings.append(
            Finding(
                rule="link-text-consistent",
                source="resident-voice",
                kind="review",
                wcag=["2.4.4", "3.2.4"],
                level="A",
                impact="minor",
                selector=link.get("selector", "a"),
                snippet=link.get("snippet", ""),
                message=f"The link text '{link.get('text')}' leads to {len(destinations)} "
                "different places across the site; check each link's text or context says "
                "where it goes.",
                url=audit.url,
                data={"destinations": sorted(destinations)[:MAX_DESTINATIONS_LISTED]},
            )
        )
    return findings


def _href(href: str) -> str:
    return urldefrag(href)[0].rstrip("/")


def _navigation_order(audits: list[PageAudit]) -> list[Finding]:
    """3.2.3: a navigation block's shared links keep the same relative order on every page."""
    orders: dict[str, dict[str, tuple[tuple[str, ...], str]]] = defaultdict(dict)
    for audit in audits:
        for nav in audit.facts.get("navigation", []):
            hrefs = tuple(dict.fromkeys(_href(link["href"]) for link in nav.get("links", [])))
            if len(hrefs) >= 2:
                orders[nav["label"].casefold()].setdefault(audit.url, (hrefs, nav["selector"]))
    findings: list[Finding] = []
    for label, by_page in orders.items():
        if len(by_page) < 2:
            continue
        usual, seen_on = Counter(order for order, _ in by_page.values()).most_common(1)[0]
        for url, (order, selector) in by_page.items():
            shared = set(order) & set(usual)
            if len(shared) < 2:
                continue
            here = [h for h in order if h in shared]
            there = [h for h in usual if h in shared]
            if here == there:
                continue
            findings.append(
                Finding(
                    rule="navigation-consistent",
                    source="resident-voice",
                    kind="violation",
                    wcag=["3.2.3"],
                    level="AA",
                    impact="moderate",
                    selector=selector,
                    snippet="",
                    message=f"The links in the '{label}' navigation come in a different order "
                    f"on this page than on {seen_on} other pages; keep navigation in the same "
                    "order everywhere so people can find things where they expect them.",
                    url=url,
                    data={"order": list(here), "usual_order": list(there)},
                )
            )
    return findings


def _multiple_ways(audits: list[PageAudit]) -> list[Finding]:
    """2.4.5: with many pages, some page offers search, a site map or an A to Z."""
    pages = [a for a in audits if a.status == "ok"]
    if len(pages) < MIN_PAGES_FOR_MULTIPLE_WAYS:
        return []
    for audit in pages:
        if audit.facts.get("search"):
            return []
        if any(_OTHER_WAYS.search(link.get("text", "")) for link in audit.facts.get("links", [])):
            return []
    first = pages[0]
    return [
        Finding(
            rule="multiple-ways",
            source="resident-voice",
            kind="review",
            wcag=["2.4.5"],
            level="AA",
            impact="moderate",
            selector="body",
            snippet="",
            message=f"None of the {len(pages)} pages audited has a search box, a site map or "
            "an A to Z, so navigation menus are the only way to find a page. Add one, unless "
            "these pages are steps in a process.",
            url=first.url,
        )
    ]


def site_findings(audits: Iterable[PageAudit]) -> list[Finding]:
    """Findings about the site as a whole, from the pages' audits (facts and titles)."""
    pages = list(audits)
    return _titles(pages) + _link_texts(pages) + _navigation_order(pages) + _multiple_ways(pages)
