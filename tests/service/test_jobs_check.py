"""`resident-voice check` reports the job engine and whether a worker is keeping up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from service import checks, jobs
from service.tables import Job

pytestmark = pytest.mark.db


def collect() -> tuple[list[str], Any]:
    lines: list[str] = []
    return lines, lambda ok, what, detail: lines.append(
        f"{'ok' if ok else 'FAIL'} {what}: {detail}"
    )


async def test_the_table_engine_is_reported_and_a_stalled_queue_fails(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "engine_name", lambda _settings=None: "table")
    lines, report = collect()
    await checks.check_jobs(report)
    assert lines[0].startswith("ok job engine: job table")
    assert lines[1] == "ok job worker: 0 due job(s) waiting; last periodic task claimed never"

    await jobs.claim_periodic("t.tick", 60)
    stale = jobs._now() - dt.timedelta(seconds=checks.STALE_QUEUE_S + 60)
    await Job.insert(Job(name="service.purge_sessions", run_after=stale))
    lines, report = collect()
    await checks.check_jobs(report)
    assert lines[1].startswith("FAIL job worker: 1 due job(s) waiting, the oldest for 3")
    assert lines[1].endswith("s ago") and "claimed never" not in lines[1]


@pytest.mark.parametrize("db_engine", ["postgres"], indirect=True)
async def test_saq_without_a_worker_is_a_failure(db: Any, saq_queue: Any) -> None:
    await jobs.enqueue("service.purge_sessions")
    lines, report = collect()
    await checks.check_jobs(report)
    assert lines[0] == (
        "ok job engine: SAQ over PostgreSQL, queue resident-voice: 1 queued, 0 running, 0 scheduled"
    )
    assert lines[1].startswith("FAIL job workers: none has reported")


pytest_plugins = ["tests.service.saq_fixtures"]
