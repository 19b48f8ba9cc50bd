"""The report's view model: what every output (HTML, CSV, statement) shows about one run,
and the two builders of it: ``from_audit_result`` (an ad-hoc CLI audit) and
``from_stored_run`` (rows of a stored run, read by ``reports.stored``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from accessibility.storage import read_json

if TYPE_CHECKING:
    from accessibility.audit import AuditResult

__all__ = [
    "FindingView",
    "IssueView",
    "PageView",
    "ReportView",
    "from_audit_result",
    "from_stored_run",
    "issue_from_row",
    "page_from_row",
]

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


def _screenshot_src(run_id: int, name: str | None) -> str | None:
    return f"/staff/accessibility/runs/{run_id}/screenshots/{name}" if name else None


def issue_from_row(row: dict[str, Any], run_id: int, marks: dict[str, Any]) -> IssueView:
    """An ``accessibility_audit_issue`` row as the report shows it."""
    return IssueView(
        fingerprint=row["fingerprint"],
        rule=row["rule"],
        source=row["source"],
        kind=row["kind"],
        wcag=read_json(row["wcag"]) or [],
        level=row["level"],
        impact=row["impact"],
        message=row["message"],
        selector=row["selector"],
        snippet=row["snippet"],
        help_url=row["help_url"] or None,
        pages=read_json(row["pages"]) or [],
        occurrences=row["occurrences"],
        screenshot_src=_screenshot_src(run_id, row["screenshot"]),
        change=row["change"],
        mark=marks.get(row["fingerprint"]),
    )


def page_from_row(row: dict[str, Any], run_id: int) -> PageView:
    """An ``accessibility_audit_page`` row (its findings a JSON list) as the report shows it."""
    findings = [
        FindingView(
            rule=f["rule"],
            source=f["source"],
            kind=f["kind"],
            wcag=f["wcag"],
            level=f["level"],
            impact=f["impact"],
            selector=f["selector"],
            snippet=f["snippet"],
            message=f["message"],
            fingerprint=f["fingerprint"],
            screenshot_src=_screenshot_src(run_id, f.get("screenshot")),
        )
        for f in read_json(row["findings"]) or []
    ]
    return PageView(
        url=row["url"],
        status=row["status"],
        title=row["title"],
        error=row["error"] or None,
        findings=findings,
    )


def from_stored_run(
    run: dict[str, Any],
    site_name: str,
    issues: list[IssueView],
    pages: list[PageView],
    fixed: list[IssueView],
    trend: list[dict[str, Any]],
) -> ReportView:
    """The view of a stored run (``reports.stored`` reads the rows): screenshots and the
    trend chart served by the staff pages, changes and marks from the run's history."""
    run_id = run["id"]
    issues = sorted(issues, key=lambda i: (i.kind != "violation", -len(i.pages), i.rule))
    finished = run["finished_at"] or run["started_at"]
    base = f"/staff/accessibility/runs/{run_id}"
    return ReportView(
        site_name=site_name,
        run_label=f"Run {run_id}",
        started_at=(run["started_at"] or finished).strftime("%d %B %Y %H:%M UTC"),
        engine=run["engine"],
        summary=run["summary"],
        issues=issues,
        pages=pages,
        fixed=fixed,
        broken_links=run["crawl"].get("broken_links", []),
        documents=run["crawl"].get("documents", []),
        trend=trend,
        trend_chart_src=f"{base}/trend.png" if len(trend) > 1 else None,
        downloads={"CSV": f"{base}/report.csv", "JSON": f"{base}/report.json"},
        compared_with=f"Run {run['compared_with']}" if run["compared_with"] else None,
    )
