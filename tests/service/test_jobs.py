"""The durable job queue: enqueue, claim once, retry, fail with the error kept."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from service import jobs
from service.tables import Job

pytestmark = pytest.mark.db


async def test_jobs_run_once_and_failures_are_retried_then_recorded(db: Any, monkeypatch):
    calls: list[int] = []

    async def works(n: int) -> None:
        calls.append(n)

    async def breaks() -> None:
        raise ValueError("boom")

    monkeypatch.setattr(jobs, "registry", lambda: {"t.works": works, "t.breaks": breaks})
    await jobs.enqueue("t.works", {"n": 7})
    failing = await jobs.enqueue("t.breaks", max_attempts=2)
    assert await jobs.run_until_empty() == 2
    assert calls == [7]
    row = await Job.select().where(Job.id == failing).first()
    assert row["status"] == "queued" and row["attempts"] == 1 and "boom" in row["last_error"]
    await Job.update({Job.run_after: Job.created_at}).where(Job.id == failing)
    await jobs.run_until_empty()
    row = await Job.select().where(Job.id == failing).first()
    assert row["status"] == "failed" and row["attempts"] == 2


async def test_unknown_job_names_are_refused_when_queued(db: Any):
    with pytest.raises(jobs.UnknownJob, match="no job called 'nope'"):
        await jobs.enqueue("nope")


async def test_concurrent_workers_claim_each_job_exactly_once(db: Any, monkeypatch):
    seen: list[int] = []

    async def record(n: int) -> None:
        seen.append(n)
        await asyncio.sleep(0)

    monkeypatch.setattr(jobs, "registry", lambda: {"t.record": record})
    for n in range(30):
        await jobs.enqueue("t.record", {"n": n})
    await asyncio.gather(*(jobs.run_until_empty() for _ in range(4)))
    assert sorted(seen) == list(range(30))


async def _crash_while_running(job_id: int) -> None:
    """What a worker killed mid-job leaves behind: the job claimed, running, lease in the past."""
    await jobs._claim()
    await Job.update({Job.lease_until: jobs._now() - dt.timedelta(seconds=1)}).where(
        Job.id == job_id
    )


async def test_a_job_left_running_by_a_crash_is_retried_after_its_lease_expires(
    db: Any, monkeypatch
):
    calls: list[int] = []

    async def works(n: int) -> None:
        calls.append(n)

    monkeypatch.setattr(jobs, "registry", lambda: {"t.works": works})
    job_id = await jobs.enqueue("t.works", {"n": 1}, max_attempts=2)
    await jobs._claim()  # a worker claims it, then dies: the lease is still current
    assert await jobs.run_until_empty() == 0, "a live lease is not taken from its worker"
    await Job.update({Job.lease_until: jobs._now() - dt.timedelta(seconds=1)}).where(
        Job.id == job_id
    )
    assert await jobs.run_until_empty() == 1
    row = await Job.select().where(Job.id == job_id).first()
    assert calls == [1]
    assert row["status"] == "done" and row["attempts"] == 2
    assert "LeaseExpired" in row["last_error"] and row["lease_until"] is None


async def test_a_lost_job_with_no_attempts_left_is_failed_not_stuck(db: Any, monkeypatch):
    async def works() -> None:
        raise AssertionError("must not run again")

    monkeypatch.setattr(jobs, "registry", lambda: {"t.once": works})
    job_id = await jobs.enqueue("t.once", max_attempts=1)
    await _crash_while_running(job_id)
    assert await jobs.run_until_empty() == 0
    row = await Job.select().where(Job.id == job_id).first()
    assert row["status"] == "failed" and "LeaseExpired" in row["last_error"]
    assert row["finished_at"] is not None


async def test_jobs_are_time_limited_and_back_off_doubles(db: Any, monkeypatch):
    async def slow() -> None:
        await asyncio.sleep(5)

    monkeypatch.setattr(jobs, "registry", lambda: {"t.slow": slow})
    job_id = await jobs.enqueue("t.slow", max_attempts=3, timeout_s=0)
    before = jobs._now()
    assert await jobs.run_until_empty() == 1
    row = await Job.select().where(Job.id == job_id).first()
    assert row["status"] == "queued" and "TimeoutError" in row["last_error"]
    run_after = row["run_after"].replace(tzinfo=row["run_after"].tzinfo or dt.UTC)
    assert run_after - before >= dt.timedelta(seconds=jobs.BACKOFF_BASE_S)
    assert [jobs.backoff_s(n) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]
    assert jobs.backoff_s(50) == jobs.BACKOFF_MAX_S


async def test_failed_jobs_can_be_retried_once_more(db: Any, monkeypatch):
    async def breaks() -> None:
        raise ValueError("boom")

    monkeypatch.setattr(jobs, "registry", lambda: {"t.breaks": breaks})
    job_id = await jobs.enqueue("t.breaks", max_attempts=1)
    await jobs.run_until_empty()
    assert await jobs.retry(job_id) is True
    assert await jobs.retry(job_id) is False, "only a failed job is retried"
    row = await Job.select().where(Job.id == job_id).first()
    assert row["status"] == "queued" and row["attempts"] == 0


async def test_a_failed_jobs_error_is_kept_without_personal_data(db: Any, monkeypatch):
    async def refused() -> None:
        raise ValueError(
            "recipient refused: <jane.doe@example.org>, 07700 900123, SW1A 1AA, "
            "link /s/Qm9vX3Rva2VuX3RoYXRfaXNfbG9uZw"
        )

    monkeypatch.setattr(jobs, "registry", lambda: {"t.refused": refused})
    job_id = await jobs.enqueue("t.refused", max_attempts=1)
    await jobs.run_until_empty()
    row = await Job.select().where(Job.id == job_id).first()
    assert row["status"] == "failed"
    assert row["last_error"] == (
        "ValueError: recipient refused: <[email]>, [phone], [postcode], link /s/[token]"
    )
