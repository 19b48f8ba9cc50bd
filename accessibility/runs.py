"""Audit runs: queueing one (by hand or on schedule) and reading stored ones.

Only configured sites can be audited this way: the API and the staff pages take a site id,
never a URL, so they cannot be used to make this server fetch arbitrary addresses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accessibility.errors import NotFound
from accessibility.schedules import next_run
from accessibility.sites import get_site
from accessibility.storage import now as _now
from accessibility.storage import read_json
from accessibility.tables import AuditRun, Site

__all__ = [
    "AFTER_POLL_S",
    "JOB_NAME",
    "RUN_TIME_LIMIT_S",
    "enqueue_due_runs",
    "get_run",
    "latest_finished_run",
    "list_runs",
    "queue_run",
    "still_to_finish",
]

JOB_NAME = "accessibility.run_audit"
#: One audit's time limit: its job is cancelled after this. A run whose worker died or was
#: cancelled stops renewing its lease and is failed by `accessibility.leases`.
RUN_TIME_LIMIT_S = 1800


#: How often a run queued ``after`` another asks again whether that one has finished.
AFTER_POLL_S = 5.0


async def queue_run(
    site_id: int, trigger: str = "manual", *, background: bool = True, after: int | None = None
) -> int:
    """Queue an audit of a configured site as a background job; returns the run id.

    ``background=False`` only records the queued run, for a caller that runs it itself
    (the CLI's ``accessibility run``), so the worker never runs it a second time.
    ``after`` (a run id) makes this run wait until that run has finished (done, failed or
    cancelled) before it starts, so it is compared with it, even when the worker runs jobs
    side by side (the demo's two runs of its sample site). The wait is bounded: after
    ``RUN_TIME_LIMIT_S`` plus one run lease (``leases.LEASE_S``) the run starts anyway.
    """
    from service.jobs import enqueue  # imported here: reading runs needs no job engine

    await get_site(site_id)
    async with AuditRun._meta.db.transaction():
        run = AuditRun(site=site_id, status="queued", trigger=trigger)
        await run.save()
        if background:
            payload: dict[str, Any] = {"run_id": int(run.id)}
            if after is not None:
                payload |= {"after_run": int(after), "waited_s": 0.0}
            await enqueue(
                JOB_NAME,
                payload,
                delay_s=AFTER_POLL_S if after is not None else 0,
                max_attempts=1,
                timeout_s=RUN_TIME_LIMIT_S,
            )
    return int(run.id)


async def still_to_finish(run_id: int) -> bool:
    """Is the run queued or running (not yet done, failed or cancelled)?"""
    row = await AuditRun.select(AuditRun.status).where(AuditRun.id == run_id).first()
    return row is not None and row["status"] in ("queued", "running")


async def enqueue_due_runs(now: dt.datetime | None = None) -> list[int]:
    """Queue a run for every site whose schedule is due; move each to its next time."""
    now = now or _now()
    due = await Site.select(Site.id, Site.schedule).where(
        (Site.next_run_at.is_not_null()) & (Site.next_run_at <= now)
    )
    queued = []
    for row in due:
        claimed = await (
            Site.update({Site.next_run_at: next_run(row["schedule"], now)})
            .where((Site.id == row["id"]) & (Site.next_run_at <= now))
            .returning(Site.id)
        )
        if claimed:  # another worker may have claimed it first
            queued.append(await queue_run(row["id"], trigger="schedule"))
    return queued


async def get_run(run_id: int) -> dict[str, Any]:
    run = await AuditRun.select().where(AuditRun.id == run_id).first()
    if run is None:
        raise NotFound(f"no run with id {run_id}")
    for key in ("engine", "summary", "crawl"):
        run[key] = read_json(run[key]) or {}
    return run


async def list_runs(site_id: int, limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        await AuditRun.select()
        .where(AuditRun.site == site_id)
        .order_by(AuditRun.id, ascending=False)
        .limit(limit)
    )
    for row in rows:
        row["summary"] = read_json(row["summary"]) or {}
    return rows


async def latest_finished_run(site_id: int) -> int | None:
    """The id of the site's latest finished ("done") run, or None before its first."""
    row = (
        await AuditRun.select(AuditRun.id)
        .where((AuditRun.site == site_id) & (AuditRun.status == "done"))
        .order_by(AuditRun.id, ascending=False)
        .first()
    )
    return None if row is None else int(row["id"])
