"""Writing a finished audit: run summary, issues and pages in one transaction, so a report
never shows half a run; screenshots go to files beside the database (``storage.py``)."""

from __future__ import annotations

import json

from accessibility.compare import compare_with_previous
from accessibility.results import AuditResult
from accessibility.storage import audits_dir, save_png
from accessibility.tables import AuditIssue, AuditPage, AuditRun

__all__ = ["store_result"]


async def store_result(run_id: int, site_id: int, result: AuditResult) -> None:
    """Write a finished audit in one transaction, compared with the site's previous run."""
    comparison = await compare_with_previous(run_id, site_id, result)
    changes = comparison.changes
    folder = audits_dir() / str(run_id)
    shots = {i.fingerprint: save_png(folder, i.screenshot) for i in result.issues if i.screenshot}
    page_shots = {
        (page.url, index): save_png(folder, png)
        for page in result.pages
        for index, png in page.screenshots.items()
    }
    summary = result.summary()
    summary["new"] = comparison.new
    summary["fixed"] = comparison.fixed
    async with AuditRun._meta.db.transaction():
        await AuditIssue.delete().where(AuditIssue.run == run_id)
        await AuditPage.delete().where(AuditPage.run == run_id)
        if result.issues:
            await AuditIssue.insert(
                *[
                    AuditIssue(
                        run=run_id,
                        fingerprint=i.fingerprint,
                        rule=i.example.rule,
                        source=i.example.source,
                        kind=i.example.kind,
                        wcag=json.dumps(i.example.wcag),
                        level=i.example.level,
                        impact=i.example.impact,
                        message=i.example.message,
                        selector=i.example.selector,
                        snippet=i.example.snippet,
                        help_url=i.example.help_url or "",
                        pages=json.dumps(i.pages),
                        pages_count=len(i.pages),
                        occurrences=i.occurrences,
                        screenshot=shots.get(i.fingerprint, ""),
                        change=changes[i.fingerprint],
                    )
                    for i in result.issues
                ]
            )
        if result.pages:
            await AuditPage.insert(
                *[
                    AuditPage(
                        run=run_id,
                        url=p.url,
                        status=p.audit.status,
                        http_status=p.audit.http_status,
                        title=p.audit.title,
                        error=p.audit.error or "",
                        template=p.template,
                        violations=len(p.violations),
                        reviews=sum(1 for f in p.audit.findings if f.kind == "review"),
                        findings=json.dumps(
                            [
                                {
                                    **{k: v for k, v in f.to_dict().items() if k != "data"},
                                    "fingerprint": fp,
                                    "screenshot": page_shots.get((p.url, index), ""),
                                }
                                for index, (f, fp) in enumerate(
                                    zip(p.audit.findings, p.fingerprints, strict=True)
                                )
                            ]
                        ),
                    )
                    for p in result.pages
                ]
            )
        await AuditRun.update(
            {
                AuditRun.status: "done",
                AuditRun.started_at: result.started_at,
                AuditRun.finished_at: result.finished_at,
                AuditRun.engine: json.dumps(result.engine),
                AuditRun.summary: json.dumps(summary),
                AuditRun.crawl: json.dumps(
                    {
                        "broken_links": [r.to_dict() for r in result.crawl.broken],
                        "documents": [r.to_dict() for r in result.crawl.resources],
                        "skipped": result.crawl.skipped,
                    }
                ),
                AuditRun.compared_with: comparison.previous_run,
                AuditRun.error: "",
            }
        ).where(AuditRun.id == run_id)
