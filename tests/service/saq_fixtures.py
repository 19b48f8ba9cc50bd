"""Fixtures for the SAQ engine: the queue on the test run's PostgreSQL database, emptied.

The suite's own DATABASE_URL is SQLite (tests swap engines underneath), so `engine_name()`
says `table` in the test process; these fixtures switch the process to SAQ on the backend's
database and give worker subprocesses the matching environment.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from service import jobs
from service.jobs import saq_engine
from service.settings import Settings

#: Short enough for tests: a lost job is swept within ~3 s, a failed one retried at once.
FAST = {"job_heartbeat_s": 3, "job_sweep_s": 1, "job_retry_delay_s": 0.0}


def worker_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a `resident-voice worker` subprocess on `url`, with FAST timers."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "JOB_ENGINE": "saq",
        "RUN_WORKER": "false",
        **{name.upper(): str(value) for name, value in FAST.items()},
        **extra,
    }


async def empty_queue(q: Any) -> None:
    async with q.pool.connection() as conn:
        await conn.execute("DELETE FROM saq_jobs")
        await conn.execute("DELETE FROM saq_stats")


@pytest.fixture
async def saq_queue(db: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    """This process on the SAQ engine, on the backend's PostgreSQL database, queue empty."""
    assert db.name == "postgres", "SAQ runs on PostgreSQL only"
    settings = Settings(secret_key="s" * 40, database_url=db.url, job_engine="saq", **FAST)
    monkeypatch.setattr(jobs, "engine_name", lambda _settings=None: "saq")
    monkeypatch.setattr(saq_engine, "database_url", lambda: db.url)
    monkeypatch.setattr(saq_engine, "_settings", lambda: settings)
    q = await saq_engine.queue()
    await empty_queue(q)
    try:
        yield q
    finally:
        await saq_engine.close()
