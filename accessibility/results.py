"""What one audit found: pages, issues (findings grouped by fingerprint) and the whole result.

Plain data with no browser or database in it, so the CLI's reports, the stored runs and the
tests all read the same shapes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from accessibility.checks.runner import PageAudit
from accessibility.crawl import CrawlResult
from accessibility.findings import IMPACT_ORDER, Finding
from accessibility.scoring import page_score

__all__ = ["AuditResult", "Issue", "PageResult", "aggregate_issues"]


@dataclass
class PageResult:
    """One audited page: the checks' PageAudit plus what the platform adds."""

    audit: PageAudit
    template: str
    depth: int = 0
    #: Fingerprint of each finding in ``audit.findings`` (same order).
    fingerprints: list[str] = field(default_factory=list)
    #: Index into ``audit.findings`` → PNG of that element, highlighted.
    screenshots: dict[int, bytes] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.audit.url

    @property
    def violations(self) -> list[Finding]:
        """Sure WCAG failures; best-practice findings (``wcag_failure=False``) are apart."""
        return [f for f in self.audit.findings if f.kind == "violation" and f.wcag_failure]

    @property
    def best_practice(self) -> list[Finding]:
        """Sure findings of good practice (typography) that fail no WCAG criterion."""
        return [f for f in self.audit.findings if not f.wcag_failure]

    @property
    def score(self) -> int:
        """100 less a weight per violation by impact; "review" findings never count."""
        return page_score(self.audit.findings)


@dataclass
class Issue:
    """One problem (one fingerprint) with every page it appears on."""

    fingerprint: str
    example: Finding
    pages: list[str]
    occurrences: int
    screenshot: bytes | None = None

    @property
    def kind(self) -> str:
        return self.example.kind


@dataclass
class AuditResult:
    """Everything one audit found."""

    engine: dict[str, Any]
    pages: list[PageResult]
    crawl: CrawlResult
    site_findings: list[Finding]
    issues: list[Issue]
    started_at: dt.datetime
    finished_at: dt.datetime

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def summary(self) -> dict[str, Any]:
        """Counts the report, the email and the run list show."""
        violations = [i for i in self.issues if i.kind == "violation"]
        by_impact = {k: 0 for k in IMPACT_ORDER}
        for issue in violations:
            by_impact[issue.example.impact] += 1
        return {
            "pages": len(self.pages),
            "pages_ok": sum(1 for p in self.pages if p.audit.status == "ok"),
            "pages_with_violations": sum(1 for p in self.pages if p.violations),
            "average_score": round(sum(p.score for p in self.pages) / len(self.pages), 1)
            if self.pages
            else None,
            "violations": sum(len(p.violations) for p in self.pages),
            "issues": len(violations),
            "review_issues": len(self.issues) - len(violations),
            "by_impact": by_impact,
            "broken_links": len(self.crawl.broken),
            "pdfs": sum(1 for r in self.crawl.resources if r.kind == "pdf"),
            "pdfs_with_problems": sum(
                1 for r in self.crawl.resources if r.pdf is not None and r.pdf.problems
            ),
            "duration_s": round(self.duration_s, 1),
        }

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON document: ``{"engine": ..., "pages": [...]}`` (plus crawl facts)."""
        pages = []
        for page in self.pages:
            pages.append(
                {
                    "url": page.url,
                    "status": page.audit.status,
                    "http_status": page.audit.http_status,
                    "title": page.audit.title,
                    "error": page.audit.error,
                    "template": page.template,
                    "score": page.score,
                    "findings": [
                        {
                            "rule": f.rule,
                            "source": f.source,
                            "kind": f.kind,
                            "wcag": f.wcag,
                            "wcag_failure": f.wcag_failure,
                            "level": f.level,
                            "impact": f.impact,
                            "selector": f.selector,
                            "snippet": f.snippet,
                            "message": f.message,
                            "help_url": f.help_url,
                            "fingerprint": fp,
                        }
                        for f, fp in zip(page.audit.findings, page.fingerprints, strict=True)
                    ],
                }
            )
        return {
            "engine": self.engine,
            "summary": self.summary(),
            "pages": pages,
            "broken_links": [r.to_dict() for r in self.crawl.broken],
            "documents": [r.to_dict() for r in self.crawl.resources],
            "skipped": self.crawl.skipped,
        }


def aggregate_issues(pages: list[PageResult]) -> list[Issue]:
    """Group every page's findings by fingerprint, worst and widest first."""
    issues: dict[str, Issue] = {}
    for page in pages:
        for index, (finding, fp) in enumerate(
            zip(page.audit.findings, page.fingerprints, strict=True)
        ):
            issue = issues.get(fp)
            if issue is None:
                issue = issues[fp] = Issue(fingerprint=fp, example=finding, pages=[], occurrences=0)
            issue.occurrences += 1
            if page.url not in issue.pages:
                issue.pages.append(page.url)
            if issue.screenshot is None and index in page.screenshots:
                issue.screenshot = page.screenshots[index]
    return sorted(
        issues.values(),
        key=lambda i: (
            i.kind != "violation",
            -len(i.pages),
            -IMPACT_ORDER.get(i.example.impact, 0),
            i.example.rule,
        ),
    )
