"""The SAQ engine (PostgreSQL) in this process: the registry's plain functions run on SAQ,
retried with doubling back-off, time-limited, failures kept with their error, queued only
when the enclosing transaction commits, periodic tasks unique per due time, and the
administrators' page lists SAQ's jobs and retries a failed one."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
import saq.utils

from service import jobs
from service.jobs import saq_engine
from service.tables import Job
from tests.conftest import post_form

pytest_plugins = ["tests.service.saq_fixtures"]

POSTGRES = pytest.mark.parametrize("db_engine", ["postgres"], indirect=True)


async def _scheduled(q: Any, key: str) -> float:
    async with q.pool.connection() as conn:
        row = await (
            await conn.execute("SELECT scheduled FROM saq_jobs WHERE key = %s", (key,))
        ).fetchone()
    return float(row[0])


async def _make_due(q: Any, key: str) -> None:
    async with q.pool.connection() as conn:
        await conn.execute("UPDATE saq_jobs SET scheduled = 0 WHERE key = %s", (key,))


@pytest.mark.db
@POSTGRES
async def test_registry_functions_run_on_saq_and_failures_back_off_then_fail(
    saq_queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    async def works(n: int) -> dict[str, int]:
        calls.append(n)
        return {"n": n}

    async def breaks() -> None:
        raise ValueError("mail server said no to jane.doe@example.org")

    monkeypatch.setattr(jobs, "registry", lambda: {"t.works": works, "t.breaks": breaks})
    settings = saq_engine._settings().model_copy(update={"job_retry_delay_s": 100.0})
    monkeypatch.setattr(saq_engine, "_settings", lambda: settings)
    monkeypatch.setattr(saq.utils, "random", lambda: 1.0)  # SAQ's jitter, made its maximum

    done = await jobs.enqueue("t.works", {"n": 7})
    failing = await jobs.enqueue("t.breaks", max_attempts=3)
    assert isinstance(done, str) and isinstance(failing, str)
    assert await Job.count() == 0, "nothing goes to the job table on SAQ"
    assert await jobs.run_until_empty() == 2
    assert calls == [7]

    delays = []
    for _attempt in (1, 2):
        delays.append(await _scheduled(saq_queue, str(failing)) - time.time())
        await _make_due(saq_queue, str(failing))
        await jobs.run_until_empty()
    # Doubling back-off: ~100 s after the first failure, ~200 s after the second.
    assert 95 < delays[0] <= 100 and 195 < delays[1] <= 200, delays

    groups = await jobs.recent_jobs()
    assert [j["id"] for j in groups["done"]] == [done]
    [failed] = groups["failed"]
    assert failed["id"] == failing and failed["attempts"] == 3 and failed["max_attempts"] == 3
    # Kept without what a resident gave us (service.logs.job_error), in SAQ's own table too.
    assert failed["last_error"] == "ValueError: mail server said no to [email]"
    stored = await saq_queue.job(str(failing))
    assert "jane.doe" not in (stored.error or "") and "[email]" in (stored.error or "")
    assert groups["queued"] == [] and groups["running"] == []

    assert await jobs.retry(str(failing)) is True
    assert [j["id"] for j in (await jobs.recent_jobs())["queued"]] == [failing]
    assert await jobs.retry(str(done)) is False, "only failed jobs are retried"
    assert await jobs.retry("no-such-job") is False


@pytest.mark.db
@POSTGRES
async def test_a_job_over_its_time_limit_is_cancelled_and_failed(
    saq_queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished: list[bool] = []

    async def slow() -> None:
        await asyncio.sleep(30)
        finished.append(True)

    monkeypatch.setattr(jobs, "registry", lambda: {"t.slow": slow})
    await jobs.enqueue("t.slow", max_attempts=1, timeout_s=1)
    started = time.monotonic()
    await jobs.run_until_empty()
    assert time.monotonic() - started < 10
    [failed] = (await jobs.recent_jobs())["failed"]
    assert "TimeoutError" in failed["last_error"] and not finished


@pytest.mark.db
@POSTGRES
async def test_a_job_queued_in_a_transaction_exists_only_if_it_commits(
    saq_queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []

    async def record(n: int) -> None:
        seen.append(n)

    monkeypatch.setattr(jobs, "registry", lambda: {"t.record": record})
    engine = Job._meta.db
    with pytest.raises(RuntimeError):
        async with engine.transaction():
            await jobs.enqueue("t.record", {"n": 1})
            raise RuntimeError("the change fails after queueing its job")
    async with engine.transaction():
        key = await jobs.enqueue("t.record", {"n": 2})
        # Not visible outside the transaction before it commits.
        assert await saq_queue.job(str(key)) is None
    assert await jobs.run_until_empty() == 1
    assert seen == [2]


@pytest.mark.db
@POSTGRES
async def test_periodic_tasks_are_one_saq_job_per_due_time_however_many_workers(
    saq_queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def tick() -> None:
        return None

    task = jobs.Periodic("t.tick", 60, tick)
    workers = [
        saq_engine.build_worker(saq_queue, functions={}, periodic=[task], concurrency=1)
        for _ in range(3)
    ]
    for _round in range(3):
        for worker in workers:
            await worker.schedule()
    async with saq_queue.pool.connection() as conn:
        rows = await (
            await conn.execute("SELECT key, scheduled FROM saq_jobs WHERE key LIKE 'cron:%%'")
        ).fetchall()
    assert len(rows) == 1
    key, scheduled = rows[0]
    assert key == "cron:periodic:t.tick" and scheduled % 60 == 0 and scheduled > time.time()


def test_intervals_become_cron_expressions() -> None:
    assert saq_engine.cron_for(1) == "* * * * * */1"
    assert saq_engine.cron_for(60) == "*/1 * * * *"
    assert saq_engine.cron_for(900) == "*/15 * * * *"
    assert saq_engine.cron_for(3600) == "0 */1 * * *"
    assert saq_engine.cron_for(86400) == "0 2 * * *"
    with pytest.raises(ValueError, match="give the Periodic a cron"):
        saq_engine.cron_for(7 * 60)


@pytest.mark.db
@POSTGRES
async def test_admins_see_saq_jobs_with_errors_and_retry_a_failed_one(
    saq_queue: Any, client: Any, staff_login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def breaks() -> None:
        raise ValueError("mail server said no")

    async def works() -> None:
        return None

    monkeypatch.setattr(jobs, "registry", lambda: {"t.breaks": breaks, "t.works": works})
    failed = await jobs.enqueue("t.breaks", max_attempts=1)
    await jobs.enqueue("t.works")
    await jobs.run_until_empty()
    await jobs.enqueue("t.works", delay_s=3600)

    await staff_login(client, "panel_manager")
    assert (await client.get("/staff/jobs")).status_code == 403
    client.cookies.clear()
    await staff_login(client, "admin")
    page = await client.get("/staff/jobs")
    assert page.status_code == 200
    for heading in ("Queued (1)", "Running (0)", "Failed (1)", "Done (1)"):
        assert heading in page.text
    assert "SAQ workers over PostgreSQL" in page.text
    assert "ValueError: mail server said no" in page.text
    assert f'action="/staff/jobs/{failed}/retry"' in page.text

    assert (await client.post(f"/staff/jobs/{failed}/retry")).status_code == 403  # no CSRF
    done = await post_form(client, f"/staff/jobs/{failed}/retry", {})
    assert done.status_code == 303 and done.headers["location"] == "/staff/jobs?retried=true"
    assert (await saq_queue.job(str(failed))).status.value == "queued"
    assert (await post_form(client, "/staff/jobs/nope/retry", {})).status_code == 404


@pytest.mark.db
@POSTGRES
async def test_a_failed_jobs_log_lines_carry_no_exception_message(
    saq_queue: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def refused(address: str) -> None:
        raise ValueError(f"recipient {address} refused")

    monkeypatch.setattr(jobs, "registry", lambda: {"t.refused": refused})
    key = await jobs.enqueue("t.refused", {"address": "ada.lovelace@example.org"}, max_attempts=1)
    with caplog.at_level(logging.DEBUG):  # LOG_LEVEL=DEBUG for the whole service
        await jobs.run_until_empty()
    saq_lines = [r for r in caplog.records if r.name == "saq"]
    failure = [r for r in saq_lines if r.getMessage().startswith("Error processing job")]
    assert failure and f"t.refused {key}" in failure[0].getMessage()
    assert "Traceback" in failure[0].getMessage() and failure[0].exc_info is None
    for record in saq_lines:
        assert "ada.lovelace" not in record.getMessage()
