"""A run's lease and cancellation: nothing is left ``running`` for ever (issue 9).

The worker running an audit renews ``lease_until`` every ``HEARTBEAT_S`` seconds. A worker
that crashes stops renewing, so a run still ``running`` after its lease is failed by
:func:`fail_expired_runs` (a periodic job), never stuck. An administrator may cancel a queued
or running run (:func:`cancel_run`); the worker sees the new status at its next heartbeat and
stops the audit. The job table's own leases are ``service.jobs``' business; these are the
run's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from accessibility.errors import NotFound
from accessibility.storage import now as _now
from accessibility.tables import AuditRun

__all__ = [
    "HEARTBEAT_S",
    "LEASE_S",
    "RunNotActive",
    "cancel_run",
    "fail_expired_runs",
    "keep_lease",
    "renew_lease",
]

log = logging.getLogger(__name__)

#: How often a running audit renews its lease and looks for a cancel.
HEARTBEAT_S = 30.0
#: How long a lease lasts: several heartbeats, so a slow database does not fail a live run.
LEASE_S = 300.0

ACTIVE = ("queued", "running")


class RunNotActive(ValueError):
    """The run has already finished (done, failed or cancelled): nothing to cancel."""


def lease_end(now: dt.datetime | None = None) -> dt.datetime:
    return (now or _now()) + dt.timedelta(seconds=LEASE_S)


async def cancel_run(run_id: int, by: str) -> None:
    """Cancel a queued or running run, recording who did; RunNotActive when it has ended."""
    run = await AuditRun.select(AuditRun.status).where(AuditRun.id == run_id).first()
    if run is None:
        raise NotFound(f"no run with id {run_id}")
    cancelled = await (
        AuditRun.update(
            {
                AuditRun.status: "cancelled",
                AuditRun.finished_at: _now(),
                AuditRun.cancelled_by: by,
                AuditRun.error: f"cancelled by {by}",
            }
        )
        .where((AuditRun.id == run_id) & (AuditRun.status.is_in(list(ACTIVE))))
        .returning(AuditRun.id)
    )
    if not cancelled:
        raise RunNotActive(f"run {run_id} has already ended ({run['status']})")


async def renew_lease(run_id: int) -> bool:
    """Extend a running run's lease; False when it is no longer running (cancelled)."""
    renewed = await (
        AuditRun.update({AuditRun.lease_until: lease_end()})
        .where((AuditRun.id == run_id) & (AuditRun.status == "running"))
        .returning(AuditRun.id)
    )
    return bool(renewed)


async def keep_lease(run_id: int, task: asyncio.Task[Any]) -> None:
    """Renew the lease every heartbeat; cancel ``task`` once the run is no longer running."""
    while not task.done():
        await asyncio.sleep(HEARTBEAT_S)
        try:
            running = await renew_lease(run_id)
        except Exception:  # a database hiccup: the lease outlasts a few missed heartbeats
            log.warning("could not renew the lease of run %s", run_id, exc_info=True)
            continue
        if not running:
            log.info("run %s was cancelled; stopping its audit", run_id)
            task.cancel()
            return


async def fail_expired_runs(now: dt.datetime | None = None) -> list[int]:
    """Fail every run left ``running`` past its lease (its worker died); returns their ids.

    A run without a lease (started before leases existed) counts as expired ``LEASE_S``
    after it started.
    """
    now = now or _now()
    stale = now - dt.timedelta(seconds=LEASE_S)
    expired = (AuditRun.lease_until.is_not_null() & (AuditRun.lease_until < now)) | (
        AuditRun.lease_until.is_null() & (AuditRun.started_at < stale)
    )
    rows = await (
        AuditRun.update(
            {
                AuditRun.status: "failed",
                AuditRun.finished_at: now,
                AuditRun.error: "the worker running this audit stopped (its lease expired)",
            }
        )
        .where((AuditRun.status == "running") & expired)
        .returning(AuditRun.id)
    )
    return sorted(int(row["id"]) for row in rows)
