"""Background jobs: a durable queue in the database and an in-process asyncio worker.

Jobs live in the `job` table, so queued audits survive a restart and any number of worker
processes can share the queue: a job is claimed by one conditional UPDATE, which succeeds
for exactly one worker. Job functions are plain `async def fn(**payload)` registered by each
domain's jobs.py (`JOBS`); today they are `accessibility.run_audit` and
`service.purge_sessions`. The only runner is the `Worker` below (in the web process, or
`resident-voice jobs run`), on SQLite or PostgreSQL; there is no external queue (SAQ or
other) behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from service import domains
from service.logs import safe_traceback
from service.tables import Job

log = structlog.get_logger("jobs")

JobFunction = Callable[..., Awaitable[Any]]


@dataclass
class Periodic:
    """A function the worker runs every `every_s` seconds (schedules, clean-ups)."""

    name: str
    every_s: float
    fn: Callable[[], Awaitable[Any]]
    last_run: float = field(default=0.0, repr=False)


class UnknownJob(KeyError):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def registry() -> dict[str, JobFunction]:
    from service.session_store import DatabaseSessionStore

    async def purge_sessions() -> int:
        return await DatabaseSessionStore().delete_expired()

    return {"service.purge_sessions": purge_sessions, **domains.jobs()}


async def enqueue(
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    delay_s: float = 0,
    max_attempts: int = 3,
) -> int:
    """Queue a job; returns its id. Unknown names are refused now, not when the job runs."""
    if name not in registry():
        raise UnknownJob(f"no job called {name!r}; known: {', '.join(sorted(registry()))}")
    job = Job(
        name=name,
        payload=payload or {},
        run_after=_now() + dt.timedelta(seconds=delay_s),
        max_attempts=max_attempts,
    )
    await job.save()
    return int(job.id)


async def _claim() -> dict[str, Any] | None:
    candidate = (
        await Job.select(Job.id)
        .where((Job.status == "queued") & (Job.run_after <= _now()))
        .order_by(Job.run_after)
        .first()
    )
    if candidate is None:
        return None
    claimed = (
        await Job.update({Job.status: "running", Job.attempts: Job.attempts + 1})
        .where((Job.id == candidate["id"]) & (Job.status == "queued"))
        .returning(Job.id, Job.name, Job.payload, Job.attempts, Job.max_attempts)
    )
    return claimed[0] if claimed else None


async def run_one(functions: dict[str, JobFunction] | None = None) -> bool:
    """Claim and run one due job. Returns False when none was due."""
    functions = functions or registry()
    job = await _claim()
    if job is None:
        return False
    payload = job["payload"]
    if isinstance(payload, str):  # SQLite returns JSON columns as text
        payload = json.loads(payload or "{}")
    started = time.perf_counter()
    try:
        fn = functions[job["name"]]
        await fn(**payload)
    except Exception as error:
        retry = job["attempts"] < job["max_attempts"]
        await Job.update(
            {
                Job.status: "queued" if retry else "failed",
                Job.last_error: f"{type(error).__name__}: {error}"[:2000],
                Job.run_after: _now() + dt.timedelta(seconds=30 * job["attempts"]),
            }
        ).where(Job.id == job["id"])
        log.warning(
            "job failed",
            job=job["name"],
            id=job["id"],
            retry=retry,
            error=type(error).__name__,
            traceback=safe_traceback(error),
        )
    else:
        await Job.update({Job.status: "done", Job.finished_at: _now()}).where(Job.id == job["id"])
        log.info(
            "job done",
            job=job["name"],
            id=job["id"],
            ms=round((time.perf_counter() - started) * 1000),
        )
    return True


async def run_until_empty(limit: int = 1000) -> int:
    """Run due jobs until none is left (tests, CLI `jobs run`)."""
    functions = registry()
    count = 0
    while count < limit and await run_one(functions):
        count += 1
    return count


class Worker:
    """The in-process worker: polls for due jobs and runs periodic tasks."""

    def __init__(self, poll_s: float = 1.0) -> None:
        self.poll_s = poll_s
        self._task: asyncio.Task[None] | None = None
        self._periodic: list[Periodic] = [
            Periodic("service.purge_sessions", 3600, self._purge),
            *domains.periodic(),
        ]

    @staticmethod
    async def _purge() -> None:
        await enqueue("service.purge_sessions")

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="resident-voice-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        functions = registry()
        while True:
            try:
                now = time.monotonic()
                for task in self._periodic:
                    if now - task.last_run >= task.every_s:
                        task.last_run = now
                        await task.fn()
                while await run_one(functions):
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as error:  # keep the worker alive; the job row records failures
                log.error(
                    "worker error", error=type(error).__name__, traceback=safe_traceback(error)
                )
            await asyncio.sleep(self.poll_s)
