"""An audit run left `running` by a crashed or timed-out worker is failed, never stuck."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from accessibility import runs, services
from accessibility.jobs import PERIODIC
from accessibility.schemas import SiteIn
from accessibility.tables import AuditRun
from service.tables import Job

pytestmark = pytest.mark.db


async def test_a_run_abandoned_by_its_worker_is_failed_after_the_time_limit(db: Any) -> None:
    site_id = await services.create_site(
        SiteIn(name="Council website", start_urls=["http://127.0.0.1:9/"])
    )
    now = dt.datetime.now(dt.UTC)
    limit = dt.timedelta(seconds=runs.RUN_TIME_LIMIT_S + 60)
    stuck = AuditRun(site=site_id, status="running", started_at=now - limit)
    recent = AuditRun(site=site_id, status="running", started_at=now - dt.timedelta(seconds=5))
    await stuck.save()
    await recent.save()

    assert await runs.fail_abandoned_runs(now) == [stuck.id]
    row = await AuditRun.select().where(AuditRun.id == stuck.id).first()
    assert row["status"] == "failed" and "Abandoned" in row["error"] and row["finished_at"]
    still = await AuditRun.select().where(AuditRun.id == recent.id).first()
    assert still["status"] == "running", "a run within its time limit is left alone"
    assert "accessibility.abandoned_runs" in {task.name for task in PERIODIC}


async def test_audit_jobs_carry_the_run_time_limit(db: Any) -> None:
    site_id = await services.create_site(
        SiteIn(name="Council website", start_urls=["http://127.0.0.1:9/"])
    )
    await services.queue_run(site_id)
    job = await Job.select().first()
    assert job["timeout_s"] == runs.RUN_TIME_LIMIT_S
