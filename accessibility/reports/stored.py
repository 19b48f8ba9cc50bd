"""Reading a stored run for its report: the rows, the marks, the fixed problems and the
trend across the site's runs, handed to ``view.from_stored_run``."""

from __future__ import annotations

from typing import Any

from accessibility.errors import NotFound
from accessibility.marks import marks_for
from accessibility.reports.chart import trend_chart_png
from accessibility.reports.view import (
    IssueView,
    ReportView,
    from_stored_run,
    issue_from_row,
    page_from_row,
)
from accessibility.runs import get_run
from accessibility.sites import get_site
from accessibility.storage import read_json
from accessibility.tables import AuditIssue, AuditPage, AuditRun
from accessibility.tracking import fixed

__all__ = ["TREND_RUNS", "report_view", "trend", "trend_png"]

TREND_RUNS = 12


async def trend(site_id: int, up_to_run: int) -> list[dict[str, Any]]:
    rows = (
        await AuditRun.select(AuditRun.id, AuditRun.finished_at, AuditRun.summary)
        .where(
            (AuditRun.site == site_id) & (AuditRun.status == "done") & (AuditRun.id <= up_to_run)
        )
        .order_by(AuditRun.id, ascending=False)
        .limit(TREND_RUNS)
    )
    points = []
    for row in reversed(rows):
        s = read_json(row["summary"]) or {}
        finished = row["finished_at"]
        points.append(
            {
                "run": row["id"],
                "label": f"Run {row['id']}"
                + (f" ({finished.strftime('%d %b %H:%M')})" if finished else ""),
                "pages": s.get("pages", 0),
                "issues": s.get("issues", 0),
                "pages_with_violations": s.get("pages_with_violations", 0),
            }
        )
    return points


async def trend_png(site_id: int, up_to_run: int) -> bytes:
    return trend_chart_png(await trend(site_id, up_to_run))


async def report_view(run_id: int) -> ReportView:
    """Everything the report page, CSV and statement show about a stored run."""
    run = await get_run(run_id)
    if run["status"] != "done":
        raise NotFound(f"run {run_id} has not finished ({run['status']})")
    site = await get_site(run["site"])
    marks = await marks_for(site["id"])
    rows = await AuditIssue.select().where(AuditIssue.run == run_id)
    issues = [issue_from_row(r, run_id, marks) for r in rows]
    page_rows = await AuditPage.select().where(AuditPage.run == run_id).order_by(AuditPage.id)
    pages = [page_from_row(row, run_id) for row in page_rows]
    fixed_views: list[IssueView] = []
    if run["compared_with"]:
        checked = {p.url for p in pages if p.status == "ok"}
        current = {i.fingerprint for i in issues}
        before = await AuditIssue.select().where(AuditIssue.run == run["compared_with"])
        gone = set(
            fixed(current, {r["fingerprint"]: read_json(r["pages"]) or [] for r in before}, checked)
        )
        fixed_views = [
            issue_from_row(r, run["compared_with"], marks)
            for r in before
            if r["fingerprint"] in gone and r["kind"] == "violation"
        ]
        for view in fixed_views:
            view.change = "fixed"
    points = await trend(site["id"], run_id)
    return from_stored_run(run, site["name"], issues, pages, fixed_views, points)
