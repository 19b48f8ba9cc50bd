"""Running a queued audit (the worker's job and the CLI's ``accessibility run``): load the
site, audit it, store the result, e-mail the summary. A failure is recorded on the run."""

from __future__ import annotations

from playwright.async_api import Browser

from accessibility.audit import run_audit
from accessibility.errors import NotFound
from accessibility.notify import email_summary
from accessibility.sites import audit_options_for, crawl_config_for, get_site
from accessibility.storage import now
from accessibility.store import store_result
from accessibility.tables import AuditRun

__all__ = ["execute_run"]


async def execute_run(run_id: int, *, browser: Browser | None = None) -> None:
    """Run a queued audit, store it, email the summary. Failures are recorded on the run."""
    run = await AuditRun.select().where(AuditRun.id == run_id).first()
    if run is None:
        raise NotFound(f"no run with id {run_id}")
    site = await get_site(run["site"])
    await AuditRun.update({AuditRun.status: "running", AuditRun.started_at: now()}).where(
        AuditRun.id == run_id
    )
    try:
        result = await run_audit(crawl_config_for(site), audit_options_for(site), browser=browser)
    except Exception as error:
        await AuditRun.update(
            {
                AuditRun.status: "failed",
                AuditRun.finished_at: now(),
                AuditRun.error: f"{type(error).__name__}: {error}"[:2000],
            }
        ).where(AuditRun.id == run_id)
        raise
    await store_result(run_id, site["id"], result)
    if site["notify_email"]:
        await email_summary(run_id, site)
