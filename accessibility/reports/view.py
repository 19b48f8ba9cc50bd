"""The report's view model: what every output (HTML, CSV, statement) shows about one run."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accessibility.audit import AuditResult

__all__ = ["FindingView", "IssueView", "PageView", "ReportView", "from_audit_result"]

#: Plain-language names of the changes since the last run.
CHANGE_LABELS = {
    "new": "New",
    "still": "Still present",
    "regressed": "Back again",
    "fixed": "Fixed",
}
MARK_LABELS = {"false_positive": "False positive", "accepted": "Accepted"}


@dataclass
class IssueView:
    """One problem (fingerprint) across the run."""

    fingerprint: str
    rule: str
    source: str
    kind: str
    wcag: list[str]
    level: str
    impact: str
    message: str
    selector: str
    snippet: str
    help_url: str | None
    pages: list[str]
    occurrences: int
    screenshot_src: str | None = None
    change: str | None = None
    mark: dict[str, Any] | None = None

    @property
    def counts(self) -> bool:
        """Does the issue count against the site (a sure violation nobody has marked)?"""
        return self.kind == "violation" and self.mark is None

    @property
    def change_label(self) -> str:
        return CHANGE_LABELS.get(self.change or "", "")


@dataclass
class FindingView:
    rule: str
    source: str
    kind: str
    wcag: list[str]
    level: str
    impact: str
    selector: str
    snippet: str
    message: str
    fingerprint: str
    screenshot_src: str | None = None


@dataclass
class PageView:
    url: str
    status: str
    title: str
    error: str | None
    findings: list[FindingView] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(1 for f in self.findings if f.kind == "violation")

    @property
    def reviews(self) -> int:
        return sum(1 for f in self.findings if f.kind == "review")


@dataclass
class ReportView:
    """Everything the report page, CSV and statement need about one run."""

    site_name: str
    run_label: str
    started_at: str
    engine: dict[str, Any]
    summary: dict[str, Any]
    issues: list[IssueView]
    pages: list[PageView]
    fixed: list[IssueView] = field(default_factory=list)
    broken_links: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    trend: list[dict[str, Any]] = field(default_factory=list)
    trend_chart_src: str | None = None
    downloads: dict[str, str] = field(default_factory=dict)
    compared_with: str | None = None

    @property
    def violations(self) -> list[IssueView]:
        return [i for i in self.issues if i.kind == "violation"]

    @property
    def reviews(self) -> list[IssueView]:
        return [i for i in self.issues if i.kind == "review"]

    @property
    def new(self) -> list[IssueView]:
        return [i for i in self.violations if i.change in ("new", "regressed")]


def data_uri(png: bytes | None) -> str | None:
    """Embed a PNG in a standalone report (no server to fetch it from)."""
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else None


def from_audit_result(result: AuditResult, site_name: str) -> ReportView:
    """The view of an ad-hoc (CLI) audit: screenshots embedded, no history to compare."""
    issues = [
        IssueView(
            fingerprint=i.fingerprint,
            rule=i.example.rule,
            source=i.example.source,
            kind=i.example.kind,
            wcag=list(i.example.wcag),
            level=i.example.level,
            impact=i.example.impact,
            message=i.example.message,
            selector=i.example.selector,
            snippet=i.example.snippet,
            help_url=i.example.help_url,
            pages=list(i.pages),
            occurrences=i.occurrences,
            screenshot_src=data_uri(i.screenshot),
        )
        for i in result.issues
    ]
    pages = []
    for page in result.pages:
        findings = [
            FindingView(
                rule=f.rule,
                source=f.source,
                kind=f.kind,
                wcag=list(f.wcag),
                level=f.level,
                impact=f.impact,
                selector=f.selector,
                snippet=f.snippet,
                message=f.message,
                fingerprint=fp,
                screenshot_src=data_uri(page.screenshots.get(index)),
            )
            for index, (f, fp) in enumerate(
                zip(page.audit.findings, page.fingerprints, strict=True)
            )
        ]
        pages.append(
            PageView(
                url=page.url,
                status=page.audit.status,
                title=page.audit.title,
                error=page.audit.error,
                findings=findings,
            )
        )
    return ReportView(
        site_name=site_name,
        run_label="Ad-hoc audit",
        started_at=result.started_at.strftime("%d %B %Y %H:%M UTC"),
        engine=result.engine,
        summary=result.summary(),
        issues=issues,
        pages=pages,
        broken_links=[r.to_dict() for r in result.crawl.broken],
        documents=[r.to_dict() for r in result.crawl.resources],
    )
