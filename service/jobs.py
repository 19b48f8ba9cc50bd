"""Background jobs: a durable queue in the database and an in-process asyncio worker.

Jobs live in the `job` table, so queued invitations and audits survive a restart and any
number of worker processes can share the queue: a job is claimed by one conditional UPDATE,
which succeeds for exactly one worker. A claim is a lease (`lease_until`, the job's time limit
plus a grace): a worker that dies mid-job leaves it `running` only until the lease runs out,
then another worker retries it with back-off, or fails it with the error kept once its
attempts are used up. Periodic tasks are claimed per due time (`periodic_lease`), so several
workers run each once, not once each. Job functions are plain `async def fn(**payload)`
registered by each domain's jobs.py (`JOBS`). The only runner is the `Worker` below (in the
web process, or `resident-voice jobs run`), on SQLite or PostgreSQL; there is no external
queue (SAQ or other) behind it yet.
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
from piccolo.query.functions.aggregate import Count

from service import domains
from service.logs import safe_traceback
from service.tables import Job, PeriodicLease

log = structlog.get_logger("jobs")

JobFunction = Callable[..., Awaitable[Any]]


@dataclass
class Periodic:
    """A function the worker runs every `every_s` seconds (schedules, clean-ups)."""

    name: str
    every_s: float
    fn: Callable[[], Awaitable[Any]]
    last_run: float = field(default=0.0, repr=False)
    #: monotonic time before which this worker need not ask the database again
    next_check: float = field(default=0.0, repr=False)


class UnknownJob(KeyError):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def registry() -> dict[str, JobFunction]:
    from service.session_store import DatabaseSessionStore

    async def purge_sessions() -> int:
        return await DatabaseSessionStore().delete_expired()

    return {"service.purge_sessions": purge_sessions, **domains.jobs()}


#: A worker that stops renewing (it died) loses a running job this long after its time limit.
LEASE_GRACE_S = 30.0
#: Back-off before attempt n+1 is BACKOFF_BASE_S * 2**(n-1) seconds, capped at BACKOFF_MAX_S.
BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 3600.0


def backoff_s(attempts: int) -> float:
    """How long to wait after the `attempts`-th failure: doubling, so a broken mail server is
    not hammered, but capped so a job still runs within the hour once it is fixed."""
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))


async def enqueue(
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    delay_s: float = 0,
    max_attempts: int = 3,
    timeout_s: int = 600,
) -> int:
    """Queue a job; returns its id. Unknown names are refused now, not when the job runs.

    `timeout_s` bounds one attempt: a job that takes longer is cancelled and counted as failed.
    """
    if name not in registry():
        raise UnknownJob(f"no job called {name!r}; known: {', '.join(sorted(registry()))}")
    job = Job(
        name=name,
        payload=payload or {},
        run_after=_now() + dt.timedelta(seconds=delay_s),
        max_attempts=max_attempts,
        timeout_s=timeout_s,
    )
    await job.save()
    return int(job.id)


def _claimable(now: dt.datetime) -> Any:
    """Due queued jobs, and running jobs whose worker's lease has run out (it crashed)."""
    return ((Job.status == "queued") & (Job.run_after <= now)) | (
        (Job.status == "running") & (Job.lease_until < now)
    )


async def _claim() -> dict[str, Any] | None:
    """Claim one job by a conditional UPDATE, which exactly one worker wins.

    A job whose lease expired with no attempts left is failed here rather than run again.
    """
    while True:
        now = _now()
        candidate = (
            await Job.select(Job.id, Job.status, Job.attempts, Job.max_attempts, Job.timeout_s)
            .where(_claimable(now))
            .order_by(Job.run_after)
            .first()
        )
        if candidate is None:
            return None
        lost = candidate["status"] == "running"
        if lost and candidate["attempts"] >= candidate["max_attempts"]:
            await Job.update(
                {
                    Job.status: "failed",
                    Job.finished_at: now,
                    Job.lease_until: None,
                    Job.last_error: "LeaseExpired: the worker running this job stopped "
                    f"(attempt {candidate['attempts']} of {candidate['max_attempts']})",
                }
            ).where((Job.id == candidate["id"]) & _claimable(now))
            log.warning("job lost", id=candidate["id"], retry=False)
            continue
        lease = now + dt.timedelta(seconds=candidate["timeout_s"] + LEASE_GRACE_S)
        values: dict[Any, Any] = {
            Job.status: "running",
            Job.attempts: Job.attempts + 1,
            Job.lease_until: lease,
        }
        if lost:
            values[Job.last_error] = "LeaseExpired: the worker running this job stopped"
            log.warning("job lost", id=candidate["id"], retry=True)
        claimed = (
            await Job.update(values)
            .where((Job.id == candidate["id"]) & _claimable(now))
            .returning(Job.id, Job.name, Job.payload, Job.attempts, Job.max_attempts, Job.timeout_s)
        )
        if claimed:
            return claimed[0]


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
        await asyncio.wait_for(fn(**payload), timeout=job["timeout_s"])
    except Exception as error:
        retry = job["attempts"] < job["max_attempts"]
        if isinstance(error, TimeoutError):
            message = f"TimeoutError: the job took longer than {job['timeout_s']} s"
        else:
            message = f"{type(error).__name__}: {error}"
        await Job.update(
            {
                Job.status: "queued" if retry else "failed",
                Job.last_error: message[:2000],
                Job.lease_until: None,
                Job.finished_at: None if retry else _now(),
                Job.run_after: _now() + dt.timedelta(seconds=backoff_s(job["attempts"])),
            }
        ).where((Job.id == job["id"]) & (Job.status == "running"))
        log.warning(
            "job failed",
            job=job["name"],
            id=job["id"],
            retry=retry,
            error=type(error).__name__,
            traceback=safe_traceback(error),
        )
    else:
        await Job.update(
            {Job.status: "done", Job.finished_at: _now(), Job.lease_until: None}
        ).where(Job.id == job["id"])
        log.info(
            "job done",
            job=job["name"],
            id=job["id"],
            ms=round((time.perf_counter() - started) * 1000),
        )
    return True


