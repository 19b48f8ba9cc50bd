"""Running a queued audit (the worker's job and the CLI's ``accessibility run``): load the
site, audit it, store the result, e-mail the summary. A failure is recorded on the run.

While the audit runs, ``leases.keep_lease`` renews the run's lease and stops the audit when
an administrator cancels the run.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser

from accessibility.audit import AuditResult, run_audit
from accessibility.errors import NotFound
from accessibility.leases import keep_lease, lease_end
from accessibility.notify import email_summary
from accessibility.sites import audit_options_for, crawl_config_for, get_site
from accessibility.storage import now
from accessibility.store import store_result
from accessibility.tables import AuditRun

__all__ = ["execute_run"]


async def execute_run(run_id: int, *, browser: Browser | None = None) -> None:
    """Run a queued audit, store it, email the summary. Failures are recorded on the run;
    a run cancelled before or during the audit is left cancelled and nothing is stored."""
    run = await AuditRun.select().where(AuditRun.id == run_id).first()
    if run is None:
        raise NotFound(f"no run with id {run_id}")
    if run["status"] == "cancelled":
        return
    site = await get_site(run["site"])
    started = await (
        AuditRun.update(
            {
                AuditRun.status: "running",
                AuditRun.started_at: now(),
                AuditRun.lease_until: lease_end(),
            }
        )
        .where((AuditRun.id == run_id) & (AuditRun.status != "cancelled"))
        .returning(AuditRun.id)
    )
    if not started:
        return
    audit: asyncio.Task[AuditResult] = asyncio.create_task(
        run_audit(crawl_config_for(site), audit_options_for(site), browser=browser)
    )
    lease = asyncio.create_task(keep_lease(run_id, audit))
    try:
        result = await audit
    except asyncio.CancelledError:
        if audit.cancelled() and not _current_cancelling():
            return  # cancelled by an administrator: the run already says so
        raise
    except Exception as error:
        await AuditRun.update(
            {
                AuditRun.status: "failed",
                AuditRun.finished_at: now(),
                AuditRun.error: f"{type(error).__name__}: {error}"[:2000],
            }
        ).where((AuditRun.id == run_id) & (AuditRun.status == "running"))
        raise
    finally:
        lease.cancel()
        await asyncio.gather(lease, return_exceptions=True)
    current = await AuditRun.select(AuditRun.status).where(AuditRun.id == run_id).first()
    if current is not None and current["status"] == "cancelled":
        return  # cancelled as the audit finished: keep the administrator's decision
    await store_result(run_id, site["id"], result)
    if site["notify_email"]:
        await email_summary(run_id, site)


def _current_cancelling() -> bool:
    """True when the worker itself is being cancelled (shutdown), not only the audit."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
