"""The durable job queue: enqueue, claim once, retry, fail with the error kept."""

from __future__ import annotations

import asyncio
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