async def retry(job_id: int) -> bool:
    """Queue a failed job again now, with a fresh set of attempts (staff's retry button)."""
    updated = (
        await Job.update(
            {
                Job.status: "queued",
                Job.attempts: 0,
                Job.run_after: _now(),
                Job.finished_at: None,
                Job.lease_until: None,
            }
        )
        .where((Job.id == job_id) & (Job.status == "failed"))
        .returning(Job.id)
    )
    return bool(updated)


JOB_STATUSES = ("queued", "running", "failed", "done")


async def recent_jobs(limit: int = 50) -> dict[str, list[dict[str, Any]]]:
    """The newest `limit` jobs of each status, for the administrators' page.

    Payloads are left out: they hold ids, not personal data, but the page has no need of them.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for status in JOB_STATUSES:
        groups[status] = (
            await Job.select(
                Job.id,
                Job.name,
                Job.status,
                Job.attempts,
                Job.max_attempts,
                Job.run_after,
                Job.lease_until,
                Job.created_at,
                Job.finished_at,
                Job.last_error,
            )
            .where(Job.status == status)
            .order_by(Job.id, ascending=False)
            .limit(limit)
        )
    return groups


async def queue_counts() -> dict[str, int]:
    """How many jobs are in each status, for `/metrics` (queued = the queue's depth).

    The one question metrics asks of the job engine; an engine other than the job table
    (SAQ) answers it from its own queue, so `service.metrics` needs no change.
    """
    rows = await Job.select(Job.status, Count(alias="n")).group_by(Job.status)
    return {str(row["status"]): int(row["n"]) for row in rows}


async def run_until_empty(limit: int = 1000) -> int:
    """Run due jobs until none is left (tests, CLI `jobs run`)."""
    functions = registry()
    count = 0
    while count < limit and await run_one(functions):
        count += 1
    return count


async def claim_periodic(name: str, every_s: float, now: dt.datetime | None = None) -> bool:
    """True for exactly one caller per due time of `name`, across every worker process.

    The claim is one conditional UPDATE (`due_at <= now` → `due_at = now + every_s`), which
    PostgreSQL and SQLite both apply atomically, so two workers never both win it.
    """
    now = now or _now()
    await PeriodicLease.insert(PeriodicLease(name=name, due_at=now)).on_conflict(
        target=PeriodicLease.name, action="DO NOTHING"
    )
    claimed = (
        await PeriodicLease.update(
            {
                PeriodicLease.due_at: now + dt.timedelta(seconds=every_s),
                PeriodicLease.last_run_at: now,
            }
        )
        .where((PeriodicLease.name == name) & (PeriodicLease.due_at <= now))
        .returning(PeriodicLease.id)
    )
    return bool(claimed)


async def _seconds_until_due(name: str) -> float:
    row = await PeriodicLease.select(PeriodicLease.due_at).where(PeriodicLease.name == name).first()
    if row is None:
        return 0.0
    due = row["due_at"]
    if due.tzinfo is None:  # SQLite may hand back naive UTC
        due = due.replace(tzinfo=dt.UTC)
    return max(0.0, (due - _now()).total_seconds())


async def run_periodic(tasks: list[Periodic]) -> list[str]:
    """Run each periodic task this worker wins the claim for; returns their names."""
    ran = []
    mono = time.monotonic()
    for task in tasks:
        if mono < task.next_check:
            continue
        if await claim_periodic(task.name, task.every_s):
            task.last_run = mono
            ran.append(task.name)
            await task.fn()
        # Ask again when it is next due (or in a minute, should the interval change).
        task.next_check = time.monotonic() + min(60.0, await _seconds_until_due(task.name))
    return ran


class Worker:
    """The in-process worker: polls for due jobs and runs periodic tasks.

    Periodic tasks are claimed through `periodic_lease`, so with several web or worker
    processes each task still runs once per due time, not once per process.
    """

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
                await run_periodic(self._periodic)
                while await run_one(functions):
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as error:  # keep the worker alive; the job row records failures
                log.error(
                    "worker error", error=type(error).__name__, traceback=safe_traceback(error)
                )
            await asyncio.sleep(self.poll_s)
