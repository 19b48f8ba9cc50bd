"""Site-level rules: problems that only show across pages (WCAG 2.4.2, 2.4.4).

- The same title on pages with different main headings: the title does not say which page
  you are on (violation); the same title and the same h1 (a paginated list, say) is for review.
- The same link text leading to different places on different pages (e.g. "Apply" going to
  two services) is for review: the link's context may make it clear.
"""

from __future__ import annotations

from collections import defaultdict
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
            href = urldefrag(link.get("href", ""))[0].rstrip("/")
            if not text or text in GENERIC or not href.startswith("http"):
                continue
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


def site_findings(audits: Iterable[PageAudit]) -> list[Finding]:
    """Findings about the site as a whole, from the pages' audits (facts and titles)."""
    pages = list(audits)
    return _titles(pages) + _link_texts(pages)
